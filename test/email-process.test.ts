// Email through the real command line and server processes: `rustchat email test`, a reset
// email sent by `serve`'s outbox worker, and (with PostgreSQL) two servers sharing one outbox.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createServer } from 'node:net';
import postgres from 'postgres';
import { runCli, spawnServer, type ServerProcess } from './process.ts';
import { startTestSmtp, type TestSmtp } from './smtp.ts';
import { createPgDatabase } from './db.ts';
import { newId } from '../src/ids.ts';

let smtp: TestSmtp;
const smtpEnv = () => ({ RUSTCHAT_SMTP_HOST: '127.0.0.1', RUSTCHAT_SMTP_PORT: String(smtp.port), RUSTCHAT_SMTP_FROM: 'RustChat <chat@example.org>' });
test.before(async () => {
  smtp = await startTestSmtp();
});
test.after(async () => {
  await smtp.close();
});

test('rustchat email test sends through SMTP and prints the outcome (and the dialogue with --verbose)', async () => {
  const r = await runCli(['email', 'test', '--to', 'admin@example.com', '--verbose'], { env: smtpEnv() });
  assert.is(r.code, 0, r.stderr + r.stdout);
  assert.match(r.stdout, `SMTP server: 127.0.0.1:${smtp.port}`);
  assert.match(r.stdout, /result: +sent \(250 /);
  assert.match(r.stdout, /EHLO|MAIL FROM/); // the dialogue
  const m = await smtp.waitFor((x) => x.to.includes('admin@example.com'));
  assert.is(m.subject, '[RustChat] Test email');
  const json = await runCli(['email', 'test', '--to', 'admin@example.com', '--json'], { env: smtpEnv() });
  assert.is(json.code, 0);
  const out = JSON.parse(json.stdout);
  assert.is(out.ok, true);
  assert.match(out.response, /^250/);
});

test('rustchat email test exits 1 with the reason when the server cannot be reached, 2 on a bad address', async () => {
  const port = await new Promise<number>((resolve) => {
    const l = createServer().listen(0, '127.0.0.1', () => {
      const p = (l.address() as { port: number }).port;
      l.close(() => resolve(p));
    });
  });
  const r = await runCli(['email', 'test', '--to', 'admin@example.com'], { env: { ...smtpEnv(), RUSTCHAT_SMTP_PORT: String(port) } });
  assert.is(r.code, 1);
  assert.match(r.stdout, 'result:      FAILED');
  assert.match(r.stderr, /ECONNREFUSED/);
  const bad = await runCli(['email', 'test', '--to', 'not-an-address'], { env: smtpEnv() });
  assert.is(bad.code, 2);
  // Without smtp.host the email is printed from the log line, and nothing is sent.
  const logged = await runCli(['email', 'test', '--to', 'admin@example.com'], {});
  assert.is(logged.code, 0, logged.stderr);
  assert.match(logged.stdout, 'smtp.host is empty');
  assert.match(logged.stdout, 'If you can read it, outgoing email works.');
});

test('serve sends a password reset email through its outbox worker', async () => {
  let s: ServerProcess | undefined;
  try {
    s = await spawnServer({ env: { ...smtpEnv(), RUSTCHAT_SITE_URL: 'https://chat.example.com' } });
    const post = (path: string, body: unknown) => fetch(`${s!.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    assert.is((await post('/api/v1/auth/register', { email: 'first@example.com', username: 'first', password: 'first password 1' })).status, 201);
    assert.is((await post('/api/v1/auth/password/reset/send', { email: 'first@example.com' })).status, 204);
    const m = await smtp.waitFor((x) => x.to.includes('first@example.com') && x.subject.includes('Reset'));
    const token = /reset_password_complete\?token=([A-Za-z0-9_-]+)/.exec(m.text)![1];
    assert.is((await post('/api/v1/auth/password/reset', { token, new_password: 'second password 2' })).status, 204);
    assert.is((await post('/api/v1/auth/login', { login_id: 'first', password: 'second password 2' })).status, 200);
  } finally {
    await s?.stop();
  }
});

test('two server processes on one PostgreSQL send each queued email exactly once', async () => {
  const pg = await createPgDatabase();
  if (!pg) return; // needs RUSTCHAT_TEST_DATABASE_URL
  const servers: ServerProcess[] = [];
  const sql = postgres(pg.url, { max: 1, onnotice: () => {} });
  try {
    const env = { ...smtpEnv(), RUSTCHAT_DATABASE_URL: pg.url, RUSTCHAT_JWT_SECRET: 'x'.repeat(40) };
    servers.push(await spawnServer({ env }));
    servers.push(await spawnServer({ env }));
    const before = smtp.messages.length;
    const now = Date.now();
    const ids = Array.from({ length: 60 }, () => newId());
    // Queued while both run, as any transaction would; both workers find them on their next poll.
    for (const [i, id] of ids.entries()) {
      await sql`insert into email_outbox (id, kind, to_address, subject, text_body, next_attempt_at, create_at) values (${id}, 'test', ${`pg${i}@example.com`}, ${`pg ${i}`}, 'body', ${now}, ${now})`;
    }
    const end = Date.now() + 60_000;
    while (smtp.messages.length < before + 60 && Date.now() < end) await new Promise((r) => setTimeout(r, 100));
    await new Promise((r) => setTimeout(r, 6000)); // a full poll interval more: nothing else may arrive
    const got = smtp.messages.slice(before).filter((m) => m.subject.startsWith('pg '));
    assert.is(got.length, 60);
    assert.is(new Set(got.map((m) => m.subject)).size, 60);
    const [{ n }] = await sql`select count(*)::int as n from email_outbox where status = 'sent' and attempts = 1`;
    assert.is(n, 60);
  } finally {
    await sql.end({ timeout: 5 });
    for (const s of servers) await s.stop();
    await pg.drop();
  }
});

test.run();
