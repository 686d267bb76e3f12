import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { testApp } from '../../../test/app.ts';
import { fxChannel, fxTeam, fxUser, type FxUser } from '../../../test/fixtures.ts';
import { newId } from '../../ids.ts';

const t = await testApp();
const code = (r: { body: any }) => r.body?.error?.code;

// alice and bob share a team; carol shares only a private channel with alice (in another team);
// dan shares nothing with anyone; root is a system admin.
const root = await fxUser(t.deps, { username: 'root', admin: true });
const alice = await fxUser(t.deps, { username: 'alice' });
const bob = await fxUser(t.deps, { username: 'bob_100' });
const carol = await fxUser(t.deps, { username: 'carol' });
const dan = await fxUser(t.deps, { username: 'dan' });
const team = await fxTeam(t.deps, alice, { members: [bob] });
const other = await fxTeam(t.deps, carol);
await t.deps.db.query(`insert into team_members (team_id, user_id, role, create_at) values ($1, $2, 'team_user', 0)`, [other.id, alice.id]);
const secret = await fxChannel(t.deps, other.id, carol, { type: 'P', members: [alice] });
const get = (path: string, u: FxUser) => t.req('GET', path, { token: u.token });

test('profiles: email only for self and system admins; never the password hash', async () => {
  const asBob = await get(`/api/v1/users/${alice.id}`, bob);
  assert.is(asBob.status, 200);
  assert.is(asBob.body.username, 'alice');
  assert.not.ok('email' in asBob.body);
  assert.not.ok('password_hash' in asBob.body);
  assert.is((await get(`/api/v1/users/${alice.id}`, alice)).body.email, alice.email);
  assert.is((await get(`/api/v1/users/${alice.id}`, root)).body.email, alice.email);
  assert.is((await get('/api/v1/users/me', alice)).body.id, alice.id);
  const missing = await get(`/api/v1/users/${newId()}`, alice);
  assert.is(missing.status, 404);
  assert.is(code(missing), 'user_not_found');
  assert.is(code(await get('/api/v1/users/not-an-id', alice)), 'invalid_id');
  assert.is((await t.req('GET', `/api/v1/users/${alice.id}`)).status, 401);
});

test('search: substring of names, literal wildcards, paging by cursor', async () => {
  const r = await get('/api/v1/users?q=AL', bob);
  assert.equal(
    r.body.items.map((u: any) => u.username),
    ['alice'],
  );
  assert.not.ok('email' in r.body.items[0]);
  // % and _ are ordinary characters, not LIKE wildcards.
  assert.equal((await get('/api/v1/users?q=%25', bob)).body.items, []);
  assert.equal(
    (await get('/api/v1/users?q=_', bob)).body.items.map((u: any) => u.username),
    ['bob_100'],
  );
  assert.equal((await get(`/api/v1/users?q=${encodeURIComponent("' OR 1=1--")}`, bob)).body.items, []);
  // Emails are searchable by admins only (others would learn addresses by probing).
  assert.is((await get('/api/v1/users?q=example.com', bob)).body.items.length, 0);
  assert.is((await get('/api/v1/users?q=example.com', root)).body.items.length, 5);

  const page1 = await get('/api/v1/users?limit=2', bob);
  assert.equal(
    page1.body.items.map((u: any) => u.username),
    ['alice', 'bob_100'],
  );
  assert.is(page1.body.next_cursor, 'bob_100');
  const page2 = await get(`/api/v1/users?limit=2&cursor=${page1.body.next_cursor}`, bob);
  assert.equal(
    page2.body.items.map((u: any) => u.username),
    ['carol', 'dan'],
  );
  const page3 = await get(`/api/v1/users?limit=2&cursor=${page2.body.next_cursor}`, bob);
  assert.equal(
    page3.body.items.map((u: any) => u.username),
    ['root'],
  );
  assert.is(page3.body.next_cursor, null);
  for (const bad of ['q=%00', 'cursor=a%00', 'q%00=x']) {
    const b = await get(`/api/v1/users?${bad}`, bob);
    assert.is(b.status, 400, bad);
    assert.is(code(b), 'invalid_characters', bad);
  }
  for (const bad of ['limit=0', 'limit=1000', 'limit=abc', 'team_id=nope']) {
    const b = await get(`/api/v1/users?${bad}`, bob);
    assert.is(b.status, 400, bad);
    assert.is(code(b), 'invalid_input', bad);
  }
});

test('team and channel filters require access', async () => {
  const members = await get(`/api/v1/users?team_id=${team.id}`, bob);
  assert.equal(
    members.body.items.map((u: any) => u.username),
    ['alice', 'bob_100'],
  );
  const outsider = await get(`/api/v1/users?team_id=${team.id}`, dan);
  assert.is(outsider.status, 403);
  // An archived team is gone for its members too (as GET /teams/:id/members answers): no list.
  await t.deps.db.query('update teams set delete_at = 1 where id = $1', [team.id]);
  for (const path of [`/api/v1/users?team_id=${team.id}`, `/api/v4/users?in_team=${team.id}`, `/api/v4/users/autocomplete?in_team=${team.id}&name=a`]) {
    const gone = await get(path, bob);
    assert.is(gone.status, 404, path);
  }
  assert.is((await get(`/api/v1/teams/${team.id}/members`, bob)).status, 404);
  await t.deps.db.query('update teams set delete_at = 0 where id = $1', [team.id]);
  assert.equal(
    (await get(`/api/v1/users?channel_id=${secret.id}`, alice)).body.items.map((u: any) => u.username),
    ['alice', 'carol'],
  );
  // bob is not in carol's team or the private channel: denied, nothing listed.
  const denied = await get(`/api/v1/users?channel_id=${secret.id}`, bob);
  assert.is(denied.status, 403);
  assert.is(code(denied), 'forbidden');
});

