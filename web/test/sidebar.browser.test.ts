/**
 * Sidebar categories in a real browser (issue 16 item 2): favorite a channel, move one into a
 * new category, collapse it, rename it, move it up, delete it — each outcome checked through the
 * API — and a change made elsewhere (another client over the API) reaching the open page through
 * the socket. The category dialog passes a contrast check. Skipped (one "[skip]" line) without
 * chromium.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Browser, Page } from 'playwright-core';
import { browserUnavailable, type Client, contrastProblems, ensureWebBuilt, eventually, launch, logIn, openClient, startServer } from './harness.ts';
import type { ServerProcess } from '../../test/process.ts';
import { createPgDatabase, TEST_REDIS_URL } from '../../test/db.ts';

const skip = browserUnavailable();
let server: ServerProcess;
let browser: Browser;
let pg: Awaited<ReturnType<typeof createPgDatabase>>;
const PW = 'correct-horse-battery';
let token = '';
let teamId = '';
const chIds: Record<string, string> = {};
let A: Client;

async function api(method: string, path: string, body?: unknown) {
  const res = await fetch(`${server.url}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : null) as any };
}
const categories = async () => (await api('GET', `/teams/${teamId}/categories`)).body.categories as any[];
const category = async (pick: (c: any) => boolean) => (await categories()).find(pick);
/** The channel names listed under a sidebar section, as shown. */
const shownIn = (page: Page, category: string) => page.locator(`section[data-category="${category}"] .ch-item`).evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset.channel));
async function channelOptions(page: Page, channel: string, item: string) {
  const li = page.locator('li', { has: page.locator(`.ch-item[data-channel="${channel}"]`) });
  await li.hover();
  await li.locator('button.sb-ch-menu').click();
  await li.locator('[role=menuitem]', { hasText: item }).click();
}
async function categoryOptions(page: Page, category: string, item: string) {
  const head = page.locator(`section[data-category="${category}"] .section-head`);
  await head.hover();
  await head.locator('button.sb-cat-menu').click();
  await head.locator('[role=menuitem]', { hasText: item }).click();
}

test.before(async () => {
  if (skip) return;
  try {
    await setup();
  } catch (e) {
    console.error('setup failed', e);
    throw e;
  }
});

