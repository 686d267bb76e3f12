/**
 * The console's teams and channels (issue 13): every team and public/private channel listed with
 * server-side search, paging and member counts; archive/restore; membership moves; all system
 * admin only and audited. Also the audit log's time range and the server info route.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { testApp } from '../../../test/app.ts';

const t = await testApp();
const code = (r: { body: any }) => r.body?.error?.code;
const reg = async (username: string) => {
  const r = await t.req('POST', '/api/v1/auth/register', { body: { email: `${username}@example.com`, username, password: `${username} password` } });
  assert.is(r.status, 201);
  return { id: r.body.user.id as string, token: r.body.token as string };
};
const admin = await reg('boss');
const erin = await reg('erin');
const frank = await reg('frank');
const as = (token: string) => (method: string, path: string, body?: unknown) => t.req(method, `/api/v1${path}`, { token, body });
const A = as(admin.token);
const E = as(erin.token);
const auditOf = async (action: string) => (await A('GET', `/admin/audit?action=${action}`)).body.items;

// erin's team with 24 extra channels; a second team the admin is not in.
const alpha = (await E('POST', '/teams', { type: 'O', name: 'alpha', display_name: 'Alpha Squad' })).body;
const beta = (await E('POST', '/teams', { type: 'O', name: 'beta', display_name: 'Beta' })).body;
for (let i = 0; i < 24; i++) {
  const r = await E('POST', '/channels', { team_id: alpha.id, name: `room-${String(i).padStart(2, '0')}`, display_name: `Room ${i}`, type: i % 2 ? 'private' : 'public' });
  assert.is(r.status, 201, JSON.stringify(r.body));
}
const secret = (await E('POST', '/channels', { team_id: beta.id, name: 'secret', display_name: 'Secret plans', type: 'private' })).body;

test('non-admins get 403 on every new route; no token 401', async () => {
  const routes: [string, string, unknown?][] = [
    ['GET', '/admin/teams'],
    ['POST', `/admin/teams/${alpha.id}/archive`],
    ['POST', `/admin/teams/${alpha.id}/restore`],
    ['GET', `/admin/teams/${alpha.id}/members`],
    ['POST', `/admin/teams/${alpha.id}/members`, { user_id: frank.id }],
    ['DELETE', `/admin/teams/${alpha.id}/members/${erin.id}`],
    ['GET', '/admin/channels'],
    ['POST', `/admin/channels/${secret.id}/archive`],
    ['POST', `/admin/channels/${secret.id}/restore`],
    ['GET', `/admin/channels/${secret.id}/members`],
    ['POST', `/admin/channels/${secret.id}/members`, { user_id: frank.id }],
    ['DELETE', `/admin/channels/${secret.id}/members/${erin.id}`],
    ['GET', '/admin/server'],
  ];
  for (const [m, p, body] of routes) {
    const r = await E(m, p, body);
    assert.is(r.status, 403, `${m} ${p}`);
    assert.is(code(r), 'forbidden');
    assert.is((await t.req(m, `/api/v1${p}`, { body })).status, 401);
  }
  assert.is((await E('GET', `/teams/${alpha.id}`)).body.delete_at, 0, 'nothing changed');
});

test('teams: search, paging, member counts, archived filter', async () => {
  const all = await A('GET', '/admin/teams');
  assert.is(all.status, 200);
  assert.equal(
    all.body.items.map((x: any) => [x.name, x.member_count]),
    [
      ['alpha', 1],
      ['beta', 1],
    ],
  );
  const p1 = await A('GET', '/admin/teams?limit=1');
  assert.is(p1.body.next_cursor, 'alpha');
  const p2 = await A('GET', `/admin/teams?limit=1&cursor=${p1.body.next_cursor}`);
  assert.equal(p2.body.items.map((x: any) => x.name), ['beta']);
  assert.is(p2.body.next_cursor, null);
  assert.equal((await A('GET', '/admin/teams?q=SQUAD')).body.items.map((x: any) => x.name), ['alpha'], 'display name, case-insensitive');
  assert.equal((await A('GET', '/admin/teams?q=%25')).body.items, [], 'literal match');
  assert.equal((await A('GET', '/admin/teams?state=archived')).body.items, []);
  assert.is(code(await A('GET', '/admin/teams?state=gone')), 'invalid_input');
  assert.is(code(await A('GET', '/admin/teams?limit=500')), 'invalid_input');
});

test('channels: every public and private channel, searched and paged on the server', async () => {
  const seen: string[] = [];
  let cursor: string | null = '';
  while (cursor !== null) {
    const r: any = await A('GET', `/admin/channels?limit=10${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    assert.is(r.status, 200);
    assert.ok(r.body.items.length <= 10);
    seen.push(...r.body.items.map((c: any) => `${c.team.name}/${c.name}`));
    cursor = r.body.next_cursor;
  }
  // 24 rooms + town-square and off-topic of both teams + secret (private, admin not a member).
  assert.is(seen.length, 24 + 4 + 1);
  assert.is(new Set(seen).size, seen.length, 'no duplicates across pages');
  assert.ok(seen.includes('beta/secret'));
  const r = await A('GET', '/admin/channels?q=secret');
  assert.equal(r.body.items.map((c: any) => [c.name, c.type, c.member_count, c.team.display_name]), [['secret', 'P', 1, 'Beta']]);
  assert.is((await A('GET', `/admin/channels?team_id=${beta.id}`)).body.items.length, 3);
  assert.is((await A('GET', `/admin/channels?team_id=${alpha.id}&type=P`)).body.items.length, 12);
  assert.is(code(await A('GET', '/admin/channels?cursor=nocolon')), 'invalid_cursor');
  assert.equal([(await A('GET', '/admin/channels?team_id=nope')).status, code(await A('GET', '/admin/channels?team_id=nope'))], [400, 'invalid_id']);
});

test('membership: add to team, then to a private channel; remove; each audited; outsiders refused', async () => {
  const notInTeam = await A('POST', `/admin/channels/${secret.id}/members`, { user_id: frank.id });
  assert.is(notInTeam.status, 400);
  assert.is(code(notInTeam), 'user_not_in_team');

  const add = await A('POST', `/admin/teams/${beta.id}/members`, { user_id: frank.id });
  assert.is(add.status, 201);
  assert.is((await A('POST', `/admin/teams/${beta.id}/members`, { user_id: frank.id })).status, 200, 'idempotent');
  assert.equal((await A('GET', `/admin/teams/${beta.id}/members`)).body.items.map((m: any) => m.username), ['erin', 'frank']);
  const toChannel = await A('POST', `/admin/channels/${secret.id}/members`, { user_id: frank.id });
  assert.is(toChannel.status, 201, JSON.stringify(toChannel.body));
  // frank really is a member: he can read the private channel.
  assert.is((await t.req('GET', `/api/v1/channels/${secret.id}`, { token: frank.token })).status, 200);
  assert.equal((await A('GET', `/admin/channels/${secret.id}/members`)).body.items.map((m: any) => m.username), ['erin', 'frank']);
  assert.is((await A('GET', '/admin/channels?q=secret')).body.items[0].member_count, 2);

  assert.is((await A('DELETE', `/admin/channels/${secret.id}/members/${frank.id}`)).status, 204);
  assert.is((await t.req('GET', `/api/v1/channels/${secret.id}`, { token: frank.token })).status, 403);
  assert.is((await A('DELETE', `/admin/teams/${beta.id}/members/${frank.id}`)).status, 204);
  assert.is(code(await A('DELETE', `/admin/teams/${beta.id}/members/${frank.id}`)), 'member_not_found');

  for (const action of ['team_member_add', 'channel_member_add', 'channel_member_remove', 'team_member_remove']) {
    const [row] = await auditOf(action);
    assert.ok(row, action);
    assert.is(row.actor_id, admin.id);
    assert.is(row.details.user_id, frank.id);
  }
  assert.is((await auditOf('team_member_add')).length, 1, 'the idempotent add is not audited twice');
});

test('archive and restore a channel and a team, audited; members see it go and come back', async () => {
  assert.is((await A('POST', `/admin/channels/${secret.id}/archive`)).body.delete_at > 0, true);
  assert.is((await A('GET', '/admin/channels?q=secret&state=archived')).body.items.length, 1);
  assert.is((await A('GET', '/admin/channels?q=secret')).body.items.length, 0);
  assert.is(code(await A('POST', `/admin/channels/${secret.id}/members`, { user_id: erin.id })), 'channel_archived');
  assert.is((await A('POST', `/admin/channels/${secret.id}/restore`)).body.delete_at, 0);
  assert.is((await auditOf('channel_archive'))[0].target_id, secret.id);
  assert.is((await auditOf('channel_restore'))[0].target_id, secret.id);

  t.takeEvents();
  const arch = await A('POST', `/admin/teams/${beta.id}/archive`);
  assert.ok(arch.body.delete_at > 0);
  assert.equal((await E('GET', '/teams')).body.items.map((x: any) => x.name), ['alpha'], 'erin no longer sees beta');
  assert.equal((await A('GET', '/admin/teams?state=archived')).body.items.map((x: any) => x.name), ['beta']);
  assert.ok(t.takeEvents().some((e) => e.event === 'team_deleted'));
  const back = await A('POST', `/admin/teams/${beta.id}/restore`);
  assert.is(back.body.delete_at, 0);
  const ev = t.takeEvents().filter((e) => e.event === 'added_to_team');
  assert.equal(ev.map((e: any) => e.broadcast.user_ids), [[erin.id]], 'the member hears it back');
  assert.is((await A('POST', `/admin/teams/${beta.id}/restore`)).status, 200, 'idempotent');
  assert.is((await auditOf('team_archive'))[0].target_id, beta.id);
  assert.is((await auditOf('team_restore')).length, 1);
  assert.is((await E('GET', `/channels/${secret.id}`)).status, 200, 'the team and its channels are back');
});

test('audit: since/until, actor and paging filters', async () => {
  const all = (await A('GET', '/admin/audit?limit=500')).body.items;
  assert.ok(all.length >= 10);
  const mid = all[Math.floor(all.length / 2)].create_at;
  const since = (await A('GET', `/admin/audit?since=${mid}&limit=500`)).body.items;
  const until = (await A('GET', `/admin/audit?until=${mid}&limit=500`)).body.items;
  assert.is(since.length + until.length, all.length);
  assert.ok(since.every((x: any) => x.create_at >= mid));
  assert.ok(until.every((x: any) => x.create_at < mid));
  assert.ok((await A('GET', `/admin/audit?actor_id=${erin.id}`)).body.items.every((x: any) => x.actor_id === erin.id));
  assert.is(code(await A('GET', '/admin/audit?since=5&until=5')), 'invalid_input');
  assert.is(code(await A('GET', '/admin/audit?since=yesterday')), 'invalid_input');
  const p1 = await A('GET', '/admin/audit?limit=3');
  const p2 = await A('GET', `/admin/audit?limit=3&cursor=${p1.body.next_cursor}`);
  assert.equal([...p1.body.items, ...p2.body.items].map((x: any) => x.id), all.slice(0, 6).map((x: any) => x.id));
});

test('server info: build, database kind, readiness checks, uptime, sockets', async () => {
  const r = await A('GET', '/admin/server');
  assert.is(r.status, 200);
  assert.ok(r.body.version && r.body.commit);
  assert.ok(['embedded', 'postgresql'].includes(r.body.database));
  assert.is(r.body.checks.database, 'ok');
  assert.is(r.body.status, 'ok');
  assert.is(r.body.storage, 'local');
  assert.is(r.body.redis, false);
  assert.is(r.body.email, 'log');
  assert.ok(r.body.uptime_seconds >= 0);
  assert.is(r.body.connections, 0);
});

test.after(() => t.close());
test.run();
