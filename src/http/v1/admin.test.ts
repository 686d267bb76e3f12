import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { testApp } from '../../../test/app.ts';
import { fxTeam, fxUser } from '../../../test/fixtures.ts';
import { newId } from '../../ids.ts';
import { adminStats } from '../../actions/admin.ts';
import { siteInfo } from '../../actions/settings.ts';
import { authenticate } from '../../actions/tokens.ts';
import { isControl, type ControlMessage } from '../../contract/events.ts';
import { serve } from '@hono/node-server';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { withServices } from '../../boot.ts';
import type { Deps } from '../../deps.ts';
import { connect } from '../../../test/realtime.ts';

const t = await testApp();
const controls: ControlMessage[] = [];
t.deps.bus.subscribe((m) => {
  if (isControl(m)) controls.push(m);
});
const code = (r: { body: any }) => r.body?.error?.code;

const reg = async (username: string) => {
  const r = await t.req('POST', '/api/v1/auth/register', { body: { email: `${username}@example.com`, username, password: `${username} password` } });
  assert.is(r.status, 201);
  return { id: r.body.user.id as string, token: r.body.token as string };
};
const admin = await reg('boss'); // first account: system admin
const erin = await reg('erin');
const frank = await reg('frank');
const login = (username: string) => t.req('POST', '/api/v1/auth/login', { body: { login_id: username, password: `${username} password` } });
const auditOf = async (action: string) => (await t.req('GET', `/api/v1/admin/audit?action=${action}`, { token: admin.token })).body.items;

test('non-admins get 403 on every admin route; no token gets 401', async () => {
  const routes: [string, string, unknown?][] = [
    ['GET', '/api/v1/admin/users'],
    ['GET', `/api/v1/admin/users/${frank.id}`],
    ['PATCH', `/api/v1/admin/users/${frank.id}`, { role: 'system_admin' }],
    ['POST', `/api/v1/admin/users/${frank.id}/sessions/revoke`],
    ['GET', '/api/v1/admin/config'],
    ['PATCH', '/api/v1/admin/config', { site_name: 'pwned' }],
    ['GET', '/api/v1/admin/email-settings'],
    ['PATCH', '/api/v1/admin/email-settings', { send_notifications: false }],
    ['GET', '/api/v1/admin/stats'],
    ['GET', '/api/v1/admin/audit'],
  ];
  for (const [method, path, body] of routes) {
    const r = await t.req(method, path, { token: erin.token, body });
    assert.is(r.status, 403, `${method} ${path}`);
    assert.is(code(r), 'forbidden');
    assert.is((await t.req(method, path, { body })).status, 401, `${method} ${path} without token`);
  }
  assert.is((await t.req('GET', `/api/v1/users/${frank.id}`, { token: frank.token })).body.roles, 'system_user', 'role unchanged');
  assert.is((await t.req('GET', '/api/v1/site/info')).body.site_name, 'RustChat', 'config unchanged');
});

test('list users with filters, emails included', async () => {
  const all = await t.req('GET', '/api/v1/admin/users', { token: admin.token });
  assert.is(all.status, 200);
  assert.equal(
    all.body.items.map((u: any) => [u.username, u.email]),
    [
      ['boss', 'boss@example.com'],
      ['erin', 'erin@example.com'],
      ['frank', 'frank@example.com'],
    ],
  );
  const admins = await t.req('GET', '/api/v1/admin/users?role=system_admin', { token: admin.token });
  assert.equal(
    admins.body.items.map((u: any) => u.username),
    ['boss'],
  );
  const q = await t.req('GET', '/api/v1/admin/users?q=ERIN%40', { token: admin.token });
  assert.equal(
    q.body.items.map((u: any) => u.username),
    ['erin'],
  );
  assert.equal((await t.req('GET', '/api/v1/admin/users?active=false', { token: admin.token })).body.items, []);
  assert.is(code(await t.req('GET', '/api/v1/admin/users?active=maybe', { token: admin.token })), 'invalid_input');
  assert.is(code(await t.req('GET', '/api/v1/admin/users?role=king', { token: admin.token })), 'invalid_input');
  const one = await t.req('GET', `/api/v1/admin/users/${erin.id}`, { token: admin.token });
  assert.is(one.body.email, 'erin@example.com');
  assert.is(one.body.sessions.length, 1);
  assert.is((await t.req('GET', `/api/v1/admin/users/${newId()}`, { token: admin.token })).status, 404);
  assert.is(code(await t.req('GET', '/api/v1/admin/users/xyz', { token: admin.token })), 'invalid_id');
});

