/**
 * The web client in a real browser (Debian's chromium via playwright-core) against a real server
 * process: two users in two browser contexts go through the chat features, the server restarts
 * mid-test, and the pages recover without a reload. Skipped (one "[skip]" line) when chromium
 * is not installed; CI installs it.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Browser, Page } from 'playwright-core';
import { browserUnavailable, ensureWebBuilt, launch, openClient, sendMessage, signUp, startServer, type Client } from './harness.ts';
import type { ServerProcess } from '../../test/process.ts';
import { createPgDatabase, TEST_REDIS_URL } from '../../test/db.ts';

const skip = browserUnavailable();

let server: ServerProcess;
let browser: Browser;
let A: Client; // alice: first user (system admin), creates the team
let B: Client; // bob: joins by invite
let inviteLink = '';
const PW = 'correct-horse-battery';

const post = (page: Page, text: string) => page.locator('.messages .post[data-post-id]', { hasText: text });
const sidebarItem = (page: Page, name: string) => page.locator(`.ch-item[data-channel="${name}"]`);
/** Opens a channel from the sidebar and waits until its view (and composer) is on screen. */
async function openChannel(page: Page, name: string) {
  await sidebarItem(page, name).click();
  await page.locator(`main.chan[data-channel="${name}"]`).waitFor();
}
/** Alice's team id, read from the invite link she copied. */
const teamId = async () => /\/invite\/([a-z0-9]{26})\//.exec(inviteLink)![1];

// With RUSTCHAT_TEST_DATABASE_URL / RUSTCHAT_TEST_REDIS_URL the server runs on its own fresh
// PostgreSQL database and the Redis bus; otherwise on the embedded defaults.
let pg: Awaited<ReturnType<typeof createPgDatabase>>;
let serverEnv: Record<string, string | undefined> = {};

test.before(async () => {
  if (skip) return;
  try {
    await ensureWebBuilt();
    pg = await createPgDatabase();
    if (pg) serverEnv = { RUSTCHAT_DATABASE_URL: pg.url, RUSTCHAT_JWT_SECRET: 'browser-suite-secret-'.padEnd(40, 'x') };
    if (TEST_REDIS_URL) serverEnv.RUSTCHAT_REDIS_URL = TEST_REDIS_URL;
    server = await startServer({ env: serverEnv });
    browser = await launch();
    A = await openClient(browser, server.url);
    B = await openClient(browser, server.url);
  } catch (e) {
    console.error('setup failed', e); // uvu does not print errors thrown by hooks
    throw e;
  }
});

test.after(async () => {
  await browser?.close().catch(() => {});
  await server?.stop();
  await pg?.drop();
});

