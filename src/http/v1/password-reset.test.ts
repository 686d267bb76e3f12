import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { testApp, LOCAL_PROXY as PROXY } from '../../../test/app.ts';
import { startTestSmtp } from '../../../test/smtp.ts';
import { createMailer } from '../../mail/mailer.ts';
import { startOutboxWorker } from '../../mail/worker.ts';
import { silentLogger } from '../../log.ts';
import { RESET_EMAIL_LIMIT, RESET_TTL_MS } from '../../actions/password-reset.ts';

// Password reset end to end: HTTP request → outbox → real SMTP server → link → new password.
let skew = 0;
const smtp = await startTestSmtp();
const t = await testApp({ config: { ...smtp.config(), 'server.site_url': 'https://chat.example.com', 'server.trust_proxy': true }, now: () => Date.now() + skew });
const worker = startOutboxWorker(t.deps, { mailer: await createMailer(t.deps.config, { log: silentLogger }), pollMs: 100 });
const code = (r: { body: any }) => r.body?.error?.code;
let n = 0;
const from = () => ({ 'x-forwarded-for': `10.9.8.${++n % 250}` });

const admin = await t.req('POST', '/api/v1/auth/register', { body: { email: 'root@example.com', username: 'root', password: 'the admin password' } });
const ada = await t.req('POST', '/api/v1/auth/register', { body: { email: 'Ada@Example.com', username: 'ada', password: 'ada first password' } });
const second = await t.req('POST', '/api/v1/auth/login', { body: { login_id: 'ada', password: 'ada first password' } });

const tokenOf = (text: string) => /reset_password_complete\?token=([A-Za-z0-9_-]+)/.exec(text)?.[1];
const isTo = (m: { to: string[] }, addr: string) => m.to.some((a) => a.toLowerCase() === addr.toLowerCase());
const mailsTo = (addr: string) => smtp.messages.filter((m) => isTo(m, addr));

test('a reset request emails a one-hour single-use link on the site URL', async () => {
  const r = await t.req('POST', '/api/v1/auth/password/reset/send', { body: { email: 'ada@example.com' }, headers: from(), ip: PROXY });
  assert.is(r.status, 204);
  const m = await smtp.waitFor((x) => isTo(x, 'ada@example.com'));
  assert.is(m.subject, '[RustChat] Reset your password');
  assert.match(m.text, 'Hello ada,');
  assert.match(m.text, 'https://chat.example.com/reset_password_complete?token=');
  assert.match(m.text, 'within 60 minutes');
  assert.match(m.html, 'href="https://chat.example.com/reset_password_complete?token=');
  const token = tokenOf(m.text)!;
  assert.is(token.length, 43);
  // Only the hash is stored.
  const rows = await t.deps.db.query<any>('select * from password_reset_tokens');
  assert.is(rows.length, 1);
  assert.is.not(rows[0].token_hash, token);
  assert.is(rows[0].token_hash.length, 64);
  assert.is(Number(rows[0].expires_at) - Number(rows[0].create_at), RESET_TTL_MS);
});

test('the link sets a new password once, ends every session, and the old password stops working', async () => {
  const token = tokenOf(mailsTo('Ada@Example.com').at(-1)!.text)!;
  const weak = await t.req('POST', '/api/v1/auth/password/reset', { body: { token, new_password: 'short' } });
  assert.is(weak.status, 400);
  assert.is(code(weak), 'password_too_short');
  const ok = await t.req('POST', '/api/v1/auth/password/reset', { body: { token, new_password: 'ada second password' }, headers: from(), ip: PROXY });
  assert.is(ok.status, 204, JSON.stringify(ok.body));
  // Both sessions that existed are over.
  assert.is((await t.req('GET', '/api/v1/auth/me', { token: ada.body.token })).status, 401);
  assert.is((await t.req('GET', '/api/v1/auth/me', { token: second.body.token })).status, 401);
  assert.is((await t.req('POST', '/api/v1/auth/login', { body: { login_id: 'ada', password: 'ada first password' } })).status, 401);
  assert.is((await t.req('POST', '/api/v1/auth/login', { body: { login_id: 'ada', password: 'ada second password' } })).status, 200);
  // Single use.
  const again = await t.req('POST', '/api/v1/auth/password/reset', { body: { token, new_password: 'ada third password' } });
  assert.is(again.status, 400);
  assert.is(code(again), 'invalid_reset_token');
  const audit = await t.deps.db.query<any>(`select * from audit_log where action = 'password_reset'`);
  assert.is(audit.length, 1);
  assert.is(audit[0].details.via, 'email');
  assert.is(audit[0].details.sessions_revoked, 2);
});