test('role change: audited, user_updated to the user and teammates; the last admin cannot be demoted', async () => {
  const e = await fxUser(t.deps, { username: 'teammate' });
  await fxTeam(t.deps, e, { members: [{ ...e, id: frank.id }] });
  t.takeEvents();
  const r = await t.req('PATCH', `/api/v1/admin/users/${frank.id}`, { token: admin.token, body: { role: 'system_admin' } });
  assert.is(r.status, 200);
  assert.is(r.body.roles, 'system_user system_admin');
  const [ev] = t.takeEvents();
  assert.is(ev.event, 'user_updated');
  assert.equal([...ev.broadcast.user_ids].sort(), [frank.id, e.id].sort());
  assert.is((ev.data.user as any).roles, 'system_user system_admin');
  // Effective on frank's existing session (within the 1 s cache; a fresh process sees it at once).
  const fresh = withServices(t.deps);
  assert.ok((await authenticate(fresh, frank.token)).isSystemAdmin);
  const [row] = await auditOf('role_change');
  assert.is(row.actor_id, admin.id);
  assert.is(row.target_id, frank.id);
  assert.equal(row.details, { from: 'system_user', to: 'system_user system_admin' });

  // Demote frank again, then try to demote the only remaining admin.
  assert.is((await t.req('PATCH', `/api/v1/admin/users/${frank.id}`, { token: admin.token, body: { role: 'system_user' } })).status, 200);
  t.takeEvents();
  const last = await t.req('PATCH', `/api/v1/admin/users/${admin.id}`, { token: admin.token, body: { role: 'system_user' } });
  assert.is(last.status, 409);
  assert.is(code(last), 'last_admin');
  assert.is(t.takeEvents().length, 0);
  for (const body of [{}, { role: 'root' }, { active: 'no' }, { email: 'x@y.z' }]) {
    assert.is(code(await t.req('PATCH', `/api/v1/admin/users/${frank.id}`, { token: admin.token, body })), 'invalid_input', JSON.stringify(body));
  }
});

test('deactivation revokes sessions (announced on the bus) and blocks login; activation restores it', async () => {
  const second = await login('erin');
  controls.length = 0;
  t.takeEvents();
  const r = await t.req('PATCH', `/api/v1/admin/users/${erin.id}`, { token: admin.token, body: { active: false } });
  assert.is(r.status, 200);
  assert.ok(r.body.delete_at > 0);
  assert.is(controls.length, 1);
  const c = controls[0] as Extract<ControlMessage, { control: 'sessions_revoked' }>;
  assert.is(c.user_id, erin.id);
  assert.is(c.session_ids.length, 2);
  assert.is(t.takeEvents()[0].event, 'user_updated');
  for (const token of [erin.token, second.body.token]) assert.is((await t.req('GET', '/api/v1/auth/me', { token })).status, 401);
  // Right password: told the account is deactivated. Wrong password: the usual 401.
  const right = await login('erin');
  assert.is(right.status, 403);
  assert.is(code(right), 'user_inactive');
  const wrong = await t.req('POST', '/api/v1/auth/login', { body: { login_id: 'erin', password: 'wrong wrong' } });
  assert.is(code(wrong), 'invalid_credentials');
  assert.equal(
    (await t.req('GET', '/api/v1/admin/users?active=false', { token: admin.token })).body.items.map((u: any) => u.username),
    ['erin'],
  );
  const [a] = await auditOf('user_deactivate');
  assert.is(a.target_id, erin.id);
  assert.is(a.details.sessions_revoked, 2);

  assert.is((await t.req('PATCH', `/api/v1/admin/users/${erin.id}`, { token: admin.token, body: { active: true } })).status, 200);
  const back = await login('erin');
  assert.is(back.status, 200);
  erin.token = back.body.token;
  assert.is((await auditOf('user_activate')).length, 1);
  const self = await t.req('PATCH', `/api/v1/admin/users/${admin.id}`, { token: admin.token, body: { active: false } });
  assert.is(code(self), 'last_admin');
});

