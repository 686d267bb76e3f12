import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { randomBytes } from 'node:crypto';
import { testApp, LOCAL_PROXY as PROXY } from '../../../test/app.ts';
import { TEST_REDIS_URL } from '../../../test/db.ts';
import { rateLimitStore } from '../../actions/rate-limit.ts';
import { isControl, type ControlMessage } from '../../contract/events.ts';

// trust_proxy lets each test pick its client address with X-Forwarded-For. With
// RUSTCHAT_TEST_REDIS_URL the login limits live in Redis (addresses are random per run, so
// repeated runs within 15 minutes do not see each other's counts).
let skew = 0;
const t = await testApp({
  config: { 'server.trust_proxy': true, ...(TEST_REDIS_URL ? { 'redis.url': TEST_REDIS_URL } : {}) },
  now: () => Date.now() + skew,
});
const run = randomBytes(3).toString('hex');
const ip = (n: number | string) => `10.${parseInt(run.slice(0, 2), 16)}.${parseInt(run.slice(2, 4), 16)}.${n}`;
const controls: ControlMessage[] = [];
t.deps.bus.subscribe((m) => {
  if (isControl(m)) controls.push(m);
});

const code = (r: { body: any }) => r.body?.error?.code;
const register = (body: unknown, from = ip(1)) => t.req('POST', '/api/v1/auth/register', { body, headers: { 'x-forwarded-for': from }, ip: PROXY });
const login = (login_id: string, password: string, from = ip(1)) => t.req('POST', '/api/v1/auth/login', { body: { login_id, password }, headers: { 'x-forwarded-for': from }, ip: PROXY });
const audit = async (action: string) =>
  t.deps.db.query<any>('select * from audit_log where action = $1 order by id', [action]);

let adminToken = '';

test('site info before the first account says setup is required', async () => {
  const r = await t.req('GET', '/api/v1/site/info');
  assert.is(r.status, 200);
  assert.equal(Object.keys(r.body).sort(), ['email_notifications', 'mfa', 'open_signup', 'password_policy', 'setup_required', 'site_name', 'sso', 'version']);
  assert.is(r.body.sso, null); // no provider configured
  assert.is(r.body.setup_required, true);
  assert.is(r.body.site_name, 'RustChat');
});

test('the first account becomes system admin; the next is a system user', async () => {
  const a = await register({ email: 'Root@Example.com', username: 'root1', password: 'first password', display_name: 'Root' });
  assert.is(a.status, 201, JSON.stringify(a.body));
  assert.is(a.body.user.roles, 'system_user system_admin');
  assert.is(a.body.user.email, 'Root@Example.com');
  assert.is(a.body.user.display_name, 'Root');
  assert.not.ok('password_hash' in a.body.user);
  adminToken = a.body.token;
  const b = await register({ email: 'alice@example.com', username: 'alice', password: 'alice password' });
  assert.is(b.status, 201);
  assert.is(b.body.user.roles, 'system_user');
  assert.is((await t.req('GET', '/api/v1/site/info')).body.setup_required, false);
  const rows = await audit('register');
  assert.is(rows.length, 2);
  assert.is(rows[0].ip, ip(1));
});

test('usernames are lowercased; an uppercase duplicate is a conflict', async () => {
  const dup = await register({ email: 'alice2@example.com', username: 'ALICE', password: 'alice password' });
  assert.is(dup.status, 409);
  assert.is(code(dup), 'username_taken');
  const mixed = await register({ email: 'carol@example.com', username: '  Carol.B ', password: 'carol password' });
  assert.is(mixed.status, 201);
  assert.is(mixed.body.user.username, 'carol.b');
  const email = await register({ email: 'ALICE@EXAMPLE.COM', username: 'alice3', password: 'alice password' });
  assert.is(email.status, 409);
  assert.is(code(email), 'email_taken');
});