if (skip) {
  console.log(`[skip] browser suite skipped: ${skip}`);
} else {
  test('the page is served with a strict CSP and loads the app shell', async () => {
    const res = await A.page.goto('/');
    const csp = res!.headers()['content-security-policy'] ?? '';
    assert.match(csp, "script-src 'self'");
    assert.match(csp, "frame-ancestors 'none'");
    assert.not.match(csp, 'unsafe-inline');
    await A.page.waitForSelector('form.auth-card');
    // Nothing inline: every script is an external module file.
    const inline = await A.page.evaluate(() => [...document.scripts].filter((s) => !s.src).length + document.querySelectorAll('style').length);
    assert.is(inline, 0);
  });

  test('alice signs up, is walked through creating a team, and creates a channel', async () => {
    await A.page.click('text=Create an account');
    await signUp(A.page, { email: 'alice@example.com', username: 'alice', password: PW, display_name: 'Alice Liddell' });
    await A.page.waitForSelector('input[name=team_name]');
    await A.page.fill('input[name=team_name]', 'Acme');
    await A.page.click('button[type=submit]');
    await A.page.waitForURL('**/acme/channels/town-square');
    await sidebarItem(A.page, 'town-square').waitFor();
    await A.page.click('button[aria-label="Create channel"]');
    await A.page.fill('input[name=channel_name]', 'Project X');
    await A.page.fill('input[name=purpose]', 'Ship **it**');
    await A.page.click('.modal button[type=submit]');
    await A.page.waitForURL('**/acme/channels/project-x');
    await sidebarItem(A.page, 'project-x').waitFor();
    // The URL changes before the view does: wait for the new channel's header, not whatever header shows now.
    await A.page.locator('.ch-title h1', { hasText: 'Project X' }).waitFor();
    assert.is(await A.page.locator('.ch-title h1').innerText(), 'Project X');
  });

  test('bob joins by invite link and joins the channel', async () => {
    await A.page.click('.team-name');
    await A.page.click('text=Invite people');
    inviteLink = await A.page.inputValue('input[aria-label="Invite link"]');
    assert.match(inviteLink, /\/invite\/[a-z0-9]{26}\/[a-z0-9]+$/);
    await A.page.keyboard.press('Escape');

    await B.page.goto(inviteLink);
    await B.page.waitForURL(/\/signup\?/);
    await signUp(B.page, { email: 'bob@example.com', username: 'bob', password: PW });
    await B.page.waitForURL('**/acme/channels/town-square');
    await B.page.click('button[aria-label="Browse channels"]');
    await B.page.locator('.pick-list li', { hasText: 'Project X' }).locator('button').click();
    await B.page.waitForURL('**/acme/channels/project-x');
    await sidebarItem(B.page, 'project-x').waitFor();
  });

  test('a post appears live for the other user', async () => {
    await sendMessage(A.page, 'Hello **bob**, welcome to Project X');
    await post(B.page, 'Hello bob, welcome to Project X').waitFor();
    assert.is(await post(B.page, 'Hello bob').locator('strong', { hasText: 'bob' }).count(), 1);
  });

  test('reactions: bob reacts, alice sees it and who reacted', async () => {
    const p = post(B.page, 'Hello bob');
    await p.hover();
    await p.locator('button[aria-label="Add reaction"]').click();
    await p.locator('.emoji-picker button[data-emoji="+1"]').click();
    const chip = post(A.page, 'Hello bob').locator('.reaction[data-emoji="+1"]');
    await chip.waitFor();
    assert.match(await chip.innerText(), '1');
    assert.match((await chip.getAttribute('title')) ?? '', 'bob');
    // Alice toggles the same reaction on: the count goes to 2 for both.
    await chip.click();
    await B.page.locator('.reaction[data-emoji="+1"]', { hasText: '2' }).waitFor();
  });

  test('reply in a thread', async () => {
    const p = post(B.page, 'Hello bob');
    await p.hover();
    await p.locator('button[aria-label="Reply in thread"]').click();
    await B.page.waitForSelector('.rpanel .thread');
    await sendMessage(B.page, 'Thanks, replying in the thread', 'textarea[aria-label="Reply in thread"]');
    await post(B.page, 'Hello bob').locator('.replies-link', { hasText: '1 reply' }).waitFor();
    // Alice sees the reply count live and opens the thread.
    const link = post(A.page, 'Hello bob').locator('.replies-link');
    await link.waitFor();
    assert.match(await link.innerText(), '1 reply');
    await link.click();
    await A.page.locator('.rpanel .post', { hasText: 'Thanks, replying in the thread' }).waitFor();
    await A.page.click('button[aria-label="Close panel"]');
    await B.page.click('button[aria-label="Close panel"]');
  });

  test('edit the last message with the Up arrow', async () => {
    await sendMessage(A.page, 'Deploy at 5pm');
    await post(B.page, 'Deploy at 5pm').waitFor();
    await A.page.focus('textarea[aria-label="Write a message"]');
    await A.page.keyboard.press('ArrowUp');
    const box = A.page.locator('textarea[aria-label="Edit message"]');
    await box.waitFor();
    await box.fill('Deploy at 6pm');
    await box.press('Enter');
    await post(B.page, 'Deploy at 6pm').locator('.edited').waitFor();
    assert.is(await post(B.page, 'Deploy at 5pm').count(), 0);
  });

  test('delete with confirmation', async () => {
    await sendMessage(A.page, 'Oops, wrong channel');
    await post(B.page, 'Oops, wrong channel').waitFor();
    const p = post(A.page, 'Oops, wrong channel');
    await p.hover();
    await p.locator('button[aria-label="Delete"]').click();
    await A.page.locator('.modal', { hasText: 'Delete this message?' }).locator('button.danger').click();
    await post(A.page, 'Oops, wrong channel').waitFor({ state: 'detached' });
    await post(B.page, 'Oops, wrong channel').waitFor({ state: 'detached' });
    assert.is(A.dialogs.length + B.dialogs.length, 0, 'no browser dialogs: confirmation is in the page');
  });

  test('a send that fails stays with Retry; the retry posts it exactly once', async () => {
    const composer = 'textarea[aria-label="Write a message"]';
    let failed = 0;
    await A.page.route('**/api/v1/channels/*/posts', (route) => {
      if (route.request().method() !== 'POST') return route.continue();
      failed++;
      return route.abort('connectionreset');
    });
    await A.page.fill(composer, 'This one must not get lost');
    await A.page.press(composer, 'Enter');
    const pendingPost = A.page.locator('.post.failed', { hasText: 'This one must not get lost' });
    await pendingPost.waitFor();
    assert.is(failed, 1);
    await A.page.unroute('**/api/v1/channels/*/posts');
    await pendingPost.locator('button', { hasText: 'Retry' }).click();
    await post(A.page, 'This one must not get lost').waitFor();
    await post(B.page, 'This one must not get lost').waitFor();
    await pendingPost.waitFor({ state: 'detached' });
    assert.is(await post(A.page, 'This one must not get lost').count(), 1);
  });

  test('a reply lost after the server stored the post: the socket delivers it, no duplicate', async () => {
    const composer = 'textarea[aria-label="Write a message"]';
    let handled!: () => void;
    const done = new Promise<void>((r) => (handled = r));
    await A.page.route('**/api/v1/channels/*/posts', async (route) => {
      if (route.request().method() !== 'POST') return route.continue();
      await route.fetch(); // the server stores the post...
      await route.abort('connectionreset'); // ...and the answer never arrives
      handled();
    });
    await A.page.fill(composer, 'Stored but unanswered');
    await A.page.press(composer, 'Enter');
    await post(A.page, 'Stored but unanswered').waitFor();
    await post(B.page, 'Stored but unanswered').waitFor();
    await done;
    await A.page.unroute('**/api/v1/channels/*/posts');
    await A.page.locator('.post.pending', { hasText: 'Stored but unanswered' }).waitFor({ state: 'detached' });
    assert.is(await post(A.page, 'Stored but unanswered').count(), 1);
  });

  test('drafts are kept per channel', async () => {
    const composer = 'textarea[aria-label="Write a message"]';
    await A.page.fill(composer, 'half-written thought');
    await openChannel(A.page, 'town-square');
    assert.is(await A.page.inputValue(composer), '');
    await openChannel(A.page, 'project-x');
    assert.is(await A.page.inputValue(composer), 'half-written thought');
    await A.page.fill(composer, '');
  });

  test('typing indicator for the other user', async () => {
    // The server forwards one typing event per user and channel every few seconds, so keep
    // typing (as a person would) until bob sees it.
    const seen = B.page.locator('.composer-foot', { hasText: 'alice is typing' });
    for (let i = 0; i < 40 && !(await seen.isVisible()); i++) await A.page.type('textarea[aria-label="Write a message"]', 'thinking ', { delay: 25 });
    await seen.waitFor();
    await A.page.fill('textarea[aria-label="Write a message"]', '');
  });

  test('pin a message; it shows in the pinned panel', async () => {
    const p = post(A.page, 'Deploy at 6pm');
    await p.hover();
    await p.locator('button[aria-label="Pin"]').click();
    await post(B.page, 'Deploy at 6pm').locator('.pin-tag').waitFor();
    await B.page.click('button[title="Pinned messages"]');
    await B.page.locator('.rpanel .result', { hasText: 'Deploy at 6pm' }).waitFor();
    await B.page.click('button[aria-label="Close panel"]');
  });

  test('unread and mention badges, and marking read', async () => {
    await openChannel(B.page, 'town-square');
    await sendMessage(A.page, 'Plain update, no mention');
    await B.page.locator('.ch-item.unread[data-channel="project-x"]').waitFor();
    assert.is(await sidebarItem(B.page, 'project-x').locator('.badge').count(), 0, 'unread without a mention has no badge');
    await sendMessage(A.page, '@bob can you review?');
    const badge = sidebarItem(B.page, 'project-x').locator('.badge');
    await badge.waitFor();
    assert.is(await badge.innerText(), '1');
    await B.page.waitForFunction(() => document.title.startsWith('(1)'));
    // Opening the channel marks it read: bold and badge go away, the "new messages" line shows.
    await sidebarItem(B.page, 'project-x').click();
    await B.page.locator('.new-sep').waitFor();
    await B.page.locator('.ch-item.unread[data-channel="project-x"]').waitFor({ state: 'detached' });
    await badge.waitFor({ state: 'detached' });
    await B.page.waitForFunction(() => !document.title.startsWith('('));
    assert.is(await post(B.page, '@bob can you review?').locator('.mention-me').count(), 1);
  });

  test('Esc marks the channel read', async () => {
    // Bob looks at town-square; alice posts there while his tab is hidden, so it stays unread.
    await openChannel(B.page, 'town-square');
    // (String scripts: tsx would wrap named functions in a helper the page does not have.)
    await B.page.evaluate(`Object.defineProperty(document, 'visibilityState', { configurable: true, get() { return 'hidden'; } })`);
    await openChannel(A.page, 'town-square');
    await sendMessage(A.page, 'Lunch at noon?');
    await post(B.page, 'Lunch at noon?').waitFor();
    await B.page.locator('.ch-item.unread[data-channel="town-square"]').waitFor();
    await B.page.evaluate(`delete document.visibilityState`);
    await B.page.locator('.messages').click();
    await B.page.keyboard.press('Escape');
    await B.page.locator('.ch-item.unread[data-channel="town-square"]').waitFor({ state: 'detached' });
  });

  test('search and jump to the result', async () => {
    await openChannel(A.page, 'town-square');
    await A.page.fill('input[aria-label="Search messages"]', 'welcome');
    await A.page.press('input[aria-label="Search messages"]', 'Enter');
    const result = A.page.locator('.rpanel .result', { hasText: 'welcome to Project X' });
    await result.waitFor();
    await result.click();
    await A.page.waitForURL('**/acme/channels/project-x');
    await A.page.locator('.post.highlight', { hasText: 'welcome to Project X' }).waitFor();
  });

  test('direct message', async () => {
    await A.page.click('button[aria-label="Start a direct message"]');
    await A.page.fill('input[aria-label="Find people"]', 'bo');
    await A.page.locator('.user-row[data-username="bob"]').click();
    await A.page.locator('.modal button', { hasText: 'Go' }).click();
    await A.page.waitForSelector('.ch-title h1:has-text("bob")');
    await sendMessage(A.page, 'Psst, a private hello');
    // Bob gets the new DM in his sidebar, unread with a badge, and reads it.
    const dm = B.page.locator('.ch-item', { hasText: 'alice' });
    await dm.waitFor();
    await dm.locator('.badge').waitFor();
    await dm.click();
    await post(B.page, 'Psst, a private hello').waitFor();
  });

  test('presence: bob sets Do not disturb; others read it from the server', async () => {
    await B.page.locator('.me-line .presence-online').waitFor();
    await B.page.click('.team-name');
    await B.page.click('text=Do not disturb');
    await B.page.locator('.me-line .presence-dnd').waitFor();
    const token = await A.page.evaluate(`localStorage.getItem('rustchat.token')`);
    const res = await fetch(`${server.url}/api/v1/users?q=bob`, { headers: { authorization: `Bearer ${token}` } });
    const bob = (await res.json()).items.find((u: { username: string }) => u.username === 'bob');
    assert.ok(bob, 'bob is found by search');
    const st = await (await fetch(`${server.url}/api/v1/users/status/ids`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ ids: [bob.id] }) })).json();
    assert.is(st.items[0].status, 'dnd');
    await B.page.click('.team-name');
    await B.page.locator('.menu button', { hasText: 'Online' }).click();
    await B.page.locator('.me-line .presence-online').waitFor();
  });

  test('quick switcher (Ctrl+K) jumps to a channel', async () => {
    await A.page.keyboard.press('Control+k');
    await A.page.fill('input[aria-label="Channel or person"]', 'town');
    await A.page.keyboard.press('Enter');
    await A.page.waitForURL('**/acme/channels/town-square');
    await A.page.keyboard.press('Control+k');
    await A.page.fill('input[aria-label="Channel or person"]', 'bob');
    await A.page.keyboard.press('Enter');
    await A.page.waitForSelector('.ch-title h1:has-text("bob")');
  });

  test('phone width: one column with navigation between list and channel', async () => {
    const P = await openClient(browser, server.url, { width: 390, height: 800 });
    await P.page.goto('/login');
    await P.page.fill('input[name=login_id]', 'bob@example.com');
    await P.page.fill('input[name=password]', PW);
    await P.page.click('button[type=submit]');
    await P.page.waitForURL('**/acme/channels/**');
    await P.page.locator('.chan .ch-header').waitFor();
    assert.not.ok(await P.page.locator('.sidebar').isVisible(), 'the channel list is hidden while a channel shows');
    await P.page.click('button[aria-label="Back to channels"]');
    await sidebarItem(P.page, 'project-x').waitFor();
    assert.not.ok(await P.page.locator('.chan').isVisible());
    await sidebarItem(P.page, 'project-x').click();
    await P.page.waitForURL('**/project-x');
    await post(P.page, 'Deploy at 6pm').waitFor();
    assert.not.ok(await P.page.locator('.sidebar').isVisible());
    assert.equal(P.problems, []);
    await P.ctx.close();
  });

  test('the server restarts; the pages reconnect without a reload and keep working', async () => {
    await A.page.evaluate(() => ((window as any).__sameDocument = 1));
    await B.page.evaluate(() => ((window as any).__sameDocument = 1));
    const port = server.port;
    const dataDir = server.dataDir;
    await server.stop();
    await A.page.locator('.banner', { hasText: 'Reconnecting' }).waitFor();
    await B.page.locator('.banner', { hasText: 'Reconnecting' }).waitFor();
    server = await startServer({ dataDir, port, env: serverEnv });
    await A.page.locator('.banner').waitFor({ state: 'detached', timeout: 30_000 });
    await B.page.locator('.banner').waitFor({ state: 'detached', timeout: 30_000 });
    // Both in the DM: a new message still arrives live.
    await sendMessage(A.page, 'Still here after the restart');
    await post(B.page, 'Still here after the restart').waitFor();
    assert.is(await A.page.evaluate(() => (window as any).__sameDocument), 1);
    assert.is(await B.page.evaluate(() => (window as any).__sameDocument), 1);
  });

  test('XSS payloads render as inert text', async () => {
    await openChannel(A.page, 'project-x');
    await openChannel(B.page, 'project-x');
    await A.page.waitForURL('**/project-x');
    const scriptsBefore = await B.page.evaluate(() => document.scripts.length);
    const payloads = [
      '<script>alert("xss-script")</script>',
      '<img src=x onerror="alert(\'xss-img\')">',
      '[click me](javascript:alert("xss-link"))',
      '<svg onload="alert(\'xss-svg\')"><script>alert(1)</script></svg>',
      '[data](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)',
    ];
    for (const p of payloads) await sendMessage(A.page, p);
    for (const c of [A, B]) {
      await post(c.page, 'xss-svg').waitFor();
      const bodies = c.page.locator('.messages .post-body');
      const html = await c.page.locator('.messages').innerHTML();
      assert.not.match(html, /<script|<img|<svg[^>]*onload|href="javascript:|href="data:/i);
      assert.is(await c.page.locator('.messages a[href^="javascript:"], .messages img, .messages iframe, .messages .post-body svg').count(), 0);
      const texts = (await bodies.allInnerTexts()).join('\n');
      assert.match(texts, '<script>alert("xss-script")</script>');
      assert.match(texts, '[click me](javascript:alert("xss-link"))');
      assert.is(c.dialogs.length, 0, `no dialog fired: ${c.dialogs.join(', ')}`);
    }
    assert.is(await B.page.evaluate(() => document.scripts.length), scriptsBefore, 'no script element was created');
  });

  test('history: scrolling up loads older pages in order; jump to latest', async () => {
    const token = await A.page.evaluate(`localStorage.getItem('rustchat.token')`);
    const channels = await (await fetch(`${server.url}/api/v1/teams/${await teamId()}/channels`, { headers: { authorization: `Bearer ${token}` } })).json();
    const offTopic = channels.items.find((c: { name: string }) => c.name === 'off-topic');
    for (let i = 1; i <= 120; i++) {
      const res = await fetch(`${server.url}/api/v1/channels/${offTopic.id}/posts`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ message: `history #${i}.` }),
      });
      assert.is(res.status, 201);
    }
    await openChannel(A.page, 'off-topic');
    await post(A.page, 'history #120.').waitFor();
    assert.is(await post(A.page, 'history #1.').count(), 0, 'only the newest page is loaded at first');
    // Loaded posts (the list is windowed: the DOM holds only those near the viewport).
    const count = () => A.page.locator('.messages').evaluate((el) => Number((el as HTMLElement).dataset.loaded));
    for (let i = 0; i < 6 && (await post(A.page, 'history #1.').count()) === 0; i++) {
      const before = await count();
      await A.page.locator('.messages').evaluate((el) => {
        el.scrollTop = 0;
        // Already at 0 (nothing to scroll), the browser fires no event: send one.
        el.dispatchEvent(new Event('scroll'));
      });
      // More posts, or the oldest one already there (a page may land between the check above and `before`).
      await A.page.waitForFunction(
        (n) =>
          Number((document.querySelector('.messages') as HTMLElement).dataset.loaded) > n ||
          [...document.querySelectorAll('.messages .post-body')].some((e) => (e.textContent ?? '').includes('history #1.')),
        before,
      );
    }
    await post(A.page, 'history #1.').waitFor();
    await A.page.locator('.channel-start').waitFor();
    // Read the list from the top down, a screen at a time: every post once, in order.
    const numbers: number[] = [];
    await A.page.locator('.messages').evaluate((el) => (el.scrollTop = 0));
    for (let guard = 0; guard < 200; guard++) {
      await A.page.evaluate('new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))');
      const texts = await A.page.locator('.messages .post-body').allInnerTexts();
      for (const n of texts.map((t) => /history #(\d+)\./.exec(t)?.[1]).filter(Boolean).map(Number)) {
        if (!numbers.includes(n)) numbers.push(n);
      }
      const done = await A.page.locator('.messages').evaluate((el) => {
        if (el.scrollTop + el.clientHeight >= el.scrollHeight - 2) return true;
        el.scrollTop += el.clientHeight;
        return false;
      });
      if (done) break;
    }
    assert.equal(numbers, Array.from({ length: 120 }, (_, i) => i + 1), 'every post once, oldest first');
    assert.ok((await A.page.locator('.messages .post[data-post-id]').count()) < 120, 'not every post is in the DOM');
    await A.page.locator('.messages').evaluate((el) => (el.scrollTop = 0));
    await A.page.locator('.jump-latest').waitFor();
    await A.page.locator('.jump-latest').click();
    await A.page.locator('.jump-latest').waitFor({ state: 'detached' });
    assert.ok(await post(A.page, 'history #120.').isVisible());
  });

  test('a permalink to an old post opens its channel scrolled to it', async () => {
    // A's list is windowed and at the bottom: scroll to the top to find the post's id.
    await A.page.locator('.messages').evaluate((el) => (el.scrollTop = 0));
    const id = await post(A.page, 'history #3.').getAttribute('data-post-id');
    await A.page.locator('.jump-latest').click();
    await B.page.goto(`/acme/pl/${id}`);
    await B.page.waitForURL('**/acme/channels/off-topic');
    await B.page.locator(`.post.highlight[data-post-id="${id}"]`).waitFor();
    const box = await B.page.locator(`.post[data-post-id="${id}"]`).boundingBox();
    assert.ok(box && box.y >= 0 && box.y < 800, 'scrolled into view');
  });

  test('account settings: sessions are listed and the profile is saved', async () => {
    await A.page.click('.team-name');
    await A.page.click('text=Account settings');
    await A.page.waitForURL('**/settings');
    await A.page.locator('table tr', { hasText: 'this device' }).waitFor();
    await A.page.fill('input[name=display_name]', 'Alice L.');
    await A.page.click('text=Save profile');
    await A.page.locator('.toast', { hasText: 'Profile saved' }).waitFor();
    await A.page.click('text=Back to chat');
    await A.page.locator('main.chan').waitFor();
    await A.page.locator('.post .author', { hasText: 'Alice L.' }).first().waitFor();
  });

  test('system console: deactivating bob signs his page out', async () => {
    await A.page.click('.team-name');
    await A.page.click('text=System console');
    await A.page.waitForURL('**/admin/users');
    const row = A.page.locator('tr[data-username="bob"]');
    await row.locator('button', { hasText: 'Deactivate' }).click();
    await A.page.locator('[role=dialog] .modal-actions button', { hasText: 'Deactivate' }).click();
    await row.locator('td', { hasText: 'Deactivated' }).waitFor();
    await B.page.waitForURL(/\/login(\?|$)/, { timeout: 30_000 });
    await B.page.locator('form.auth-card').waitFor();
  });

  test('no page errors or CSP violations in either page', () => {
    assert.equal(A.problems.filter((p) => !p.includes('WebSocket')), []);
    assert.equal(B.problems.filter((p) => !p.includes('WebSocket')), []);
  });
}

test.run();