test('revoke all sessions of a user', async () => {
  const s2 = await login('frank');
  controls.length = 0;
  const r = await t.req('POST', `/api/v1/admin/users/${frank.id}/sessions/revoke`, { token: admin.token });
  assert.is(r.status, 200);
  assert.is(r.body.revoked, 2);
  assert.is(controls.length, 1);
  for (const token of [frank.token, s2.body.token]) assert.is((await t.req('GET', '/api/v1/auth/me', { token })).status, 401);
  assert.is((await login('frank')).status, 200, 'login still allowed');
  assert.is((await t.req('POST', `/api/v1/admin/users/${newId()}/sessions/revoke`, { token: admin.token })).status, 404);
});

test('config: stored settings override the file; null resets; bad input rejected', async () => {
  const before = await t.req('GET', '/api/v1/admin/config', { token: admin.token });
  assert.equal(before.body, { site_name: 'RustChat', open_signup: true, overridden: [] });
  const p = await t.req('PATCH', '/api/v1/admin/config', { token: admin.token, body: { site_name: '  Acme Chat ', open_signup: false } });
  assert.is(p.status, 200);
  assert.equal(p.body, { site_name: 'Acme Chat', open_signup: false, overridden: ['site_name', 'open_signup'] });
  assert.equal((await t.req('GET', '/api/v1/site/info')).body.site_name, 'Acme Chat');
  for (const body of [{}, { site_name: '' }, { site_name: 'x'.repeat(65) }, { open_signup: 'yes' }, { max_users: 3 }]) {
    const r = await t.req('PATCH', '/api/v1/admin/config', { token: admin.token, body });
    assert.is(r.status, 400, JSON.stringify(body));
    assert.is(code(r), 'invalid_input');
  }
  // A server whose file says sign-up is closed: the stored override still wins…
  const closedFile: Deps = { ...t.deps, config: { ...t.deps.config, auth: { ...t.deps.config.auth, open_signup: false } } };
  assert.is((await siteInfo(closedFile)).open_signup, false);
  await t.req('PATCH', '/api/v1/admin/config', { token: admin.token, body: { open_signup: true } });
  assert.is((await siteInfo(closedFile)).open_signup, true);
  // …and after a reset the file's value applies again.
  const reset = await t.req('PATCH', '/api/v1/admin/config', { token: admin.token, body: { site_name: null, open_signup: null } });
  assert.equal(reset.body.overridden, []);
  assert.is((await siteInfo(closedFile)).open_signup, false);
  assert.is((await siteInfo(t.deps)).site_name, 'RustChat');
  assert.is((await auditOf('settings_update')).length, 3);
});

test('email settings: notification emails on by default, switched off and reset by an admin (audited), shown to clients', async () => {
  const get = () => t.req('GET', '/api/v1/admin/email-settings', { token: admin.token });
  assert.equal((await get()).body, { settings: { send_notifications: true }, overridden: [], defaults: { send_notifications: true } });
  assert.is((await t.req('GET', '/api/v1/site/info')).body.email_notifications, true);
  const off = await t.req('PATCH', '/api/v1/admin/email-settings', { token: admin.token, body: { send_notifications: false } });
  assert.is(off.status, 200, JSON.stringify(off.body));
  assert.equal(off.body, { settings: { send_notifications: false }, overridden: ['send_notifications'], defaults: { send_notifications: true } });
  assert.equal((await get()).body.settings, { send_notifications: false });
  assert.is((await t.req('GET', '/api/v1/site/info')).body.email_notifications, false);
  const [entry] = await auditOf('settings_update');
  assert.is(entry.target_type, 'email');
  assert.equal(entry.details.changes, { send_notifications: { from: true, to: false } });
  for (const [body, c] of [
    [{}, 'invalid_input'],
    [{ send_notifications: 'no' }, 'invalid_setting'],
    [{ smtp_host: 'mail.example.com' }, 'unknown_setting'],
  ] as const) {
    const r = await t.req('PATCH', '/api/v1/admin/email-settings', { token: admin.token, body });
    assert.is(r.status, 400, JSON.stringify(body));
    assert.is(code(r), c);
  }
  const reset = await t.req('PATCH', '/api/v1/admin/email-settings', { token: admin.token, body: { send_notifications: null } });
  assert.equal(reset.body, { settings: { send_notifications: true }, overridden: [], defaults: { send_notifications: true } });
  assert.is((await t.req('GET', '/api/v1/site/info')).body.email_notifications, true);
});

