/**
 * System console › Email in a real browser (issue 14 item 1: a dead-lettered email is visible to
 * admins with its error): the server's SMTP server is down and `smtp.max_attempts` is 1, so a
 * password-reset email fails once and is given up; the console lists it under Failed with the
 * SMTP error; once an SMTP server listens, Retry sends it (read from that server) and the API and
 * the Sent list agree. The notification emails switch hides the email choices of account and
 * channel settings. Text contrast in both themes. Skipped (one "[skip]" line) without chromium.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createServer, type AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import { browserUnavailable, type Client, contrastProblems, ensureWebBuilt, eventually, launch, logIn, openClient, startServer } from './harness.ts';
import type { ServerProcess } from '../../test/process.ts';
import { createPgDatabase, TEST_REDIS_URL } from '../../test/db.ts';
import { startTestSmtp, type TestSmtp } from '../../test/smtp.ts';

const skip = browserUnavailable();
let server: ServerProcess;
let browser: Browser;
let pg: Awaited<ReturnType<typeof createPgDatabase>>;
let smtp: TestSmtp | undefined;
let A: Client;
let smtpPort = 0;
const PW = 'correct-horse-battery';
let rootToken = '';

async function api(token: string, method: string, path: string, body?: unknown) {
  const res = await fetch(`${server.url}/api/v1${path}`, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: res.status, body: res.status === 204 ? undefined : ((await res.json()) as any) };
}
const outbox = async (status: string) => (await api(rootToken, 'GET', `/admin/email/outbox?status=${status}`)).body;
/** A port nothing listens on (yet): the SMTP server the configuration names is down. */
const closedPort = () =>
  new Promise<number>((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as AddressInfo).port;
      s.close(() => resolve(port));
    });
  });

test.before(async () => {
  if (skip) return;
  await ensureWebBuilt();
  pg = await createPgDatabase();
  smtpPort = await closedPort();
  server = await startServer({
    env: {
      ...(pg ? { RUSTCHAT_DATABASE_URL: pg.url, RUSTCHAT_JWT_SECRET: 'console-email-secret-'.padEnd(48, 'x') } : {}),
      ...(TEST_REDIS_URL ? { RUSTCHAT_REDIS_URL: TEST_REDIS_URL } : {}),
      RUSTCHAT_SMTP_HOST: '127.0.0.1',
      RUSTCHAT_SMTP_PORT: String(smtpPort),
      RUSTCHAT_SMTP_MAX_ATTEMPTS: '1',
    },
  });
  browser = await launch();
  const reg = await api('', 'POST', '/auth/register', { email: 'root@example.com', username: 'root', password: PW });
  rootToken = reg.body.token;
  await api(rootToken, 'POST', '/teams', { type: 'O', name: 'hq', display_name: 'HQ' });
  assert.is((await api(rootToken, 'POST', '/admin/users', { email: 'bob@example.com', username: 'bob', password: PW })).status, 201);
  A = await openClient(browser, server.url);
  await logIn(A.page, 'root', PW);
  await A.page.waitForURL('**/hq/channels/town-square');
});

test.after(async () => {
  await browser?.close().catch(() => {});
  await server?.stop();
  await smtp?.close();
  await pg?.drop();
});