test('an expired link is refused', async () => {
  const before = smtp.messages.length;
  await t.req('POST', '/api/v1/auth/password/reset/send', { body: { email: 'ADA@example.com' }, headers: from(), ip: PROXY });
  const m = await smtp.waitFor((x) => isTo(x, 'ada@example.com') && smtp.messages.indexOf(x) >= before);
  const token = tokenOf(m.text)!;
  skew = RESET_TTL_MS + 1000;
  try {
    const r = await t.req('POST', '/api/v1/auth/password/reset', { body: { token, new_password: 'ada late password' } });
    assert.is(r.status, 400);
    assert.is(code(r), 'reset_token_expired');
  } finally {
    skew = 0;
  }
  assert.is((await t.req('POST', '/api/v1/auth/login', { body: { login_id: 'ada', password: 'ada second password' } })).status, 200);
});

test('an unknown email gets the same answer and no email; malformed tokens are refused alike', async () => {
  const before = smtp.messages.length;
  const r = await t.req('POST', '/api/v1/auth/password/reset/send', { body: { email: 'nobody@example.com' }, headers: from(), ip: PROXY });
  assert.is(r.status, 204);
  assert.is(r.body, null);
  const known = await t.req('POST', '/api/v1/auth/password/reset/send', { body: { email: 'root@example.com' }, headers: from(), ip: PROXY });
  assert.is(known.status, r.status);
  assert.equal(known.body, r.body);
  await smtp.waitFor((m) => m.to.includes('root@example.com'));
  await new Promise((res) => setTimeout(res, 500));
  assert.is(smtp.messages.length, before + 1, 'only the known address got mail');
  assert.is(smtp.messages.filter((m) => m.to.includes('nobody@example.com')).length, 0);
  const queued = await t.deps.db.query<any>(`select * from email_outbox where to_address = 'nobody@example.com'`);
  assert.is(queued.length, 0);
  for (const token of ['x', 'A'.repeat(43), '../../etc']) {
    const bad = await t.req('POST', '/api/v1/auth/password/reset', { body: { token, new_password: 'whatever password' } });
    assert.is(bad.status, 400);
    assert.is(code(bad), 'invalid_reset_token');
  }
  assert.is(code(await t.req('POST', '/api/v1/auth/password/reset/send', { body: { email: 'not an address' } })), 'invalid_email');
  assert.is(code(await t.req('POST', '/api/v1/auth/password/reset/send', { body: {} })), 'invalid_input');
});

test('requests are rate-limited: per address with 429, per email silently', async () => {
  // Per email: after RESET_EMAIL_LIMIT mails in the hour, the answer stays 204 and nothing is sent.
  await t.req('POST', '/api/v1/auth/register', { body: { email: 'flood@example.com', username: 'flood', password: 'flood password 1' } });
  for (let i = 0; i < RESET_EMAIL_LIMIT.max + 2; i++) {
    const r = await t.req('POST', '/api/v1/auth/password/reset/send', { body: { email: 'flood@example.com' }, headers: from(), ip: PROXY });
    assert.is(r.status, 204);
  }
  const end = Date.now() + 15_000;
  while (mailsTo('flood@example.com').length < RESET_EMAIL_LIMIT.max && Date.now() < end) await new Promise((res) => setTimeout(res, 50));
  await new Promise((res) => setTimeout(res, 500));
  assert.is(mailsTo('flood@example.com').length, RESET_EMAIL_LIMIT.max);
  // Per address: the eleventh request in an hour from one address is refused.
  const ip = { 'x-forwarded-for': '10.77.0.1' };
  for (let i = 0; i < 10; i++) assert.is((await t.req('POST', '/api/v1/auth/password/reset/send', { body: { email: `x${i}@example.com` }, headers: ip, ip: PROXY })).status, 204);
  const limited = await t.req('POST', '/api/v1/auth/password/reset/send', { body: { email: 'x@example.com' }, headers: ip, ip: PROXY });
  assert.is(limited.status, 429);
  assert.is(code(limited), 'rate_limited');
});