test('bad usernames, emails and passwords get stable codes (never 500)', async () => {
  const base = { email: 'x@example.com', username: 'xavier', password: 'long enough' };
  const cases: [Record<string, unknown>, string, string?][] = [
    [{ username: 'al\u200bice' }, 'invalid_username', 'invisible_characters'], // zero-width space
    [{ username: '\u202eecila' }, 'invalid_username', 'invisible_characters'], // RTL override
    [{ username: 'ali\u2066ce' }, 'invalid_username', 'invisible_characters'], // bidi isolate
    [{ username: 'ali\ufeffce' }, 'invalid_username', 'invisible_characters'], // BOM
    [{ username: 'ab' }, 'invalid_username', 'length'],
    [{ username: 'a'.repeat(23) }, 'invalid_username', 'length'],
    [{ username: 'bob smith' }, 'invalid_username', 'characters'],
    [{ username: 'bøb' }, 'invalid_username', 'characters'],
    [{ username: 'аlice' }, 'invalid_username', 'characters'], // Cyrillic а
    [{ username: '9lives' }, 'invalid_username', 'start'],
    [{ username: 'all' }, 'invalid_username', 'reserved'],
    [{ email: 'not-an-email' }, 'invalid_email'],
    [{ email: 'a\u200b@example.com' }, 'invalid_email'],
    [{ password: 'short' }, 'password_too_short'],
    [{ password: 'x'.repeat(73) }, 'password_too_long'],
    [{ password: 'é'.repeat(37) }, 'password_too_long'], // 37 characters, 74 bytes
    [{ display_name: 'evil\u202egnp.exe' }, 'invalid_characters'],
    [{ username: 42 }, 'invalid_input'],
    [{ password: ['a'] }, 'invalid_input'],
    [{ email: null }, 'invalid_input'],
  ];
  for (const [patch, expected, reason] of cases) {
    const r = await register({ ...base, ...patch });
    assert.is(r.status, 400, `${JSON.stringify(patch)} -> ${r.status} ${JSON.stringify(r.body)}`);
    assert.is(code(r), expected, JSON.stringify(patch));
    if (reason) assert.is(r.body.error.details.reason, reason, JSON.stringify(patch));
  }
  const missing = await register({ email: 'x@example.com' });
  assert.is(code(missing), 'invalid_input');
  const badJson = await t.req('POST', '/api/v1/auth/register', { raw: '{"email": "x@', headers: { 'content-type': 'application/json' } });
  assert.is(badJson.status, 400);
  assert.is(code(badJson), 'invalid_json');
  const nul = await register({ ...base, display_name: 'a\u0000b' });
  assert.is(code(nul), 'invalid_characters');
  const notObject = await t.req('POST', '/api/v1/auth/register', { body: [1, 2] });
  assert.is(code(notObject), 'invalid_input');
  // A 72-byte password made of 2-byte characters is fine.
  const ok = await register({ ...base, password: 'é'.repeat(36) });
  assert.is(ok.status, 201);
  assert.is((await login('xavier', 'é'.repeat(36))).status, 200);
});

test('login by username or email, any case; wrong password and unknown user look the same', async () => {
  const byName = await login('ALICE', 'alice password');
  assert.is(byName.status, 200);
  assert.is(byName.body.user.username, 'alice');
  assert.is(byName.body.user.email, 'alice@example.com');
  assert.type(byName.body.token, 'string');
  const byEmail = await login(' Alice@Example.COM ', 'alice password');
  assert.is(byEmail.status, 200);

  const wrong = await login('alice', 'not her password', ip(2));
  const unknown = await login(`nobody-${run}`, 'not her password', ip(2));
  assert.is(wrong.status, 401);
  assert.is(unknown.status, 401);
  const strip = (b: any) => ({ ...b.error, request_id: undefined });
  assert.equal(strip(wrong.body), strip(unknown.body));
  assert.is(code(wrong), 'invalid_credentials');
  assert.equal([...wrong.headers.keys()].filter((k) => k !== 'x-request-id').sort(), [...unknown.headers.keys()].filter((k) => k !== 'x-request-id').sort());

  const rows = (await audit('login')).filter((r) => r.ip === ip(2));
  assert.equal(
    rows.map((r) => [r.success, r.details.reason]),
    [
      [false, 'wrong_password'],
      [false, 'unknown_user'],
    ],
  );
  const ok = (await audit('login')).filter((r) => r.success && r.ip === ip(1));
  assert.ok(ok.length >= 2, 'successful logins are audited with the address');
});

