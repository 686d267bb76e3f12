import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { testApp, type TestContext, only } from '../../../test/app.ts';
import { fxUser, type FxUser } from '../../../test/fixtures.ts';
import { setActive } from '../../actions/accounts.ts';
import { CLI_ACTOR } from '../../actions/audit.ts';

let t: TestContext;
test.before(async () => {
  t = await testApp();
});
test.after(async () => {
  await t.close();
});

let n = 0;
const uniqueName = () => `team-${Date.now().toString(36)}-${n++}`;
const sorted = (ids: string[]) => [...ids].sort();

async function createTeam(owner: FxUser, body: Record<string, unknown> = {}) {
  const r = await t.req('POST', '/api/v1/teams', { token: owner.token, body: { name: uniqueName(), display_name: 'A Team', ...('type' in body || 'allow_open_invite' in body ? {} : { type: 'O' }), ...body } });
  assert.is(r.status, 201, JSON.stringify(r.body));
  return r.body;
}

async function defaultChannelIds(teamId: string): Promise<Record<string, string>> {
  const rows = await t.deps.db.query<{ id: string; name: string }>('select id, name from channels where team_id = $1', [teamId]);
  return Object.fromEntries(rows.map((r) => [r.name, r.id]));
}

async function channelMemberIds(channelId: string) {
  return (await t.deps.db.query<{ user_id: string }>('select user_id from channel_members where channel_id = $1', [channelId])).map((r) => r.user_id).sort();
}


test('create a team: town-square and off-topic, creator is team admin and member of both, events', async () => {
  const a = await fxUser(t.deps);
  t.takeEvents();
  const team = await createTeam(a, { description: 'desc' });
  assert.is(team.display_name, 'A Team');
  assert.is(team.type, 'O');
  assert.is(team.allow_open_invite, true);
  assert.match(team.invite_id, /^[a-z0-9]{26}$/);
  assert.is(team.member.role, 'team_admin');
  const chans = await defaultChannelIds(team.id);
  assert.equal(Object.keys(chans).sort(), ['off-topic', 'town-square']);
  assert.equal(await channelMemberIds(chans['town-square']), [a.id]);
  assert.equal(await channelMemberIds(chans['off-topic']), [a.id]);

  const ev = t.takeEvents();
  const added = only(ev, 'added_to_team');
  assert.is(added.length, 1);
  assert.equal(added[0].broadcast.user_ids, [a.id]);
  assert.is(added[0].data.team_id, team.id);
  assert.is((added[0].data.team as any).invite_id, undefined, 'broadcast payloads never carry the invite id');
  const ua = only(ev, 'user_added');
  assert.equal(ua.map((e) => e.data.channel_id).sort(), Object.values(chans).sort());
  for (const e of ua) assert.equal(e.broadcast.user_ids, [a.id]);

  const mine = await t.req('GET', '/api/v1/teams', { token: a.token });
  assert.is(mine.status, 200);
  const row = mine.body.items.find((x: any) => x.id === team.id);
  assert.ok(row);
  assert.is(row.member.role, 'team_admin');
  assert.is(row.invite_id, team.invite_id, 'admins see the invite id');
});

test('create without type: v1 makes an invite-only team (as the web client does); v4 requires type O or I', async () => {
  const a = await fxUser(t.deps);
  const b = await fxUser(t.deps);
  const r = await t.req('POST', '/api/v1/teams', { token: a.token, body: { name: uniqueName(), display_name: 'No Type' } });
  assert.is(r.status, 201, JSON.stringify(r.body));
  assert.is(r.body.type, 'I');
  assert.is(r.body.allow_open_invite, false);
  assert.is((await t.req('POST', `/api/v1/teams/${r.body.id}/join`, { token: b.token })).status, 403, 'not joinable without the invite id');
  const open = await t.req('POST', '/api/v1/teams', { token: a.token, body: { name: uniqueName(), display_name: 'Open', allow_open_invite: true } });
  assert.is(open.body.type, 'O', 'allow_open_invite alone still picks the type');

  for (const type of [undefined, '', 'P', 'open']) {
    const v4 = await t.req('POST', '/api/v4/teams', { token: a.token, body: { name: uniqueName(), display_name: 'V4', ...(type === undefined ? {} : { type }) } });
    assert.is(v4.status, 400, `type ${type}: ${JSON.stringify(v4.body)}`);
    assert.is(v4.body.id, 'model.team.is_valid.type.app_error');
  }
  const v4ok = await t.req('POST', '/api/v4/teams', { token: a.token, body: { name: uniqueName(), display_name: 'V4', type: 'I' } });
  assert.is(v4ok.status, 201, JSON.stringify(v4ok.body));
  assert.is(v4ok.body.type, 'I');
});

