import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createHash } from 'node:crypto';
import { testApp, type TestContext, type RecordedEvent, only } from '../../../test/app.ts';
import { fxUser, type FxUser } from '../../../test/fixtures.ts';

let t: TestContext;
test.before(async () => {
  t = await testApp();
});
test.after(async () => {
  await t.close();
});

let n = 0;
const sorted = (ids: string[]) => [...ids].sort();

/** A team made by `owner` (team admin) with `members` joined, and its town-square id. */
async function team(owner: FxUser, members: FxUser[] = []) {
  const r = await t.req('POST', '/api/v1/teams', { token: owner.token, body: { name: `ch-team-${Date.now().toString(36)}-${n++}`, display_name: 'T', type: 'O' } });
  assert.is(r.status, 201);
  for (const m of members) assert.is((await t.req('POST', `/api/v1/teams/${r.body.id}/join`, { token: m.token })).status, 201);
  const [ts] = await t.deps.db.query<{ id: string }>(`select id from channels where team_id = $1 and name = 'town-square'`, [r.body.id]);
  t.takeEvents();
  return { id: r.body.id as string, townSquare: ts.id };
}

async function channel(user: FxUser, teamId: string, type: 'public' | 'private', extra: Record<string, unknown> = {}) {
  const r = await t.req('POST', '/api/v1/channels', { token: user.token, body: { team_id: teamId, name: `c-${n++}`, display_name: 'Chan', type, ...extra } });
  assert.is(r.status, 201, JSON.stringify(r.body));
  lastEvents = t.takeEvents();
  return r.body;
}
let lastEvents: RecordedEvent[] = [];

const memberIds = async (channelId: string) =>
  (await t.deps.db.query<{ user_id: string }>('select user_id from channel_members where channel_id = $1', [channelId])).map((r) => r.user_id).sort();

test('create public and private channels: creator is channel admin, channel_created to the creator', async () => {
  const a = await fxUser(t.deps);
  const b = await fxUser(t.deps);
  const tm = await team(a, [b]);
  const pub = await channel(a, tm.id, 'public', { purpose: 'p', header: 'h' });
  assert.is(pub.type, 'O');
  assert.is(pub.team_id, tm.id);
  assert.is(pub.purpose, 'p');
  assert.is(pub.header, 'h');
  assert.is(pub.creator_id, a.id);
  const ev = lastEvents;
  assert.is(ev.length, 1);
  assert.is(ev[0].event, 'channel_created');
  assert.equal(ev[0].broadcast.user_ids, [a.id]);
  assert.is((ev[0].data.channel as any).id, pub.id);
  const [m] = await t.deps.db.query<{ role: string }>('select role from channel_members where channel_id = $1 and user_id = $2', [pub.id, a.id]);
  assert.is(m.role, 'channel_admin');

  const priv = await channel(b, tm.id, 'private');
  assert.is(priv.type, 'P');
  assert.equal(await memberIds(priv.id), [b.id]);
  const viaLetter = await channel(b, tm.id, 'O' as any);
  assert.is(viaLetter.type, 'O');
});

test('channel creation: bad input and authorization, nothing written, no event', async () => {
  const a = await fxUser(t.deps);
  const outsider = await fxUser(t.deps);
  const tm = await team(a);
  const before = (await t.deps.db.query<{ n: number }>('select count(*)::int8 as n from channels'))[0].n;
  const cases: [unknown, string | undefined, number, string][] = [
    [{ team_id: tm.id, name: 'Bad Name', display_name: 'x', type: 'public' }, a.token, 400, 'invalid_channel_name'],
    [{ team_id: tm.id, name: 'UPPER', display_name: 'x', type: 'public' }, a.token, 400, 'invalid_channel_name'],
    [{ team_id: tm.id, name: '', display_name: 'x', type: 'public' }, a.token, 400, 'invalid_channel_name'],
    [{ team_id: tm.id, name: '_lead', display_name: 'x', type: 'public' }, a.token, 400, 'invalid_channel_name'],
    [{ team_id: tm.id, name: 'x'.repeat(65), display_name: 'x', type: 'public' }, a.token, 400, 'invalid_channel_name'],
    [{ team_id: tm.id, name: "x' or 1=1--", display_name: 'x', type: 'public' }, a.token, 400, 'invalid_channel_name'],
    [{ team_id: tm.id, name: 'ok', display_name: 'x', type: 'secret' }, a.token, 400, 'invalid_input'],
    [{ team_id: tm.id, name: 'ok', display_name: 'x'.repeat(65), type: 'public' }, a.token, 400, 'invalid_input'],
    [{ team_id: tm.id, name: 'ok', display_name: 'x', type: 'public', purpose: 'p'.repeat(251) }, a.token, 400, 'invalid_input'],
    [{ team_id: tm.id, name: 'ok', display_name: 'x', type: 'public', header: ['h'] }, a.token, 400, 'invalid_input'],
    [{ team_id: 'short', name: 'ok', display_name: 'x', type: 'public' }, a.token, 400, 'invalid_id'],
    [{ team_id: 123, name: 'ok', display_name: 'x', type: 'public' }, a.token, 400, 'invalid_input'],
    [{ team_id: 'c'.repeat(26), name: 'ok', display_name: 'x', type: 'public' }, a.token, 404, 'team_not_found'],
    [{ team_id: tm.id, name: 'ok', display_name: 'x', type: 'public' }, outsider.token, 403, 'forbidden'],
    [{ team_id: tm.id, name: 'town-square', display_name: 'x', type: 'public' }, a.token, 409, 'channel_name_taken'],
  ];
  t.takeEvents();
  for (const [body, token, status, code] of cases) {
    const r = await t.req('POST', '/api/v1/channels', { token, body });
    assert.is(r.status, status, JSON.stringify(body));
    assert.is(r.body.error.code, code, JSON.stringify(body));
  }
  assert.is((await t.req('POST', '/api/v1/channels', { body: {} })).status, 401);
  assert.is(t.takeEvents().length, 0);
  const after = (await t.deps.db.query<{ n: number }>('select count(*)::int8 as n from channels'))[0].n;
  assert.is(after, before);
  const ok = await t.req('POST', '/api/v1/channels', { token: a.token, body: { team_id: tm.id, name: 'a-b_c-1', display_name: 'x', type: 'public' } });
  assert.is(ok.status, 201);
});