test('10 failures in 15 minutes lock the account: 429 with Retry-After, even with the right password', async () => {
  await register({ email: 'dave@example.com', username: 'dave', password: 'dave password' });
  for (let i = 0; i < 10; i++) {
    // Different addresses: the account limit applies whatever the source.
    const r = await login(i % 2 ? 'dave' : 'dave@example.com', 'guess ' + i, ip(20 + i));
    assert.is(r.status, 401, `attempt ${i + 1}`);
  }
  const locked = await login('dave', 'dave password', ip(40));
  assert.is(locked.status, 429);
  assert.is(code(locked), 'rate_limited');
  const retry = Number(locked.headers.get('retry-after'));
  assert.ok(retry > 600 && retry <= 900, `Retry-After ${retry} (the oldest failure leaves the 15-minute window)`);
  // An unknown login id locks the same way, so locking reveals nothing about which accounts exist.
  const ghost = `ghost-${run}`;
  for (let i = 0; i < 10; i++) assert.is((await login(ghost, 'x' + i, ip(50 + i))).status, 401);
  const ghostLocked = await login(ghost, 'x', ip(70));
  assert.is(ghostLocked.status, 429);
  assert.ok(ghostLocked.headers.get('retry-after'));
  // After the window, the right password works again (and resets the count).
  skew = 15 * 60_000 + 1000;
  const later = await login('dave', 'dave password', ip(41));
  assert.is(later.status, 200);
  skew = 0;
});

test('one address failing across many accounts is limited too', async () => {
  const from = ip(99);
  for (let i = 0; i < 30; i++) assert.is((await login(`spray${i}-${run}`, 'Password1', from)).status, 401);
  // The 31st attempt from that address is refused before any password is checked — even a correct one.
  const r = await login('alice', 'alice password', from);
  assert.is(r.status, 429);
  assert.ok(Number(r.headers.get('retry-after')) > 0);
  // Other addresses are unaffected.
  assert.is((await login('alice', 'alice password', ip(98))).status, 200);
});

test('sign-up attempts are limited per address (30 an hour), valid or not', async () => {
  const from = ip(150);
  for (let i = 0; i < 30; i++) assert.is(code(await register({ email: `r${i}@example.com`, username: `r${i}x`, password: 'short' }, from)), 'password_too_short');
  const r = await register({ email: `r99@example.com`, username: 'r99x', password: 'long enough pw' }, from);
  assert.is(r.status, 429);
  assert.ok(Number(r.headers.get('retry-after')) > 3000);
  assert.is((await register({ email: `r99@example.com`, username: 'r99x', password: 'long enough pw' }, ip(151))).status, 201);
});

test('loopback addresses (a proxy without trust_proxy) are not limited per address, so one client cannot lock out all', async () => {
  for (let i = 0; i < 31; i++) assert.is(code(await register({ email: `l${i}@example.com`, username: `l${i}x`, password: 'short' }, '127.0.0.1')), 'password_too_short');
  assert.is(code(await register({ email: 'l@example.com', username: 'lxx', password: 'short' }, '::1')), 'password_too_short');
});