test('team names follow Mattermost rules; bad input has stable codes', async () => {
  const a = await fxUser(t.deps);
  const cases: [unknown, number, string][] = [
    [{ name: 'Alpha', display_name: 'x' }, 400, 'invalid_team_name'],
    [{ name: 'a', display_name: 'x' }, 400, 'invalid_team_name'],
    [{ name: '-ab', display_name: 'x' }, 400, 'invalid_team_name'],
    [{ name: 'ab-', display_name: 'x' }, 400, 'invalid_team_name'],
    [{ name: 'a_b', display_name: 'x' }, 400, 'invalid_team_name'],
    [{ name: 'x'.repeat(65), display_name: 'x' }, 400, 'invalid_team_name'],
    [{ name: 'admin', display_name: 'x' }, 400, 'invalid_team_name'],
    [{ name: 'signup', display_name: 'x' }, 400, 'invalid_team_name'],
    [{ name: 'te\u200bam', display_name: 'x' }, 400, 'invalid_team_name'],
    [{ name: 42, display_name: 'x' }, 400, 'invalid_input'],
    [{ name: 'okname' }, 400, 'invalid_input'],
    [{ name: 'okname', display_name: '   ' }, 400, 'invalid_input'],
    [{ name: 'okname', display_name: 'x', type: 'Z' }, 400, 'invalid_input'],
    [{ name: 'okname', display_name: 'x', type: 'O', allow_open_invite: false }, 400, 'invalid_input'],
    [{ name: 'okname', display_name: 'x\u0000' }, 400, 'invalid_characters'],
  ];
  for (const [body, status, code] of cases) {
    const r = await t.req('POST', '/api/v1/teams', { token: a.token, body });
    assert.is(r.status, status, JSON.stringify(body));
    assert.is(r.body.error.code, code, JSON.stringify(body));
  }
  const raw = await t.req('POST', '/api/v1/teams', { token: a.token, raw: '{"name":', headers: { 'content-type': 'application/json' } });
  assert.is(raw.status, 400);
  assert.is(raw.body.error.code, 'invalid_json');

  const ok = await t.req('POST', '/api/v1/teams', { token: a.token, body: { name: 'x'.repeat(64), display_name: 'Long' } });
  assert.is(ok.status, 201);
  const dup = await t.req('POST', '/api/v1/teams', { token: a.token, body: { name: 'x'.repeat(64), display_name: 'Again' } });
  assert.is(dup.status, 409);
  assert.is(dup.body.error.code, 'team_name_taken');

  assert.is((await t.req('GET', '/api/v1/teams')).status, 401);
  const bad = await t.req('GET', '/api/v1/teams/not-an-id', { token: a.token });
  assert.is(bad.status, 400);
  assert.is(bad.body.error.code, 'invalid_id');
  const missing = await t.req('GET', `/api/v1/teams/${'a'.repeat(26)}`, { token: a.token });
  assert.is(missing.status, 404);
  assert.is(missing.body.error.code, 'team_not_found');
});