test('reading: public channels by team members, private by members only, 403 for the rest, 404 for unknown ids', async () => {
  const a = await fxUser(t.deps);
  const b = await fxUser(t.deps);
  const outsider = await fxUser(t.deps);
  const tm = await team(a, [b]);
  const pub = await channel(a, tm.id, 'public');
  const priv = await channel(a, tm.id, 'private');
  assert.is((await t.req('GET', `/api/v1/channels/${pub.id}`, { token: b.token })).status, 200);
  for (const [id, token] of [
    [priv.id, b.token],
    [pub.id, outsider.token],
    [priv.id, outsider.token],
  ]) {
    for (const path of [`/api/v1/channels/${id}`, `/api/v1/channels/${id}/members`]) {
      const r = await t.req('GET', path, { token });
      assert.is(r.status, 403, path);
      assert.is(r.body.error.code, 'forbidden');
    }
  }
  const missing = await t.req('GET', `/api/v1/channels/${'d'.repeat(26)}`, { token: a.token });
  assert.is(missing.status, 404);
  assert.is(missing.body.error.code, 'channel_not_found');
  const bad = await t.req('GET', '/api/v1/channels/..%2F..', { token: a.token });
  assert.is(bad.status, 400);
  assert.is(bad.body.error.code, 'invalid_id');
  const admin = await fxUser(t.deps, { admin: true });
  assert.is((await t.req('GET', `/api/v1/channels/${priv.id}`, { token: admin.token })).status, 200, 'system admins read private channels');
});

test('patch: members rename and set header/purpose; audience is the team for public, members for private', async () => {
  const a = await fxUser(t.deps);
  const b = await fxUser(t.deps);
  const c = await fxUser(t.deps);
  const tm = await team(a, [b, c]);
  const pub = await channel(a, tm.id, 'public');
  const r = await t.req('PATCH', `/api/v1/channels/${pub.id}`, { token: a.token, body: { name: 'renamed', display_name: 'Renamed', header: 'H', purpose: 'P' } });
  assert.is(r.status, 200);
  assert.equal([r.body.name, r.body.display_name, r.body.header, r.body.purpose], ['renamed', 'Renamed', 'H', 'P']);
  let ev = t.takeEvents();
  assert.is(ev.length, 1);
  assert.is(ev[0].event, 'channel_updated');
  assert.equal(sorted(ev[0].broadcast.user_ids), sorted([a.id, b.id, c.id]));
  assert.is((ev[0].data.channel as any).name, 'renamed');

  const notMember = await t.req('PATCH', `/api/v1/channels/${pub.id}`, { token: b.token, body: { header: 'mine' } });
  assert.is(notMember.status, 403, 'writing needs membership');
  assert.is(notMember.body.error.code, 'forbidden');

  const priv = await channel(a, tm.id, 'private');
  await t.req('POST', `/api/v1/channels/${priv.id}/members`, { token: a.token, body: { user_id: b.id } });
  t.takeEvents();
  const byB = await t.req('PATCH', `/api/v1/channels/${priv.id}`, { token: b.token, body: { purpose: 'by b' } });
  assert.is(byB.status, 200);
  ev = t.takeEvents();
  assert.equal(sorted(ev[0].broadcast.user_ids), sorted([a.id, b.id]), 'private changes reach members only');
  const byC = await t.req('PATCH', `/api/v1/channels/${priv.id}`, { token: c.token, body: { purpose: 'by c' } });
  assert.is(byC.status, 403);
  assert.is(t.takeEvents().length, 0);

  const taken = await t.req('PATCH', `/api/v1/channels/${priv.id}`, { token: a.token, body: { name: 'renamed' } });
  assert.is(taken.status, 409);
  assert.is(taken.body.error.code, 'channel_name_taken');
  const badName = await t.req('PATCH', `/api/v1/channels/${priv.id}`, { token: a.token, body: { name: 'No Way' } });
  assert.is(badName.body.error.code, 'invalid_channel_name');
  const badType = await t.req('PATCH', `/api/v1/channels/${priv.id}`, { token: a.token, body: { header: 1 } });
  assert.is(badType.body.error.code, 'invalid_input');
  const ts = await t.req('PATCH', `/api/v1/channels/${tm.townSquare}`, { token: a.token, body: { name: 'plaza' } });
  assert.is(ts.status, 400);
  assert.is(ts.body.error.code, 'default_channel');
  const tsHeader = await t.req('PATCH', `/api/v1/channels/${tm.townSquare}`, { token: b.token, body: { header: 'welcome' } });
  assert.is(tsHeader.status, 200);
  assert.is(t.takeEvents().length, 1);
});