async function setup() {
  await ensureWebBuilt();
  pg = await createPgDatabase();
  server = await startServer({
    env: {
      ...(pg ? { RUSTCHAT_DATABASE_URL: pg.url, RUSTCHAT_JWT_SECRET: 'sidebar-browser-secret-'.padEnd(48, 'x') } : {}),
      ...(TEST_REDIS_URL ? { RUSTCHAT_REDIS_URL: TEST_REDIS_URL } : {}),
    },
  });
  browser = await launch();
  const res = await fetch(`${server.url}/api/v1/auth/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'alice@example.com', username: 'alice', password: PW }) });
  token = ((await res.json()) as any).token;
  teamId = (await api('POST', '/teams', { type: 'O', name: 'ops', display_name: 'Ops' })).body.id;
  for (const name of ['alpha', 'bravo']) chIds[name] = (await api('POST', '/channels', { team_id: teamId, name, display_name: name, type: 'public' })).body.id;
  A = await openClient(browser, server.url);
  await logIn(A.page, 'alice', PW);
  await A.page.waitForURL('**/ops/channels/town-square');
}

test.after(async () => {
  await browser?.close().catch(() => {});
  await server?.stop();
  await pg?.drop();
});

if (skip) {
  console.log(`[skip] sidebar browser suite skipped: ${skip}`);
} else {
  test('the default categories: no Favorites section while it is empty, Channels, Direct messages', async () => {
    const page = A.page;
    await page.locator('section[data-category="channels"] .ch-item[data-channel="alpha"]').waitFor();
    assert.equal(await shownIn(page, 'channels'), ['alpha', 'bravo', 'off-topic', 'town-square']);
    assert.is(await page.locator('section[data-category="favorites"]').count(), 0);
    assert.is(await page.locator('section[data-category="direct_messages"] h2').innerText(), 'DIRECT MESSAGES');
  });

  test('favorite a channel from its options: a Favorites section holds it, the server too', async () => {
    const page = A.page;
    await channelOptions(page, 'bravo', 'Add to favorites');
    await page.locator('section[data-category="favorites"] .ch-item[data-channel="bravo"]').waitFor();
    assert.not.ok((await shownIn(page, 'channels')).includes('bravo'));
    await eventually('bravo is a favorite on the server', async () => (await category((c) => c.type === 'favorites')).channel_ids.includes(chIds.bravo));
  });

  test('move a channel to a new category, collapse it, rename it, move it up', async () => {
    const page = A.page;
    await channelOptions(page, 'alpha', 'Move to a new category');
    const dialog = page.locator('[role=dialog]');
    await dialog.waitFor();
    assert.equal(await contrastProblems(page, '[role=dialog]'), [], 'category dialog contrast');
    await page.fill('[role=dialog] input[name=category_name]', 'Projects');
    await page.click('[role=dialog] button[type=submit]');
    await dialog.waitFor({ state: 'detached' });
    await page.locator('section[data-category="Projects"] .ch-item[data-channel="alpha"]').waitFor();
    const projects = await category((c) => c.display_name === 'Projects');
    assert.equal(projects.channel_ids, [chIds.alpha]);
    // New categories go to the top.
    assert.is((await api('GET', `/teams/${teamId}/categories`)).body.order[0], projects.id);

    // Collapsed: alpha (read, not open) is hidden; expanded again it is back.
    await page.click('section[data-category="Projects"] button.cat-toggle');
    await page.locator('section[data-category="Projects"] .ch-item[data-channel="alpha"]').waitFor({ state: 'detached' });
    assert.is(await page.getAttribute('section[data-category="Projects"] button.cat-toggle', 'aria-expanded'), 'false');
    await eventually('collapsed on the server', async () => (await category((c) => c.id === projects.id)).collapsed === true);
    await page.click('section[data-category="Projects"] button.cat-toggle');
    await page.locator('section[data-category="Projects"] .ch-item[data-channel="alpha"]').waitFor();

    await categoryOptions(page, 'Projects', 'Rename category');
    await page.fill('[role=dialog] input[name=category_name]', 'Side projects');
    await page.click('[role=dialog] button[type=submit]');
    await page.locator('section[data-category="Side projects"] .ch-item[data-channel="alpha"]').waitFor();

    await categoryOptions(page, 'Side projects', 'Move down');
    await eventually('moved down on the server', async () => (await api('GET', `/teams/${teamId}/categories`)).body.order[1] === projects.id);
    const sections = await page.locator('nav.ch-sections > section').evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset.category));
    assert.equal(sections, ['favorites', 'Side projects', 'channels', 'direct_messages']);
  });

  test('a change made elsewhere reaches the page over the socket', async () => {
    const page = A.page;
    const fav = await category((c) => c.type === 'favorites');
    assert.is((await api('PATCH', `/teams/${teamId}/categories/${fav.id}`, { channel_ids: [] })).status, 200);
    await page.locator('section[data-category="channels"] .ch-item[data-channel="bravo"]').waitFor();
    await page.locator('section[data-category="favorites"]').waitFor({ state: 'detached' });
  });

  test('deleting a category sends its channels back to Channels', async () => {
    const page = A.page;
    await categoryOptions(page, 'Side projects', 'Delete category');
    await page.locator('[role=dialog] .modal-actions button', { hasText: 'Delete category' }).click();
    await page.locator('section[data-category="Side projects"]').waitFor({ state: 'detached' });
    await page.locator('section[data-category="channels"] .ch-item[data-channel="alpha"]').waitFor();
    assert.is((await categories()).some((c) => c.type === 'custom'), false);
  });

  test('no page logged an error', () => {
    assert.equal(A.problems, []);
  });
}

test.run();
