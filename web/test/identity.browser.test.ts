/**
 * Sign-in in a real browser (Debian's chromium via playwright-core) against a real server process
 * and a real OpenID provider (npm oidc-provider): the SSO button on the login page completes a
 * login through the provider; two-factor enrolment in Settings (QR code, recovery codes shown
 * once); the MFA code step of the login form. Skipped (one "[skip]" line) without chromium.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createServer } from 'node:net';
import type { Browser } from 'playwright-core';
import { browserUnavailable, ensureWebBuilt, launch, openClient, startServer, type Client } from './harness.ts';
import type { ServerProcess } from '../../test/process.ts';
import { createPgDatabase, TEST_REDIS_URL } from '../../test/db.ts';
import { startTestIdp, type TestIdp } from '../../test/oidc-idp.ts';
import { currentTotp } from '../../src/actions/totp.ts';

const skip = browserUnavailable();
let server: ServerProcess;
let idp: TestIdp;
let browser: Browser;
let pg: Awaited<ReturnType<typeof createPgDatabase>>;
const PW = 'a long enough passphrase';
// Logins here cross two servers and hash passwords; allow for a busy machine.
const TIMEOUT = 30_000;

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });

test.before(async () => {
  if (skip) return;
  try {
    await ensureWebBuilt();
    pg = await createPgDatabase();
    const port = await freePort();
    const site = `http://127.0.0.1:${port}`;
    idp = await startTestIdp({ redirectUris: [`${site}/signup/openid/complete`] });
    idp.accounts.set('sam', { email: 'sam@example.com', email_verified: true, name: 'Sam Vimes', preferred_username: 'sam' });
    server = await startServer({
      port,
      env: {
        RUSTCHAT_SITE_URL: site,
        RUSTCHAT_OIDC_ISSUER: idp.issuer,
        RUSTCHAT_OIDC_CLIENT_ID: idp.clientId,
        RUSTCHAT_OIDC_CLIENT_SECRET: idp.clientSecret,
        RUSTCHAT_OIDC_BUTTON_TEXT: 'Sign in with Test IdP',
        ...(pg ? { RUSTCHAT_DATABASE_URL: pg.url, RUSTCHAT_JWT_SECRET: 'identity-browser-secret-'.padEnd(48, 'x') } : {}),
        ...(TEST_REDIS_URL ? { RUSTCHAT_REDIS_URL: TEST_REDIS_URL } : {}),
      },
    });
    browser = await launch();
    // The first account (the admin) by API, so the browser's users are ordinary ones.
    await fetch(`${server.url}/api/v1/auth/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'root@example.com', username: 'root', password: PW }) });
  } catch (e) {
    console.error('setup failed', e);
    throw e;
  }
});

test.after(async () => {
  await browser?.close().catch(() => {});
  await server?.stop();
  await idp?.close();
  await pg?.drop();
});

if (skip) {
  console.log(`[skip] identity browser suite skipped: ${skip}`);
} else {
  test('the SSO button on the login page completes a login through the identity provider', async () => {
    const c: Client = await openClient(browser, server.url);
    c.ctx.setDefaultTimeout(TIMEOUT);
    await c.page.goto('/login');
    const button = c.page.locator('a.btn.sso', { hasText: 'Sign in with Test IdP' });
    await button.waitFor();
    await button.click();
    // The provider's own login page.
    await c.page.waitForURL(`${idp.issuer}/**`);
    await c.page.fill('input[name=login]', 'sam');
    await c.page.fill('input[name=password]', 'anything');
    await c.page.click('button[type=submit]');
    // Back in RustChat, signed in: a new account with no team is walked to creating one.
    await c.page.waitForURL(`${server.url}/**`);
    await c.page.waitForSelector('input[name=team_name]');
    const token = await c.page.evaluate(() => localStorage.getItem('rustchat.token'));
    assert.ok(token, 'the cookie session became the client token');
    const me = await (await fetch(`${server.url}/api/v1/auth/me`, { headers: { authorization: `Bearer ${token}` } })).json();
    assert.is(me.username, 'sam');
    assert.is(me.auth_service, 'openid');
    assert.equal(c.problems, []);
    await c.ctx.close();
  });

  test('a failed SSO login comes back to the login page with the reason', async () => {
    const c = await openClient(browser, server.url);
    await c.page.goto('/login?sso_error=sso_state_mismatch');
    await c.page.locator('.form-error', { hasText: 'expired or was started in another browser' }).waitFor();
    await c.ctx.close();
  });

  test('two-factor enrolment in Settings, then the login form asks for the code', async () => {
    const reg = await fetch(`${server.url}/api/v1/auth/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'vetinari@example.com', username: 'vetinari', password: PW }) });
    assert.is(reg.status, 201);
    const c = await openClient(browser, server.url);
    c.ctx.setDefaultTimeout(TIMEOUT);
    const { page } = c;
    await page.goto('/login');
    await page.fill('input[name=login_id]', 'vetinari');
    await page.fill('input[name=password]', PW);
    await page.click('button[type=submit]');
    await page.waitForSelector('input[name=team_name]');
    await page.goto('/settings');
    await page.click('text=Set up two-factor authentication');
    const qr = page.locator('img.qr');
    await qr.waitFor();
    assert.match((await qr.getAttribute('src'))!, /^data:image\/svg\+xml;base64,/);
    assert.ok(await qr.evaluate((img) => (img as HTMLImageElement).naturalWidth > 0), 'the QR code renders under the CSP');
    const secret = (await page.locator('[data-testid=mfa-secret]').innerText()).trim();
    // Enrol with the code of the current step S; the login below uses step S+1. The server takes
    // one step either side of its own clock and refuses a step at or before the last one used, so
    // both stay valid however slow the machine is between here and there (up to ~30 s each), and
    // the login code can never be the enrolment code replayed.
    const enrolAt = Date.now();
    await page.fill('.mfa-enrol input[name=code]', await currentTotp(secret, enrolAt));
    await page.click('.mfa-enrol button[type=submit]');
    const codes = page.locator('[data-testid=recovery-codes] li');
    await codes.first().waitFor();
    assert.is(await codes.count(), 10);
    await page.click('text=I have saved them');
    await page.locator('[data-testid=mfa-state]', { hasText: 'On. 10 recovery codes left.' }).waitFor();

    // A fresh browser: password, then the code step.
    const d = await openClient(browser, server.url);
    d.ctx.setDefaultTimeout(TIMEOUT);
    await d.page.goto('/login');
    await d.page.fill('input[name=login_id]', 'vetinari');
    await d.page.fill('input[name=password]', PW);
    await d.page.click('button[type=submit]');
    const tokenInput = d.page.locator('input[name=token]');
    await tokenInput.waitFor();
    assert.is(await d.page.locator('h1').innerText(), 'Two-factor authentication');
    await tokenInput.fill('000000');
    await d.page.click('button[type=submit]');
    await d.page.locator('.form-error', { hasText: 'not valid' }).waitFor();
    await tokenInput.fill(await currentTotp(secret, enrolAt + 30_000));
    await d.page.click('button[type=submit]');
    await d.page.waitForSelector('input[name=team_name]');
    assert.equal(c.problems, []);
    assert.equal(d.problems.filter((p) => !/401/.test(p)), []);
    await c.ctx.close();
    await d.ctx.close();
  });
}

test.run();
