/**
 * Authentication settings: runtime overrides validated by the configuration's rules, audited with
 * old and new values, reset with null, applied (sessions, sign-up domains, lockout); and the
 * password policy (length, classes, names, the common-password list).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { testApp } from '../../test/app.ts';
import { checkPasswordPolicy, commonPasswords } from './password-policy.ts';
import { configAuthSettings } from './auth-settings.ts';

// Every read of the clock moves it 2 s on: settings cached at the start of a request have expired
// by the time its transaction starts a session (that path once read through the database handle
// inside the transaction, which PGlite refuses).
let now = Date.UTC(2030, 0, 1);
const t = await testApp({ now: () => (now += 2000) });
const PW = 'a long enough passphrase';
const code = (r: { body: any }) => r.body?.error?.code;
let admin = '';

test('sign-up starts a session with a cold settings cache (inside the transaction)', async () => {
  const r = await t.req('POST', '/api/v1/auth/register', { body: { email: 'root@example.com', username: 'root', password: PW } });
  assert.is(r.status, 201, JSON.stringify(r.body));
  admin = r.body.token;
});

test('GET shows the settings, the file values and SSO status; PATCH validates like the configuration file', async () => {
  const g = await t.req('GET', '/api/v1/admin/auth-settings', { token: admin });
  assert.is(g.status, 200);
  assert.equal(g.body.settings, configAuthSettings(t.deps.config));
  assert.equal(g.body.overridden, []);
  assert.is(g.body.sso.enabled, false);
  for (const [body, key] of [
    [{ mfa: 'sometimes' }, 'mfa'],
    [{ password_min_length: 4 }, 'password_min_length'],
    [{ password_min_length: 80 }, 'password_min_length'],
    [{ session_idle_timeout_minutes: 3 }, 'session_idle_timeout_minutes'],
    [{ signup_email_domains: 'example.com, not a domain' }, 'signup_email_domains'],
    [{ lockout_account_attempts: 0 }, 'lockout_account_attempts'],
    [{ password_require_symbol: 'yes' }, 'password_require_symbol'],
  ] as const) {
    const r = await t.req('PATCH', '/api/v1/admin/auth-settings', { token: admin, body });
    assert.is(r.status, 400, JSON.stringify(body));
    assert.is(code(r), 'invalid_setting');
    assert.is(r.body.error.details.key, key);
  }
  assert.is(code(await t.req('PATCH', '/api/v1/admin/auth-settings', { token: admin, body: { jwt_secret: 'x' } })), 'unknown_setting');
  assert.is(code(await t.req('PATCH', '/api/v1/admin/auth-settings', { token: admin, body: {} })), 'invalid_input');
});

test('a change is stored, applied, audited with old and new values, and reset with null', async () => {
  const r = await t.req('PATCH', '/api/v1/admin/auth-settings', { token: admin, body: { password_min_length: 12, signup_email_domains: ' Example.COM ,example.org', session_idle_timeout_minutes: 30 } });
  assert.is(r.status, 200, JSON.stringify(r.body));
  assert.is(r.body.settings.password_min_length, 12);
  assert.is(r.body.settings.signup_email_domains, 'example.com, example.org');
  assert.equal(r.body.overridden.sort(), ['password_min_length', 'session_idle_timeout_minutes', 'signup_email_domains']);
  const [row] = await t.deps.db.query<any>(`select * from audit_log where action = 'settings_update' order by id desc limit 1`);
  assert.is(row.target_type, 'auth');
  assert.equal(row.details.changes.password_min_length, { from: 8, to: 12 });
  // Applied: the minimum length and the domain allow-list.
  const short = await t.req('POST', '/api/v1/auth/register', { body: { email: 'a@example.com', username: 'anna', password: 'elevenchars' } });
  assert.is(code(short), 'password_too_short');
  const foreign = await t.req('POST', '/api/v1/auth/register', { body: { email: 'b@elsewhere.net', username: 'bert', password: PW } });
  assert.is(foreign.status, 403);
  assert.is(code(foreign), 'email_domain_not_allowed');
  assert.is((await t.req('POST', '/api/v1/auth/register', { body: { email: 'c@example.org', username: 'cleo', password: PW } })).status, 201);
  // Non-admins cannot read or change them.
  const cleo = (await t.req('POST', '/api/v1/auth/login', { body: { login_id: 'cleo', password: PW } })).body.token;
  assert.is((await t.req('GET', '/api/v1/admin/auth-settings', { token: cleo })).status, 403);
  const reset = await t.req('PATCH', '/api/v1/admin/auth-settings', { token: admin, body: { password_min_length: null, signup_email_domains: null, session_idle_timeout_minutes: null } });
  assert.equal(reset.body.overridden, []);
  assert.is(reset.body.settings.password_min_length, 8);
});

test('the idle timeout ends web sessions unused for longer; mobile sessions (a device id) are exempt', async () => {
  await t.req('PATCH', '/api/v1/admin/auth-settings', { token: admin, body: { session_idle_timeout_minutes: 10 } });
  const web = (await t.req('POST', '/api/v1/auth/login', { body: { login_id: 'cleo', password: PW } })).body.token;
  const mobile = (await t.req('POST', '/api/v1/auth/login', { body: { login_id: 'cleo', password: PW, device_id: 'android_rn:abc' } })).body.token;
  assert.is((await t.req('GET', '/api/v1/auth/me', { token: web })).status, 200);
  now += 11 * 60_000;
  const idle = await t.req('GET', '/api/v1/auth/me', { token: web });
  assert.is(idle.status, 401);
  assert.is(code(idle), 'session_expired');
  assert.is((await t.req('GET', '/api/v1/auth/me', { token: mobile })).status, 200);
  const rows = await t.deps.db.query<any>(`select * from sessions where device_id = 'android_rn:abc'`);
  assert.ok(Number(rows[0].expires_at) - now > 170 * 86_400_000, 'mobile sessions get the mobile lifetime');
  await t.req('PATCH', '/api/v1/admin/auth-settings', { token: admin, body: { session_idle_timeout_minutes: null } });
});

const policy = { password_min_length: 8, password_require_lowercase: false, password_require_uppercase: false, password_require_number: false, password_require_symbol: false, password_check_breached: true };
const fails = async (p: Promise<void>) => {
  try {
    await p;
    return 'ok';
  } catch (e) {
    return (e as { code: string }).code;
  }
};

test('password policy: classes, names, and the common-password list (case-insensitive)', async () => {
  assert.ok((await commonPasswords()).size > 15_000);
  assert.is(await fails(checkPasswordPolicy(policy, 'password123')), 'password_breached');
  assert.is(await fails(checkPasswordPolicy(policy, 'PassWord123')), 'password_breached');
  assert.is(await fails(checkPasswordPolicy(policy, 'qwertyuiop')), 'password_breached');
  assert.is(await fails(checkPasswordPolicy({ ...policy, password_check_breached: false }, 'password123')), 'ok');
  assert.is(await fails(checkPasswordPolicy(policy, 'correct horse battery')), 'ok');
  const strict = { ...policy, password_require_uppercase: true, password_require_number: true, password_require_symbol: true };
  const err = await checkPasswordPolicy(strict, 'only lower case words').catch((e) => e);
  assert.is(err.code, 'password_too_simple');
  assert.equal(err.details.missing, ['uppercase', 'number']);
  assert.is(await fails(checkPasswordPolicy(strict, 'Ünïcode wörds 42')), 'ok');
  assert.is(await fails(checkPasswordPolicy(policy, 'alice-2024', { username: 'alice' })), 'password_contains_name');
  assert.is(await fails(checkPasswordPolicy(policy, 'Alice in wonderland', { username: 'alice' })), 'ok');
  assert.is(await fails(checkPasswordPolicy(policy, 'bobsmith!!', { email: 'BobSmith@example.com' })), 'password_contains_name');
  assert.is(await fails(checkPasswordPolicy({ ...policy, password_min_length: 16 }, 'fifteen chars!!')), 'password_too_short');
});

test.after(async () => {
  await t.close();
});

test.run();
