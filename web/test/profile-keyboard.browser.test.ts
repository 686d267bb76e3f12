/**
 * Issue 13: profiles for everyone and keyboard use, in a real browser, each outcome checked
 * through the API.
 * - Profile settings: first/last name, nickname, position, time zone; the server's refusal shown
 *   under its field; a picture cropped to a square on a canvas (checked pixel by pixel after the
 *   server stored it) and served with cache headers; removed again.
 * - Profile card from a name or avatar in messages and the members panel: name, position, status,
 *   local time, "Message" opening the DM.
 * - Keyboard only: the sidebar and the message list are one Tab stop each (roving tabindex:
 *   arrows move, Tab leaves); create a channel, add a member, post, open a thread and reply; from
 *   the top of a 50-message channel the composer is at most 10 Tab presses away.
 * Skipped (one "[skip]" line) without chromium.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Browser, Page } from 'playwright-core';
import { browserUnavailable, type Client, contrastProblems, ensureWebBuilt, eventually, launch, logIn, openClient, startServer } from './harness.ts';
import type { ServerProcess } from '../../test/process.ts';
import { createPgDatabase, TEST_REDIS_URL } from '../../test/db.ts';
import { at, decodeImage, initTestCodecs, near, pixels, png } from '../../test/images.ts';

const skip = browserUnavailable();
let server: ServerProcess;
let browser: Browser;
let pg: Awaited<ReturnType<typeof createPgDatabase>>;
let A: Client;
const PW = 'correct-horse-battery';
let alice = { id: '', token: '' };
let bob = { id: '', token: '' };
let team: any;
let busy: any;

async function api(token: string, method: string, path: string, body?: unknown) {
  const res = await fetch(`${server.url}/api/v1${path}`, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  let parsed: any = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    parsed = text;
  }
  return { status: res.status, body: parsed, headers: res.headers };
}

/** What has the focus: "tag|aria-label|text|class". */
const focused = (page: Page) =>
  page.evaluate(() => {
    const el = document.activeElement as HTMLElement | null;
    if (!el) return '';
    return `${el.tagName.toLowerCase()}|${el.getAttribute('aria-label') ?? ''}|${(el.textContent ?? '').trim().slice(0, 120)}|${el.className}`;
  });
/** The id of the focused message (its text also holds the avatar's initial until the picture loads). */
const focusedPostId = (page: Page) => page.evaluate(() => document.activeElement?.getAttribute('data-post-id') ?? '');
/**
 * Puts the keyboard at the top of the page, as a fresh page load does (Chrome otherwise starts the
 * next Tab where the focus last was): a focus on a throw-away element before everything else.
 */
async function toTop(page: Page) {
  await page.evaluate(() => {
    const t = document.createElement('span');
    t.tabIndex = -1;
    t.id = 'top-of-page';
    document.body.prepend(t);
    t.focus();
    t.addEventListener('blur', () => t.remove());
  });
}
/** Presses `key` until the focus matches, at most `max` times; returns how many presses it took. */
async function pressUntil(page: Page, key: string, match: RegExp, max = 40): Promise<number> {
  for (let i = 1; i <= max; i++) {
    await page.keyboard.press(key);
    if (process.env.KEY_DEBUG) console.error(`KEY ${key} ${i} ${await focused(page)}`); // KEY_DEBUG=1: the path the keys took
    if (match.test(await focused(page))) return i;
  }
  assert.unreachable(`${key} never reached ${match} (at ${await focused(page)})`);
  return -1;
}