test('join an open team: default channels, events to every member; joining again is a no-op', async () => {
  const a = await fxUser(t.deps);
  const b = await fxUser(t.deps);
  const team = await createTeam(a);
  const pub = await t.req('GET', '/api/v1/teams/public', { token: b.token });
  assert.ok(pub.body.items.some((x: any) => x.id === team.id));
  assert.is(pub.body.items.find((x: any) => x.id === team.id).invite_id, undefined);
  const view = await t.req('GET', `/api/v1/teams/${team.id}`, { token: b.token });
  assert.is(view.status, 200, 'open teams can be previewed');
  assert.is(view.body.invite_id, undefined);

  t.takeEvents();
  const j = await t.req('POST', `/api/v1/teams/${team.id}/join`, { token: b.token });
  assert.is(j.status, 201);
  assert.is(j.body.role, 'team_user');
  const chans = await defaultChannelIds(team.id);
  assert.equal(await channelMemberIds(chans['town-square']), sorted([a.id, b.id]));
  assert.equal(await channelMemberIds(chans['off-topic']), sorted([a.id, b.id]));
  const ev = t.takeEvents();
  const added = only(ev, 'added_to_team');
  assert.is(added.length, 1);
  assert.equal(sorted(added[0].broadcast.user_ids), sorted([a.id, b.id]));
  assert.is(added[0].data.user_id, b.id);
  const ua = only(ev, 'user_added');
  assert.is(ua.length, 2);
  for (const e of ua) {
    assert.is(e.data.user_id, b.id);
    assert.equal(sorted(e.broadcast.user_ids), sorted([a.id, b.id]));
  }

  const again = await t.req('POST', `/api/v1/teams/${team.id}/join`, { token: b.token });
  assert.is(again.status, 200);
  assert.is(t.takeEvents().length, 0);
  const pub2 = await t.req('GET', '/api/v1/teams/public', { token: b.token });
  assert.not.ok(pub2.body.items.some((x: any) => x.id === team.id), 'joined teams are not offered');
});

test('invite-only teams: hidden from browse, need the invite id', async () => {
  const a = await fxUser(t.deps);
  const b = await fxUser(t.deps);
  const team = await createTeam(a, { type: 'I' });
  assert.is(team.allow_open_invite, false);
  const pub = await t.req('GET', '/api/v1/teams/public', { token: b.token });
  assert.not.ok(pub.body.items.some((x: any) => x.id === team.id));
  const view = await t.req('GET', `/api/v1/teams/${team.id}`, { token: b.token });
  assert.is(view.status, 403);
  assert.is(view.body.error.code, 'forbidden');

  t.takeEvents();
  const no = await t.req('POST', `/api/v1/teams/${team.id}/join`, { token: b.token });
  assert.is(no.status, 403);
  assert.is(no.body.error.code, 'forbidden');
  const wrong = await t.req('POST', `/api/v1/teams/${team.id}/join`, { token: b.token, body: { invite_id: 'nope' } });
  assert.is(wrong.status, 403);
  assert.is(wrong.body.error.code, 'invalid_invite');
  const badType = await t.req('POST', `/api/v1/teams/${team.id}/join`, { token: b.token, body: { invite_id: 7 } });
  assert.is(badType.status, 400);
  assert.is(badType.body.error.code, 'invalid_input');
  assert.is(t.takeEvents().length, 0);
  assert.is((await t.deps.db.query('select 1 from team_members where team_id = $1 and user_id = $2', [team.id, b.id])).length, 0);

  const ok = await t.req('POST', `/api/v1/teams/${team.id}/join`, { token: b.token, body: { invite_id: team.invite_id } });
  assert.is(ok.status, 201);
  const asMember = await t.req('GET', `/api/v1/teams/${team.id}`, { token: b.token });
  assert.is(asMember.status, 200);
  assert.is(asMember.body.invite_id, undefined, 'plain members do not see the invite id');
});