test('archive and restore: moderators only; archived channels refuse writes; town-square cannot be archived', async () => {
  const a = await fxUser(t.deps);
  const b = await fxUser(t.deps);
  const tm = await team(a, [b]);
  const pub = await channel(b, tm.id, 'public');
  await t.req('POST', `/api/v1/channels/${pub.id}/join`, { token: a.token });
  const c = await fxUser(t.deps);
  await t.req('POST', `/api/v1/teams/${tm.id}/members`, { token: a.token, body: { user_id: c.id } });
  await t.req('POST', `/api/v1/channels/${pub.id}/join`, { token: c.token });
  t.takeEvents();

  const denied = await t.req('DELETE', `/api/v1/channels/${pub.id}`, { token: c.token });
  assert.is(denied.status, 403);
  assert.is(t.takeEvents().length, 0);
  const arch = await t.req('DELETE', `/api/v1/channels/${pub.id}`, { token: b.token });
  assert.is(arch.status, 200);
  assert.ok(arch.body.delete_at > 0);
  let ev = t.takeEvents();
  assert.is(ev.length, 1);
  assert.is(ev[0].event, 'channel_deleted');
  assert.is(ev[0].data.channel_id, pub.id);
  assert.equal(sorted(ev[0].broadcast.user_ids), sorted([a.id, b.id, c.id]));

  assert.is((await t.req('GET', `/api/v1/channels/${pub.id}`, { token: c.token })).status, 200, 'archived channels stay readable');
  const write = await t.req('PATCH', `/api/v1/channels/${pub.id}`, { token: b.token, body: { header: 'x' } });
  assert.is(write.status, 403);
  assert.is(write.body.error.code, 'channel_archived');
  const joinArchived = await t.req('POST', `/api/v1/channels/${pub.id}/join`, { token: (await fxUser(t.deps)).token });
  assert.is(joinArchived.status, 403);

  const again = await t.req('DELETE', `/api/v1/channels/${pub.id}`, { token: b.token });
  assert.is(again.status, 200, 'archiving twice is a no-op');
  assert.is(t.takeEvents().length, 0);

  const restoreDenied = await t.req('POST', `/api/v1/channels/${pub.id}/restore`, { token: c.token });
  assert.is(restoreDenied.status, 403);
  const restored = await t.req('POST', `/api/v1/channels/${pub.id}/restore`, { token: a.token });
  assert.is(restored.status, 200, 'team admins moderate');
  assert.is(restored.body.delete_at, 0);
  ev = t.takeEvents();
  assert.equal(ev.map((e) => e.event), ['channel_restored']);

  const ts = await t.req('DELETE', `/api/v1/channels/${tm.townSquare}`, { token: a.token });
  assert.is(ts.status, 400);
  assert.is(ts.body.error.code, 'default_channel');
});

test('join and leave: public only; town-square stays; user_added / user_removed to the members', async () => {
  const a = await fxUser(t.deps);
  const b = await fxUser(t.deps);
  const tm = await team(a, [b]);
  const pub = await channel(a, tm.id, 'public');
  const priv = await channel(a, tm.id, 'private');
  const j = await t.req('POST', `/api/v1/channels/${pub.id}/join`, { token: b.token });
  assert.is(j.status, 201);
  assert.is(j.body.role, 'channel_user');
  let ev = t.takeEvents();
  assert.is(ev.length, 1);
  assert.is(ev[0].event, 'user_added');
  assert.is(ev[0].data.user_id, b.id);
  assert.equal(sorted(ev[0].broadcast.user_ids), sorted([a.id, b.id]));
  assert.is((await t.req('POST', `/api/v1/channels/${pub.id}/join`, { token: b.token })).status, 200);
  assert.is(t.takeEvents().length, 0);

  const jp = await t.req('POST', `/api/v1/channels/${priv.id}/join`, { token: b.token });
  assert.is(jp.status, 403);
  assert.is(jp.body.error.code, 'forbidden');
  const outsider = await fxUser(t.deps);
  assert.is((await t.req('POST', `/api/v1/channels/${pub.id}/join`, { token: outsider.token })).status, 403);
  assert.equal(await memberIds(priv.id), [a.id]);

  const l = await t.req('POST', `/api/v1/channels/${pub.id}/leave`, { token: b.token });
  assert.is(l.status, 200);
  ev = t.takeEvents();
  assert.equal(ev.map((e) => e.event), ['user_removed']);
  assert.equal(sorted(ev[0].broadcast.user_ids), sorted([a.id, b.id]), 'the leaver hears it too');
  const again = await t.req('POST', `/api/v1/channels/${pub.id}/leave`, { token: b.token });
  assert.is(again.status, 404);
  assert.is(again.body.error.code, 'member_not_found');

  const ts = await t.req('POST', `/api/v1/channels/${tm.townSquare}/leave`, { token: b.token });
  assert.is(ts.status, 400);
  assert.is(ts.body.error.code, 'default_channel');
  const last = await t.req('POST', `/api/v1/channels/${priv.id}/leave`, { token: a.token });
  assert.is(last.status, 400);
  assert.is(last.body.error.code, 'last_member');
  assert.is(t.takeEvents().length, 0);
});