test.before(async () => {
  if (skip) return;
  try {
    await initTestCodecs();
    await ensureWebBuilt();
    pg = await createPgDatabase();
    server = await startServer({
      env: {
        ...(pg ? { RUSTCHAT_DATABASE_URL: pg.url, RUSTCHAT_JWT_SECRET: 'profile-keyboard-secret-'.padEnd(48, 'x') } : {}),
        ...(TEST_REDIS_URL ? { RUSTCHAT_REDIS_URL: TEST_REDIS_URL } : {}),
      },
    });
    browser = await launch();
    const reg = async (username: string, display_name: string) => {
      const r = await api('', 'POST', '/auth/register', { email: `${username}@example.com`, username, password: PW, display_name });
      assert.is(r.status, 201, JSON.stringify(r.body));
      return { id: r.body.user.id, token: r.body.token };
    };
    alice = await reg('alice', 'Alice Liddell');
    await api(alice.token, 'PATCH', '/admin/config', { open_signup: true });
    bob = await reg('bob', 'Bob Martin');
    await api(bob.token, 'PATCH', '/users/me', { position: 'Release manager', timezone: { useAutomaticTimezone: false, manualTimezone: 'Asia/Tokyo' } });
    team = (await api(alice.token, 'POST', '/teams', { name: 'acme', display_name: 'Acme', type: 'O' })).body;
    await api(bob.token, 'POST', `/teams/${team.id}/join`, { invite_id: team.invite_id });
    busy = (await api(alice.token, 'POST', '/channels', { team_id: team.id, name: 'busy', display_name: 'Busy', type: 'public' })).body;
    await api(bob.token, 'POST', `/channels/${busy.id}/join`);
    for (let i = 1; i <= 50; i++) {
      const who = i % 3 === 0 ? bob : alice;
      assert.is((await api(who.token, 'POST', `/channels/${busy.id}/posts`, { message: `message number ${i}` })).status, 201);
    }
    A = await openClient(browser, server.url);
    await logIn(A.page, 'alice', PW);
    await A.page.waitForURL('**/acme/channels/town-square');
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
  console.log(`[skip] profile and keyboard browser suite skipped: ${skip}`);
} else {
  test('profile: names, nickname, position and time zone saved; a refusal is shown under its field', async () => {
    const page = A.page;
    await page.goto('/settings');
    await page.fill('#pf-first_name', 'Alice');
    await page.fill('#pf-last_name', 'Liddell');
    await page.fill('#pf-nickname', 'al\u202eice');
    await page.click('button:has-text("Save profile")');
    await page.locator('#pf-nickname-error', { hasText: 'bidirectional' }).waitFor();
    assert.is((await api(alice.token, 'GET', '/users/me')).body.first_name, '', 'nothing saved');

    await page.fill('#pf-nickname', 'Al');
    await page.fill('#pf-position', 'Chief of Wonder');
    await page.check('input[name=tz_mode] >> nth=1');
    await page.selectOption('select[aria-label="Time zone"]', 'Europe/Paris');
    await page.click('button:has-text("Save profile")');
    await page.locator('.toast', { hasText: 'Profile saved' }).waitFor();
    assert.is(await page.locator('#pf-nickname-error').count(), 0);
    const me = (await api(alice.token, 'GET', '/users/me')).body;
    assert.equal([me.first_name, me.last_name, me.nickname, me.position], ['Alice', 'Liddell', 'Al', 'Chief of Wonder']);
    assert.is(me.timezone.useAutomaticTimezone, false);
    assert.is(me.timezone.manualTimezone, 'Europe/Paris');
  });

  test('picture: cropped to a square in the browser, stored and served with cache headers; removable', async () => {
    const page = A.page;
    // 300 × 200: red | green | blue thirds. The centred square is x 50–250: red edge, green middle.
    const third = (x: number): [number, number, number, number] => (x < 100 ? [220, 30, 30, 255] : x < 200 ? [30, 200, 60, 255] : [30, 60, 220, 255]);
    const file = await png(pixels(300, 200, (x) => third(x)));
    await page.setInputFiles('input[aria-label="Choose a profile picture"]', { name: 'wide.png', mimeType: 'image/png', buffer: file });
    await page.locator('canvas[aria-label="Cropped picture preview"]').waitFor();
    await page.click('button:has-text("Save picture")');
    await page.locator('.toast', { hasText: 'Picture saved' }).waitFor();
    const me = (await api(alice.token, 'GET', '/users/me')).body;
    assert.ok(me.last_picture_update > 0);
    const res = await fetch(`${server.url}/api/v1/users/${alice.id}/image?_=${me.last_picture_update}`, { headers: { authorization: `Bearer ${bob.token}` } });
    assert.is(res.status, 200);
    assert.is(res.headers.get('content-type'), 'image/png');
    assert.is(res.headers.get('cache-control'), 'private, max-age=31536000, immutable');
    const img = await decodeImage(new Uint8Array(await res.arrayBuffer()));
    assert.is(img.width, 256);
    assert.is(img.height, 256, 'square');
    assert.ok(near(at(img, 128, 128), [30, 200, 60, 255]), `middle green: ${at(img, 128, 128)}`);
    assert.ok(near(at(img, 4, 128), [220, 30, 30, 255]), `left edge red (crop starts at x 50): ${at(img, 4, 128)}`);
    assert.ok(near(at(img, 251, 128), [30, 60, 220, 255]), `right edge blue: ${at(img, 251, 128)}`);
    // Shown in place of the initial.
    await page.locator('#picture-h ~ .picture-row .avatar.has-picture img').waitFor();
    // Removed: back to the generated picture.
    await page.click('button:has-text("Remove picture")');
    await eventually('picture removed', async () => {
      const r = await fetch(`${server.url}/api/v1/users/${alice.id}/image`, { headers: { authorization: `Bearer ${alice.token}` } });
      await r.arrayBuffer();
      return r.headers.get('cache-control') === 'private, no-cache' && (await api(alice.token, 'GET', '/users/me')).body.last_picture_update !== me.last_picture_update;
    });
    // And set again for the profile card below.
    await page.setInputFiles('input[aria-label="Choose a profile picture"]', { name: 'wide.png', mimeType: 'image/png', buffer: file });
    await page.click('button:has-text("Save picture")');
    await page.locator('.toast', { hasText: 'Picture saved' }).waitFor();
  });

  test('profile card from a name in a message: position, status, local time; Message opens the DM', async () => {
    const page = A.page;
    await page.goto('/acme/channels/busy');
    const bobPost = page.locator('.post', { hasText: 'message number 48' });
    await bobPost.waitFor();
    await bobPost.locator('button[data-profile]').first().click();
    const card = page.locator('.profile-card');
    await card.waitFor();
    assert.match(await card.innerText(), /Bob Martin/);
    assert.match(await card.innerText(), /@bob/);
    assert.match(await card.innerText(), /Release manager/);
    assert.match(await card.locator('.profile-status').innerText(), /Online|Away|Offline/);
    const tokyo = new Intl.DateTimeFormat([], { hour: 'numeric', minute: '2-digit', timeZone: 'Asia/Tokyo' });
    const text = await card.locator('.profile-time').innerText();
    assert.match(text, /Asia\/Tokyo/);
    const now = Date.now();
    assert.ok([now - 60_000, now, now + 60_000].some((t) => text.includes(tokyo.format(t))), text);
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      await page.waitForFunction((t) => document.documentElement.dataset.theme === t, scheme);
      assert.equal(await contrastProblems(page, '.profile-card'), [], `profile card (${scheme})`);
    }
    await page.emulateMedia({ colorScheme: 'light' });
    await page.keyboard.press('Escape');
    await card.waitFor({ state: 'detached' });

    // From the avatar in the members panel, my own card offers "Edit profile"; bob's, "Message".
    await page.click('button[title="Members"]');
    await page.locator('.member-list li[data-username="alice"] button.avatar-btn').click();
    await card.locator('a:has-text("Edit profile")').waitFor();
    await card.locator('.avatar.has-picture img').waitFor(); // my picture on my card
    await page.keyboard.press('Escape');
    await page.locator('.member-list li[data-username="bob"] button.author-btn').click();
    await card.locator('button:has-text("Message")').click();
    await page.waitForURL(/\/acme\/channels\/[a-z0-9]{26}__[a-z0-9]{26}$/);
    const dmName = page.url().split('/').pop()!;
    assert.ok(dmName.includes(bob.id) && dmName.includes(alice.id));
    const dms = (await api(alice.token, 'GET', '/channels')).body.items ?? (await api(alice.token, 'GET', '/channels')).body;
    assert.ok(JSON.stringify(dms).includes(dmName), 'the DM exists on the server');
    await page.click('button[title="Members"]').catch(() => {});
  });

  test('keyboard: the message list is one Tab stop; arrows move, Tab leaves; 50-message channel: composer within 10 Tabs from the top', async () => {
    const page = A.page;
    await page.goto('/acme/channels/busy');
    await page.locator('.post', { hasText: 'message number 50' }).waitFor();
    // From the top of the page (the channel opens with the focus in the composer: drop it, so
    // the next Tab starts at the beginning of the document).
    await toTop(page);
    const tabs = await pressUntil(page, 'Tab', /^textarea\|Write a message/, 30);
    assert.ok(tabs <= 10, `${tabs} Tab presses to the composer from the top of the page`);
    // With the skip link, the first Tab stop: one Tab and Enter.
    await toTop(page);
    assert.is(await pressUntil(page, 'Tab', /Skip to the message composer/, 1), 1);
    await page.keyboard.press('Enter');
    assert.match(await focused(page), /^textarea\|Write a message/);
    // From the top of the message list (the oldest message shown): Home, then Tab leaves the list.
    await page.keyboard.press('Shift+Tab');
    await page.keyboard.press('Shift+Tab');
    assert.match(await focused(page), /^article/);
    await page.keyboard.press('Home');
    const first = await focused(page);
    const firstId = await focusedPostId(page);
    assert.ok(firstId, 'a message has the focus');
    assert.match(first, /message number \d+/);
    assert.not.match(first, /message number 50/);
    // Leaving the list, then "Jump to latest" (shown while scrolled up), attach, composer: 3.
    const fromTop = await pressUntil(page, 'Tab', /^textarea\|Write a message/, 10);
    assert.ok(fromTop <= 10, `${fromTop} Tab presses from the oldest message`);
    // Back into the list (Shift+Tab past the attach button): where we left it; End: the newest.
    await pressUntil(page, 'Shift+Tab', /^article/, 3);
    assert.is(await focusedPostId(page), firstId);
    await page.keyboard.press('End');
    assert.match(await focused(page), /^article\|.*\|.*message number 50/);
    await page.keyboard.press('ArrowUp');
    await page.keyboard.press('ArrowUp');
    assert.match(await focused(page), /message number 48/);
    // Only one message is tabbable at any time, and none of the buttons.
    const tabbable = await page.evaluate(() => [...document.querySelectorAll('.messages [tabindex="0"], .messages button:not([tabindex="-1"])')].length);
    assert.is(tabbable, 1);
    // Tab leaves the group (to the composer's row), Shift+Tab comes back to where we were.
    await page.keyboard.press('Tab');
    assert.not.match(await focused(page), /^article/);
    await page.keyboard.press('Shift+Tab');
    assert.match(await focused(page), /message number 48/);
    // The focus is visible.
    const outline = await page.evaluate(() => getComputedStyle(document.activeElement!).outlineStyle);
    assert.is.not(outline, 'none');
    // Home / End.
    await page.keyboard.press('End');
    assert.match(await focused(page), /message number 50/);
  });

  test('keyboard only: create a channel, add a member, post, open a thread and reply', async () => {
    const page = A.page;
    await page.reload();
    await page.locator('.post', { hasText: 'message number 50' }).waitFor();
    // Into the sidebar: one Tab stop, on the open channel.
    await pressUntil(page, 'Tab', /\|ch-item[^|]*active/, 10);
    assert.match(await focused(page), /Busy/);
    // Up to the Channels heading, right to "Create channel".
    await pressUntil(page, 'ArrowUp', /^button\|\|.*Channels\|cat-toggle/, 10);
    await pressUntil(page, 'ArrowRight', /^button\|Create channel/, 4);
    await page.keyboard.press('Enter');
    await page.keyboard.type('Keyboard Club');
    await page.keyboard.press('Enter');
    await page.waitForURL('**/acme/channels/keyboard-club');
    await page.locator('.ch-title h1', { hasText: 'Keyboard Club' }).waitFor();
    const ch = (await api(alice.token, 'GET', `/teams/${team.id}/channels`)).body.items.find((c: any) => c.name === 'keyboard-club');
    assert.ok(ch, 'the channel exists');

    // Add bob: the channel menu → Add members.
    await pressUntil(page, 'Tab', /Channel menu/, 15);
    await page.keyboard.press('Enter');
    await pressUntil(page, 'ArrowDown', /^button\|\|Add members/, 10);
    await page.keyboard.press('Enter');
    await page.keyboard.type('bob');
    await page.locator('[role=dialog] button.user-row[data-username="bob"]').waitFor();
    await pressUntil(page, 'Tab', /^button\|\|.*bob/, 5);
    await page.keyboard.press('Enter');
    await pressUntil(page, 'Tab', /^button\|\|Add\|/, 5);
    await page.keyboard.press('Enter');
    await eventually('bob is a member', async () => (await api(bob.token, 'GET', `/channels/${ch.id}`)).status === 200);
    await page.locator('[role=dialog]').waitFor({ state: 'detached' });

    // Post: to the composer and type.
    await pressUntil(page, 'Tab', /^textarea\|Write a message/, 15);
    await page.keyboard.type('typed without a mouse');
    await page.keyboard.press('Enter');
    await page.locator('.post[data-post-id]', { hasText: 'typed without a mouse' }).waitFor();
    const posts = (await api(bob.token, 'GET', `/channels/${ch.id}/posts`)).body.items;
    const mine = posts.find((p: any) => p.message === 'typed without a mouse');
    assert.ok(mine, 'bob sees the post');

    // Open its thread: back into the list (newest message), into its buttons, Reply in thread.
    await page.keyboard.press('Shift+Tab');
    await page.keyboard.press('Shift+Tab');
    assert.match(await focused(page), /typed without a mouse/, await focused(page));
    await pressUntil(page, 'ArrowRight', /Reply in thread/, 8);
    await page.keyboard.press('Enter');
    await page.locator('.rpanel textarea[aria-label="Reply in thread"]').waitFor();
    // The thread opens with the focus in its reply box (else Tab reaches it).
    if (!/^textarea\|Reply in thread/.test(await focused(page))) await pressUntil(page, 'Tab', /^textarea\|Reply in thread/, 10);
    await page.keyboard.type('a reply, also by keyboard');
    await page.keyboard.press('Enter');
    await eventually('the reply is on the server', async () => {
      const r = await api(bob.token, 'GET', `/posts/${mine.id}/thread`);
      return JSON.stringify(r.body).includes('a reply, also by keyboard');
    });
  });

  test('no page logged an error', () => {
    assert.equal(A.problems.filter((p) => !/status of 400/.test(p)), []);
  });
}

test.run();