test('update: team admins only; type and allow_open_invite stay in step; team_updated to members', async () => {
  const a = await fxUser(t.deps);
  const b = await fxUser(t.deps);
  const team = await createTeam(a);
  await t.req('POST', `/api/v1/teams/${team.id}/join`, { token: b.token });
  t.takeEvents();
  const denied = await t.req('PATCH', `/api/v1/teams/${team.id}`, { token: b.token, body: { display_name: 'Mine now' } });
  assert.is(denied.status, 403);
  assert.is(denied.body.error.code, 'forbidden');
  assert.is(t.takeEvents().length, 0);

  const r = await t.req('PATCH', `/api/v1/teams/${team.id}`, { token: a.token, body: { display_name: 'Renamed', description: 'd', allow_open_invite: false } });
  assert.is(r.status, 200);
  assert.is(r.body.display_name, 'Renamed');
  assert.is(r.body.type, 'I');
  assert.is(r.body.allow_open_invite, false);
  assert.is(r.body.name, team.name, 'the name does not change');
  const ev = t.takeEvents();
  assert.is(ev.length, 1);
  assert.is(ev[0].event, 'team_updated');
  assert.equal(sorted(ev[0].broadcast.user_ids), sorted([a.id, b.id]));
  assert.is((ev[0].data.team as any).display_name, 'Renamed');

  const bad = await t.req('PATCH', `/api/v1/teams/${team.id}`, { token: a.token, body: { display_name: 5 } });
  assert.is(bad.status, 400);
  assert.is(bad.body.error.code, 'invalid_input');
});

test('members: list with cursor, add (admins), remove (admins) takes the user out of the team channels', async () => {
  const a = await fxUser(t.deps);
  const b = await fxUser(t.deps);
  const c = await fxUser(t.deps);
  const team = await createTeam(a);

  const denied = await t.req('POST', `/api/v1/teams/${team.id}/members`, { token: b.token, body: { user_id: c.id } });
  assert.is(denied.status, 403, 'outsiders cannot add');
  t.takeEvents();
  const add = await t.req('POST', `/api/v1/teams/${team.id}/members`, { token: a.token, body: { user_id: b.id } });
  assert.is(add.status, 201);
  assert.is(add.body.user_id, b.id);
  const ev = t.takeEvents();
  assert.equal(only(ev, 'added_to_team').map((e) => sorted(e.broadcast.user_ids)), [sorted([a.id, b.id])]);
  assert.is(only(ev, 'user_added').length, 2);
  const again = await t.req('POST', `/api/v1/teams/${team.id}/members`, { token: a.token, body: { user_id: b.id } });
  assert.is(again.status, 200);
  assert.is(t.takeEvents().length, 0);

  const byMember = await t.req('POST', `/api/v1/teams/${team.id}/members`, { token: b.token, body: { user_id: c.id } });
  assert.is(byMember.status, 403, 'plain members cannot add');
  const unknown = await t.req('POST', `/api/v1/teams/${team.id}/members`, { token: a.token, body: { user_id: 'b'.repeat(26) } });
  assert.is(unknown.status, 404);
  assert.is(unknown.body.error.code, 'user_not_found');
  const badId = await t.req('POST', `/api/v1/teams/${team.id}/members`, { token: a.token, body: { user_id: 'B'.repeat(26) } });
  assert.is(badId.status, 400);
  assert.is(badId.body.error.code, 'invalid_id');
  await t.req('POST', `/api/v1/teams/${team.id}/members`, { token: a.token, body: { user_id: c.id } });

  const p1 = await t.req('GET', `/api/v1/teams/${team.id}/members?limit=2`, { token: b.token });
  assert.is(p1.status, 200);
  assert.is(p1.body.items.length, 2);
  assert.ok(p1.body.next_cursor);
  const p2 = await t.req('GET', `/api/v1/teams/${team.id}/members?limit=2&cursor=${p1.body.next_cursor}`, { token: b.token });
  assert.is(p2.body.items.length, 1);
  assert.is(p2.body.next_cursor, null);
  assert.equal(sorted([...p1.body.items, ...p2.body.items].map((m: any) => m.user_id)), sorted([a.id, b.id, c.id]));
  const badLimit = await t.req('GET', `/api/v1/teams/${team.id}/members?limit=abc`, { token: b.token });
  assert.is(badLimit.status, 400);
  assert.is(badLimit.body.error.code, 'invalid_input');
  const badCursor = await t.req('GET', `/api/v1/teams/${team.id}/members?cursor=x'--`, { token: b.token });
  assert.is(badCursor.status, 400);
  assert.is(badCursor.body.error.code, 'invalid_id');
  const outsider = await fxUser(t.deps);
  assert.is((await t.req('GET', `/api/v1/teams/${team.id}/members`, { token: outsider.token })).status, 403);

  // A private channel c belongs to: removal takes c out of it too.
  const priv = await t.req('POST', '/api/v1/channels', { token: a.token, body: { team_id: team.id, name: 'secret', display_name: 'Secret', type: 'private' } });
  await t.req('POST', `/api/v1/channels/${priv.body.id}/members`, { token: a.token, body: { user_id: c.id } });

  t.takeEvents();
  const notAdmin = await t.req('DELETE', `/api/v1/teams/${team.id}/members/${c.id}`, { token: b.token });
  assert.is(notAdmin.status, 403);
  assert.is(t.takeEvents().length, 0);
  const rm = await t.req('DELETE', `/api/v1/teams/${team.id}/members/${c.id}`, { token: a.token });
  assert.is(rm.status, 200);
  const left = await t.deps.db.query('select m.channel_id from channel_members m join channels ch on ch.id = m.channel_id where ch.team_id = $1 and m.user_id = $2', [team.id, c.id]);
  assert.is(left.length, 0);
  const ev2 = t.takeEvents();
  const removed = only(ev2, 'user_removed');
  assert.is(removed.length, 3, 'town-square, off-topic, secret');
  for (const e of removed) {
    assert.ok(e.broadcast.user_ids.includes(c.id), 'the removed user hears it');
    assert.is(e.data.user_id, c.id);
    assert.is(e.data.remover_id, a.id);
  }
  const privEvent = removed.find((e) => e.data.channel_id === priv.body.id)!;
  assert.equal(sorted(privEvent.broadcast.user_ids), sorted([a.id, c.id]), 'private channel events go to its members only');
  const leave = only(ev2, 'leave_team');
  assert.is(leave.length, 1);
  assert.equal(sorted(leave[0].broadcast.user_ids), sorted([a.id, b.id, c.id]));
  const gone = await t.req('DELETE', `/api/v1/teams/${team.id}/members/${c.id}`, { token: a.token });
  assert.is(gone.status, 404);
  assert.is(gone.body.error.code, 'member_not_found');
});