test('members: add to private (members only, team members only), remove others (moderators only)', async () => {
  const a = await fxUser(t.deps);
  const b = await fxUser(t.deps);
  const c = await fxUser(t.deps);
  const stranger = await fxUser(t.deps);
  const tm = await team(a, [b, c]);
  const priv = await channel(b, tm.id, 'private');

  const byOutsider = await t.req('POST', `/api/v1/channels/${priv.id}/members`, { token: c.token, body: { user_id: c.id } });
  assert.is(byOutsider.status, 403);
  const notInTeam = await t.req('POST', `/api/v1/channels/${priv.id}/members`, { token: b.token, body: { user_id: stranger.id } });
  assert.is(notInTeam.status, 400);
  assert.is(notInTeam.body.error.code, 'user_not_in_team');
  const unknown = await t.req('POST', `/api/v1/channels/${priv.id}/members`, { token: b.token, body: { user_id: 'e'.repeat(26) } });
  assert.is(unknown.status, 404);
  assert.is(unknown.body.error.code, 'user_not_found');
  const badBody = await t.req('POST', `/api/v1/channels/${priv.id}/members`, { token: b.token, body: { user_id: null } });
  assert.is(badBody.status, 400);
  assert.is(badBody.body.error.code, 'invalid_input');
  assert.is(t.takeEvents().length, 0);

  const add = await t.req('POST', `/api/v1/channels/${priv.id}/members`, { token: b.token, body: { user_id: c.id } });
  assert.is(add.status, 201);
  let ev = t.takeEvents();
  assert.equal(ev.map((e) => e.event), ['user_added']);
  assert.equal(sorted(ev[0].broadcast.user_ids), sorted([b.id, c.id]));
  assert.is((await t.req('POST', `/api/v1/channels/${priv.id}/members`, { token: b.token, body: { user_id: c.id } })).status, 200);

  const list = await t.req('GET', `/api/v1/channels/${priv.id}/members?limit=1`, { token: c.token });
  assert.is(list.status, 200);
  assert.is(list.body.items.length, 1);
  const list2 = await t.req('GET', `/api/v1/channels/${priv.id}/members?limit=1&cursor=${list.body.next_cursor}`, { token: c.token });
  assert.equal(sorted([list.body.items[0].user_id, list2.body.items[0].user_id]), sorted([b.id, c.id]));
  assert.is(list2.body.next_cursor, null);

  t.takeEvents();
  const notMod = await t.req('DELETE', `/api/v1/channels/${priv.id}/members/${b.id}`, { token: c.token });
  assert.is(notMod.status, 403);
  assert.is(notMod.body.error.code, 'forbidden');
  assert.equal(await memberIds(priv.id), sorted([b.id, c.id]), 'nothing written');
  assert.is(t.takeEvents().length, 0);

  const rm = await t.req('DELETE', `/api/v1/channels/${priv.id}/members/${c.id}`, { token: b.token });
  assert.is(rm.status, 200);
  ev = t.takeEvents();
  assert.equal(ev.map((e) => e.event), ['user_removed']);
  assert.equal(sorted(ev[0].broadcast.user_ids), sorted([b.id, c.id]), 'the removed user hears it');
  assert.is(ev[0].data.remover_id, b.id);
  assert.is((await t.req('GET', `/api/v1/channels/${priv.id}`, { token: c.token })).status, 403, 'removed members lose access at once');
  const badUser = await t.req('DELETE', `/api/v1/channels/${priv.id}/members/nope`, { token: b.token });
  assert.is(badUser.status, 400);
  assert.is(badUser.body.error.code, 'invalid_id');

  // A team admin who is a plain channel member moderates too.
  const pub = await channel(b, tm.id, 'public');
  await t.req('POST', `/api/v1/channels/${pub.id}/join`, { token: a.token });
  await t.req('POST', `/api/v1/channels/${pub.id}/join`, { token: c.token });
  assert.is((await t.req('DELETE', `/api/v1/channels/${pub.id}/members/${c.id}`, { token: a.token })).status, 200);
});

