import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { testApp, type TestContext } from '../../test/app.ts';
import { fxChannel, fxTeam, fxUser, type FxUser } from '../../test/fixtures.ts';
import { authenticate } from './tokens.ts';
import { addChannelMember } from './channels.ts';
import { createBot } from './bots.ts';
import { applyEvents, emptyState, type ClientState } from '../realtime/reducer.ts';
import type { AppEvent } from '../contract/events.ts';

/**
 * Zulip's verify_action for teams, channels and unreads: for every user, the state fetched over
 * REST before an action, with the events the action sent to that user applied by the web
 * client's own reducer, must equal the state fetched over REST after it.
 */
let t: TestContext;
test.before(async () => {
  t = await testApp();
});
test.after(async () => {
  await t.close();
});

/** What the client holds about teams, channels and its memberships, fetched fresh. */
async function snapshot(u: FxUser): Promise<ClientState> {
  const s = emptyState(u.id);
  const teams = await t.req('GET', '/api/v1/teams', { token: u.token });
  assert.is(teams.status, 200);
  for (const team of teams.body.items) s.teams[team.id] = team;
  const chans = await t.req('GET', '/api/v1/channels', { token: u.token });
  for (const c of chans.body.items) {
    s.channels[c.id] = c;
    s.members[c.id] = c.member;
  }
  return s;
}

/** The parts of the state the REST and event paths must agree on. */
function normal(s: ClientState) {
  const pick = (o: Record<string, any>, keys: string[]) => Object.fromEntries(keys.map((k) => [k, o[k]]));
  const sortObj = <T>(rec: Record<string, T>) => Object.fromEntries(Object.entries(rec).sort(([a], [b]) => a.localeCompare(b)));
  return {
    teams: sortObj(Object.fromEntries(Object.values(s.teams).map((x) => [x.id, pick(x, ['name', 'display_name', 'description', 'type'])]))),
    channels: sortObj(
      Object.fromEntries(
        Object.values(s.channels).map((c) => [c.id, pick(c, ['team_id', 'type', 'name', 'display_name', 'header', 'purpose', 'delete_at', 'total_msg_count', 'total_msg_count_root', 'last_post_at'])]),
      ),
    ),
    members: sortObj(Object.fromEntries(Object.entries(s.members).map(([id, m]) => [id, pick(m, ['user_id', 'role', 'msg_count', 'mention_count', 'mention_count_root', 'last_viewed_at'])]))),
  };
}

const delivered = (events: AppEvent[], userId: string) =>
  events.filter((e) => e.broadcast.user_ids.includes(userId) && e.broadcast.omit_user_id !== userId);

let users: FxUser[] = [];
let states: ClientState[] = [];

/** Runs one step and checks every user's reduced state against a fresh snapshot. */
async function verify(label: string, action: () => Promise<unknown>) {
  t.takeEvents();
  await action();
  const events = t.takeEvents();
  for (let i = 0; i < users.length; i++) {
    const reduced = applyEvents(states[i], delivered(events, users[i].id));
    const fresh = await snapshot(users[i]);
    assert.equal(normal(reduced), normal(fresh), `${label}: state of user ${i}`);
    states[i] = fresh;
  }
  return events;
}