test('a deactivated user is refused by team and channel add-member (v1, admin, v4): 400 user_deactivated, nothing written', async () => {
  const a = await fxUser(t.deps);
  const sys = await fxUser(t.deps, { admin: true });
  const gone = await fxUser(t.deps);
  const team = await createTeam(a);
  await setActive(t.deps, CLI_ACTOR, gone.id, false);
  t.takeEvents();
  const memberRows = async () => (await t.deps.db.query('select 1 from team_members where team_id = $1 and user_id = $2', [team.id, gone.id])).length;

  const v1 = await t.req('POST', `/api/v1/teams/${team.id}/members`, { token: a.token, body: { user_id: gone.id } });
  assert.is(v1.status, 400, JSON.stringify(v1.body));
  assert.is(v1.body.error.code, 'user_deactivated');
  const admin = await t.req('POST', `/api/v1/admin/teams/${team.id}/members`, { token: sys.token, body: { user_id: gone.id } });
  assert.is(admin.status, 400, JSON.stringify(admin.body));
  assert.is(admin.body.error.code, 'user_deactivated');
  const v4 = await t.req('POST', `/api/v4/teams/${team.id}/members`, { token: a.token, body: { team_id: team.id, user_id: gone.id } });
  assert.is(v4.status, 400, JSON.stringify(v4.body));
  assert.is(v4.body.id, 'app.member.add.user_deactivated.app_error');
  assert.is(v4.body.status_code, 400);
  assert.is(await memberRows(), 0, 'no team membership written');

  // Channels: a member deactivated after joining the team is still a team member (as in
  // Mattermost), so the channel paths need their own check.
  await setActive(t.deps, CLI_ACTOR, gone.id, true);
  assert.is((await t.req('POST', `/api/v1/teams/${team.id}/members`, { token: a.token, body: { user_id: gone.id } })).status, 201);
  await setActive(t.deps, CLI_ACTOR, gone.id, false);
  const ch = await t.req('POST', '/api/v1/channels', { token: a.token, body: { team_id: team.id, name: `side-${n++}`, display_name: 'Side', type: 'O' } });
  assert.is(ch.status, 201, JSON.stringify(ch.body));
  t.takeEvents();
  const c1 = await t.req('POST', `/api/v1/channels/${ch.body.id}/members`, { token: a.token, body: { user_id: gone.id } });
  assert.is(c1.status, 400, JSON.stringify(c1.body));
  assert.is(c1.body.error.code, 'user_deactivated');
  const c2 = await t.req('POST', `/api/v1/admin/channels/${ch.body.id}/members`, { token: sys.token, body: { user_id: gone.id } });
  assert.is(c2.status, 400, JSON.stringify(c2.body));
  assert.is(c2.body.error.code, 'user_deactivated');
  const c4 = await t.req('POST', `/api/v4/channels/${ch.body.id}/members`, { token: a.token, body: { user_id: gone.id } });
  assert.is(c4.status, 400, JSON.stringify(c4.body));
  assert.is(c4.body.id, 'app.member.add.user_deactivated.app_error');
  assert.equal(await channelMemberIds(ch.body.id), [a.id], 'no channel membership written');
  assert.is(t.takeEvents().length, 0, 'no events');
});