test('members: a system admin adds to public and private channels without joining; the user must be in the team', async () => {
  const admin = await fxUser(t.deps, { admin: true });
  const owner = await fxUser(t.deps);
  const c = await fxUser(t.deps);
  const stranger = await fxUser(t.deps);
  const tm = await team(owner, [c]); // the admin is not in the team
  const pub = await channel(owner, tm.id, 'public');
  const priv = await channel(owner, tm.id, 'private');

  assert.is((await t.req('POST', `/api/v1/channels/${pub.id}/members`, { token: c.token, body: { user_id: c.id } })).status, 403, 'plain non-members still may not');
  const add = await t.req('POST', `/api/v1/channels/${pub.id}/members`, { token: admin.token, body: { user_id: c.id } });
  assert.is(add.status, 201, JSON.stringify(add.body));
  assert.is(add.body.user_id, c.id);
  const addPriv = await t.req('POST', `/api/v1/channels/${priv.id}/members`, { token: admin.token, body: { user_id: c.id } });
  assert.is(addPriv.status, 201, JSON.stringify(addPriv.body));
  assert.is((await t.req('POST', `/api/v1/channels/${priv.id}/members`, { token: admin.token, body: { user_id: c.id } })).status, 200);
  assert.equal(await memberIds(priv.id), sorted([owner.id, c.id]), 'the admin did not join');
  const notInTeam = await t.req('POST', `/api/v1/channels/${priv.id}/members`, { token: admin.token, body: { user_id: stranger.id } });
  assert.is(notInTeam.status, 400);
  assert.is(notInTeam.body.error.code, 'user_not_in_team');
});

test('members: a system admin adds themselves to a private channel of a team they are in; plain members may not', async () => {
  const admin = await fxUser(t.deps, { admin: true });
  const owner = await fxUser(t.deps);
  const c = await fxUser(t.deps);
  const tm = await team(owner, [c]);
  const priv = await channel(owner, tm.id, 'private');
  const self = (u: { id: string; token: string }) => t.req('POST', `/api/v1/channels/${priv.id}/members`, { token: u.token, body: { user_id: u.id } });

  const outside = await self(admin);
  assert.is(outside.status, 400, 'not in the team yet');
  assert.is(outside.body.error.code, 'user_not_in_team');
  assert.is((await t.req('POST', `/api/v1/teams/${tm.id}/members`, { token: admin.token, body: { user_id: admin.id } })).status, 201);
  const added = await self(admin);
  assert.is(added.status, 201, JSON.stringify(added.body));
  assert.is(added.body.user_id, admin.id);
  assert.is((await self(admin)).status, 200, 'already a member');
  assert.is((await self(c)).status, 403, 'a plain team member still may not');
  assert.equal(await memberIds(priv.id), sorted([owner.id, admin.id]));
});

test('direct channels: get-or-create, name and members, outsiders denied, self-DM allowed', async () => {
  const a = await fxUser(t.deps);
  const b = await fxUser(t.deps);
  const c = await fxUser(t.deps);
  t.takeEvents();
  const r = await t.req('POST', '/api/v1/channels/direct', { token: a.token, body: { user_id: b.id } });
  assert.is(r.status, 201);
  assert.is(r.body.type, 'D');
  assert.is(r.body.team_id, '');
  assert.is(r.body.name, sorted([a.id, b.id]).join('__'));
  assert.equal(await memberIds(r.body.id), sorted([a.id, b.id]));
  const ev = t.takeEvents();
  assert.equal(ev.map((e) => e.event), ['channel_created', 'channel_created'], 'one per member, each with its own membership');
  assert.equal(sorted(ev.flatMap((e) => e.broadcast.user_ids)), sorted([a.id, b.id]));
  for (const e of ev) assert.equal([(e.data.member as any).user_id], e.broadcast.user_ids);

  const back = await t.req('POST', '/api/v1/channels/direct', { token: b.token, body: { user_id: a.id } });
  assert.is(back.status, 200);
  assert.is(back.body.id, r.body.id);
  assert.is(t.takeEvents().length, 0);

  const denied = await t.req('GET', `/api/v1/channels/${r.body.id}`, { token: c.token });
  assert.is(denied.status, 403);
  assert.is(denied.body.error.code, 'forbidden');
  const admin = await fxUser(t.deps, { admin: true });
  assert.is((await t.req('GET', `/api/v1/channels/${r.body.id}`, { token: admin.token })).status, 403, 'not even system admins read DMs');
  assert.is((await t.req('POST', `/api/v1/channels/${r.body.id}/join`, { token: c.token })).status, 403);
  assert.is((await t.req('POST', `/api/v1/channels/${r.body.id}/members`, { token: a.token, body: { user_id: c.id } })).body.error.code, 'invalid_channel_type');
  assert.is((await t.req('POST', `/api/v1/channels/${r.body.id}/leave`, { token: a.token })).body.error.code, 'invalid_channel_type');
  assert.is((await t.req('DELETE', `/api/v1/channels/${r.body.id}`, { token: a.token })).body.error.code, 'invalid_channel_type');
  assert.is((await t.req('PATCH', `/api/v1/channels/${r.body.id}`, { token: a.token, body: { name: 'x' } })).body.error.code, 'invalid_channel_type');
  assert.is((await t.req('PATCH', `/api/v1/channels/${r.body.id}`, { token: a.token, body: { header: 'dm header' } })).status, 200);

  const self = await t.req('POST', '/api/v1/channels/direct', { token: c.token, body: { user_id: c.id } });
  assert.is(self.status, 201);
  assert.is(self.body.name, `${c.id}__${c.id}`);
  assert.equal(await memberIds(self.body.id), [c.id]);

  const unknown = await t.req('POST', '/api/v1/channels/direct', { token: a.token, body: { user_id: 'f'.repeat(26) } });
  assert.is(unknown.status, 404);
  assert.is(unknown.body.error.code, 'user_not_found');
  const bad = await t.req('POST', '/api/v1/channels/direct', { token: a.token, body: { user_id: 'F'.repeat(26) } });
  assert.is(bad.status, 400);
  assert.is(bad.body.error.code, 'invalid_id');
  const badType = await t.req('POST', '/api/v1/channels/direct', { token: a.token, body: [b.id] });
  assert.is(badType.status, 400);
  assert.is(badType.body.error.code, 'invalid_input');
});

