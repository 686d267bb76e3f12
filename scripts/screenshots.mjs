#!/usr/bin/env node
// `npm run screenshots`: starts a server on a fresh data directory, fills it with a small
// conversation over the API, and writes PNGs of the main screens to docs/screenshots/.
// Needs Debian's chromium (/usr/bin/chromium or RUSTCHAT_CHROMIUM). Run through tsx (the npm
// script does) because it reuses the TypeScript test harness.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { browserUnavailable, ensureWebBuilt, launch, startServer } from '../web/test/harness.ts';

const root = new URL('..', import.meta.url).pathname;
const out = join(root, 'docs/screenshots');
const why = browserUnavailable();
if (why) {
  console.error(`screenshots: ${why}`);
  process.exit(1);
}
mkdirSync(out, { recursive: true });
await ensureWebBuilt();
const server = await startServer();
const PW = 'correct-horse-battery';

async function api(token, method, path, body) {
  const res = await fetch(`${server.url}/api/v1${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

try {
  // ------------------------------------------------------------ seed
  const alice = await api('', 'POST', '/auth/register', { email: 'alice@example.com', username: 'alice', password: PW, display_name: 'Alice Liddell' });
  const users = {};
  for (const [u, name] of [
    ['bob', 'Bob Martin'],
    ['carol', 'Carol Shaw'],
    ['dave', 'Dave Kim'],
  ]) {
    users[u] = await api('', 'POST', '/auth/register', { email: `${u}@example.com`, username: u, password: PW, display_name: name });
  }
  const team = await api(alice.token, 'POST', '/teams', { name: 'acme', display_name: 'Acme Robotics' });
  for (const u of Object.values(users)) await api(u.token, 'POST', `/teams/${team.id}/join`, { invite_id: team.invite_id });
  const ch = await api(alice.token, 'POST', '/channels', { team_id: team.id, name: 'launch', display_name: 'Launch', type: 'public', purpose: 'Everything about the **v2 launch**' });
  await api(alice.token, 'POST', '/channels', { team_id: team.id, name: 'design', display_name: 'Design', type: 'public' });
  await api(alice.token, 'POST', '/channels', { team_id: team.id, name: 'leadership', display_name: 'Leadership', type: 'private' });
  for (const u of Object.values(users)) await api(u.token, 'POST', `/channels/${ch.id}/join`);
  const say = (who, message, root_id) => api(who.token, 'POST', `/channels/${ch.id}/posts`, { message, root_id });
  await say(alice, 'Morning all! The **v2 launch** is on Thursday. Checklist:\n- [x] release notes\n- final QA pass\n- announce in ~town-square');
  const q = await say(users.bob, 'QA found one flaky test in the upload path, fixing it now. Details: https://example.com/issues/42');
  await say(users.bob, 'Root cause was a race in `claimFiles`:\n```ts\nawait claimFiles(tx, userId, channelId, postId, fileIds);\n```');
  await say(users.carol, '> the race in claimFiles\nNice catch @bob! Can we add a regression test?');
  const r1 = await say(users.bob, 'Already on it, PR coming in an hour :rocket:', q.id);
  await say(alice, 'Thanks! Ping me when it is up for review.', q.id);
  await say(users.dave, 'Docs are ready for review too.', q.id);
  const pin = await say(alice, '**Launch call:** Thursday 10:00 UTC, link in the channel header. @channel please join');
  await api(alice.token, 'POST', `/posts/${pin.id}/pin`);
  await api(users.bob.token, 'POST', `/posts/${pin.id}/reactions`, { emoji_name: '+1' });
  await api(users.carol.token, 'POST', `/posts/${pin.id}/reactions`, { emoji_name: '+1' });
  await api(users.dave.token, 'POST', `/posts/${pin.id}/reactions`, { emoji_name: 'tada' });
  await api(alice.token, 'POST', `/posts/${r1.id}/reactions`, { emoji_name: 'heart' });
  await say(users.carol, 'I will take the release notes for the blog post.');
  const dm = await api(users.bob.token, 'POST', '/channels/direct', { user_id: alice.user.id });
  await api(users.bob.token, 'POST', `/channels/${dm.id}/posts`, { message: 'Got a minute after standup?' });

  // ------------------------------------------------------------ shots
  const browser = await launch();
  const shoot = async (name, { width = 1280, height = 800, dark = false, token = alice.token, path = '/', prepare } = {}) => {
    const ctx = await browser.newContext({ baseURL: server.url, viewport: { width, height }, colorScheme: dark ? 'dark' : 'light', deviceScaleFactor: 1 });
    ctx.setDefaultTimeout(15_000);
    if (token) await ctx.addInitScript(`localStorage.setItem('rustchat.token', ${JSON.stringify(token)})`);
    const page = await ctx.newPage();
    await page.goto(path);
    if (prepare) await prepare(page);
    await page.waitForTimeout(300);
    await page.screenshot({ path: join(out, `${name}.png`) });
    await ctx.close();
    console.log(`docs/screenshots/${name}.png`);
  };
  const inChannel = async (page) => {
    await page.locator('.post', { hasText: 'I will take the release notes' }).waitFor();
  };
  await shoot('login', { token: '', path: '/login', prepare: (p) => p.waitForSelector('form.auth-card') });
  await shoot('channel', { path: '/acme/channels/launch', prepare: inChannel });
  await shoot('thread', {
    path: '/acme/channels/launch',
    prepare: async (p) => {
      await inChannel(p);
      await p.locator('.post', { hasText: 'QA found one flaky test' }).locator('.replies-link').click();
      await p.locator('.rpanel .post', { hasText: 'Docs are ready' }).waitFor();
    },
  });
  await shoot('search', {
    path: '/acme/channels/launch',
    prepare: async (p) => {
      await inChannel(p);
      await p.fill('input[aria-label="Search messages"]', 'launch');
      await p.press('input[aria-label="Search messages"]', 'Enter');
      await p.locator('.rpanel .result').first().waitFor();
    },
  });
  await shoot('admin', { path: '/admin/users', prepare: (p) => p.locator('tr[data-username="dave"]').waitFor() });
  await shoot('phone', { width: 390, height: 844, path: '/acme/channels/launch', prepare: inChannel });
  await shoot('dark', { dark: true, path: '/acme/channels/launch', prepare: inChannel });

  // ------------------------------------------------------------ first load (cold cache, localhost)
  const median = (xs) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const firstLoad = async (token, path, selector, hasText) => {
    const times = [];
    for (let i = 0; i < 7; i++) {
      const ctx = await browser.newContext({ baseURL: server.url });
      if (token) await ctx.addInitScript(`localStorage.setItem('rustchat.token', ${JSON.stringify(token)})`);
      const page = await ctx.newPage();
      const t0 = performance.now();
      await page.goto(path, { waitUntil: 'commit' });
      await page.locator(selector, hasText ? { hasText } : undefined).first().waitFor();
      times.push(performance.now() - t0);
      await ctx.close();
    }
    return Math.round(median(times));
  };
  const shellMs = await firstLoad('', '/login', 'form.auth-card');
  const channelMs = await firstLoad(alice.token, '/acme/channels/launch', '.post', 'I will take the release notes');
  console.log(`first load on localhost (median of 7, cold cache): app shell (login form) ${shellMs} ms; signed in, channel with messages ${channelMs} ms`);
  await browser.close();
} finally {
  await server.stop();
}