test('leave: out of the team and its channels; not a member -> 404', async () => {
  const a = await fxUser(t.deps);
  const b = await fxUser(t.deps);
  const team = await createTeam(a);
  await t.req('POST', `/api/v1/teams/${team.id}/join`, { token: b.token });
  t.takeEvents();
  const r = await t.req('POST', `/api/v1/teams/${team.id}/leave`, { token: b.token });
  assert.is(r.status, 200);
  assert.equal(r.body, { status: 'ok' });
  const chans = await defaultChannelIds(team.id);
  assert.equal(await channelMemberIds(chans['town-square']), [a.id]);
  const ev = t.takeEvents();
  assert.is(only(ev, 'user_removed').length, 2);
  assert.equal(sorted(only(ev, 'leave_team')[0].broadcast.user_ids), sorted([a.id, b.id]));
  const mine = await t.req('GET', '/api/v1/teams', { token: b.token });
  assert.not.ok(mine.body.items.some((x: any) => x.id === team.id));
  const again = await t.req('POST', `/api/v1/teams/${team.id}/leave`, { token: b.token });
  assert.is(again.status, 404);
  assert.is(again.body.error.code, 'member_not_found');
});

test('delete: system admins only; soft; then the team is gone for everyone', async () => {
  const a = await fxUser(t.deps);
  const admin = await fxUser(t.deps, { admin: true });
  const team = await createTeam(a);
  t.takeEvents();
  const denied = await t.req('DELETE', `/api/v1/teams/${team.id}`, { token: a.token });
  assert.is(denied.status, 403, 'team admins cannot delete');
  assert.is(t.takeEvents().length, 0);
  const r = await t.req('DELETE', `/api/v1/teams/${team.id}`, { token: admin.token });
  assert.is(r.status, 200);
  assert.ok(r.body.delete_at > 0);
  const ev = t.takeEvents();
  assert.is(ev.length, 1);
  assert.is(ev[0].event, 'team_deleted');
  assert.equal(ev[0].broadcast.user_ids, [a.id]);
  const row = await t.deps.db.query<{ delete_at: number }>('select delete_at from teams where id = $1', [team.id]);
  assert.ok(row[0].delete_at > 0, 'soft delete keeps the row');
  assert.is((await t.req('GET', `/api/v1/teams/${team.id}`, { token: a.token })).status, 404);
  const mine = await t.req('GET', '/api/v1/teams', { token: a.token });
  assert.not.ok(mine.body.items.some((x: any) => x.id === team.id));
  const unreads = await t.req('GET', '/api/v1/channels/unreads', { token: a.token });
  assert.not.ok(unreads.body.channels.some((u: any) => u.team_id === team.id), 'channels of deleted teams are not listed');
  const chans = await defaultChannelIds(team.id);
  const gone = await t.req('GET', `/api/v1/channels/${chans['town-square']}`, { token: a.token });
  assert.is(gone.status, 404, 'the channels of a deleted team go with it');
  assert.is(gone.body.error.code, 'channel_not_found');
  const post = await t.req('POST', `/api/v1/channels/${chans['town-square']}/read`, { token: a.token });
  assert.is(post.status, 404);
});