test('direct channels: 20 concurrent get-or-create calls make exactly one channel', async () => {
  const a = await fxUser(t.deps);
  const b = await fxUser(t.deps);
  t.takeEvents();
  const results = await Promise.all(
    Array.from({ length: 20 }, (_, i) => t.req('POST', '/api/v1/channels/direct', { token: i % 2 ? a.token : b.token, body: { user_id: i % 2 ? b.id : a.id } })),
  );
  for (const r of results) assert.ok(r.status === 200 || r.status === 201, JSON.stringify(r.body));
  assert.is(new Set(results.map((r) => r.body.id)).size, 1);
  assert.is(results.filter((r) => r.status === 201).length, 1);
  const rows = await t.deps.db.query('select id from channels where name = $1', [sorted([a.id, b.id]).join('__')]);
  assert.is(rows.length, 1);
  assert.equal(await memberIds(results[0].body.id), sorted([a.id, b.id]));
  assert.is(only(t.takeEvents(), 'channel_created').length, 2, 'created once: one event per member');
});

test('group channels: 3–8 people, deterministic name, usernames as display name, idempotent under concurrency', async () => {
  const [a, b, c, d] = await Promise.all([fxUser(t.deps), fxUser(t.deps), fxUser(t.deps), fxUser(t.deps)]);
  t.takeEvents();
  const results = await Promise.all(
    Array.from({ length: 20 }, (_, i) => t.req('POST', '/api/v1/channels/group', { token: a.token, body: { user_ids: i % 2 ? [b.id, c.id] : [c.id, b.id, a.id] } })),
  );
  assert.is(new Set(results.map((r) => r.body.id)).size, 1);
  assert.is(results.filter((r) => r.status === 201).length, 1);
  const g = results[0].body;
  assert.is(g.type, 'G');
  assert.is(g.team_id, '');
  assert.is(g.name, createHash('sha1').update(sorted([a.id, b.id, c.id]).join('')).digest('hex'));
  assert.is(g.display_name, [a.username, b.username, c.username].sort().join(', '));
  assert.equal(await memberIds(g.id), sorted([a.id, b.id, c.id]));
  const ev = only(t.takeEvents(), 'channel_created');
  assert.is(ev.length, 3);
  assert.equal(sorted(ev.flatMap((e) => e.broadcast.user_ids)), sorted([a.id, b.id, c.id]));

  const fromB = await t.req('POST', '/api/v1/channels/group', { token: b.token, body: { user_ids: [a.id, c.id] } });
  assert.is(fromB.status, 200);
  assert.is(fromB.body.id, g.id);
  assert.is((await t.req('GET', `/api/v1/channels/${g.id}`, { token: d.token })).status, 403);

  const two = await t.req('POST', '/api/v1/channels/group', { token: a.token, body: { user_ids: [b.id, b.id] } });
  assert.is(two.status, 400);
  assert.is(two.body.error.code, 'invalid_group_size');
  const many = await Promise.all(Array.from({ length: 8 }, () => fxUser(t.deps)));
  const nine = await t.req('POST', '/api/v1/channels/group', { token: a.token, body: { user_ids: many.map((u) => u.id) } });
  assert.is(nine.status, 400);
  assert.is(nine.body.error.code, 'invalid_group_size');
  const eight = await t.req('POST', '/api/v1/channels/group', { token: a.token, body: { user_ids: many.slice(0, 7).map((u) => u.id) } });
  assert.is(eight.status, 201);
  const unknown = await t.req('POST', '/api/v1/channels/group', { token: a.token, body: { user_ids: [b.id, 'g'.repeat(26)] } });
  assert.is(unknown.status, 404);
  assert.is(unknown.body.error.code, 'user_not_found');
  const bad = await t.req('POST', '/api/v1/channels/group', { token: a.token, body: { user_ids: 'abc' } });
  assert.is(bad.body.error.code, 'invalid_input');

  // Groups can be left (not DMs); the others hear it.
  t.takeEvents();
  assert.is((await t.req('POST', `/api/v1/channels/${g.id}/leave`, { token: c.token })).status, 200);
  assert.equal(sorted(t.takeEvents()[0].broadcast.user_ids), sorted([a.id, b.id, c.id]));
});

