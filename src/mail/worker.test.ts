import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { testApp, type TestContext } from '../../test/app.ts';
import { startTestSmtp } from '../../test/smtp.ts';
import { TEST_PG_URL } from '../../test/db.ts';
import { openPostgres } from '../db/postgres.ts';
import { createLogMailer, createMailer } from './mailer.ts';
import { retryDelay, startOutboxWorker, type OutboxWorker } from './worker.ts';
import { queueEmail } from '../actions/email.ts';
import { inTx } from '../actions/tx.ts';
import { claimDueEmails, markEmailFailed } from '../store/outbox.ts';
import { testEmail } from './templates.ts';
import { createLogger, silentLogger } from '../log.ts';
import type { Deps } from '../deps.ts';
import { withServices } from '../boot.ts';

const site = { name: 'Test Site', url: 'http://chat.test' };
const render = (n: number | string) => ({ ...testEmail(site, { sentAt: 'now' }), subject: `message ${n}` });

async function queue(deps: Deps, to: string, n: number | string) {
  return inTx(deps, (tx) => queueEmail(deps, tx, 'test', to, render(n)));
}
const row = async (t: TestContext, id: string) => (await t.deps.db.query<any>('select * from email_outbox where id = $1', [id]))[0];
const until = async (what: string, f: () => Promise<boolean>, ms = 30_000) => {
  const end = Date.now() + ms;
  while (!(await f())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
};

test('retry delays double from the base up to the cap', () => {
  assert.equal([1, 2, 3, 4].map((a) => retryDelay(a, 10_000, 3_600_000)), [10_000, 20_000, 40_000, 80_000]);
  assert.is(retryDelay(20, 10_000, 3_600_000), 3_600_000);
});

test('a committed email is sent once with text and HTML parts; a rolled-back one never', async () => {
  const smtp = await startTestSmtp();
  const t = await testApp({ config: { ...smtp.config(), 'smtp.from': 'Chat <chat@example.org>' } });
  const worker = startOutboxWorker(t.deps, { mailer: await createMailer(t.deps.config, { log: silentLogger }), pollMs: 100 });
  try {
    await inTx(t.deps, async (tx) => {
      await queueEmail(t.deps, tx, 'test', 'nobody@example.com', render('rolled back'));
      throw new Error('roll back');
    }).catch(() => {});
    const id = await queue(t.deps, 'ada@example.com', 'one');
    worker.kick();
    const m = await smtp.waitFor((x) => x.subject === 'message one');
    assert.equal(m.to, ['ada@example.com']);
    assert.is(m.from, 'chat@example.org');
    assert.match(m.headers['message-id'], `<${id}@example.org>`);
    assert.match(m.text, 'This is a test email from Test Site (http://chat.test)');
    assert.match(m.html, '<div style="font-size:18px;font-weight:bold;margin:0 0 20px">Test Site</div>');
    assert.not.match(m.html, /<img|<script|src=/i); // no remote images, nothing active
    await until('sent status', async () => (await row(t, id)).status === 'sent');
    const r = await row(t, id);
    assert.is(r.attempts, 1);
    assert.ok(Number(r.sent_at) > 0);
    await new Promise((res) => setTimeout(res, 500));
    assert.is(smtp.messages.length, 1, 'the rolled-back email was not sent and nothing twice');
  } finally {
    await worker.stop();
    await t.close();
    await smtp.close();
  }
});

test('SMTP down for 10 s, then back: the queued email arrives exactly once', async () => {
  const smtp = await startTestSmtp();
  await smtp.stop(); // connections refused from now on
  const t = await testApp({ config: smtp.config() });
  const worker = startOutboxWorker(t.deps, { mailer: await createMailer(t.deps.config, { log: silentLogger }), pollMs: 200, retryBaseMs: 1000, retryMaxMs: 4000 });
  try {
    const id = await queue(t.deps, 'bob@example.com', 'after outage');
    worker.kick();
    await until('a failed try', async () => (await row(t, id)).attempts >= 1 && (await row(t, id)).last_error !== '');
    const down = await row(t, id);
    assert.is(down.status, 'pending');
    assert.match(down.last_error, /ECONNREFUSED|connect/i);
    await new Promise((r) => setTimeout(r, 10_000));
    assert.is(smtp.messages.length, 0);
    assert.ok((await row(t, id)).attempts >= 3, 'it kept retrying while the server was down');
    await smtp.start();
    await smtp.waitFor((m) => m.subject === 'message after outage', 20_000);
    await until('sent status', async () => (await row(t, id)).status === 'sent');
    // Later passes find nothing to send.
    await new Promise((r) => setTimeout(r, 3000));
    assert.is(smtp.messages.filter((m) => m.subject === 'message after outage').length, 1);
    assert.is((await row(t, id)).last_error, '');
  } finally {
    await worker.stop();
    await t.close();
    await smtp.close();
  }
});

test('after smtp.max_attempts failures an email is dead, listed for admins with its error, and can be retried', async () => {
  const smtp = await startTestSmtp();
  await smtp.stop();
  const t = await testApp({ config: { ...smtp.config(), 'smtp.max_attempts': 2 } });
  const worker = startOutboxWorker(t.deps, { mailer: await createMailer(t.deps.config, { log: silentLogger }), pollMs: 100, retryBaseMs: 200 });
  try {
    const admin = await t.req('POST', '/api/v1/auth/register', { body: { email: 'root@example.com', username: 'root', password: 'a long admin password' } });
    const user = await t.req('POST', '/api/v1/auth/register', { body: { email: 'u@example.com', username: 'someone', password: 'a long user password' } });
    const id = await queue(t.deps, 'carol@example.com', 'doomed');
    worker.kick();
    await until('dead status', async () => (await row(t, id)).status === 'dead');
    assert.is((await row(t, id)).attempts, 2);
    const list = await t.req('GET', '/api/v1/admin/email/outbox?status=dead', { token: admin.body.token });
    assert.is(list.status, 200);
    assert.is(list.body.counts.dead, 1);
    assert.is(list.body.transport, 'smtp');
    assert.is(list.body.items.length, 1);
    assert.is(list.body.items[0].id, id);
    assert.is(list.body.items[0].to, 'carol@example.com');
    assert.match(list.body.items[0].last_error, /ECONNREFUSED|connect/i);
    assert.not.ok('text_body' in list.body.items[0]);
    assert.is((await t.req('GET', '/api/v1/admin/email/outbox', { token: user.body.token })).status, 403);
    assert.is((await t.req('GET', '/api/v1/admin/email/outbox?status=lost', { token: admin.body.token })).body.error.code, 'invalid_input');
    // Retry once the server is back.
    await smtp.start();
    assert.is((await t.req('POST', `/api/v1/admin/email/outbox/${id}/retry`, { token: admin.body.token })).status, 204);
    await smtp.waitFor((m) => m.subject === 'message doomed');
    await until('sent status', async () => (await row(t, id)).status === 'sent');
    assert.is((await t.req('POST', `/api/v1/admin/email/outbox/${id}/retry`, { token: admin.body.token })).body.error.code, 'email_not_found');
    const audit = await t.deps.db.query<any>(`select * from audit_log where action = 'email_retry'`);
    assert.is(audit.length, 1);
  } finally {
    await worker.stop();
    await t.close();
    await smtp.close();
  }
});

test('AUTH over STARTTLS: the mailer upgrades, logs in and sends', async () => {
  const smtp = await startTestSmtp({ starttls: true, auth: { user: 'mailer', pass: 's3cret-pass' } });
  const t = await testApp({ config: { ...smtp.config(), 'smtp.require_tls': true } });
  const mailer = await createMailer(t.deps.config, { log: silentLogger });
  try {
    await mailer.verify();
    const r = await mailer.send({ to: 'dan@example.com', subject: 'over tls', text: 'hello' });
    assert.match(r.response, /^250/);
    const m = await smtp.waitFor((x) => x.subject === 'over tls');
    assert.is(m.user, 'mailer');
    assert.is(m.secure, true, 'STARTTLS was used');
    // A wrong password is an error the worker would retry, not a silent success.
    const bad = await createMailer({ ...t.deps.config, smtp: { ...t.deps.config.smtp, password: 'wrong' } }, { log: silentLogger });
    const err = await bad.send({ to: 'dan@example.com', subject: 'refused', text: 'x' }).catch((e) => e);
    assert.instance(err, Error);
    assert.match(String(err.message), /Invalid username or password|auth/i);
    bad.close();
  } finally {
    mailer.close();
    await t.close();
    await smtp.close();
  }
});

test('implicit TLS (smtp.secure, as on port 465): TLS from the first byte; a self-signed certificate is refused unless skip_cert_verify', async () => {
  const smtp = await startTestSmtp({ implicitTls: true, auth: { user: 'mailer', pass: 's3cret-pass' } });
  const t = await testApp({ config: smtp.config() });
  const mailer = await createMailer(t.deps.config, { log: silentLogger });
  // The certificate check is on by default: smtp-server's self-signed certificate is refused.
  const strict = await createMailer({ ...t.deps.config, smtp: { ...t.deps.config.smtp, skip_cert_verify: false } }, { log: silentLogger });
  try {
    assert.is(t.deps.config.smtp.secure, true);
    await mailer.verify();
    const r = await mailer.send({ to: 'dan@example.com', subject: 'over smtps', text: 'hello' });
    assert.match(r.response, /^250/);
    const m = await smtp.waitFor((x) => x.subject === 'over smtps');
    assert.is(m.secure, true, 'the session was TLS');
    assert.is(m.user, 'mailer');
    const refused = await strict.send({ to: 'dan@example.com', subject: 'unverified', text: 'x' }).catch((e) => e);
    assert.instance(refused, Error);
    assert.match(String(refused.message), /certificate/i);
    assert.equal(smtp.messages.map((x) => x.subject), ['over smtps'], 'only the TLS send arrived');
  } finally {
    mailer.close();
    strict.close();
    await t.close();
    await smtp.close();
  }
});

test('without smtp.host each email is written to the log, whole, and counts as sent', async () => {
  const lines: string[] = [];
  const t = await testApp();
  const worker = startOutboxWorker(t.deps, { mailer: createLogMailer(t.deps.config, createLogger('info', (l) => lines.push(l))), pollMs: 100 });
  try {
    const id = await queue(t.deps, 'eve@example.com', 'logged');
    worker.kick();
    await until('sent status', async () => (await row(t, id)).status === 'sent');
    const rec = JSON.parse(lines.find((l) => l.includes('"subject":"message logged"'))!);
    assert.is(rec.to, 'eve@example.com');
    assert.match(rec.text, 'If you can read it, outgoing email works.');
  } finally {
    await worker.stop();
    await t.close();
  }
});

test('two workers on one database send each of 40 emails exactly once', async () => {
  const smtp = await startTestSmtp();
  const t = await testApp({ config: smtp.config() });
  // On PostgreSQL the second worker has its own connection pool, as a second process would.
  const second = TEST_PG_URL && t.tdb.url ? await openPostgres(t.tdb.url, { poolSize: 4 }) : undefined;
  // A second process: its own services (and so its own worker), the same database.
  const deps2 = withServices({ config: t.deps.config, db: second ?? t.deps.db, bus: t.deps.bus, log: t.deps.log, now: t.deps.now, jwtKey: t.deps.jwtKey });
  const ids: string[] = [];
  for (let i = 0; i < 40; i++) ids.push(await queue(t.deps, `user${i}@example.com`, `bulk ${i}`));
  const workers: OutboxWorker[] = [];
  try {
    workers.push(startOutboxWorker(t.deps, { mailer: await createMailer(t.deps.config, { log: silentLogger }), pollMs: 50, batch: 3 }));
    workers.push(startOutboxWorker(deps2, { mailer: await createMailer(t.deps.config, { log: silentLogger }), pollMs: 50, batch: 3 }));
    await smtp.waitForCount(40, 60_000);
    await until('all sent', async () => (await t.deps.db.query<any>(`select count(*)::int as n from email_outbox where status = 'sent'`))[0].n === 40);
    await new Promise((r) => setTimeout(r, 1000));
    assert.is(smtp.messages.length, 40);
    const subjects = new Set(smtp.messages.map((m) => m.subject));
    assert.is(subjects.size, 40);
    const attempts = await t.deps.db.query<any>('select max(attempts)::int as n from email_outbox');
    assert.is(attempts[0].n, 1, 'no email was claimed twice');
  } finally {
    for (const w of workers) await w.stop();
    await second?.close();
    await t.close();
    await smtp.close();
  }
});

const DAY = 86_400_000;
/** Queues an email that has had one failed try, as the worker records it: dead, or due again at `next` (in one transaction, so no worker sends it first). */
async function queueFailed(deps: Deps, to: string, n: string, next: number, dead: boolean) {
  return inTx(deps, async (tx) => {
    const id = await queueEmail(deps, tx, 'test', to, render(n));
    const [r] = await claimDueEmails(tx, deps.now(), 'test-lease', deps.now() + 60_000, 1);
    assert.is(r!.id, id);
    await markEmailFailed(tx, id, 'test-lease', 'connect ECONNREFUSED', next, dead);
    return id;
  });
}

test('retention: sent and dead emails older than smtp.outbox_retention_days are deleted in batches; newer ones and waiting ones stay', async () => {
  const t0 = Date.now();
  let clock = t0;
  const t = await testApp({ now: () => clock });
  const worker = startOutboxWorker(t.deps, { mailer: createLogMailer(t.deps.config, silentLogger), pollMs: 100, pruneBatch: 2 });
  const ids = async (status: string) => (await t.deps.db.query<{ id: string }>('select id from email_outbox where status = $1 order by id', [status])).map((r) => r.id).sort();
  try {
    assert.is(t.deps.config.smtp.outbox_retention_days, 7);
    const admin = await t.req('POST', '/api/v1/auth/register', { body: { email: 'root@example.com', username: 'root', password: 'a long admin password' } });
    // Day 0: one email given up, one still retrying (its next try is in 30 days), six sent.
    const deadOld = await queueFailed(t.deps, 'd@example.com', 'dead old', clock + 10_000, true);
    const waiting = await queueFailed(t.deps, 'p@example.com', 'still waiting', clock + 30 * DAY, false);
    const sentOld: string[] = [];
    for (let i = 0; i < 6; i++) sentOld.push(await queue(t.deps, `a${i}@example.com`, `old ${i}`));
    worker.kick();
    await until('six sent', async () => (await ids('sent')).length === 6);
    // Day 6: one more sent, one more given up.
    clock = t0 + 6 * DAY;
    const deadNew = await queueFailed(t.deps, 'e@example.com', 'dead new', clock + 10_000, true);
    const sentNew = await queue(t.deps, 'b@example.com', 'new');
    worker.kick();
    await until('seven sent', async () => (await ids('sent')).length === 7);
    assert.is(await worker.prune(), 0, 'nothing is a week old yet');

    // Day 7 and an hour: the day-0 sent and dead emails are over the retention period.
    clock = t0 + 7 * DAY + 3_600_000;
    assert.is(await worker.prune(), 7, 'six sent (in batches of two) and one dead');
    assert.equal(await ids('sent'), [sentNew]);
    assert.equal(await ids('dead'), [deadNew]);
    assert.equal(await ids('pending'), [waiting], 'an email still waiting to be sent is kept, however old');
    const left = (await t.deps.db.query<{ id: string }>('select id from email_outbox')).map((r) => r.id);
    assert.not.ok(left.some((id) => sentOld.includes(id) || id === deadOld));
    assert.is(await worker.prune(), 0);
    // The system console's list shows what is left.
    const list = await t.req('GET', '/api/v1/admin/email/outbox', { token: admin.body.token });
    assert.is(list.status, 200);
    assert.equal(list.body.counts, { pending: 1, sent: 1, dead: 1 });
    assert.equal(list.body.items.map((i: { id: string }) => i.id).sort(), [deadNew, sentNew, waiting].sort());
  } finally {
    await worker.stop();
    await t.close();
  }
});

test('retention: outbox_retention_days = 0 keeps every email; the hourly cleanup also runs by itself', async () => {
  let clock = Date.now();
  const keep = await testApp({ now: () => clock, config: { 'smtp.outbox_retention_days': 0 } });
  const w1 = startOutboxWorker(keep.deps, { mailer: createLogMailer(keep.deps.config, silentLogger), pollMs: 100, pruneFirstMs: 0 });
  try {
    await queue(keep.deps, 'a@example.com', 'kept');
    w1.kick();
    await until('sent', async () => (await keep.deps.db.query<any>(`select count(*)::int as n from email_outbox where status = 'sent'`))[0].n === 1);
    clock += 3650 * DAY;
    assert.is(await w1.prune(), 0);
    assert.is((await keep.deps.db.query<any>('select count(*)::int as n from email_outbox'))[0].n, 1);
  } finally {
    await w1.stop();
    await keep.close();
  }
  // With a period, the worker's timer deletes old emails without being asked.
  clock = Date.now();
  const t = await testApp({ now: () => clock, config: { 'smtp.outbox_retention_days': 1 } });
  const lines: string[] = [];
  const w2 = startOutboxWorker({ ...t.deps, log: createLogger('info', (l) => lines.push(l)) }, { mailer: createLogMailer(t.deps.config, silentLogger), pollMs: 100, pruneFirstMs: 60_000, pruneEveryMs: 100 });
  try {
    await queue(t.deps, 'a@example.com', 'expires');
    w2.kick();
    await until('sent', async () => (await t.deps.db.query<any>(`select count(*)::int as n from email_outbox where status = 'sent'`))[0].n === 1);
    clock += 2 * DAY;
    await until('deleted by the timer', async () => (await t.deps.db.query<any>('select count(*)::int as n from email_outbox'))[0].n === 0, 5000);
    // The line is written once the pass ends (after its last batch), a moment after the row is gone.
    await until('the cleanup logged', async () => lines.some((l) => l.includes('old emails deleted from the outbox')), 5000);
  } finally {
    await w2.stop();
    await t.close();
  }
});

test('retention: two processes cleaning up at once delete every old email once, without errors', async () => {
  let clock = Date.now();
  const t = await testApp({ now: () => clock });
  const second = TEST_PG_URL && t.tdb.url ? await openPostgres(t.tdb.url, { poolSize: 4 }) : undefined;
  const deps2 = withServices({ config: t.deps.config, db: second ?? t.deps.db, bus: t.deps.bus, log: t.deps.log, now: t.deps.now, jwtKey: t.deps.jwtKey });
  const workers: OutboxWorker[] = [];
  try {
    for (let i = 0; i < 60; i++) await queue(t.deps, `user${i}@example.com`, `bulk ${i}`);
    workers.push(startOutboxWorker(t.deps, { mailer: createLogMailer(t.deps.config, silentLogger), pollMs: 50, batch: 10, pruneBatch: 3 }));
    workers.push(startOutboxWorker(deps2, { mailer: createLogMailer(t.deps.config, silentLogger), pollMs: 50, batch: 10, pruneBatch: 3 }));
    await until('all sent', async () => (await t.deps.db.query<any>(`select count(*)::int as n from email_outbox where status = 'sent'`))[0].n === 60);
    await queue(t.deps, 'late@example.com', 'young');
    clock += 8 * DAY;
    await until('young sent', async () => (await t.deps.db.query<any>(`select count(*)::int as n from email_outbox where status = 'sent'`))[0].n === 61);
    // Sent at day 8: young. Both processes now delete the 60 old ones at the same time.
    clock += 3_600_000;
    const [a, b] = await Promise.all(workers.map((w) => w.prune()));
    assert.is(a! + b!, 60, `each old email deleted once (${a} + ${b})`);
    assert.is((await t.deps.db.query<any>('select count(*)::int as n from email_outbox'))[0].n, 1);
  } finally {
    for (const w of workers) await w.stop();
    await second?.close();
    await t.close();
  }
});

test.run();
