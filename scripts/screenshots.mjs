#!/usr/bin/env node
// `npm run screenshots`: starts a server on a fresh data directory, fills it with a small
// conversation over the API, and writes PNGs of the main screens to docs/screenshots/.
// Needs Debian's chromium (/usr/bin/chromium or RUSTCHAT_CHROMIUM). Run through tsx (the npm
// script does) because it reuses the TypeScript test harness.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { browserUnavailable, ensureWebBuilt, launch, startServer } from '../web/test/harness.ts';
import { initTestCodecs, pixels, png } from '../test/images.ts';

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
  const team = await api(alice.token, 'POST', '/teams', { type: 'O', name: 'acme', display_name: 'Acme Robotics' });
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
  // Threads alice follows with news for her (the Threads view), and saved messages (Saved).
  await say(users.carol, '@alice the dial-in works from the office too?', pin.id);
  await say(users.dave, 'Tested it from the lab, works.', pin.id);
  const notes = await say(users.carol, 'Draft of the release notes is in the wiki.');
  await say(alice, 'Reading it now.', notes.id);
  await say(users.carol, 'Added the migration section.', notes.id);
  for (const id of [q.id, pin.id]) await api(alice.token, 'PUT', `/posts/${id}/saved`);
  // A muted channel (dimmed, bell-off icon in the sidebar).
  const design = (await api(alice.token, 'GET', `/teams/${team.id}/channels`)).items.find((c) => c.name === 'design');
  await api(alice.token, 'PUT', `/channels/${design.id}/members/me/notify_props`, { mark_unread: 'mention' });
  // Files in #design (file search, the channel's Files list): a rendered image and documents.
  await initTestCodecs();
  const share = async (who, name, type, data) => {
    const form = new FormData();
    form.append('channel_id', design.id);
    form.append('files', new Blob([data], { type }), name);
    const res = await fetch(`${server.url}/api/v1/files`, { method: 'POST', headers: { authorization: `Bearer ${who.token}` }, body: form });
    const f = (await res.json()).items[0];
    await api(who.token, 'POST', `/channels/${design.id}/posts`, { message: `Uploaded ${name}`, file_ids: [f.id] });
  };
  for (const u of Object.values(users)) await api(u.token, 'POST', `/channels/${design.id}/join`).catch(() => {});
  const banner = pixels(1200, 400, (x, y) => [30 + (x / 1200) * 160, 60 + (y / 400) * 100, 200 - (x / 1200) * 120, 255]);
  await share(users.carol, 'launch-banner.png', 'image/png', new Uint8Array(await png(banner)));
  await share(users.dave, 'launch-checklist.md', 'text/markdown', new TextEncoder().encode('# Launch checklist\n- release notes\n- final QA pass\n'));
  await share(users.bob, 'v2-launch-plan.pdf', 'application/pdf', new TextEncoder().encode('%PDF-1.4 plan'));
  await share(alice, 'qa-results-launch.csv', 'text/csv', new TextEncoder().encode('test,result\nupload,pass\n'));
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
  // Threads and Saved before the thread shot (opening a thread reads it).
  for (const dark of [false, true]) {
    await shoot(dark ? 'threads-dark' : 'threads', {
      dark,
      path: '/acme/threads',
      prepare: async (p) => {
        await p.locator('.thread-item.unread').nth(1).waitFor();
        await p.locator('.sb-views .badge').waitFor();
      },
    });
    await shoot(dark ? 'saved-dark' : 'saved', {
      dark,
      path: '/acme/channels/launch',
      prepare: async (p) => {
        await inChannel(p);
        await p.click('.sb-views button[data-view="saved"]');
        await p.locator('.rpanel .saved-item').nth(1).waitFor();
      },
    });
  }
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
  // File search: the Files tab of search results, and a channel's Files list.
  for (const dark of [false, true]) {
    await shoot(dark ? 'file-search-dark' : 'file-search', {
      dark,
      path: '/acme/channels/launch',
      prepare: async (p) => {
        await inChannel(p);
        await p.fill('input[aria-label="Search messages"]', 'launch');
        await p.press('input[aria-label="Search messages"]', 'Enter');
        await p.locator('.rpanel [role="tab"]', { hasText: 'Files' }).click();
        await p.locator('.rpanel .file-row').nth(3).waitFor();
        await p.waitForFunction(() => (document.querySelector('.rpanel img.file-thumb')?.naturalWidth ?? 0) > 0);
      },
    });
  }
  await shoot('channel-files', {
    path: '/acme/channels/design',
    prepare: async (p) => {
      await p.locator('.post', { hasText: 'Uploaded qa-results-launch.csv' }).waitFor();
      await p.click('button[title="Channel files"]');
      await p.locator('.rpanel .file-row').nth(3).waitFor();
      await p.waitForFunction(() => (document.querySelector('.rpanel img.file-thumb')?.naturalWidth ?? 0) > 0);
    },
  });
  // The emoji picker in the composer, searching (custom emoji and standard ones).
  for (const dark of [false, true]) {
    await shoot(dark ? 'emoji-picker-dark' : 'emoji-picker', {
      dark,
      path: '/acme/channels/launch',
      prepare: async (p) => {
        await inChannel(p);
        await p.click('button[aria-label="Emoji"]');
        await p.locator('.emoji-picker .emoji-grid button').nth(10).waitFor();
      },
    });
  }
  await shoot('admin', { path: '/admin/users', prepare: (p) => p.locator('tr[data-username="dave"]').waitFor() });
  await shoot('phone', { width: 390, height: 844, path: '/acme/channels/launch', prepare: inChannel });
  await shoot('dark', { dark: true, path: '/acme/channels/launch', prepare: inChannel });
  // Invite people (team menu), after sending: one answer per address.
  for (const dark of [false, true]) {
    await shoot(dark ? 'invite-people-dark' : 'invite-people', {
      dark,
      path: '/acme/channels/launch',
      prepare: async (p) => {
        await inChannel(p);
        await p.click('button.team-name');
        await p.click('[role=menuitem]:has-text("Invite people")');
        await p.fill('textarea[name=emails]', `erin@example.com, frank@example.com, bob@example.com`);
        await p.click('button:has-text("Send invitations")');
        await p.locator('ul[aria-label="Invitation results"]').waitFor();
      },
    });
  }
  // Account settings → Notifications, and a channel's notification preferences.
  for (const dark of [false, true]) {
    await shoot(dark ? 'notification-settings-dark' : 'notification-settings', {
      dark,
      height: 1000,
      path: '/settings',
      prepare: async (p) => {
        await p.locator('section.notify-settings [role=status]', { hasText: 'Changes are saved' }).waitFor();
        await p.locator('section.notify-settings').scrollIntoViewIfNeeded();
      },
    });
    await shoot(dark ? 'channel-notifications-dark' : 'channel-notifications', {
      dark,
      path: '/acme/channels/launch',
      prepare: async (p) => {
        await inChannel(p);
        await p.click('button.ch-menu-btn');
        await p.click('[role=menuitem]:has-text("Notification preferences")');
        await p.selectOption('select[name=desktop]', 'all');
      },
    });
  }

  // ------------------------------------------------------------ console, channel management, profiles (issue 13)
  // Pictures for alice and bob (a browser crops uploads to 256 × 256; these are made here), a
  // position and time zone for bob, an archived channel and some audit history.
  const picture = async (who, paint) => {
    const form = new FormData();
    form.append('image', new Blob([new Uint8Array(await png(pixels(256, 256, paint)))], { type: 'image/png' }), 'me.png');
    const res = await fetch(`${server.url}/api/v1/users/me/image`, { method: 'POST', headers: { authorization: `Bearer ${who.token}` }, body: form });
    if (!res.ok) throw new Error(`picture: ${res.status}`);
  };
  await picture(alice, (x, y) => [200 - y / 3, 90 + x / 4, 120 + ((x + y) % 64), 255]);
  await picture(users.bob, (x, y) => [40 + x / 3, 110, 180 - y / 4, 255]);
  await api(users.bob.token, 'PATCH', '/users/me', { position: 'Release manager', first_name: 'Bob', last_name: 'Martin', timezone: { useAutomaticTimezone: false, manualTimezone: 'Europe/Lisbon' } });
  const ops = await api(alice.token, 'POST', '/teams', { name: 'ops', display_name: 'Operations', type: 'I' });
  await api(alice.token, 'POST', `/admin/teams/${ops.id}/members`, { user_id: users.dave.user.id });
  const old = await api(alice.token, 'POST', '/channels', { team_id: team.id, name: 'v1-launch', display_name: 'v1 launch', type: 'public' });
  await api(alice.token, 'POST', `/admin/channels/${old.id}/archive`);
  await api(alice.token, 'POST', `/admin/channels/${ch.id}/members`, { user_id: users.dave.user.id }).catch(() => {});
  for (const dark of [false, true]) {
    const sfx = dark ? '-dark' : '';
    await shoot(`console-users${sfx}`, { dark, path: '/admin/users', prepare: (p) => p.locator('tr[data-username="dave"]').waitFor() });
    await shoot(`console-teams${sfx}`, {
      dark,
      path: '/admin/teams',
      prepare: async (p) => {
        await p.locator('tr[data-team="ops"]').waitFor();
        await p.locator('tr[data-team="acme"] button:has-text("Members")').click();
        await p.locator('[role=dialog] li[data-username="dave"]').waitFor();
      },
    });
    await shoot(`console-channels${sfx}`, {
      dark,
      path: '/admin/channels',
      prepare: async (p) => {
        await p.selectOption('select[aria-label="Show channels"]', 'all');
        await p.locator('tr[data-channel="v1-launch"]').waitFor();
      },
    });
    await shoot(`console-audit${sfx}`, { dark, path: '/admin/audit', prepare: (p) => p.locator('tr[data-action="channel_archive"]').waitFor() });
    await shoot(`console-settings${sfx}`, { dark, path: '/admin/settings', prepare: (p) => p.locator('.server-info [data-key="Uptime"]').waitFor() });
    await shoot(`channel-manage${sfx}`, {
      dark,
      path: '/acme/channels/launch',
      prepare: async (p) => {
        await inChannel(p);
        await p.click('button[title="Members"]');
        await p.locator('.member-list li[data-username="bob"]').waitFor();
        await p.click('button.ch-menu-btn');
        await p.locator('[role=menuitem]', { hasText: 'Add members' }).waitFor();
      },
    });
    await shoot(`profile-card${sfx}`, {
      dark,
      path: '/acme/channels/launch',
      prepare: async (p) => {
        await inChannel(p);
        await p.locator('.post', { hasText: 'QA found one flaky test' }).locator('button.author-btn').click();
        await p.locator('.profile-card .profile-time').waitFor();
        await p.locator('.profile-card .avatar.has-picture img').waitFor();
      },
    });
    await shoot(`profile-settings${sfx}`, { dark, path: '/settings', prepare: (p) => p.locator('#picture-h ~ .picture-row .avatar.has-picture img').waitFor() });
  }

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