test('authorization matrix: a private channel non-member and a DM outsider are denied everywhere, 403, nothing written, no event', async () => {
  const a = await fxUser(t.deps);
  const b = await fxUser(t.deps);
  const tm = await team(a, [b]);
  const priv = await channel(a, tm.id, 'private');
  const dm = (await t.req('POST', '/api/v1/channels/direct', { token: a.token, body: { user_id: (await fxUser(t.deps)).id } })).body;
  const state = async () => JSON.stringify(await t.deps.db.query('select c.*, (select json_agg(m.user_id order by m.user_id) from channel_members m where m.channel_id = c.id) as m from channels c where c.id in ($1, $2) order by c.id', [priv.id, dm.id]));
  const before = await state();
  t.takeEvents();
  for (const ch of [priv, dm]) {
    const paths: [string, string, unknown?][] = [
      ['GET', `/api/v1/channels/${ch.id}`],
      ['GET', `/api/v1/channels/${ch.id}/members`],
      ['POST', `/api/v1/channels/${ch.id}/members`, { user_id: b.id }],
      ['DELETE', `/api/v1/channels/${ch.id}/members/${a.id}`],
      ['PATCH', `/api/v1/channels/${ch.id}`, { display_name: 'mine', header: 'x' }],
      ['DELETE', `/api/v1/channels/${ch.id}`],
      ['POST', `/api/v1/channels/${ch.id}/restore`],
      ['POST', `/api/v1/channels/${ch.id}/join`],
      ['POST', `/api/v1/channels/${ch.id}/leave`],
      ['POST', `/api/v1/channels/${ch.id}/read`],
    ];
    for (const [method, path, body] of paths) {
      const r = await t.req(method, path, { token: b.token, body });
      assert.is(r.status, 403, `${method} ${path}`);
      assert.is(r.body.error.code, 'forbidden', `${method} ${path}`);
    }
  }
  assert.is(await state(), before, 'nothing written');
  assert.is(t.takeEvents().length, 0, 'no event');
  const unreads = await t.req('GET', '/api/v1/channels/unreads', { token: b.token });
  assert.not.ok(unreads.body.channels.some((u: any) => u.channel_id === priv.id || u.channel_id === dm.id));
});

test('a removed member receives nothing posted after the removal', async () => {
  const a = await fxUser(t.deps);
  const b = await fxUser(t.deps);
  const tm = await team(a, [b]);
  const priv = await channel(a, tm.id, 'private');
  await t.req('POST', `/api/v1/channels/${priv.id}/members`, { token: a.token, body: { user_id: b.id } });
  const removal = t.req('DELETE', `/api/v1/channels/${priv.id}/members/${b.id}`, { token: a.token });
  const post = t.req('POST', `/api/v1/channels/${priv.id}/posts`, { token: a.token, body: { message: 'racing the removal' } });
  const [rm, p] = await Promise.all([removal, post]);
  assert.is(rm.status, 200);
  assert.is(p.status, 201);
  const events = t.takeEvents();
  const removedAt = events.findIndex((e) => e.event === 'user_removed');
  const posted = events.findIndex((e) => e.event === 'posted');
  // Whichever committed first, the post's recipients match the membership at that moment.
  const recipients = events[posted].broadcast.user_ids;
  if (posted > removedAt) assert.not.ok(recipients.includes(b.id));
  else assert.ok(recipients.includes(b.id));
  const later = await t.req('POST', `/api/v1/channels/${priv.id}/posts`, { token: a.token, body: { message: 'after' } });
  assert.is(later.status, 201);
  const ev = t.takeEvents().filter((e) => e.event === 'posted');
  assert.is(ev.length, 1);
  assert.not.ok(ev[0].broadcast.user_ids.includes(b.id));
});

test('member roles: channel moderators promote; a promoted member can remove others', async () => {
  const a = await fxUser(t.deps);
  const b = await fxUser(t.deps);
  const c = await fxUser(t.deps);
  const tm = await team(a, [b, c]);
  const ch = await channel(b, tm.id, 'private');
  await t.req('POST', `/api/v1/channels/${ch.id}/members`, { token: b.token, body: { user_id: c.id } });
  const d = await fxUser(t.deps);
  await t.req('POST', `/api/v1/teams/${tm.id}/members`, { token: a.token, body: { user_id: d.id } });
  await t.req('POST', `/api/v1/channels/${ch.id}/members`, { token: b.token, body: { user_id: d.id } });
  t.takeEvents();
  const denied = await t.req('PATCH', `/api/v1/channels/${ch.id}/members/${c.id}`, { token: c.token, body: { role: 'channel_admin' } });
  assert.is(denied.status, 403);
  assert.is((await t.req('DELETE', `/api/v1/channels/${ch.id}/members/${d.id}`, { token: c.token })).status, 403);
  const up = await t.req('PATCH', `/api/v1/channels/${ch.id}/members/${c.id}`, { token: b.token, body: { role: 'channel_admin' } });
  assert.is(up.status, 200);
  assert.is(up.body.role, 'channel_admin');
  assert.is(t.takeEvents().length, 0, 'role changes send no event');
  assert.is((await t.req('DELETE', `/api/v1/channels/${ch.id}/members/${d.id}`, { token: c.token })).status, 200);
  const bad = await t.req('PATCH', `/api/v1/channels/${ch.id}/members/${c.id}`, { token: b.token, body: { role: 'owner' } });
  assert.is(bad.body.error.code, 'invalid_input');
  const notMember = await t.req('PATCH', `/api/v1/channels/${ch.id}/members/${d.id}`, { token: b.token, body: { role: 'channel_admin' } });
  assert.is(notMember.status, 404);
  assert.is(notMember.body.error.code, 'member_not_found');
  const dm = await t.req('POST', '/api/v1/channels/direct', { token: a.token, body: { user_id: b.id } });
  const dmRole = await t.req('PATCH', `/api/v1/channels/${dm.body.id}/members/${b.id}`, { token: a.token, body: { role: 'channel_admin' } });
  assert.is(dmRole.body.error.code, 'invalid_channel_type');
});

