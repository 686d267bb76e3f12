/**
 * MFA (TOTP) through the native API: enrolment with a QR code, login with, without, with a wrong
 * and with a replayed code, single-use recovery codes, codes under the login lockout, turning it
 * off, `auth.mfa` off and required (sessions held at enrolment until they enrol), admin reset.
 * The clock is pinned, so codes are computed for exact 30 s steps.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { randomBytes } from 'node:crypto';
import { testApp, LOCAL_PROXY as PROXY } from '../../../test/app.ts';
import { TEST_REDIS_URL } from '../../../test/db.ts';
import { currentTotp } from '../../actions/totp.ts';

let now = Date.UTC(2030, 0, 1, 12, 0, 0);
const t = await testApp({
  config: { 'server.trust_proxy': true, 'auth.lockout_account_attempts': 6, ...(TEST_REDIS_URL ? { 'redis.url': TEST_REDIS_URL } : {}) },
  now: () => now,
});
const run = randomBytes(3).toString('hex');
const ip = `10.${parseInt(run.slice(0, 2), 16)}.${parseInt(run.slice(2, 4), 16)}.9`;
const headers = { 'x-forwarded-for': ip };
const code = (r: { body: any }) => r.body?.error?.code;
const PW = 'a long enough passphrase';
const login = (login_id: string, token?: string) => t.req('POST', '/api/v1/auth/login', { body: { login_id, password: PW, ...(token !== undefined ? { token } : {}) }, headers, ip: PROXY });
const step = () => (now += 30_000);

let admin = '';
let alice = '';
let secret = '';
let recovery: string[] = [];

test('setup: an admin and alice', async () => {
  admin = (await t.req('POST', '/api/v1/auth/register', { body: { email: 'root@example.com', username: 'root', password: PW }, headers, ip: PROXY })).body.token;
  const r = await t.req('POST', '/api/v1/auth/register', { body: { email: 'alice@example.com', username: 'alice', password: PW }, headers, ip: PROXY });
  assert.is(r.status, 201, JSON.stringify(r.body));
  alice = r.body.token;
  const me = await t.req('GET', '/api/v1/auth/me', { token: alice });
  assert.is(me.body.mfa_active, false);
});

test('enrol: a secret and a QR code made here; a wrong code does not confirm; the right one does and returns 10 recovery codes', async () => {
  const g = await t.req('POST', '/api/v1/auth/mfa/generate', { token: alice });
  assert.is(g.status, 200);
  assert.match(g.body.secret, /^[A-Z2-7]{32}$/);
  assert.match(g.body.uri, /^otpauth:\/\/totp\/RustChat:alice\?/);
  assert.match(g.body.uri, new RegExp(`secret=${g.body.secret}`));
  assert.match(g.body.qr_code, /^data:image\/svg\+xml;base64,/);
  assert.match(Buffer.from(g.body.qr_code.split(',')[1], 'base64').toString(), /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  assert.is(g.headers.get('cache-control'), 'no-store');
  secret = g.body.secret;
  // Not active until confirmed: login needs no code yet.
  assert.is((await login('alice')).status, 200);
  const wrong = await t.req('POST', '/api/v1/auth/mfa/confirm', { token: alice, body: { code: '000000' } });
  assert.is(wrong.status, 400);
  assert.is(code(wrong), 'invalid_mfa_code');
  const ok = await t.req('POST', '/api/v1/auth/mfa/confirm', { token: alice, body: { code: await currentTotp(secret, now) } });
  assert.is(ok.status, 200, JSON.stringify(ok.body));
  recovery = ok.body.recovery_codes;
  assert.is(recovery.length, 10);
  assert.is(new Set(recovery).size, 10);
  for (const c of recovery) assert.match(c, /^[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}$/);
  const status = await t.req('GET', '/api/v1/auth/mfa', { token: alice });
  assert.equal(status.body, { mode: 'optional', active: true, recovery_codes_left: 10, setup_required: false });
  assert.is((await t.req('GET', '/api/v1/auth/me', { token: alice })).body.mfa_active, true);
  // Stored hashed, never in clear.
  const rows = await t.deps.db.query<{ code_hash: string }>('select code_hash from mfa_recovery_codes');
  assert.is(rows.length, 10);
  assert.not.ok(rows.some((r) => recovery.includes(r.code_hash)));
  // A second enrolment while active is refused.
  assert.is(code(await t.req('POST', '/api/v1/auth/mfa/generate', { token: alice })), 'mfa_already_active');
});

test('login without a code: 401 mfa_required (after the password, so it reveals nothing to a guesser)', async () => {
  step();
  const r = await login('alice');
  assert.is(r.status, 401);
  assert.is(code(r), 'mfa_required');
  const wrongPw = await t.req('POST', '/api/v1/auth/login', { body: { login_id: 'alice', password: 'not the password' }, headers, ip: PROXY });
  assert.is(code(wrongPw), 'invalid_credentials');
});

test('login with a wrong code: 401 invalid_mfa_code, audited', async () => {
  const r = await login('alice', '123456' === (await currentTotp(secret, now)) ? '654321' : '123456');
  assert.is(r.status, 401);
  assert.is(code(r), 'invalid_mfa_code');
  const [row] = await t.deps.db.query<any>(`select * from audit_log where action = 'login' and success = false order by id desc limit 1`);
  assert.is(row.details.reason, 'invalid_mfa_code');
});

test('login with the right code works once; the same code again is refused (replay), the next step works', async () => {
  const c = await currentTotp(secret, now);
  const ok = await login('alice', c);
  assert.is(ok.status, 200, JSON.stringify(ok.body));
  assert.ok(ok.body.token);
  const replay = await login('alice', c);
  assert.is(replay.status, 401);
  assert.is(code(replay), 'mfa_code_reused');
  // The previous step's code (inside the ±1 window) is older than the used one: also refused.
  assert.is(code(await login('alice', await currentTotp(secret, now - 30_000))), 'mfa_code_reused');
  step();
  assert.is((await login('alice', await currentTotp(secret, now))).status, 200);
  // Codes two steps away are outside the window.
  step();
  assert.is(code(await login('alice', await currentTotp(secret, now + 90_000))), 'invalid_mfa_code');
});

test('a recovery code logs in once (any case, with or without dashes); used again it is refused', async () => {
  const rc = recovery[0]!;
  const ok = await login('alice', rc.toUpperCase().replace(/-/g, ' '));
  assert.is(ok.status, 200, JSON.stringify(ok.body));
  const again = await login('alice', rc);
  assert.is(again.status, 401);
  assert.is(code(again), 'invalid_mfa_code');
  assert.is((await t.req('GET', '/api/v1/auth/mfa', { token: alice })).body.recovery_codes_left, 9);
  const [row] = await t.deps.db.query<any>(`select * from audit_log where action = 'login' and success order by id desc limit 1`);
  assert.is(row.details.mfa, 'recovery');
});

test('wrong codes count against the account lockout like wrong passwords (429, even for the right code)', async () => {
  step();
  // A successful login clears the account's window; 6 failures (auth.lockout_account_attempts) lock it.
  assert.is((await login('alice', await currentTotp(secret, now))).status, 200);
  step();
  for (let i = 0; i < 6; i++) assert.is(code(await login('alice', '000000')), 'invalid_mfa_code');
  const locked = await login('alice', await currentTotp(secret, now));
  assert.is(locked.status, 429);
  assert.ok(Number(locked.headers.get('retry-after')) > 0);
  now += 16 * 60_000; // the window (15 min) clears
});

test('turning MFA off needs a current code (a stolen session alone cannot); new recovery codes too', async () => {
  const none = await t.req('POST', '/api/v1/auth/mfa/disable', { token: alice, body: {} });
  assert.is(code(none), 'mfa_required');
  const regen = await t.req('POST', '/api/v1/auth/mfa/recovery-codes', { token: alice, body: { code: await currentTotp(secret, now) } });
  assert.is(regen.status, 200);
  assert.is(regen.body.recovery_codes.length, 10);
  step();
  assert.is(code(await login('alice', recovery[1]!)), 'invalid_mfa_code'); // old codes are gone
  const off = await t.req('POST', '/api/v1/auth/mfa/disable', { token: alice, body: { code: regen.body.recovery_codes[0] } });
  assert.is(off.status, 200, JSON.stringify(off.body));
  assert.is((await login('alice')).status, 200);
  assert.is((await t.deps.db.query('select 1 from user_mfa')).length, 0);
  assert.is((await t.deps.db.query('select 1 from mfa_recovery_codes')).length, 0);
});

test('auth.mfa = off: an enrolled account logs in with its password only, and nobody can enrol', async () => {
  // Enrol again, then turn MFA off server-wide at runtime.
  step();
  secret = (await t.req('POST', '/api/v1/auth/mfa/generate', { token: alice })).body.secret;
  assert.is((await t.req('POST', '/api/v1/auth/mfa/confirm', { token: alice, body: { code: await currentTotp(secret, now) } })).status, 200);
  step();
  assert.is(code(await login('alice')), 'mfa_required');
  assert.is((await t.req('PATCH', '/api/v1/admin/auth-settings', { token: admin, body: { mfa: 'off' } })).status, 200);
  assert.is((await login('alice')).status, 200);
  assert.is(code(await t.req('POST', '/api/v1/auth/mfa/generate', { token: admin })), 'mfa_disabled');
  assert.is((await t.req('PATCH', '/api/v1/admin/auth-settings', { token: admin, body: { mfa: null } })).status, 200);
  assert.is(code(await login('alice')), 'mfa_required');
});

test('auth.mfa = required: a user without MFA gets a session that only reaches enrolment until they enrol', async () => {
  const bob = await t.req('POST', '/api/v1/auth/register', { body: { email: 'bob@example.com', username: 'bob', password: PW }, headers, ip: PROXY });
  // The admin enrols first: required mode holds every password session without MFA, admins' too.
  const ag = await t.req('POST', '/api/v1/auth/mfa/generate', { token: admin });
  assert.is((await t.req('POST', '/api/v1/auth/mfa/confirm', { token: admin, body: { code: await currentTotp(ag.body.secret, now) } })).status, 200);
  assert.is((await t.req('PATCH', '/api/v1/admin/auth-settings', { token: admin, body: { mfa: 'required' } })).status, 200);
  const r = await login('bob');
  assert.is(r.status, 200);
  const token = r.body.token;
  const me = await t.req('GET', '/api/v1/auth/me', { token });
  assert.is(me.status, 200);
  assert.is(me.body.mfa_setup_required, true);
  const teams = await t.req('GET', '/api/v1/teams', { token });
  assert.is(teams.status, 403);
  assert.is(code(teams), 'mfa_setup_required');
  // The session opened before the switch is held too (within the settings cache bound).
  now += 6000;
  assert.is(code(await t.req('GET', '/api/v1/teams', { token: bob.body.token })), 'mfa_setup_required');
  const site = await t.req('GET', '/api/v1/site/info');
  assert.is(site.body.mfa, 'required');
  const g = await t.req('POST', '/api/v1/auth/mfa/generate', { token });
  assert.is(g.status, 200);
  const ok = await t.req('POST', '/api/v1/auth/mfa/confirm', { token, body: { code: await currentTotp(g.body.secret, now) } });
  assert.is(ok.status, 200);
  assert.is((await t.req('GET', '/api/v1/teams', { token })).status, 200);
  // Turning it off is refused while required.
  step();
  assert.is(code(await t.req('POST', '/api/v1/auth/mfa/disable', { token, body: { code: await currentTotp(g.body.secret, now) } })), 'mfa_enforced');
  assert.is((await t.req('PATCH', '/api/v1/admin/auth-settings', { token: admin, body: { mfa: null } })).status, 200);
});

test('an admin resets a user\'s MFA (audited); non-admins cannot', async () => {
  const bobId = (await t.deps.db.query<{ id: string }>(`select id from users where username = 'bob'`))[0]!.id;
  assert.is((await t.req('POST', `/api/v1/admin/users/${bobId}/mfa/reset`, { token: alice })).status, 403);
  const r = await t.req('POST', `/api/v1/admin/users/${bobId}/mfa/reset`, { token: admin });
  assert.is(r.status, 200);
  assert.is(r.body.mfa_active, false);
  assert.is((await login('bob')).status, 200);
  const [row] = await t.deps.db.query<any>(`select * from audit_log where action = 'mfa_reset'`);
  assert.is(row.target_id, bobId);
  assert.is(row.details.was_active, true);
});

test.after(async () => {
  await t.close();
});

test.run();
