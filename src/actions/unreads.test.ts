import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { testApp, type TestContext } from '../../test/app.ts';
import { fxUser, type FxUser } from '../../test/fixtures.ts';

// Unread and mention counts through the HTTP API, with posts made by createPost (posts.ts),
// which maintains the counters with the semantics documented in docs/api/channels.md.
let t: TestContext;
test.before(async () => {
  t = await testApp();
});
test.after(async () => {
  await t.close();
});

let n = 0;
async function setup() {
  const a = await fxUser(t.deps);
  const b = await fxUser(t.deps);
  const tr = await t.req('POST', '/api/v1/teams', { token: a.token, body: { name: `unr-${Date.now().toString(36)}-${n++}`, display_name: 'U', type: 'O' } });
  await t.req('POST', `/api/v1/teams/${tr.body.id}/join`, { token: b.token });
  const cr = await t.req('POST', '/api/v1/channels', { token: a.token, body: { team_id: tr.body.id, name: 'talk', display_name: 'Talk', type: 'public' } });
  await t.req('POST', `/api/v1/channels/${cr.body.id}/join`, { token: b.token });
  t.takeEvents();
  return { a, b, teamId: tr.body.id as string, channelId: cr.body.id as string };
}

async function post(user: FxUser, channelId: string, message: string, rootId?: string) {
  const r = await t.req('POST', `/api/v1/channels/${channelId}/posts`, { token: user.token, body: { message, ...(rootId ? { root_id: rootId } : {}) } });
  assert.is(r.status, 201, JSON.stringify(r.body));
  return r.body;
}

const unreadsOf = async (user: FxUser) => (await t.req('GET', '/api/v1/channels/unreads', { token: user.token })).body;

test('posts count as unread for others, mentions count for the mentioned, the author has read everything', async () => {
  const { a, b, teamId, channelId } = await setup();
  const root = await post(a, channelId, 'hello');
  await post(a, channelId, `hey @${b.username}`);
  await post(a, channelId, `reply to @${b.username}`, root.id);

  const ub = await unreadsOf(b);
  const cb = ub.channels.find((u: any) => u.channel_id === channelId);
  assert.equal(
    { unread_count: cb.unread_count, unread_root_count: cb.unread_root_count, mention_count: cb.mention_count, mention_count_root: cb.mention_count_root },
    { unread_count: 3, unread_root_count: 2, mention_count: 2, mention_count_root: 1 },
  );
  assert.is(cb.team_id, teamId);
  assert.ok(cb.last_post_at >= root.create_at);
  const tb = ub.teams.find((x: any) => x.team_id === teamId);
  assert.equal(tb, { team_id: teamId, unread_count: 3, unread_root_count: 2, mention_count: 2, mention_count_root: 1, unread_channels: 1 });

  const ua = await unreadsOf(a);
  const ca = ua.channels.find((u: any) => u.channel_id === channelId);
  assert.is(ca.unread_count, 0, 'the author has seen their own posts');
  assert.is(ua.teams.find((x: any) => x.team_id === teamId).unread_count, 0);

  // The team channel list carries the same counts in one call.
  const list = await t.req('GET', `/api/v1/teams/${teamId}/channels`, { token: b.token });
  const item = list.body.items.find((c: any) => c.id === channelId);
  assert.is(item.unread.unread_count, 3);
  assert.is(item.unread.mention_count, 2);
  assert.is(item.total_msg_count, 3);
  assert.is(item.member.msg_count, 0);
  assert.is(list.body.team.unread_count, 3);
  assert.is(list.body.team.mention_count, 2);
});