test('deactivated accounts get no reset email', async () => {
  const u = await t.req('POST', '/api/v1/auth/register', { body: { email: 'gone@example.com', username: 'gone', password: 'gone password 1' } });
  assert.is((await t.req('PATCH', `/api/v1/admin/users/${u.body.user.id}`, { token: admin.body.token, body: { active: false } })).status, 200);
  await t.req('POST', '/api/v1/auth/password/reset/send', { body: { email: 'gone@example.com' }, headers: from(), ip: PROXY });
  await new Promise((res) => setTimeout(res, 700));
  assert.is(mailsTo('gone@example.com').length, 0);
});

test('Mattermost routes: /users/password/reset/send and /users/password/reset with code', async () => {
  await t.req('POST', '/api/v1/auth/register', { body: { email: 'mm@example.com', username: 'mmuser', password: 'mm first password' } });
  const send = await t.req('POST', '/api/v4/users/password/reset/send', { body: { email: 'mm@example.com' }, headers: from(), ip: PROXY });
  assert.is(send.status, 200);
  assert.equal(send.body, { status: 'OK' });
  assert.is(send.headers.get('content-type'), 'application/json');
  const unknown = await t.req('POST', '/api/v4/users/password/reset/send', { body: { email: 'nope@example.com' }, headers: from(), ip: PROXY });
  assert.equal(unknown.body, send.body);
  const m = await smtp.waitFor((x) => x.to.includes('mm@example.com'));
  const token = tokenOf(m.text)!;
  const bad = await t.req('POST', '/api/v4/users/password/reset', { body: { code: 'A'.repeat(43), new_password: 'mm second password' } });
  assert.is(bad.status, 400);
  assert.is(bad.body.id, 'api.user.reset_password.invalid_link.app_error');
  const ok = await t.req('POST', '/api/v4/users/password/reset', { body: { code: token, new_password: 'mm second password' } });
  assert.is(ok.status, 200, JSON.stringify(ok.body));
  assert.equal(ok.body, { status: 'OK' });
  const login = await t.req('POST', '/api/v4/users/login', { body: { login_id: 'mmuser', password: 'mm second password' } });
  assert.is(login.status, 200);
});

test('a system admin emails someone a reset link from the console: audited, no rate limit, refused for deactivated accounts', async () => {
  const bea = await t.req('POST', '/api/v1/auth/register', { body: { email: 'bea@example.com', username: 'bea', password: 'bea first password' } });
  const path = `/api/v1/admin/users/${bea.body.user.id}/password/reset-email`;
  assert.is((await t.req('POST', path, { token: bea.body.token })).status, 403, 'admins only');
  for (let i = 0; i < RESET_EMAIL_LIMIT.max + 1; i++) {
    const r = await t.req('POST', path, { token: admin.body.token });
    assert.is(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body, { email: 'bea@example.com' });
  }
  await smtp.waitFor(() => mailsTo('bea@example.com').length === RESET_EMAIL_LIMIT.max + 1);
  // The latest link works; the current password kept working until then.
  assert.is((await t.req('POST', '/api/v1/auth/login', { body: { login_id: 'bea', password: 'bea first password' } })).status, 200);
  // Each link replaces the one before (emails may arrive in any order): exactly one works.
  const answers = [];
  for (const m of mailsTo('bea@example.com')) answers.push((await t.req('POST', '/api/v1/auth/password/reset', { body: { token: tokenOf(m.text)!, new_password: 'bea second password' } })).status);
  assert.equal(answers.filter((x) => x === 204).length, 1, JSON.stringify(answers));
  assert.is((await t.req('POST', '/api/v1/auth/login', { body: { login_id: 'bea', password: 'bea second password' } })).status, 200);
  const audits = (await t.req('GET', '/api/v1/admin/audit?action=password_reset_request', { token: admin.body.token })).body.items.filter((a: any) => a.target_id === bea.body.user.id);
  assert.ok(audits.length >= 1 && audits.every((a: any) => a.actor_id === admin.body.user.id && a.details.by_admin === true));
  await t.req('PATCH', `/api/v1/admin/users/${bea.body.user.id}`, { token: admin.body.token, body: { active: false } });
  assert.is(code(await t.req('POST', path, { token: admin.body.token })), 'user_inactive');
  assert.is(code(await t.req('POST', '/api/v1/admin/users/aaaaaaaaaaaaaaaaaaaaaaaaaa/password/reset-email', { token: admin.body.token })), 'user_not_found');
});

test.after(async () => {
  await worker.stop();
  await t.close();
  await smtp.close();
});

test.run();
