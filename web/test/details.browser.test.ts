/**
 * The details of issue 13 item 5 in a real browser: the page title names the open channel; a new
 * group message is titled with the others' names before it is opened; sending while scrolled up
 * shows the sent message; editing the newest message keeps the edit box above the composer; at
 * 1024 px with a thread open the channel header's parts do not overlap. Outcomes that the server
 * holds are read back through the API. Skipped (one "[skip]" line) without chromium.
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
const PW = 'correct-horse-battery';
const tokens: Record<string, string> = {};
const ids: Record<string, string> = {};
let teamId = '';
let A: Client; // alice, 1280 px
let B: Client; // bob
const COMPOSER = 'textarea[aria-label="Write a message"]';

async function api(who: string, method: string, path: string, body?: unknown) {
  const res = await fetch(`${server.url}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${tokens[who]}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: res.status, body: (await res.json()) as any };
}
async function register(username: string) {
  const res = await fetch(`${server.url}/api/v1/auth/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: `${username}@example.com`, username, password: PW }) });
  const body = (await res.json()) as any;
  assert.is(res.status, 201, JSON.stringify(body));
  tokens[username] = body.token;
  ids[username] = body.user.id;
}
const channelByName = async (name: string) => (await api('alice', 'GET', `/teams/${teamId}/channels`)).body.items.find((c: any) => c.name === name);
const latestPosts = async (channelId: string) => (await api('alice', 'GET', `/channels/${channelId}/posts?limit=5`)).body.items as any[];
type Box = { x: number; y: number; width: number; height: number };
const box = async (page: Page, sel: string): Promise<Box> => (await page.locator(sel).first().boundingBox())!;
/** Where the channel name's text really shows: its extent, cut by every ancestor that clips. */
const titleExtent = (page: Page): Promise<Box> =>
  page.evaluate(`(() => {
    const h1 = document.querySelector('.ch-header h1');
    const range = document.createRange();
    range.selectNodeContents(h1);
    let r = range.getBoundingClientRect();
    let [l, t, rt, b] = [r.left, r.top, r.right, r.bottom];
    for (let e = h1; e; e = e.parentElement) {
      if (getComputedStyle(e).overflowX === 'visible') continue;
      const c = e.getBoundingClientRect();
      [l, t, rt, b] = [Math.max(l, c.left), Math.max(t, c.top), Math.min(rt, c.right), Math.min(b, c.bottom)];
    }
    for (const e of h1.querySelectorAll('*')) {
      if (getComputedStyle(e).overflowX === 'visible') continue;
      const c = e.getBoundingClientRect();
      rt = Math.min(Math.max(rt, l), Math.max(c.right, l)); // the clipped name ends where its box ends
    }
    return { x: l, y: t, width: Math.max(0, rt - l), height: Math.max(0, b - t) };
  })()`) as Promise<Box>;
const overlap = (a: Box, b: Box) => a.x < b.x + b.width - 0.5 && b.x < a.x + a.width - 0.5 && a.y < b.y + b.height - 0.5 && b.y < a.y + a.height - 0.5;

