/**
 * Emoji in a real browser (issue 15 items 5 and 6): pick an emoji from the composer's picker,
 * react with an emoji found by search, `:smile:` rendered as the emoji, the autocomplete after `:`,
 * recently used first (kept in the recent_emojis preference), and a custom emoji uploaded through
 * the UI, used in a message and seen by another user. Outcomes the server holds are read back
 * through the API. Skipped (one "[skip]" line) without chromium.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { deflateSync } from 'node:zlib';
import type { Browser } from 'playwright-core';
import { browserUnavailable, type Client, contrastProblems, ensureWebBuilt, eventually, launch, logIn, openClient, startServer } from './harness.ts';
import type { ServerProcess } from '../../test/process.ts';

const skip = browserUnavailable();

/** Text contrast of what `sel` matches, in the dark and then the light theme (the page is left light). */
async function readableInBothThemes(page: import('playwright-core').Page, sel: string, what: string) {
  for (const scheme of ['dark', 'light'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    await page.waitForFunction((t) => document.documentElement.dataset.theme === t, scheme);
    assert.equal(await contrastProblems(page, sel), [], `${what} (${scheme} theme)`);
  }
}
let server: ServerProcess;
let browser: Browser;
const PW = 'correct-horse-battery';
const tokens: Record<string, string> = {};
const ids: Record<string, string> = {};
let teamId = '';
let townId = '';
let A: Client; // alice
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
const latest = async () => (await api('alice', 'GET', `/channels/${townId}/posts?limit=1`)).body.items[0];

/** A real 16 × 16 PNG of one colour (the browser must be able to draw it). */
function png(r: number, g: number, b: number): Buffer {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (buf: Buffer) => {
    let c = 0xffffffff;
    for (const x of buf) c = crcTable[(c ^ x) & 0xff]! ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const c = Buffer.alloc(4);
    c.writeUInt32BE(crc(td));
    return Buffer.concat([len, td, c]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(16, 0);
  ihdr.writeUInt32BE(16, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // truecolour
  const row = Buffer.concat([Buffer.from([0]), Buffer.from(Array.from({ length: 16 }, () => [r, g, b]).flat())]);
  const raw = Buffer.concat(Array.from({ length: 16 }, () => row));
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}

test.before(async () => {
  if (skip) return;
  try {
    await ensureWebBuilt();
    server = await startServer();
    browser = await launch();
    for (const u of ['root', 'alice', 'bob']) await register(u);
    const team = await api('alice', 'POST', '/teams', { type: 'O', name: 'fun', display_name: 'Fun' });
    teamId = team.body.id;
    assert.is((await api('bob', 'POST', `/teams/${teamId}/join`, { invite_id: team.body.invite_id })).status, 201);
    townId = (await api('alice', 'GET', `/teams/${teamId}/channels`)).body.items.find((c: any) => c.name === 'town-square').id;
    A = await openClient(browser, server.url);
    B = await openClient(browser, server.url);
    await logIn(A.page, 'alice', PW);
    await logIn(B.page, 'bob', PW);
    await A.page.waitForURL('**/fun/channels/town-square');
    await B.page.waitForURL('**/fun/channels/town-square');
  } catch (e) {
    console.error('setup failed', e);
    throw e;
  }
});

test.after(async () => {
  await browser?.close().catch(() => {});
  await server?.stop();
});

if (skip) {
  console.log(`[skip] emoji browser suite skipped: ${skip}`);
} else {
  test('composer picker: search, pick into the composer at the caret, send; the message shows the emoji', async () => {
    const page = A.page;
    await page.fill(COMPOSER, 'launch');
    await page.locator('button[aria-label="Emoji"]').click();
    const picker = page.locator('.emoji-picker.composer-picker');
    await picker.locator('.emoji-grid button').first().waitFor();
    await readableInBothThemes(page, '.emoji-picker.composer-picker', 'the emoji picker');
    await picker.locator('input[aria-label="Search emoji"]').fill('rocket');
    await picker.locator('.emoji-grid button[data-emoji="rocket"]').click();
    await picker.waitFor({ state: 'detached' });
    assert.is(await page.inputValue(COMPOSER), 'launch :rocket: ');
    await page.press(COMPOSER, 'Enter');
    await eventually('the post is stored', async () => (await latest())?.message === 'launch :rocket:');
    const shown = page.locator('.post', { hasText: 'launch' }).locator('.post-body .emoji[data-emoji="rocket"]');
    assert.is(await shown.textContent(), '🚀');
  });

  test(':smile: in a message renders as the emoji (as text inside code)', async () => {
    const page = A.page;
    await page.fill(COMPOSER, 'hello :smile: and `:smile:`');
    await page.press(COMPOSER, 'Enter');
    const post = B.page.locator('.post', { hasText: 'hello' }).last();
    await post.locator('.emoji[data-emoji="smile"]').waitFor();
    assert.is(await post.locator('.emoji[data-emoji="smile"]').textContent(), '😄');
    assert.is(await post.locator('code').textContent(), ':smile:');
  });

  test('autocomplete after ":" completes an emoji name', async () => {
    const page = A.page;
    await page.click(COMPOSER);
    await page.keyboard.type('ship it :thumbsu');
    const list = page.locator('.autocomplete');
    await list.locator('li', { hasText: ':thumbsup:' }).waitFor();
    assert.ok(await list.locator('li.sel .emoji').count(), 'the suggestion shows the emoji');
    await page.keyboard.press('Tab');
    assert.is(await page.inputValue(COMPOSER), 'ship it :thumbsup: ');
    await page.press(COMPOSER, 'Enter');
    await eventually('stored', async () => (await latest())?.message === 'ship it :thumbsup:');
    await page.locator('.post', { hasText: 'ship it' }).locator('.emoji[data-emoji="thumbsup"]').waitFor();
  });

  test('react with a searched emoji; bob sees the reaction', async () => {
    const page = A.page;
    const target = (await latest()).id;
    const post = page.locator(`.post[data-post-id="${target}"]`);
    await post.hover();
    await post.locator('button[aria-label="Add reaction"]').click();
    const picker = post.locator('.emoji-picker.reaction-picker');
    await picker.locator('input[aria-label="Search emoji"]').fill('taco');
    await picker.locator('.emoji-grid button[data-emoji="taco"]').click();
    await eventually('reaction stored', async () => (await api('alice', 'GET', `/posts/${target}/reactions`)).body.items.some((r: any) => r.emoji_name === 'taco' && r.user_id === ids.alice));
    const chip = B.page.locator(`.post[data-post-id="${target}"] .reaction[data-emoji="taco"]`);
    await chip.waitFor();
    assert.match((await chip.textContent()) ?? '', /🌮\s*1/);
  });

  test('recently used first: the picker opens on them, kept in the recent_emojis preference', async () => {
    const page = A.page;
    await page.locator('button[aria-label="Emoji"]').click();
    const picker = page.locator('.emoji-picker.composer-picker');
    const tab = picker.locator('.emoji-tabs button[aria-selected="true"]');
    assert.is(await tab.getAttribute('aria-label'), 'Recently used');
    const first = await picker.locator('.emoji-grid button').evaluateAll((bs) => bs.slice(0, 2).map((b) => b.getAttribute('data-emoji')));
    assert.equal(first, ['taco', 'thumbsup'], 'most recent first');
    await page.keyboard.press('Escape');
    await picker.waitFor({ state: 'detached' });
    const prefs = (await api('alice', 'GET', '/users/me/preferences?category=recent_emojis')).body.items;
    const names = JSON.parse(prefs.find((p: any) => p.name === ids.alice).value).map((x: any) => x.name);
    assert.equal(names.slice(0, 4), ['taco', 'thumbsup', 'smile', 'rocket']);
  });

  test('a custom emoji uploaded in the UI, used in a message, drawn for another user', async () => {
    const page = A.page;
    await page.locator('button[aria-label="Emoji"]').click();
    await page.locator('.emoji-picker.composer-picker').getByText('Custom emoji…').click();
    const dialog = page.locator('.modal[aria-label="Custom emoji"]');
    await dialog.locator('input[name="emoji-name"]').fill('Party_Parrot');
    await dialog.locator('input[name="emoji-image"]').setInputFiles({ name: 'parrot.png', mimeType: 'image/png', buffer: png(230, 40, 120) });
    await dialog.getByRole('button', { name: 'Add emoji' }).click();
    await dialog.locator('.custom-emoji-list li', { hasText: ':party_parrot:' }).waitFor();
    await readableInBothThemes(page, '.modal[aria-label="Custom emoji"]', 'the custom emoji dialog');
    const list = (await api('bob', 'GET', '/emoji')).body.items;
    assert.equal(list.map((e: any) => [e.name, e.creator_id, e.width]), [['party_parrot', ids.alice, 16]]);
    await dialog.locator('button[aria-label="Close"]').click();
    await page.keyboard.press('Escape');
    await page.fill(COMPOSER, 'meet :party_parrot:');
    await page.press(COMPOSER, 'Enter');
    for (const p of [A.page, B.page]) {
      const img = p.locator('.post', { hasText: 'meet' }).locator('img.custom-emoji[data-emoji="party_parrot"]');
      await img.waitFor();
      await eventually('the image is drawn', async () => (await img.evaluate((el) => (el as HTMLImageElement).naturalWidth)) === 16);
    }
    // Bob's picker lists it under Custom, and search finds it.
    await B.page.locator('button[aria-label="Emoji"]').click();
    const picker = B.page.locator('.emoji-picker.composer-picker');
    await picker.locator('input[aria-label="Search emoji"]').fill('parrot');
    assert.is(await picker.locator('.emoji-grid button').first().getAttribute('data-emoji'), 'party_parrot');
    await B.page.keyboard.press('Escape');
    assert.equal([...A.problems, ...B.problems], []);
  });

  test('a custom emoji as a reaction: picked in the reaction picker, stored, drawn as its image for the other user', async () => {
    const target = (await latest()).id;
    const post = B.page.locator(`.post[data-post-id="${target}"]`);
    await post.hover();
    await post.locator('button[aria-label="Add reaction"]').click();
    const picker = post.locator('.emoji-picker.reaction-picker');
    await picker.locator('input[aria-label="Search emoji"]').fill('parrot');
    await picker.locator('.emoji-grid button[data-emoji="party_parrot"]').click();
    await eventually('reaction stored', async () => (await api('bob', 'GET', `/posts/${target}/reactions`)).body.items.some((r: any) => r.emoji_name === 'party_parrot' && r.user_id === ids.bob));
    const chip = A.page.locator(`.post[data-post-id="${target}"] .reaction[data-emoji="party_parrot"]`);
    await chip.waitFor();
    const img = chip.locator('img.custom-emoji[data-emoji="party_parrot"]');
    await eventually('the reaction image is drawn', async () => (await img.evaluate((el) => (el as HTMLImageElement).naturalWidth)) === 16);
    assert.match((await chip.textContent()) ?? '', /1/);
    assert.equal([...A.problems, ...B.problems], []);
  });
}

test.run();
