/**
 * Slash commands in a real browser (issue 17): typing `/` offers the team's commands; `/away`
 * changes the status instead of being posted; `/echo` shows an answer marked "Only visible to
 * you" that nobody else sees and that is not stored; `/me` posts; `/join ~x` goes to the channel;
 * `//text` posts "/text". Skipped (one "[skip]" line) without chromium.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Browser } from 'playwright-core';
import { browserUnavailable, type Client, ensureWebBuilt, eventually, launch, logIn, openClient, startServer } from './harness.ts';
import type { ServerProcess } from '../../test/process.ts';

const skip = browserUnavailable();
let server: ServerProcess;
let browser: Browser;
const PW = 'correct-horse-battery';
const tokens: Record<string, string> = {};
const ids: Record<string, string> = {};
let teamId = '';
let A: Client;
let B: Client;
const COMPOSER = 'textarea[aria-label="Write a message"]';

async function api(who: string, method: string, path: string, body?: unknown) {
  const res = await fetch(`${server.url}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${tokens[who]}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: res.status, body: (await res.json().catch(() => null)) as any };
}
async function register(username: string) {
  const res = await fetch(`${server.url}/api/v1/auth/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: `${username}@example.com`, username, password: PW }) });
  const body = (await res.json()) as any;
  assert.is(res.status, 201, JSON.stringify(body));
  tokens[username] = body.token;
  ids[username] = body.user.id;
}
const townSquarePosts = async () => {
  const ch = (await api('alice', 'GET', `/teams/${teamId}/channels`)).body.items.find((c: any) => c.name === 'town-square');
  return (await api('alice', 'GET', `/channels/${ch.id}/posts`)).body.items as any[];
};

test.before(async () => {
  if (skip) return;
  await ensureWebBuilt();
  server = await startServer();
  browser = await launch();
  for (const u of ['root', 'alice', 'bob']) await register(u);
  const team = await api('alice', 'POST', '/teams', { type: 'O', name: 'cmd', display_name: 'Cmd' });
  teamId = team.body.id;
  assert.is((await api('bob', 'POST', `/teams/${teamId}/join`, { invite_id: team.body.invite_id })).status, 201);
  assert.is((await api('alice', 'POST', '/channels', { team_id: teamId, name: 'builds', display_name: 'Builds', type: 'public' })).status, 201);
  A = await openClient(browser, server.url);
  B = await openClient(browser, server.url);
  await logIn(A.page, 'alice', PW);
  await logIn(B.page, 'bob', PW);
  await A.page.waitForURL('**/cmd/channels/town-square');
  await B.page.waitForURL('**/cmd/channels/town-square');
});

test.after(async () => {
  await browser?.close().catch(() => {});
  await server?.stop();
});

if (skip) {
  console.log(`[skip] commands browser suite skipped: ${skip}`);
} else {
  test('typing / offers the commands; picking one completes it', async () => {
    const page = A.page;
    await page.click(COMPOSER);
    await page.keyboard.type('/aw');
    const option = page.locator('text=/away');
    await option.first().waitFor();
    await page.keyboard.press('Tab');
    assert.is(await page.inputValue(COMPOSER), '/away ');
    await page.fill(COMPOSER, '');
  });

  test('/away sets the status and posts nothing', async () => {
    const before = (await townSquarePosts()).length;
    await A.page.fill(COMPOSER, '/away');
    await A.page.keyboard.press('Enter');
    await eventually('alice is away', async () => (await api('alice', 'GET', '/users/me/status')).body.status === 'away');
    assert.is(await A.page.inputValue(COMPOSER), '');
    assert.is((await townSquarePosts()).length, before, '/away is not posted as text');
  });

  test('/echo answers only me, marked, and is not stored; /me and //text post', async () => {
    await A.page.fill(COMPOSER, '/echo just for me');
    await A.page.keyboard.press('Enter');
    const mine = A.page.locator('.post', { hasText: 'just for me' });
    await mine.waitFor();
    assert.match(await mine.innerText(), /Only visible to you/);
    assert.ok((await townSquarePosts()).every((p) => !p.message.includes('just for me')), 'not stored');

    await A.page.fill(COMPOSER, '/me waves');
    await A.page.keyboard.press('Enter');
    await B.page.locator('.post', { hasText: 'waves' }).waitFor();
    assert.is(await B.page.locator('.post', { hasText: 'just for me' }).count(), 0, 'bob never saw the private answer');
    await A.page.fill(COMPOSER, '//etc/hosts is a path');
    await A.page.keyboard.press('Enter');
    await eventually('the //text post', async () => (await townSquarePosts()).some((p) => p.message === '/etc/hosts is a path'));
  });

  test('/join ~builds joins and opens the channel; an unknown command shows an error', async () => {
    await B.page.fill(COMPOSER, '/join ~builds');
    await B.page.keyboard.press('Enter');
    await B.page.waitForURL('**/cmd/channels/builds');
    const ch = (await api('alice', 'GET', `/teams/${teamId}/channels`)).body.items.find((c: any) => c.name === 'builds');
    await eventually('bob is a member', async () => (await api('alice', 'GET', `/channels/${ch.id}/members`)).body.items.some((m: any) => m.user_id === ids.bob));
    await B.page.fill(COMPOSER, '/nosuchcommand');
    await B.page.keyboard.press('Enter');
    await B.page.locator('text=not found').first().waitFor();
    assert.is(await B.page.inputValue(COMPOSER), '/nosuchcommand', 'the text is kept to fix it');
  });
}

test.run();