test('deactivated users are left out of search but still resolvable by id', async () => {
  await t.deps.db.query('update users set delete_at = 1 where id = $1', [dan.id]);
  assert.equal((await get('/api/v1/users?q=dan', bob)).body.items, []);
  const r = await get(`/api/v1/users/${dan.id}`, bob);
  assert.is(r.body.delete_at, 1);
  await t.deps.db.query('update users set delete_at = 0 where id = $1', [dan.id]);
});

test('POST /users/ids returns the users that exist', async () => {
  const r = await t.req('POST', '/api/v1/users/ids', { token: bob.token, body: { ids: [alice.id, carol.id, alice.id, newId()] } });
  assert.is(r.status, 200);
  assert.equal(
    r.body.items.map((u: any) => u.username),
    ['alice', 'carol'],
  );
  assert.is(code(await t.req('POST', '/api/v1/users/ids', { token: bob.token, body: { ids: ['x'] } })), 'invalid_input');
  assert.is(code(await t.req('POST', '/api/v1/users/ids', { token: bob.token, body: { ids: 'abc' } })), 'invalid_input');
  assert.is(code(await t.req('POST', '/api/v1/users/ids', { token: bob.token, body: { ids: Array.from({ length: 201 }, newId) } })), 'invalid_input');
});

test('PATCH own profile emits user_updated to everyone sharing a team or channel, without the email', async () => {
  t.takeEvents();
  const r = await t.req('PATCH', '/api/v1/users/me', {
    token: alice.token,
    body: { display_name: 'Alice A.', position: 'CTO', timezone: { useAutomaticTimezone: false, manualTimezone: 'Europe/Paris' } },
  });
  assert.is(r.status, 200, JSON.stringify(r.body));
  assert.is(r.body.display_name, 'Alice A.');
  assert.equal(r.body.timezone, { useAutomaticTimezone: false, manualTimezone: 'Europe/Paris' });
  assert.is(r.body.email, alice.email);
  const events = t.takeEvents();
  assert.is(events.length, 1);
  const [e] = events;
  assert.is(e.event, 'user_updated');
  assert.equal([...e.broadcast.user_ids].sort(), [alice.id, bob.id, carol.id].sort());
  const u = e.data.user as any;
  assert.is(u.id, alice.id);
  assert.is(u.display_name, 'Alice A.');
  assert.is(u.position, 'CTO');
  assert.not.ok('email' in u);
  assert.ok(u.update_at > 0);
  // The change is visible to others.
  assert.is((await get(`/api/v1/users/${alice.id}`, carol)).body.position, 'CTO');
});

test('PATCH someone else: 403 for users (nothing written, no event), allowed for system admins', async () => {
  t.takeEvents();
  const r = await t.req('PATCH', `/api/v1/users/${alice.id}`, { token: bob.token, body: { nickname: 'hacked' } });
  assert.is(r.status, 403);
  assert.is(t.takeEvents().length, 0);
  assert.is((await get(`/api/v1/users/${alice.id}`, alice)).body.nickname, '');
  const ok = await t.req('PATCH', `/api/v1/users/${dan.id}`, { token: root.token, body: { nickname: 'D' } });
  assert.is(ok.status, 200);
  assert.is(ok.body.nickname, 'D');
  const [e] = t.takeEvents();
  assert.equal(e.broadcast.user_ids, [dan.id], 'dan shares nothing: only dan hears of it');
  assert.is((await t.req('PATCH', `/api/v1/users/${newId()}`, { token: root.token, body: { nickname: 'x' } })).status, 404);
});

test('PATCH bad input: stable codes, no event', async () => {
  t.takeEvents();
  const cases: [unknown, string][] = [
    [{ display_name: 'x\u202eevil' }, 'invalid_input'],
    [{ display_name: 'x'.repeat(65) }, 'invalid_input'],
    [{ display_name: 5 }, 'invalid_input'],
    [{ username: 'newname' }, 'invalid_input'], // not a profile field
    [{ roles: 'system_admin' }, 'invalid_input'], // nor is the role
    [{ timezone: 'UTC' }, 'invalid_input'],
    [{ locale: 'not a locale' }, 'invalid_input'],
    [{}, 'invalid_input'],
    [{ nickname: 'a\u0000b' }, 'invalid_characters'],
  ];
  for (const [body, expected] of cases) {
    const r = await t.req('PATCH', '/api/v1/users/me', { token: bob.token, body });
    assert.is(r.status, 400, JSON.stringify(body));
    assert.is(code(r), expected, JSON.stringify(body));
  }
  const raw = await t.req('PATCH', '/api/v1/users/me', { token: bob.token, raw: '{nope', headers: { 'content-type': 'application/json' } });
  assert.is(code(raw), 'invalid_json');
  assert.is(t.takeEvents().length, 0);
});

test.after(() => t.close());
test.run();
