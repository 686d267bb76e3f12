/**
 * The console's account operations on /api/v1/admin: create a user (generated password shown
 * once) and reset someone's password (generated or given; their sessions end). System admins
 * only, audited, bad input refused with stable codes.
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
const admin = await reg('chief'); // first account: system admin
const gail = await reg('gail');
const login = (login_id: string, password: string) => t.req('POST', '/api/v1/auth/login', { body: { login_id, password } });
const auditOf = async (action: string) => (await t.req('GET', `/api/v1/admin/audit?action=${action}`, { token: admin.token })).body.items;

test('only system admins create users and reset passwords (403 before anything is read or written)', async () => {
  const routes: [string, string, unknown][] = [
    ['POST', '/api/v1/admin/users', { email: 'x@example.com', username: 'intruder' }],
    ['POST', `/api/v1/admin/users/${admin.id}/password`, {}],
  ];
  for (const [method, path, body] of routes) {
    const r = await t.req(method, path, { token: gail.token, body });
    assert.is(r.status, 403, path);
    assert.is(code(r), 'forbidden');
    assert.is((await t.req(method, path, { body })).status, 401);
  }
  assert.is((await login('intruder', 'whatever pass')).status, 401, 'no account was made');
  assert.is((await login('chief', 'chief password')).status, 200, 'the admin password is unchanged');
});

test('create user: a generated password is returned once and works; a given one follows the policy', async () => {
  const r = await t.req('POST', '/api/v1/admin/users', { token: admin.token, body: { email: 'hank@example.com', username: 'hank', display_name: 'Hank' } });
  assert.is(r.status, 201, JSON.stringify(r.body));
  assert.is(r.body.user.username, 'hank');
  assert.is(r.body.user.email, 'hank@example.com');
  assert.is(r.body.user.roles, 'system_user');
  assert.type(r.body.password, 'string');
  assert.ok(r.body.password.length >= 16);
  assert.is((await login('hank', r.body.password)).status, 200);
  const entry = (await auditOf('user_create')).find((e: any) => e.target_id === r.body.user.id);
  assert.is(entry.actor_id, admin.id);
  assert.not.ok(JSON.stringify(entry).includes(r.body.password), 'the password is not in the audit log');

  const given = await t.req('POST', '/api/v1/admin/users', { token: admin.token, body: { email: 'ivy@example.com', username: 'ivy', password: 'ivy has a long pass', role: 'system_admin' } });
  assert.is(given.status, 201);
  assert.is(given.body.password, undefined, 'a given password is not echoed');
  assert.match(given.body.user.roles, 'system_admin');

  const weak = await t.req('POST', '/api/v1/admin/users', { token: admin.token, body: { email: 'jo@example.com', username: 'jojo', password: 'short' } });
  assert.is(weak.status, 400);
  assert.is(code(weak), 'password_too_short');
  const taken = await t.req('POST', '/api/v1/admin/users', { token: admin.token, body: { email: 'other@example.com', username: 'hank' } });
  assert.is(taken.status, 409);
  const badName = await t.req('POST', '/api/v1/admin/users', { token: admin.token, body: { email: 'k@example.com', username: 'no spaces' } });
  assert.is(badName.status, 400);
  const extra = await t.req('POST', '/api/v1/admin/users', { token: admin.token, body: { email: 'k@example.com', username: 'kay', roles: 'system_admin' } });
  assert.is(extra.status, 400, 'unknown fields are refused');
  assert.is(code(extra), 'invalid_input');
});

test('reset password: generated (shown once) or given; the old password and every session end', async () => {
  const u = await reg('lena');
  const r = await t.req('POST', `/api/v1/admin/users/${u.id}/password`, { token: admin.token, body: {} });
  assert.is(r.status, 200, JSON.stringify(r.body));
  assert.is(r.body.revoked, 1);
  assert.type(r.body.password, 'string');
  assert.is((await t.req('GET', '/api/v1/auth/me', { token: u.token })).status, 401, 'the session ended');
  assert.is((await login('lena', 'lena password')).status, 401, 'the old password is gone');
  assert.is((await login('lena', r.body.password)).status, 200);

  const given = await t.req('POST', `/api/v1/admin/users/${u.id}/password`, { token: admin.token, body: { password: 'lena chose this one' } });
  assert.is(given.status, 200);
  assert.is(given.body.password, undefined);
  assert.is((await login('lena', 'lena chose this one')).status, 200);
  const weak = await t.req('POST', `/api/v1/admin/users/${u.id}/password`, { token: admin.token, body: { password: 'x' } });
  assert.is(code(weak), 'password_too_short');
  const missing = await t.req('POST', '/api/v1/admin/users/aaaaaaaaaaaaaaaaaaaaaaaaaa/password', { token: admin.token, body: {} });
  assert.is(missing.status, 404);
  assert.is(code(missing), 'user_not_found');
  assert.ok((await auditOf('password_reset')).some((e: any) => e.target_id === u.id && e.actor_id === admin.id));
});

test.after(async () => t.close());
test.run();