test('team channels: mine with unread counts; browse lists public channels I have not joined', async () => {
  const a = await fxUser(t.deps);
  const b = await fxUser(t.deps);
  const team = await createTeam(a);
  await t.req('POST', `/api/v1/teams/${team.id}/join`, { token: b.token });
  const extra = await t.req('POST', '/api/v1/channels', { token: a.token, body: { team_id: team.id, name: 'extra', display_name: 'Extra', type: 'public' } });
  await t.req('POST', '/api/v1/channels', { token: a.token, body: { team_id: team.id, name: 'hidden', display_name: 'Hidden', type: 'private' } });
  const browse = await t.req('GET', `/api/v1/teams/${team.id}/channels/browse`, { token: b.token });
  assert.is(browse.status, 200);
  assert.equal(browse.body.items.map((c: any) => c.name), ['extra']);
  const mine = await t.req('GET', `/api/v1/teams/${team.id}/channels`, { token: b.token });
  assert.is(mine.status, 200);
  assert.equal(mine.body.items.map((c: any) => c.name).sort(), ['off-topic', 'town-square']);
  for (const c of mine.body.items) {
    assert.is(c.member.user_id, b.id);
    assert.is(c.unread.unread_count, 0);
  }
  assert.is(mine.body.team.team_id, team.id);
  const outsider = await fxUser(t.deps);
  assert.is((await t.req('GET', `/api/v1/teams/${team.id}/channels`, { token: outsider.token })).status, 403);
  assert.is((await t.req('GET', `/api/v1/teams/${team.id}/channels/browse`, { token: outsider.token })).status, 403);
  assert.ok(extra.body.id);
});

test('member roles: team admins promote and demote; plain members cannot', async () => {
  const a = await fxUser(t.deps);
  const b = await fxUser(t.deps);
  const c = await fxUser(t.deps);
  const team = await createTeam(a);
  await t.req('POST', `/api/v1/teams/${team.id}/join`, { token: b.token });
  await t.req('POST', `/api/v1/teams/${team.id}/join`, { token: c.token });
  t.takeEvents();
  const denied = await t.req('PATCH', `/api/v1/teams/${team.id}/members/${c.id}`, { token: b.token, body: { role: 'team_admin' } });
  assert.is(denied.status, 403);
  const up = await t.req('PATCH', `/api/v1/teams/${team.id}/members/${b.id}`, { token: a.token, body: { role: 'team_admin' } });
  assert.is(up.status, 200);
  assert.is(up.body.role, 'team_admin');
  // Now b administers: can add to the team and sees the invite id.
  const view = await t.req('GET', `/api/v1/teams/${team.id}`, { token: b.token });
  assert.is(view.body.invite_id, team.invite_id);
  const down = await t.req('PATCH', `/api/v1/teams/${team.id}/members/${a.id}`, { token: b.token, body: { role: 'team_user' } });
  assert.is(down.status, 200);
  assert.is((await t.req('PATCH', `/api/v1/teams/${team.id}`, { token: a.token, body: { description: 'x' } })).status, 403, 'a demoted admin loses admin rights');
  const bad = await t.req('PATCH', `/api/v1/teams/${team.id}/members/${c.id}`, { token: b.token, body: { role: 'system_admin' } });
  assert.is(bad.status, 400);
  assert.is(bad.body.error.code, 'invalid_input');
  const stranger = await fxUser(t.deps);
  const missing = await t.req('PATCH', `/api/v1/teams/${team.id}/members/${stranger.id}`, { token: b.token, body: { role: 'team_admin' } });
  assert.is(missing.status, 404);
  assert.is(missing.body.error.code, 'member_not_found');
  assert.is(t.takeEvents().length, 0, 'role changes send no event');
});

test.run();