test('team, channel, DM, group and unread actions keep every client in step through events', async () => {
  const [a, b, c] = await Promise.all([fxUser(t.deps), fxUser(t.deps), fxUser(t.deps)]);
  users = [a, b, c];
  states = await Promise.all(users.map(snapshot));
  const call = async (u: FxUser, method: string, path: string, body?: unknown) => {
    const r = await t.req(method, path, { token: u.token, body });
    assert.ok(r.status < 300, `${method} ${path}: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  };

  let team: any;
  await verify('create team', async () => (team = await call(a, 'POST', '/api/v1/teams', { name: 'verify-team', display_name: 'Verify', type: 'O' })));
  await verify('join team', () => call(b, 'POST', `/api/v1/teams/${team.id}/join`));
  await verify('add to team', () => call(a, 'POST', `/api/v1/teams/${team.id}/members`, { user_id: c.id }));
  await verify('update team', () => call(a, 'PATCH', `/api/v1/teams/${team.id}`, { display_name: 'Verified', description: 'd' }));

  let pub: any;
  let priv: any;
  await verify('create public', async () => (pub = await call(a, 'POST', '/api/v1/channels', { team_id: team.id, name: 'pub', display_name: 'Pub', type: 'public' })));
  await verify('create private', async () => (priv = await call(b, 'POST', '/api/v1/channels', { team_id: team.id, name: 'priv', display_name: 'Priv', type: 'private' })));
  await verify('join public', () => call(b, 'POST', `/api/v1/channels/${pub.id}/join`));
  await verify('add to private', () => call(b, 'POST', `/api/v1/channels/${priv.id}/members`, { user_id: c.id }));
  await verify('rename public', () => call(b, 'PATCH', `/api/v1/channels/${pub.id}`, { name: 'pub2', display_name: 'Pub 2', header: 'h' }));
  await verify('purpose private', () => call(c, 'PATCH', `/api/v1/channels/${priv.id}`, { purpose: 'secret things' }));
  await verify('post', () => call(a, 'POST', `/api/v1/channels/${pub.id}/posts`, { message: `hi @${b.username}` }));
  await verify('mark read', () => call(b, 'POST', `/api/v1/channels/${pub.id}/read`));
  await verify('make private', () => call(a, 'PUT', `/api/v1/channels/${pub.id}/privacy`, { type: 'private' }));
  await verify('make public', () => call(a, 'PUT', `/api/v1/channels/${pub.id}/privacy`, { type: 'public' }));
  await verify('archive', () => call(a, 'DELETE', `/api/v1/channels/${pub.id}`));
  await verify('restore', () => call(a, 'POST', `/api/v1/channels/${pub.id}/restore`));
  let dm: any;
  await verify('direct', async () => (dm = await call(a, 'POST', '/api/v1/channels/direct', { user_id: c.id })));
  await verify('direct post', () => call(c, 'POST', `/api/v1/channels/${dm.id}/posts`, { message: 'yo' }));
  await verify('direct read', () => call(a, 'POST', `/api/v1/channels/${dm.id}/read`));
  await verify('group', () => call(b, 'POST', '/api/v1/channels/group', { user_ids: [a.id, c.id] }));
  await verify('remove from private', () => call(b, 'DELETE', `/api/v1/channels/${priv.id}/members/${c.id}`));
  await verify('leave public', () => call(b, 'POST', `/api/v1/channels/${pub.id}/leave`));
  await verify('remove from team', () => call(a, 'DELETE', `/api/v1/teams/${team.id}/members/${b.id}`));
  await verify('leave team', () => call(c, 'POST', `/api/v1/teams/${team.id}/leave`));
  const admin = await fxUser(t.deps, { admin: true });
  await verify('delete team', () => call(admin, 'DELETE', `/api/v1/teams/${team.id}`));
  assert.equal(Object.keys(states[0].teams), [], 'the deleted team is gone');
});

async function rejects(fn: () => Promise<unknown>, status: number, code: string, msg: string) {
  try {
    await fn();
  } catch (e: any) {
    assert.is(`${e.status} ${e.code}`, `${status} ${code}`, msg);
    return;
  }
  assert.unreachable(`${msg}: should have been refused`);
}

test('addChannelMember: a system admin adds people and bots to public and private channels without joining; non-members still may not', async () => {
  const [admin, owner, other, outsider, stranger] = await Promise.all([fxUser(t.deps, { admin: true }), fxUser(t.deps), fxUser(t.deps), fxUser(t.deps), fxUser(t.deps)]);
  const team = await fxTeam(t.deps, owner, { members: [other, outsider] }); // the admin is not in the team
  const pub = await fxChannel(t.deps, team.id, owner, { type: 'O' });
  const priv = await fxChannel(t.deps, team.id, owner, { type: 'P' });
  const adminAuth = await authenticate(t.deps, admin.token);
  const outsiderAuth = await authenticate(t.deps, outsider.token);
  const bot = await createBot(t.deps, adminAuth, { username: `bot${Date.now().toString(36)}` }, '127.0.0.1');
  await t.deps.db.query(`insert into team_members (team_id, user_id, role, create_at) values ($1, $2, 'team_user', $3)`, [team.id, bot.user_id, t.deps.now()]);
  const memberIds = async (id: string) => (await t.deps.db.query<{ user_id: string }>('select user_id from channel_members where channel_id = $1 order by user_id', [id])).map((r) => r.user_id);
  t.takeEvents();

  // Ordinary non-members: the same 403 as before, for a public channel of their team and a private one.
  for (const ch of [pub, priv]) await rejects(() => addChannelMember(t.deps, outsiderAuth, ch.id, { user_id: other.id }), 403, 'forbidden', 'a non-member');
  assert.equal(await memberIds(priv.id), [owner.id]);
  assert.is(t.takeEvents().length, 0, 'no event for a refusal');

  const r1 = await addChannelMember(t.deps, adminAuth, pub.id, { user_id: other.id });
  assert.ok(r1.created);
  let ev = t.takeEvents();
  assert.equal(ev.map((e) => e.event), ['user_added']);
  assert.equal([...ev[0].broadcast.user_ids].sort(), [owner.id, other.id].sort(), 'the members hear it, the admin is not one');
  const r2 = await addChannelMember(t.deps, adminAuth, priv.id, { user_id: bot.user_id });
  assert.ok(r2.created);
  assert.is(r2.member.user_id, bot.user_id);
  ev = t.takeEvents();
  assert.equal(ev.map((e) => e.event), ['user_added']);
  assert.equal([...ev[0].broadcast.user_ids].sort(), [owner.id, bot.user_id].sort());
  assert.not.ok((await memberIds(pub.id)).includes(admin.id), 'the admin did not join');
  assert.not.ok((await memberIds(priv.id)).includes(admin.id), 'the admin did not join');
  assert.not.ok((await addChannelMember(t.deps, adminAuth, priv.id, { user_id: bot.user_id })).created, 'idempotent');

  // The added user must still be in the team; archived channels and DMs stay closed.
  await rejects(() => addChannelMember(t.deps, adminAuth, priv.id, { user_id: stranger.id }), 400, 'user_not_in_team', 'a user outside the team');
  await t.deps.db.query('update channels set delete_at = $2 where id = $1', [pub.id, t.deps.now()]);
  await rejects(() => addChannelMember(t.deps, adminAuth, pub.id, { user_id: outsider.id }), 403, 'channel_archived', 'an archived channel');
  await t.deps.db.query('update channels set delete_at = 0 where id = $1', [pub.id]);
  const dm = await t.req('POST', '/api/v1/channels/direct', { token: owner.token, body: { user_id: other.id } });
  await rejects(() => addChannelMember(t.deps, adminAuth, dm.body.id, { user_id: outsider.id }), 403, 'forbidden', 'a DM of others');
  assert.is(t.takeEvents().filter((e) => e.event === 'user_added').length, 0);
});

test.run();