test('sessions: list own, revoke one, logout; each revocation is announced on the bus', async () => {
  const a = await login('carol.b', 'carol password');
  const b = await login('carol.b', 'carol password');
  const list = await t.req('GET', '/api/v1/auth/sessions', { token: a.body.token });
  assert.is(list.status, 200);
  assert.is(list.body.items.length, 3); // registration + two logins
  const current = list.body.items.filter((s: any) => s.current);
  assert.is(current.length, 1);
  assert.is(current[0].ip, ip(1));
  const bSession = (await t.req('GET', '/api/v1/auth/sessions', { token: b.body.token })).body.items.find((s: any) => s.current).id;

  controls.length = 0;
  const del = await t.req('DELETE', `/api/v1/auth/sessions/${bSession}`, { token: a.body.token });
  assert.is(del.status, 204);
  assert.is(controls.length, 1);
  assert.equal(controls[0].control === 'sessions_revoked' && controls[0].session_ids, [bSession]);
  assert.is((await t.req('GET', '/api/v1/auth/me', { token: b.body.token })).status, 401);
  // Again, someone else's, unknown and malformed ids.
  assert.is((await t.req('DELETE', `/api/v1/auth/sessions/${bSession}`, { token: a.body.token })).status, 404);
  const alice = await login('alice', 'alice password');
  const aliceSession = (await t.req('GET', '/api/v1/auth/sessions', { token: alice.body.token })).body.items[0].id;
  const foreign = await t.req('DELETE', `/api/v1/auth/sessions/${aliceSession}`, { token: a.body.token });
  assert.is(foreign.status, 404);
  assert.is(code(foreign), 'session_not_found');
  assert.is((await t.req('GET', '/api/v1/auth/me', { token: alice.body.token })).status, 200);
  assert.is(code(await t.req('DELETE', '/api/v1/auth/sessions/nope', { token: a.body.token })), 'invalid_id');

  const out = await t.req('POST', '/api/v1/auth/logout', { token: a.body.token });
  assert.is(out.status, 204);
  assert.is((await t.req('GET', '/api/v1/auth/me', { token: a.body.token })).status, 401);
  assert.is((await t.req('POST', '/api/v1/auth/logout', { token: a.body.token })).status, 401);
});

test('change password: checks the current one, revokes the other sessions, keeps this one', async () => {
  const s1 = await login('xavier', 'é'.repeat(36));
  const s2 = await login('xavier', 'é'.repeat(36));
  const wrong = await t.req('POST', '/api/v1/auth/password', { token: s1.body.token, body: { current_password: 'nope nope', new_password: 'new password 1' } });
  assert.is(wrong.status, 400);
  assert.is(code(wrong), 'wrong_password');
  const short = await t.req('POST', '/api/v1/auth/password', { token: s1.body.token, body: { current_password: 'é'.repeat(36), new_password: 'short' } });
  assert.is(code(short), 'password_too_short');
  const types = await t.req('POST', '/api/v1/auth/password', { token: s1.body.token, body: { current_password: 1, new_password: true } });
  assert.is(code(types), 'invalid_input');

  controls.length = 0;
  const ok = await t.req('POST', '/api/v1/auth/password', { token: s1.body.token, body: { current_password: 'é'.repeat(36), new_password: 'new password 1' } });
  assert.is(ok.status, 200);
  assert.ok(ok.body.revoked >= 2, 'registration session and s2');
  assert.is(controls.length, 1);
  assert.is((await t.req('GET', '/api/v1/auth/me', { token: s1.body.token })).status, 200);
  assert.is((await t.req('GET', '/api/v1/auth/me', { token: s2.body.token })).status, 401);
  assert.is((await login('xavier', 'é'.repeat(36))).status, 401);
  assert.is((await login('xavier', 'new password 1')).status, 200);
  const rows = await audit('password_change');
  assert.equal(
    rows.map((r) => r.success),
    [false, true],
  );
});

test('closed sign-up (admin setting) refuses registration; null restores the config default', async () => {
  const off = await t.req('PATCH', '/api/v1/admin/config', { token: adminToken, body: { open_signup: false } });
  assert.is(off.status, 200, JSON.stringify(off.body));
  assert.is((await t.req('GET', '/api/v1/site/info')).body.open_signup, false);
  const r = await register({ email: 'late@example.com', username: 'late', password: 'late password' });
  assert.is(r.status, 403);
  assert.is(code(r), 'signup_disabled');
  await t.req('PATCH', '/api/v1/admin/config', { token: adminToken, body: { open_signup: null } });
  assert.is((await register({ email: 'late@example.com', username: 'late', password: 'late password' })).status, 201);
});

test.after(async () => {
  await rateLimitStore(t.deps).close();
  await t.close();
});
test.run();