test('privacy: moderators convert public ↔ private; the team hears it; plain members, DMs, town-square and archived channels refused', async () => {
  const a = await fxUser(t.deps);
  const b = await fxUser(t.deps);
  const c = await fxUser(t.deps);
  const tm = await team(a, [b, c]);
  const ch = await channel(b, tm.id, 'public');
  await t.req('POST', `/api/v1/channels/${ch.id}/join`, { token: c.token });
  await t.req('POST', `/api/v1/channels/${ch.id}/join`, { token: a.token });
  t.takeEvents();

  const denied = await t.req('PUT', `/api/v1/channels/${ch.id}/privacy`, { token: c.token, body: { type: 'private' } });
  assert.is(denied.status, 403, 'a plain member may not');
  assert.is(denied.body.error.code, 'forbidden');
  assert.is(t.takeEvents().length, 0);
  const bad = await t.req('PUT', `/api/v1/channels/${ch.id}/privacy`, { token: b.token, body: { type: 'secret' } });
  assert.is(bad.status, 400);

  const priv = await t.req('PUT', `/api/v1/channels/${ch.id}/privacy`, { token: b.token, body: { type: 'private' } });
  assert.is(priv.status, 200, JSON.stringify(priv.body));
  assert.is(priv.body.type, 'P');
  let ev = t.takeEvents();
  assert.equal(ev.map((e) => e.event), ['channel_updated']);
  assert.equal(sorted(ev[0].broadcast.user_ids), sorted([a.id, b.id, c.id]), 'the whole team: the channel left their browse list');
  const [row] = await t.deps.db.query<{ type: string }>('select type from channels where id = $1', [ch.id]);
  assert.is(row.type, 'P');
  // Now private: a team member who is not in it can no longer read it.
  const d = await fxUser(t.deps);
  await t.req('POST', `/api/v1/teams/${tm.id}/members`, { token: a.token, body: { user_id: d.id } });
  assert.is((await t.req('GET', `/api/v1/channels/${ch.id}`, { token: d.token })).status, 403);
  t.takeEvents();

  const same = await t.req('PUT', `/api/v1/channels/${ch.id}/privacy`, { token: b.token, body: { type: 'P' } });
  assert.is(same.status, 200, 'converting to what it is is a no-op');
  assert.is(t.takeEvents().length, 0);
  const back = await t.req('PUT', `/api/v1/channels/${ch.id}/privacy`, { token: a.token, body: { type: 'public' } });
  assert.is(back.status, 200, 'team admins moderate (as members: a private channel is hidden from non-members)');
  assert.is(back.body.type, 'O');
  ev = t.takeEvents();
  assert.equal(ev.map((e) => e.event), ['channel_updated']);
  assert.is((await t.req('GET', `/api/v1/channels/${ch.id}`, { token: d.token })).status, 200, 'public again: team members read it');

  const ts = await t.req('PUT', `/api/v1/channels/${tm.townSquare}/privacy`, { token: a.token, body: { type: 'private' } });
  assert.is(ts.status, 400);
  assert.is(ts.body.error.code, 'default_channel');
  const dm = await t.req('POST', '/api/v1/channels/direct', { token: a.token, body: { user_id: b.id } });
  const dmr = await t.req('PUT', `/api/v1/channels/${dm.body.id}/privacy`, { token: a.token, body: { type: 'private' } });
  assert.is(dmr.body.error.code, 'invalid_channel_type');
  await t.req('DELETE', `/api/v1/channels/${ch.id}`, { token: b.token });
  const arch = await t.req('PUT', `/api/v1/channels/${ch.id}/privacy`, { token: b.token, body: { type: 'private' } });
  assert.is(arch.status, 403);
  assert.is(arch.body.error.code, 'channel_archived');

  // The Mattermost twin: PUT /api/v4/channels/{id}/privacy {privacy}.
  const ch2 = await channel(b, tm.id, 'public');
  const mm = await t.req('PUT', `/api/v4/channels/${ch2.id}/privacy`, { token: b.token, body: { privacy: 'P' } });
  assert.is(mm.status, 200, JSON.stringify(mm.body));
  assert.is(mm.body.type, 'P');
  const mmDenied = await t.req('PUT', `/api/v4/channels/${ch2.id}/privacy`, { token: c.token, body: { privacy: 'O' } });
  assert.is(mmDenied.status, 403);
});

test.run();