if (skip) {
  console.log(`[skip] console email browser suite skipped: ${skip}`);
} else {
  test('a failed email is listed with the SMTP error; Retry sends it once the SMTP server is back', async () => {
    const page = A.page;
    assert.is((await api('', 'POST', '/auth/password/reset/send', { email: 'bob@example.com' })).status, 204);
    await eventually('the reset email given up (dead)', async () => (await outbox('dead')).items.some((m: any) => m.to === 'bob@example.com'));
    const dead = (await outbox('dead')).items.find((m: any) => m.to === 'bob@example.com');
    assert.ok(dead.last_error, 'the server kept the error');

    await page.goto('/admin/email');
    const row = page.locator(`tr[data-email="${dead.id}"]`);
    await row.waitFor();
    assert.match(await row.innerText(), 'bob@example.com');
    assert.match(await row.innerText(), dead.subject);
    assert.is(await row.locator('[data-key="last-error"]').innerText(), dead.last_error);
    assert.match(await page.locator('[data-key="transport"]').innerText(), /Sent over SMTP\. 1 failed/);

    // The SMTP server comes up; Retry queues the email again and it is sent, once.
    smtp = await startTestSmtp({ port: smtpPort });
    await row.locator('button:has-text("Retry")').click();
    await page.locator('[role=status]', { hasText: 'Queued again' }).waitFor();
    await row.waitFor({ state: 'detached' });
    await smtp.waitFor((m) => m.to.includes('bob@example.com') && m.subject === dead.subject, 30_000);
    await eventually('the email marked sent', async () => (await outbox('sent')).items.some((m: any) => m.id === dead.id));
    assert.is((await outbox('dead')).counts.dead, 0);
    assert.is(smtp.messages.filter((m) => m.to.includes('bob@example.com')).length, 1);
    const [entry] = (await api(rootToken, 'GET', '/admin/audit?action=email_retry')).body.items;
    assert.is(entry.target_id, dead.id);

    await page.click('button[data-status="sent"]');
    await page.locator(`tr[data-email="${dead.id}"]`).waitFor();
  });

  test('Notification emails switch: off in the console hides the email choices of account and channel settings; reset shows them again', async () => {
    const page = A.page;
    await page.goto('/admin/email');
    const card = page.locator('form[data-setting="send_notifications"]');
    const box = card.locator('input[name=send_notifications]');
    await box.waitFor();
    assert.ok(await box.isChecked(), 'on by default');
    await box.uncheck();
    await card.locator('button[type=submit]').click();
    await card.locator('button', { hasText: "Use the configuration file's value (on)" }).waitFor();
    assert.equal((await api(rootToken, 'GET', '/admin/email-settings')).body.settings, { send_notifications: false });

    // A fresh load of the client (site info read again).
    await page.goto('/settings');
    const section = page.locator('section.notify-settings');
    await section.locator('[data-email-off]').waitFor();
    assert.is(await section.locator('input[name=email]').count(), 0);
    await page.goto('/hq/channels/town-square');
    await page.locator('main.chan[data-channel="town-square"]').waitFor();
    await page.click('button.ch-menu-btn');
    await page.click('[role=menuitem]:has-text("Notification preferences")');
    const dlg = page.locator('[role=dialog]');
    await dlg.locator('[data-email-off]').waitFor();
    assert.is(await dlg.locator('select[name=email]').count(), 0);
    assert.ok(await dlg.locator('select[name=desktop]').isVisible(), 'the other choices stay');
    await dlg.locator('button', { hasText: 'Cancel' }).click();

    await page.goto('/admin/email');
    await card.locator('button', { hasText: "Use the configuration file's value (on)" }).click();
    await card.locator('text=From the configuration file').waitFor();
    assert.ok(await box.isChecked());
    assert.equal((await api(rootToken, 'GET', '/admin/email-settings')).body.overridden, []);
    await page.goto('/settings');
    await page.locator('section.notify-settings input[name=email][value="30"]').waitFor();
    // Back where the contrast checks below expect the page: the outbox's Sent list.
    await page.goto('/admin/email');
    await page.click('button[data-status="sent"]');
    await page.locator('.email-outbox tbody tr').first().waitFor();
  });

  for (const scheme of ['light', 'dark'] as const) {
    test(`the email page is readable (${scheme} theme)`, async () => {
      const page = A.page;
      await page.emulateMedia({ colorScheme: scheme });
      await page.waitForFunction((t) => document.documentElement.dataset.theme === t, scheme);
      await page.locator('.email-outbox tbody tr').first().waitFor();
      assert.equal(await contrastProblems(page, '.page'), [], `email page (${scheme})`);
    });
  }

  test('no page logged an error', () => {
    assert.equal(A.problems, []);
  });
}

test.run();
