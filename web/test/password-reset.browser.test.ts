/**
 * "Forgot password?" in a real browser against a real server process and a real SMTP server
 * (npm smtp-server): the login page's link, the request form, the email read from the SMTP
 * server, the link's page, the new password, and a login with it. Skipped without chromium.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createServer } from 'node:net';
import type { Browser } from 'playwright-core';
import { browserUnavailable, contrastProblems, ensureWebBuilt, launch, logIn, openClient, startServer } from './harness.ts';
import type { ServerProcess } from '../../test/process.ts';
import { startTestSmtp, type TestSmtp } from '../../test/smtp.ts';

const skip = browserUnavailable();
let server: ServerProcess;
let smtp: TestSmtp;
let browser: Browser;
const TIMEOUT = 30_000;

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });

const post = (path: string, body: unknown, token?: string) =>
  fetch(`${server.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: JSON.stringify(body) });

test.before(async () => {
  if (skip) return;
  await ensureWebBuilt();
  smtp = await startTestSmtp();
  const port = await freePort();
  server = await startServer({
    port,
    env: { RUSTCHAT_SITE_URL: `http://127.0.0.1:${port}`, RUSTCHAT_SMTP_HOST: '127.0.0.1', RUSTCHAT_SMTP_PORT: String(smtp.port), RUSTCHAT_SITE_NAME: 'Reset Test' },
  });
  browser = await launch();
  await post('/api/v1/auth/register', { email: 'root@example.com', username: 'root', password: 'the admin password' });
  const ada = await (await post('/api/v1/auth/register', { email: 'ada@example.com', username: 'ada', password: 'forgotten password 1' })).json();
  // A team, so a logged-in ada lands in a channel.
  await post('/api/v1/teams', { type: 'O', name: 'lab', display_name: 'Lab' }, ada.token);
});

test.after(async () => {
  await browser?.close().catch(() => {});
  await server?.stop();
  await smtp?.close();
});

if (skip) {
  console.log(`[skip] password reset browser suite skipped: ${skip}`);
} else {
  test('forgot password → email → new password → logged in', async () => {
    const c = await openClient(browser, server.url);
    c.ctx.setDefaultTimeout(TIMEOUT);
    await c.page.goto('/login');
    await c.page.click('a.forgot');
    await c.page.waitForURL(/\/reset_password$/);
    await c.page.fill('input[name=email]', 'ada@example.com');
    await c.page.click('button[type=submit]');
    await c.page.locator('[role=status]', { hasText: 'ada@example.com' }).waitFor();
    assert.equal(await contrastProblems(c.page, '.auth-card'), []);

    const mail = await smtp.waitFor((m) => m.to.includes('ada@example.com'), TIMEOUT);
    assert.is(mail.subject, '[Reset Test] Reset your password');
    const link = /(http:\/\/127\.0\.0\.1:\d+\/reset_password_complete\?token=[A-Za-z0-9_-]+)/.exec(mail.text)?.[1];
    assert.ok(link, mail.text);
    assert.ok(link!.startsWith(server.url));

    await c.page.goto(link!);
    await c.page.locator('h1', { hasText: 'Choose a new password' }).waitFor();
    // A mismatch is caught before anything is sent.
    await c.page.fill('input[name=password]', 'remembered password 2');
    await c.page.fill('input[name=confirm]', 'remembered password 3');
    await c.page.click('button[type=submit]');
    await c.page.locator('.form-error', { hasText: 'not the same' }).waitFor();
    await c.page.fill('input[name=confirm]', 'remembered password 2');
    await c.page.click('button[type=submit]');
    await c.page.waitForURL(/\/login\?password_reset=1/);
    await c.page.locator('.form-note', { hasText: 'Your password was changed' }).waitFor();

    // The old password no longer works; the new one does.
    await logIn(c.page, 'ada', 'forgotten password 1');
    await c.page.locator('.form-error').waitFor();
    await logIn(c.page, 'ada', 'remembered password 2');
    await c.page.waitForSelector('textarea[aria-label="Write a message"]');
    assert.match(c.page.url(), /\/lab\/channels\/town-square/);

    // The link was spent: opening it again and submitting says so.
    const again = await openClient(browser, server.url);
    again.ctx.setDefaultTimeout(TIMEOUT);
    await again.page.goto(link!);
    await again.page.fill('input[name=password]', 'third password 33');
    await again.page.fill('input[name=confirm]', 'third password 33');
    await again.page.click('button[type=submit]');
    await again.page.locator('.form-error', { hasText: 'not valid' }).waitFor();
    assert.equal([...c.problems, ...again.problems], []);
    await again.ctx.close();
    await c.ctx.close();
  });
}

test.run();