test("stats: counts, and live connections from this process's hub", async () => {
  const r = await t.req('GET', '/api/v1/admin/stats', { token: admin.token });
  assert.is(r.status, 200);
  assert.equal(r.body.users, { total: 4, active: 4, inactive: 0, system_admins: 1 });
  assert.is(r.body.teams, 1);
  assert.type(r.body.posts, 'number');
  assert.type(r.body.channels, 'number');
  assert.type(r.body.connections, 'number');
  const auth = await authenticate(t.deps, admin.token);
  assert.is((await adminStats(t.deps, auth)).connections, 0);
  // A real socket on a listening server counts; closed, it no longer does.
  const server = await new Promise<Server>((resolve) => {
    const s = serve({ fetch: t.server.app.fetch, hostname: '127.0.0.1', port: 0 }, () => resolve(s as Server)) as Server;
  });
  t.server.injectWebSocket(server);
  try {
    const { c } = await connect(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, erin.token);
    assert.is((await adminStats(t.deps, auth)).connections, 1);
    await c.close();
    assert.is((await adminStats(t.deps, auth)).connections, 0);
  } finally {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
});

test('audit log: newest first, filters, cursor paging, login failures with the address', async () => {
  await t.req('POST', '/api/v1/auth/login', { body: { login_id: 'frank', password: 'nope nope' } });
  const page = await t.req('GET', '/api/v1/admin/audit?limit=3', { token: admin.token });
  assert.is(page.status, 200);
  assert.is(page.body.items.length, 3);
  const ids = page.body.items.map((i: any) => Number(i.id));
  assert.equal(ids, [...ids].sort((a, b) => b - a));
  const [first] = page.body.items;
  assert.is(first.action, 'login');
  assert.is(first.success, false);
  assert.is(first.details.reason, 'wrong_password');
  assert.type(first.ip, 'string');
  const next = await t.req('GET', `/api/v1/admin/audit?limit=3&cursor=${page.body.next_cursor}`, { token: admin.token });
  assert.ok(Number(next.body.items[0].id) < ids[2]);
  const byTarget = await t.req('GET', `/api/v1/admin/audit?target_id=${erin.id}&action=login`, { token: admin.token });
  assert.ok(byTarget.body.items.length >= 2);
  assert.ok(byTarget.body.items.every((i: any) => i.target_id === erin.id && i.action === 'login'));
  for (const q of ['action=%00', 'target_id=a%00b']) assert.is(code(await t.req('GET', `/api/v1/admin/audit?${q}`, { token: admin.token })), 'invalid_characters', q);
  assert.is(code(await t.req('GET', '/api/v1/admin/users?q=%00', { token: admin.token })), 'invalid_characters');
  for (const q of ['cursor=abc', 'cursor=-1', 'limit=0', 'limit=x']) {
    const r = await t.req('GET', `/api/v1/admin/audit?${q}`, { token: admin.token });
    assert.is(r.status, 400, q);
  }
});

test("deactivation closes the user's sockets opened with a personal access token (they would keep reading every channel's events)", async () => {
  const gina = await reg('gina');
  const made = await t.req('POST', `/api/v1/users/${gina.id}/tokens`, { token: admin.token, body: { description: 'a script' } });
  assert.is(made.status, 201);
  const server = await new Promise<Server>((resolve) => {
    const s = serve({ fetch: t.server.app.fetch, hostname: '127.0.0.1', port: 0 }, () => resolve(s as Server)) as Server;
  });
  t.server.injectWebSocket(server);
  try {
    const { c } = await connect(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, made.body.token);
    const r = await t.req('PATCH', `/api/v1/admin/users/${gina.id}`, { token: admin.token, body: { active: false } });
    assert.is(r.status, 200);
    const closed = await Promise.race([c.closed, new Promise<null>((res) => setTimeout(() => res(null), 2000))]);
    assert.ok(closed, 'the token socket of a deactivated user is still open');
    assert.is(closed.code, 4003);
    assert.is((await t.req('GET', '/api/v1/auth/me', { token: made.body.token })).status, 401);
  } finally {
    t.server.closeSockets();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
});

test.after(() => t.close());
test.run();
