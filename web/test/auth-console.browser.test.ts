/**
 * The authentication screens of issue 19 an admin and a user meet, in a real browser (Debian's
 * chromium via playwright-core) against a real server process: the system console's Authentication
 * tab (a refused value shows the server's reason; "Required" two-factor authentication is saved
 * and audited; "Reset" goes back to the configuration file's value), the required-MFA screen a
 * user without MFA is held at after login (or sign-up) until they enrol, and "Reset 2FA" in the console's user
 * list. Every outcome is checked through the API. Skipped (one "[skip]" line) without chromium.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Browser, Page } from 'playwright-core';
import { browserUnavailable, type Client, ensureWebBuilt, eventually, launch, logIn, openClient, signUp, startServer } from './harness.ts';
import type { ServerProcess } from '../../test/process.ts';
import { createPgDatabase, TEST_REDIS_URL } from '../../test/db.ts';
import { currentTotp } from '../../src/actions/totp.ts';

const skip = browserUnavailable();
let server: ServerProcess;
let browser: Browser;
let pg: Awaited<ReturnType<typeof createPgDatabase>>;
let A: Client;
let rootToken = '';
const PW = 'correct-horse-battery';
// Logins hash passwords and the machine is shared: allow for a busy one.
const TIMEOUT = 30_000;

async function api(token: string, method: string, path: string, body?: unknown) {
  const res = await fetch(`${server.url}/api/v1${path}`, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: res.status, body: (await res.json().catch(() => null)) as any };
}
const userByName = async (username: string) => (await api(rootToken, 'GET', `/admin/users?q=${username}`)).body.items.find((u: any) => u.username === username);
const settings = async () => (await api(rootToken, 'GET', '/admin/auth-settings')).body;
const mfaLabel = (page: Page) => page.locator('[data-testid=auth-settings] label', { has: page.locator('select[name=mfa]') });

test.before(async () => {
  if (skip) return;
  try {
    await ensureWebBuilt();
    pg = await createPgDatabase();
    server = await startServer({
      env: {
        ...(pg ? { RUSTCHAT_DATABASE_URL: pg.url, RUSTCHAT_JWT_SECRET: 'auth-console-browser-secret-'.padEnd(48, 'x') } : {}),
        ...(TEST_REDIS_URL ? { RUSTCHAT_REDIS_URL: TEST_REDIS_URL } : {}),
      },
    });
    browser = await launch();
    const reg = await api('', 'POST', '/auth/register', { email: 'root@example.com', username: 'root', password: PW });
    assert.is(reg.status, 201, JSON.stringify(reg.body));
    rootToken = reg.body.token;
    assert.is((await api('', 'POST', '/auth/register', { email: 'carrot@example.com', username: 'carrot', password: PW })).status, 201);
    // Required MFA holds every password session without it, an admin's too: the admin enrols
    // first with the current step's code; the login below uses the next step's, which the server
    // takes (one step either side of its clock) however slow the machine is in between, and which
    // can never be the enrolment code replayed.
    const g = await api(rootToken, 'POST', '/auth/mfa/generate');
    assert.is(g.status, 200);
    const enrolAt = Date.now();
    assert.is((await api(rootToken, 'POST', '/auth/mfa/confirm', { code: await currentTotp(g.body.secret, enrolAt) })).status, 200);
    A = await openClient(browser, server.url);
    A.ctx.setDefaultTimeout(TIMEOUT);
    await logIn(A.page, 'root', PW);
    await A.page.locator('input[name=token]').fill(await currentTotp(g.body.secret, enrolAt + 30_000));
    await A.page.click('button[type=submit]');
    await A.page.waitForSelector('input[name=team_name]');
  } catch (e) {
    console.error('setup failed', e);
    throw e;
  }
});

test.after(async () => {
  await browser?.close().catch(() => {});
  await server?.stop();
  await pg?.drop();
});

if (skip) {
  console.log(`[skip] auth console browser suite skipped: ${skip}`);
} else {
  test('console › Authentication: a refused value shows the reason and changes nothing; Required is saved and audited', async () => {
    const page = A.page;
    await page.goto('/admin/authentication');
    const form = page.locator('[data-testid=auth-settings]');
    await form.waitFor();
    assert.is(await page.locator('select[name=mfa]').inputValue(), 'optional', 'the default');
    await page.fill('input[name=password_min_length]', '3');
    await page.click('[data-testid=auth-settings] button[type=submit]');
    const error = form.locator('.form-error');
    await error.waitFor();
    assert.match(await error.innerText(), /password_min_length|8/);
    assert.is((await settings()).settings.password_min_length, 8, 'nothing stored');

    await page.fill('input[name=password_min_length]', '8');
    await page.selectOption('select[name=mfa]', 'required');
    await page.click('[data-testid=auth-settings] button[type=submit]');
    await page.locator('.toast', { hasText: 'Authentication settings saved' }).waitFor();
    await error.waitFor({ state: 'detached' });
    const now = await settings();
    assert.is(now.settings.mfa, 'required');
    assert.equal(now.overridden, ['mfa']);
    // The MFA field now offers a way back to the file's value.
    await mfaLabel(page).locator('button', { hasText: 'Reset' }).waitFor();
    const audit = await api(rootToken, 'GET', '/admin/audit?action=settings_update');
    assert.is(audit.status, 200, JSON.stringify(audit.body));
    assert.equal(audit.body.items[0].details.changes.mfa, { from: 'optional', to: 'required' });
  });

  test('required MFA: a user without it is held at enrolment after login, then reaches the app', async () => {
    const c = await openClient(browser, server.url);
    c.ctx.setDefaultTimeout(TIMEOUT);
    const { page } = c;
    await logIn(page, 'carrot', PW);
    await page.locator('h1', { hasText: 'Set up two-factor authentication' }).waitFor();
    // Nothing else is reachable: another page still shows the enrolment.
    await page.goto('/settings');
    await page.locator('h1', { hasText: 'Set up two-factor authentication' }).waitFor();
    assert.is(await page.locator('input[name=team_name]').count(), 0);
    const secret = (await page.locator('[data-testid=mfa-secret]').innerText()).trim();
    await page.fill('.mfa-enrol input[name=code]', '000000');
    await page.click('.mfa-enrol button[type=submit]');
    await page.locator('.mfa-enrol .form-error, .toast').first().waitFor();
    assert.is((await userByName('carrot')).mfa_active, false, 'a wrong code does not enrol');
    await page.fill('.mfa-enrol input[name=code]', await currentTotp(secret, Date.now()));
    await page.click('.mfa-enrol button[type=submit]');
    const codes = page.locator('[data-testid=recovery-codes] li');
    await codes.first().waitFor();
    assert.is(await codes.count(), 10);
    await page.click('text=I have saved them');
    // The page asked for (Settings) opens now, and says two-factor authentication is on.
    await page.locator('[data-testid=mfa-state]', { hasText: 'On. 10 recovery codes left.' }).waitFor();
    await page.goto('/');
    await page.waitForSelector('input[name=team_name]');
    assert.is((await userByName('carrot')).mfa_active, true);
    assert.equal(c.problems.filter((p) => !/40[03]/.test(p)), []);
    await c.ctx.close();

    // Signing up while MFA is required leads to the same screen (not into a workspace whose every
    // request is refused).
    const d = await openClient(browser, server.url);
    d.ctx.setDefaultTimeout(TIMEOUT);
    await d.page.goto('/signup');
    await signUp(d.page, { email: 'dora@example.com', username: 'dora', password: PW });
    await d.page.locator('h1', { hasText: 'Set up two-factor authentication' }).waitFor();
    await d.page.locator('[data-testid=mfa-secret]').waitFor();
    assert.equal(d.problems, [], 'no refused request on the way');
    await d.ctx.close();
  });

  test('"Reset" puts MFA back to the file value; "Reset 2FA" (confirmed) lets the user log in with the password alone', async () => {
    const page = A.page;
    await page.goto('/admin/authentication');
    await mfaLabel(page).locator('button', { hasText: 'Reset' }).click();
    await eventually('mfa back to the file value', async () => (await settings()).settings.mfa === 'optional');
    assert.equal((await settings()).overridden, []);

    const carrot = await userByName('carrot');
    assert.is((await api('', 'POST', '/auth/login', { login_id: 'carrot', password: PW })).body?.error?.code, 'mfa_required');
    await page.goto('/admin/users');
    const row = page.locator(`tr[data-username="carrot"]`);
    await row.locator('button', { hasText: 'Reset 2FA' }).click();
    await page.locator('[role=dialog] .modal-actions button', { hasText: 'Reset 2FA' }).click();
    await page.locator('.toast', { hasText: 'Two-factor authentication reset for @carrot' }).waitFor();
    await row.locator('button', { hasText: 'Reset 2FA' }).waitFor({ state: 'detached' });
    assert.is((await userByName('carrot')).mfa_active, false);
    const login = await api('', 'POST', '/auth/login', { login_id: 'carrot', password: PW });
    assert.is(login.status, 200, JSON.stringify(login.body));
    assert.ok(login.body.token);
    const audit = await api(rootToken, 'GET', `/admin/audit?action=mfa_reset`);
    assert.is(audit.body.items[0].target_id, carrot.id);
  });

  test('no page logged an error', () => {
    assert.equal(A.problems.filter((p) => !/40[03]/.test(p)), []);
  });
}

test.run();