test.before(async () => {
  if (skip) return;
  try {
    await ensureWebBuilt();
    pg = await createPgDatabase();
    server = await startServer({
      env: {
        ...(pg ? { RUSTCHAT_DATABASE_URL: pg.url, RUSTCHAT_JWT_SECRET: 'details-browser-secret-'.padEnd(48, 'x') } : {}),
        ...(TEST_REDIS_URL ? { RUSTCHAT_REDIS_URL: TEST_REDIS_URL } : {}),
      },
    });
    browser = await launch();
    for (const u of ['root', 'alice', 'bob', 'carol']) await register(u);
    const team = await api('alice', 'POST', '/teams', { type: 'O', name: 'ops', display_name: 'Ops' });
    teamId = team.body.id;
    for (const u of ['bob', 'carol']) assert.is((await api(u, 'POST', `/teams/${teamId}/join`, { invite_id: team.body.invite_id })).status, 201);
    const off = await channelByName('off-topic');
    for (let i = 1; i <= 60; i++) assert.is((await api('alice', 'POST', `/channels/${off.id}/posts`, { message: `history line ${i}` })).status, 201);
    A = await openClient(browser, server.url);
    B = await openClient(browser, server.url);
    await logIn(A.page, 'alice', PW);
    await logIn(B.page, 'bob', PW);
    await A.page.waitForURL('**/ops/channels/town-square');
    await B.page.waitForURL('**/ops/channels/town-square');
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
  console.log(`[skip] details browser suite skipped: ${skip}`);
} else {
  test('the page title names the open channel and team', async () => {
    const page = A.page;
    await page.waitForFunction(() => document.title.includes('Town Square - Ops'));
    await page.locator('.ch-item[data-channel="off-topic"]').click();
    await page.waitForFunction(() => /Off-Topic - Ops \| RustChat$/.test(document.title));
  });

  test('a new group message is titled with the others, not me, before it is opened', async () => {
    const r = await api('alice', 'POST', '/channels/group', { user_ids: [ids.bob, ids.carol] });
    assert.is(r.status, 201, JSON.stringify(r.body));
    const members = (await api('bob', 'GET', `/channels/${r.body.id}/members`)).body.items.map((m: any) => m.user_id).sort();
    assert.equal(members, [ids.alice, ids.bob, ids.carol].sort());
    const item = B.page.locator(`.ch-item[data-channel="${r.body.name}"] .ch-name`);
    await item.waitFor();
    assert.is((await item.textContent())!.trim(), 'alice, carol');
  });

  test('sending while scrolled up shows the message just sent', async () => {
    const page = A.page;
    const off = await channelByName('off-topic');
    await page.locator('.ch-item[data-channel="off-topic"]').click();
    await page.locator('.post', { hasText: 'history line 60' }).waitFor();
    await page.evaluate(() => (document.querySelector('.messages')!.scrollTop = 0));
    await page.locator('.post', { hasText: 'history line 5' }).first().waitFor(); // older page loaded
    await page.evaluate(() => (document.querySelector('.messages')!.scrollTop = 0));
    await page.fill(COMPOSER, 'sent from far up');
    await page.press(COMPOSER, 'Enter');
    const sent = page.locator('.post[data-post-id]', { hasText: 'sent from far up' });
    await sent.waitFor();
    await eventually('the sent message is in view', async () => {
      const [p, list] = [await sent.boundingBox(), await box(page, '.messages')];
      return !!p && p.y >= list.y && p.y + p.height <= list.y + list.height + 1;
    });
    assert.is((await latestPosts(off.id))[0].message, 'sent from far up');
  });

  test('editing the newest message: the edit box is above the composer', async () => {
    const page = A.page;
    const off = await channelByName('off-topic');
    const long = Array.from({ length: 8 }, (_, i) => `line ${i + 1} of a long message`).join('\n');
    await page.fill(COMPOSER, long);
    await page.press(COMPOSER, 'Enter');
    await page.locator('.post[data-post-id]', { hasText: 'line 8 of a long message' }).waitFor();
    await page.focus(COMPOSER);
    await page.keyboard.press('ArrowUp');
    const edit = page.locator('textarea[aria-label="Edit message"]');
    await edit.waitFor();
    await eventually('the whole edit box is in view above the composer', async () => {
      const [e, list, composer] = [await box(page, '.edit-box'), await box(page, '.messages'), await box(page, COMPOSER)];
      return e.y >= list.y && e.y + e.height <= list.y + list.height + 1 && e.y + e.height <= composer.y;
    });
    await edit.press('End');
    await edit.type(' (edited)');
    await edit.press('Enter');
    await eventually('the edit is on the server', async () => (await latestPosts(off.id))[0].message.endsWith('(edited)'));
  });

  test('1024 px with a thread open: the channel header parts do not overlap', async () => {
    const P = await openClient(browser, server.url, { width: 1024, height: 768 });
    try {
      const ch = await api('alice', 'POST', '/channels', { team_id: teamId, name: 'roadmap', display_name: 'Quarterly planning and roadmap discussions for everyone', type: 'O', header: 'Where we plan the next quarters together' });
      assert.is(ch.status, 201, JSON.stringify(ch.body));
      const root = await api('alice', 'POST', `/channels/${ch.body.id}/posts`, { message: 'thread starter' });
      await logIn(P.page, 'alice', PW);
      await P.page.waitForURL('**/ops/channels/town-square');
      await P.page.goto('/ops/channels/roadmap');
      const post = P.page.locator('.post[data-post-id]', { hasText: 'thread starter' });
      await post.hover();
      await post.locator('button[aria-label="Reply in thread"]').click();
      await P.page.locator('textarea[aria-label="Reply in thread"]').waitFor();
      const parts = ['.ch-header h1', '.ch-header .ch-menu-btn', ...['Members', 'Pinned messages'].map((t) => `.ch-header .tool-btn[title="${t}"]`), '.ch-header .search-form input'];
      const boxes = await Promise.all(parts.map((s) => (s === '.ch-header h1' ? titleExtent(P.page) : box(P.page, s))));
      const header = await box(P.page, '.ch-header');
      for (let i = 0; i < parts.length; i++) {
        assert.ok(boxes[i]!.width > 0, `${parts[i]} shows`);
        assert.ok(boxes[i]!.x + boxes[i]!.width <= header.x + header.width + 0.5, `${parts[i]} stays inside the header`);
        for (let j = i + 1; j < parts.length; j++) assert.not.ok(overlap(boxes[i]!, boxes[j]!), `${parts[i]} overlaps ${parts[j]}`);
      }
      const thread = (await api('alice', 'GET', `/posts/${root.body.id}/thread`)).body;
      assert.ok(thread, 'the thread exists on the server');
    } finally {
      await P.ctx.close();
    }
  });

  test('no page logged an error', () => {
    assert.equal(A.problems, []);
    assert.equal(B.problems, []);
  });
}

test.run();