test('mark read: counts reset, channel_viewed and unread_updated go only to the reader', async () => {
  const { a, b, teamId, channelId } = await setup();
  await post(a, channelId, `ping @${b.username}`);
  await post(a, channelId, 'more');
  t.takeEvents();
  const r = await t.req('POST', `/api/v1/channels/${channelId}/read`, { token: b.token });
  assert.is(r.status, 200);
  assert.is(r.body.member.msg_count, 2);
  assert.is(r.body.member.mention_count, 0);
  assert.is(r.body.unread.unread_count, 0);
  const ev = t.takeEvents();
  assert.equal(ev.map((e) => e.event), ['channel_viewed', 'unread_updated']);
  for (const e of ev) assert.equal(e.broadcast.user_ids, [b.id]);
  assert.is(ev[0].data.channel_id, channelId);
  assert.is(ev[0].data.last_viewed_at, r.body.member.last_viewed_at);
  assert.equal(
    { c: ev[1].data.channel_id, t: ev[1].data.team_id, u: ev[1].data.unread_count, m: ev[1].data.mention_count },
    { c: channelId, t: teamId, u: 0, m: 0 },
  );

  const ub = await unreadsOf(b);
  const cb = ub.channels.find((u: any) => u.channel_id === channelId);
  assert.is(cb.unread_count, 0);
  assert.is(cb.mention_count, 0);
  assert.is(ub.teams.find((x: any) => x.team_id === teamId).unread_channels, 0);

  // New posts after the read are unread again.
  await post(a, channelId, 'after');
  assert.is((await unreadsOf(b)).channels.find((u: any) => u.channel_id === channelId).unread_count, 1);
});

test('mark read: members only; unknown and malformed ids', async () => {
  const { a, teamId, channelId } = await setup();
  const outsider = await fxUser(t.deps);
  const teamUser = await fxUser(t.deps);
  await t.req('POST', `/api/v1/teams/${teamId}/join`, { token: teamUser.token });
  t.takeEvents();
  const r1 = await t.req('POST', `/api/v1/channels/${channelId}/read`, { token: outsider.token });
  assert.is(r1.status, 403);
  assert.is(r1.body.error.code, 'forbidden');
  const r2 = await t.req('POST', `/api/v1/channels/${channelId}/read`, { token: teamUser.token });
  assert.is(r2.status, 403, 'a public channel must be joined before it can be marked read');
  const r3 = await t.req('POST', `/api/v1/channels/${'h'.repeat(26)}/read`, { token: a.token });
  assert.is(r3.status, 404);
  assert.is(r3.body.error.code, 'channel_not_found');
  const r4 = await t.req('POST', '/api/v1/channels/x/read', { token: a.token });
  assert.is(r4.status, 400);
  assert.is(r4.body.error.code, 'invalid_id');
  assert.is(t.takeEvents().length, 0);
  assert.is((await t.req('GET', '/api/v1/channels/unreads')).status, 401);
});

test('a member who joins later starts with nothing unread; DMs are totalled apart from teams', async () => {
  const { a, teamId, channelId } = await setup();
  await post(a, channelId, 'before c joined');
  const c = await fxUser(t.deps);
  await t.req('POST', `/api/v1/teams/${teamId}/join`, { token: c.token });
  await t.req('POST', `/api/v1/channels/${channelId}/join`, { token: c.token });
  const uc = await unreadsOf(c);
  assert.is(uc.channels.find((u: any) => u.channel_id === channelId).unread_count, 0);

  const dm = await t.req('POST', '/api/v1/channels/direct', { token: a.token, body: { user_id: c.id } });
  await post(a, dm.body.id, 'psst');
  await post(a, dm.body.id, 'psst again');
  const after = await unreadsOf(c);
  const d = after.channels.find((u: any) => u.channel_id === dm.body.id);
  assert.is(d.team_id, '');
  assert.is(d.type, 'D');
  assert.is(d.unread_count, 2);
  assert.is(after.direct.unread_count, 2);
  assert.is(after.direct.unread_channels, 1);
  assert.is(after.teams.find((x: any) => x.team_id === teamId).unread_count, 0, 'DMs do not count towards a team');
  // The team channel list includes DMs (as Mattermost lists them) but keeps them out of the team total.
  const list = await t.req('GET', `/api/v1/teams/${teamId}/channels`, { token: c.token });
  assert.ok(list.body.items.some((x: any) => x.id === dm.body.id));
  assert.is(list.body.team.unread_count, 0);
  assert.is(list.body.direct.unread_count, 2);
});

test.run();
