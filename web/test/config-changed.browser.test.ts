/**
 * An admin's settings change reaching a user's already-open web client (config_changed, commit
 * ce2b609), in a real browser: the admin renames the site in the system console and a regular
 * user sitting on a channel sees the new name in the tab title within seconds, without a reload
 * (a marker set on their window survives); resetting to the file's value comes back the same way.
 * Skipped (one "[skip]" line) without chromium.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Browser, Page } from 'playwright-core';
import { browserUnavailable, type Client, ensureWebBuilt, eventually, launch, logIn, openClient, startServer } from './harness.ts';
import type { ServerProcess } from '../../test/process.ts';
import { createPgDatabase, TEST_REDIS_URL } from '../../test/db.ts';

const skip = browserUnavailable();
let server: ServerProcess;
let browser: Browser;
let pg: Awaited<ReturnType<typeof createPgDatabase>>;
let admin: Client;
let user: Client;
const PW = 'correct-horse-battery';
let rootToken = '';

async function api(token: string, method: string, path: string, body?: unknown) {
  const res = await fetch(`${server.url}/api/v1${path}`, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: res.status, body: (await res.json()) as any };
}
/** The site name the page's tab title ends with ("Town Square - HQ | RustChat"). */
const titleSite = async (page: Page) => (await page.title()).split(' | ').pop();
/** Whether the page is still the document the marker was set on (no reload, no navigation). */
const sameDocument = (page: Page) => page.evaluate(() => (window as unknown as { cfgMarker?: string }).cfgMarker === 'before-change');
// Within a few seconds. The client reads /site/info only at boot, so without a reload only the
// pushed config_changed can change what it shows.
const SOON = 5_000;

test.before(async () => {
  if (skip) return;
  try {
    await ensureWebBuilt();
    pg = await createPgDatabase();
    server = await startServer({
      env: {
        ...(pg ? { RUSTCHAT_DATABASE_URL: pg.url, RUSTCHAT_JWT_SECRET: 'config-changed-browser-'.padEnd(48, 'x') } : {}),
        ...(TEST_REDIS_URL ? { RUSTCHAT_REDIS_URL: TEST_REDIS_URL } : {}),
      },
    });
    browser = await launch();
    // The first account is the system admin; it opens sign-up for the regular user.
    const reg = await api('', 'POST', '/auth/register', { email: 'root@example.com', username: 'root', password: PW });
    assert.is(reg.status, 201, JSON.stringify(reg.body));
    rootToken = reg.body.token;
    assert.is((await api(rootToken, 'PATCH', '/admin/config', { open_signup: true })).status, 200);
    const team = (await api(rootToken, 'POST', '/teams', { type: 'O', name: 'hq', display_name: 'HQ' })).body;
    const bob = await api('', 'POST', '/auth/register', { email: 'bob@example.com', username: 'bob', password: PW });
    assert.is(bob.status, 201, JSON.stringify(bob.body));
    assert.ok(!String(bob.body.user.roles).includes('system_admin'), 'bob is a regular user');
    assert.is((await api(rootToken, 'POST', `/teams/${team.id}/members`, { user_id: bob.body.user.id })).status, 201);

    admin = await openClient(browser, server.url);
    user = await openClient(browser, server.url);
    await logIn(admin.page, 'root', PW);
    await logIn(user.page, 'bob', PW);
    for (const c of [admin, user]) {
      await c.page.waitForURL('**/hq/channels/town-square');
      await c.page.locator('textarea[aria-label="Write a message"]').waitFor();
    }
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
  console.log(`[skip] config-changed browser suite skipped: ${skip}`);
} else {
  test("the admin renames the site in the console; the user's open channel page shows it without a reload", async () => {
    const page = user.page;
    await eventually('the user sees the configured name', async () => (await titleSite(page)) === 'RustChat');
    await page.evaluate(() => ((window as unknown as { cfgMarker?: string }).cfgMarker = 'before-change'));
    const url = page.url();
    let loads = 0;
    page.on('load', () => loads++);

    // The admin opens the system console's Site settings (their own page may load; the user's may not).
    const a = admin.page;
    await a.goto('/admin/settings');
    const name = a.locator('input[name=site_name]');
    await eventually('the console shows the current name', async () => (await name.inputValue()) === 'RustChat');
    await name.fill('Acme Chat');
    await a.click('form[aria-labelledby="site-h"] button:has-text("Save")');
    await a.locator('.toast', { hasText: 'Settings saved' }).waitFor();
    assert.is((await api('', 'GET', '/site/info')).body.site_name, 'Acme Chat');

    await eventually('the user sees the new name', async () => (await titleSite(page)) === 'Acme Chat', SOON);
    assert.ok(await sameDocument(page), 'the page was not reloaded');
    assert.is(loads, 0, 'no load event');
    assert.is(page.url(), url, 'still on the channel');
    assert.match(await page.title(), /^Town Square - HQ \| Acme Chat$/);
    // Still a working channel page, not a boot screen.
    await page.locator('textarea[aria-label="Write a message"]').waitFor({ timeout: 1_000 });

    // Back to the configuration file's value: the same path, the same page.
    await a.click('form[aria-labelledby="site-h"] button:has-text("Use the configuration file\'s value") >> nth=0');
    await eventually('the user sees the file value again', async () => (await titleSite(page)) === 'RustChat', SOON);
    assert.ok(await sameDocument(page), 'still not reloaded');
    assert.is(loads, 0);
  });

  test('no page logged an error', () => {
    assert.equal(admin.problems, []);
    assert.equal(user.problems, []);
  });
}

test.run();
