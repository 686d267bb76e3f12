/**
 * The right panel's lists and permalinks under answers that land late (loaders.browser.test.ts
 * does the same for posts, threads, channels, the sidebar and saved posts): the pinned list and
 * the member list keep what socket events changed while their answer was on its way, even when
 * no list was loaded yet; a permalink whose post answers after another place was opened does not
 * take the page back, and a root it answers read after a reply, landing before the reply's event,
 * counts the reply once; search results of an earlier text do not replace a newer search's; a
 * profile card's details, or the invite dialog's team, do not undo a change made meanwhile. Skipped (one "[skip]" line) without chromium.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Browser, Page, WebSocketRoute } from 'playwright-core';
import { browserUnavailable, type Client, ensureWebBuilt, eventually, hold, launch, logIn, openClient, startServer } from './harness.ts';
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
let inviteId = '';
let A: Client; // alice

async function api(who: string, method: string, path: string, body?: unknown) {
  const res = await fetch(`${server.url}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${tokens[who]}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: res.status, body: (await res.json().catch(() => ({}))) as any };
}
async function register(username: string) {
  const res = await fetch(`${server.url}/api/v1/auth/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: `${username}@example.com`, username, password: PW }) });
  const body = (await res.json()) as any;
  assert.is(res.status, 201, JSON.stringify(body));
  tokens[username] = body.token;
  ids[username] = body.user.id;
}
const postAs = async (who: string, channelId: string, message: string) => {
  const r = await api(who, 'POST', `/channels/${channelId}/posts`, { message });
  assert.is(r.status, 201, JSON.stringify(r.body));
  return r.body as { id: string };
};
const pin = async (who: string, postId: string, on: boolean) => assert.is((await api(who, on ? 'POST' : 'DELETE', `/posts/${postId}/pin`)).status, 200);
/** A public channel alice made and bob joined. */
async function channel(name: string) {
  const ch = (await api('alice', 'POST', '/channels', { team_id: teamId, name, display_name: name, type: 'public' })).body;
  assert.is((await api('bob', 'POST', `/channels/${ch.id}/join`)).status, 201);
  return ch as { id: string };
}
async function open(page: Page, name: string) {
  await page.locator(`.ch-item[data-channel="${name}"]`).click();
  await page.locator(`main.chan[data-channel="${name}"]`).waitFor();
}
const postEl = (page: Page, id: string) => page.locator(`.messages .post[data-post-id="${id}"]`);
const pinnedItem = (page: Page, text: string) => page.locator('.rpanel .results li', { hasText: text });

test.before(async () => {
  if (skip) return;
  try {
    await ensureWebBuilt();
    pg = await createPgDatabase();
    server = await startServer({
      env: {
        ...(pg ? { RUSTCHAT_DATABASE_URL: pg.url, RUSTCHAT_JWT_SECRET: 'panel-loaders-secret-'.padEnd(48, 'x') } : {}),
        ...(TEST_REDIS_URL ? { RUSTCHAT_REDIS_URL: TEST_REDIS_URL } : {}),
      },
    });
    browser = await launch();
    for (const u of ['alice', 'bob']) await register(u);
    const team = await api('alice', 'POST', '/teams', { type: 'O', name: 'ops', display_name: 'Ops' });
    teamId = team.body.id;
    inviteId = team.body.invite_id;
    assert.is((await api('bob', 'POST', `/teams/${teamId}/join`, { invite_id: inviteId })).status, 201);
    A = await openClient(browser, server.url);
    await logIn(A.page, 'alice', PW);
    await A.page.waitForURL('**/ops/channels/town-square');
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
  console.log(`[skip] panel loaders browser suite skipped: ${skip}`);
} else {
  test('pinned: a first list older than a pin and an unpin keeps both', async () => {
    const page = A.page;
    const ch = await channel('pins');
    const first = await postAs('bob', ch.id, 'pinned before');
    const second = await postAs('bob', ch.id, 'pinned meanwhile');
    await pin('bob', first.id, true);
    await open(page, 'pins');
    await postEl(page, second.id).waitFor();
    const h = await hold(page, new RegExp(`/api/v1/channels/${ch.id}/pinned`));
    try {
      await page.click('button[title="Pinned messages"]');
      await eventually('the pinned list answered by the server', async () => h.held === 1);
      await pin('bob', second.id, true);
      await pin('bob', first.id, false);
      await page.locator(`.messages .post.pinned[data-post-id="${second.id}"]`).waitFor();
      await page.locator(`.messages .post.pinned[data-post-id="${first.id}"]`).waitFor({ state: 'detached' });
      h.release();
      await eventually('the pinned list delivered', async () => h.delivered === 1);
      await pinnedItem(page, 'pinned meanwhile').waitFor();
      await page.waitForTimeout(300);
      assert.is(await pinnedItem(page, 'pinned before').count(), 0, 'the post unpinned meanwhile is not listed');
      assert.is(await page.locator(`.messages .post.pinned[data-post-id="${first.id}"]`).count(), 0, 'nor shown pinned in the channel');
    } finally {
      await h.done();
      await page.click('button[aria-label="Close panel"]');
    }
  });

  test('pinned: an answer landing after a newer one does not drop a pin', async () => {
    const page = A.page;
    const ch = await channel('pins2');
    const p = await postAs('bob', ch.id, 'pinned between the two answers');
    await open(page, 'pins2');
    await postEl(page, p.id).waitFor();
    const h = await hold(page, new RegExp(`/api/v1/channels/${ch.id}/pinned`), 1);
    try {
      await page.click('button[title="Pinned messages"]');
      await eventually('the first pinned list answered by the server', async () => h.held === 1);
      await page.click('button[aria-label="Close panel"]');
      await pin('bob', p.id, true);
      await page.locator(`.messages .post.pinned[data-post-id="${p.id}"]`).waitFor();
      // Opened again: the second answer (with the pin) lands first.
      await page.click('button[title="Pinned messages"]');
      await pinnedItem(page, 'pinned between the two answers').waitFor();
      h.release();
      await eventually('the first pinned list delivered', async () => h.delivered === 1);
      await page.waitForTimeout(300);
      assert.is(await pinnedItem(page, 'pinned between the two answers').count(), 1, 'still listed');
    } finally {
      await h.done();
      await page.click('button[aria-label="Close panel"]');
    }
  });

  test('members: a join heard while the first member list is on its way is listed', async () => {
    const page = A.page;
    const ch = (await api('alice', 'POST', '/channels', { team_id: teamId, name: 'crew', display_name: 'crew', type: 'public' })).body;
    // Never opened in this page: no member list is loaded while the first one is on its way.
    const h = await hold(page, new RegExp(`/api/v1/channels/${ch.id}/members\\?`));
    try {
      await open(page, 'crew');
      await eventually('the member list answered by the server', async () => h.held >= 1);
      assert.is((await api('bob', 'POST', `/channels/${ch.id}/join`)).status, 201);
      // Events reach the page in order: bob's post shows after his user_added was applied.
      const after = await postAs('bob', ch.id, 'bob is here');
      await postEl(page, after.id).waitFor();
      h.release();
      await eventually('the member lists delivered', async () => h.delivered === h.held);
      await page.waitForTimeout(300);
      assert.is(await page.locator('button[title="Members"] > span').first().innerText(), '2', 'the header counts bob');
      await page.click('button[title="Members"]');
      await page.locator('.member-list li[data-username="alice"]').waitFor();
      assert.is(await page.locator('.member-list li[data-username="bob"]').count(), 1, 'bob is listed');
    } finally {
      await h.done();
      await page.click('button[aria-label="Close panel"]').catch(() => {});
    }
  });

  test('permalink: a post answering after another channel was opened does not switch back', async () => {
    const page = A.page;
    const ch = await channel('linked');
    const target = await postAs('bob', ch.id, 'the linked message');
    await open(page, 'town-square');
    const h = await hold(page, new RegExp(`/api/v1/posts/${target.id}$`));
    try {
      await page.evaluate((path) => {
        history.pushState(null, '', path);
        dispatchEvent(new PopStateEvent('popstate'));
      }, `/ops/pl/${target.id}`);
      await eventually('the post answered by the server', async () => h.held === 1);
      await open(page, 'pins');
      await page.waitForURL('**/ops/channels/pins');
      h.release();
      await eventually('the post delivered', async () => h.delivered === 1);
      await page.waitForTimeout(500);
      assert.match(page.url(), /\/ops\/channels\/pins$/, 'the address stays');
      assert.is(await page.locator('main.chan[data-channel="pins"]').count(), 1, 'the channel stays');
    } finally {
      await h.done();
    }
  });

  test("permalink: a root read after a reply and answering before the reply's event counts the reply once", async () => {
    const ch = await channel('replies');
    const root = await postAs('bob', ch.id, 'a root with replies');
    assert.is((await api('bob', 'POST', `/channels/${ch.id}/posts`, { message: 'the first reply', root_id: root.id })).status, 201);
    // alice in a second tab whose socket frames can be held: from the first one held on, all of
    // them, in order (the client takes a gap in seq for a fresh start).
    const C = await openClient(browser, server.url);
    let holding = false;
    const queue: { to: WebSocketRoute; frame: string | Buffer }[] = [];
    await C.page.routeWebSocket(/\/api\/v1\/ws/, (ws) => {
      const upstream = ws.connectToServer();
      upstream.onMessage((frame) => (holding ? queue.push({ to: ws, frame }) : ws.send(frame)));
      ws.onMessage((frame) => upstream.send(frame));
    });
    const page = C.page;
    const replies = (id: string) => page.locator(`.messages .post[data-post-id="${id}"] .replies-link`);
    try {
      await logIn(page, 'alice', PW);
      await page.waitForURL('**/ops/channels/town-square');
      await open(page, 'replies');
      await replies(root.id).filter({ hasText: '1 reply' }).waitFor();
      holding = true;
      const reply = (await api('bob', 'POST', `/channels/${ch.id}/posts`, { message: 'the second reply', root_id: root.id })).body as { id: string };
      await eventually("the reply's event held", async () => queue.some((q) => String(q.frame).includes(reply.id)));
      // The permalink's answer is read after the reply committed: its root counts 2 replies.
      await page.evaluate((path) => {
        history.pushState(null, '', path);
        dispatchEvent(new PopStateEvent('popstate'));
      }, `/ops/pl/${root.id}`);
      await replies(root.id).filter({ hasText: '2 replies' }).waitFor();
      holding = false;
      for (const q of queue.splice(0)) q.to.send(q.frame);
      // The channel shows roots only: a later root showing up means the reply's event was applied.
      const marker = await postAs('bob', ch.id, 'after the reply');
      await postEl(page, marker.id).waitFor();
      assert.is(await replies(root.id).textContent(), '2 replies', 'the event does not count the reply again');
      assert.equal(C.problems, []);
    } finally {
      holding = false;
      await C.ctx.close();
    }
  });

  test('search: results of an earlier search answering after a newer one do not replace them', async () => {
    const page = A.page;
    const town = (await api('alice', 'GET', `/teams/${teamId}/channels`)).body.items.find((c: any) => c.name === 'town-square');
    await postAs('bob', town.id, 'zebra crossing');
    await postAs('bob', town.id, 'quokka smiling');
    await open(page, 'town-square');
    const h = await hold(page, /\/api\/v1\/search\?/, 1);
    const search = async (text: string) => {
      await page.fill('input[aria-label="Search messages"]', text);
      await page.press('input[aria-label="Search messages"]', 'Enter');
    };
    const result = (text: string) => page.locator('.rpanel .results li', { hasText: text });
    try {
      await search('zebra');
      await eventually('the first search answered by the server', async () => h.held === 1);
      await search('quokka');
      await result('quokka smiling').waitFor();
      h.release();
      await eventually('the first search delivered', async () => h.delivered === 1);
      await page.waitForTimeout(300);
      assert.is(await result('quokka smiling').count(), 1, 'the newer results stay');
      assert.is(await result('zebra crossing').count(), 0, 'the older ones are not shown');
    } finally {
      await h.done();
      await page.click('button[aria-label="Close panel"]');
    }
  });

  test('channel link: a channel list answering after another channel was opened neither joins nor switches back', async () => {
    const page = A.page;
    const lobby = (await api('bob', 'POST', '/channels', { team_id: teamId, name: 'lobby', display_name: 'lobby', type: 'public' })).body;
    await open(page, 'town-square');
    const h = await hold(page, new RegExp(`/api/v1/teams/${teamId}/channels/browse`));
    try {
      // A link to a public channel alice is not in: the page looks it up to join it.
      await page.evaluate((path) => {
        history.pushState(null, '', path);
        dispatchEvent(new PopStateEvent('popstate'));
      }, '/ops/channels/lobby');
      await eventually('the channel list answered by the server', async () => h.held === 1);
      await open(page, 'pins');
      await page.waitForURL('**/ops/channels/pins');
      h.release();
      await eventually('the channel list delivered', async () => h.delivered === 1);
      await page.waitForTimeout(500);
      assert.match(page.url(), /\/ops\/channels\/pins$/, 'the address stays');
      assert.is(await page.locator('main.chan[data-channel="pins"]').count(), 1, 'the channel stays');
      const members = (await api('bob', 'GET', `/channels/${lobby.id}/members`)).body.items.map((m: any) => m.user_id);
      assert.not.ok(members.includes(ids.alice), 'alice did not join');
    } finally {
      await h.done();
    }
  });

  test('channel files: an earlier filter answering after a newer one does not replace its files', async () => {
    const page = A.page;
    const ch = await channel('shelf');
    for (const name of ['zebra-notes.txt', 'quokka-notes.txt']) {
      const form = new FormData();
      form.append('channel_id', ch.id);
      form.append('files', new Blob([new TextEncoder().encode(name)], { type: 'text/plain' }), name);
      const up = await fetch(`${server.url}/api/v1/files`, { method: 'POST', headers: { authorization: `Bearer ${tokens.bob}` }, body: form });
      assert.is(up.status, 201);
      const id = ((await up.json()) as any).items[0].id;
      assert.is((await api('bob', 'POST', `/channels/${ch.id}/posts`, { message: `here is ${name}`, file_ids: [id] })).status, 201);
    }
    await open(page, 'shelf');
    await page.click('button[title="Channel files"]');
    const row = (name: string) => page.locator('.rpanel .file-row', { hasText: name });
    await row('quokka-notes.txt').waitFor();
    const h = await hold(page, /\/api\/v1\/files\/search\?.*q=zebra/);
    const filter = async (text: string) => {
      await page.fill('input[aria-label="Filter files"]', text);
      await page.press('input[aria-label="Filter files"]', 'Enter');
    };
    try {
      await filter('zebra');
      await eventually('the first filter answered by the server', async () => h.held === 1);
      await filter('quokka');
      await page.waitForFunction(() => document.querySelectorAll('.rpanel .file-row').length === 1);
      await row('quokka-notes.txt').waitFor();
      h.release();
      await eventually('the first filter delivered', async () => h.delivered === 1);
      await page.waitForTimeout(300);
      assert.is(await row('quokka-notes.txt').count(), 1, 'the newer filter\'s file stays');
      assert.is(await row('zebra-notes.txt').count(), 0, 'the older filter\'s is not shown');
    } finally {
      await h.done();
      await page.click('button[aria-label="Close panel"]');
    }
  });

  test('profile card: details answering after a profile change do not undo it', async () => {
    const page = A.page;
    const ch = await channel('cards');
    const p = await postAs('bob', ch.id, 'who am I');
    await open(page, 'cards');
    const h = await hold(page, new RegExp(`/api/v1/users/${ids.bob}$`));
    const card = page.locator('.profile-card');
    try {
      await postEl(page, p.id).locator('button.author-btn').click();
      await card.waitFor();
      await eventually('the user answered by the server', async () => h.held === 1);
      assert.is((await api('bob', 'PATCH', '/users/me', { position: 'Night shift' })).status, 200);
      await card.locator('.profile-position', { hasText: 'Night shift' }).waitFor();
      h.release();
      await eventually('the user delivered', async () => h.delivered === 1);
      await page.waitForTimeout(300);
      assert.is(await card.locator('.profile-position', { hasText: 'Night shift' }).count(), 1, 'the new position stays');
    } finally {
      await h.done();
      await page.keyboard.press('Escape');
    }
  });

  test('invite dialog: the team answering after the link was replaced does not bring the old link back', async () => {
    const page = A.page;
    const h = await hold(page, new RegExp(`/api/v1/teams/${teamId}$`));
    const dialog = page.locator('[role=dialog][aria-label^="Invite people"]');
    try {
      await page.click('button.team-name');
      await page.click('[role=menuitem]:has-text("Invite people")');
      await dialog.waitFor();
      await eventually('the team answered by the server', async () => h.held === 1);
      await dialog.locator('button:has-text("Replace link")').click();
      await page.locator('[role=dialog][aria-label="Replace the invite link?"] button', { hasText: 'Replace link' }).click();
      // The click returns before the server has replaced the link: wait for the new one.
      let now = inviteId;
      await eventually('the link replaced on the server', async () => (now = (await api('alice', 'GET', `/teams/${teamId}`)).body.invite_id as string) !== inviteId);
      await eventually('the new link shown', async () => (await dialog.locator('input[aria-label="Invite link"]').inputValue()).endsWith(`/${now}`));
      h.release();
      await eventually('the team delivered', async () => h.delivered === 1);
      await page.waitForTimeout(300);
      assert.match(await dialog.locator('input[aria-label="Invite link"]').inputValue(), new RegExp(`/${now}$`), 'the new link stays');
    } finally {
      await h.done();
      await page.keyboard.press('Escape');
    }
  });

  test('console teams: rows of an earlier search answering after a newer one do not replace them', async () => {
    const page = A.page; // alice, the first account, is a system admin
    for (const name of ['walrus', 'wombat']) assert.is((await api('alice', 'POST', '/teams', { type: 'O', name, display_name: name })).status, 201);
    await page.evaluate(() => {
      history.pushState(null, '', '/admin/teams');
      dispatchEvent(new PopStateEvent('popstate'));
    });
    const row = (name: string) => page.locator(`tr[data-team="${name}"]`);
    await row('wombat').waitFor();
    const h = await hold(page, /\/api\/v1\/admin\/teams\?.*q=walrus/);
    try {
      await page.fill('input[aria-label="Search teams"]', 'walrus');
      await eventually('the first search answered by the server', async () => h.held === 1);
      await page.fill('input[aria-label="Search teams"]', 'wombat');
      await page.waitForFunction(() => document.querySelectorAll('tr[data-team]').length === 1);
      await row('wombat').waitFor();
      h.release();
      await eventually('the first search delivered', async () => h.delivered === 1);
      await page.waitForTimeout(300);
      assert.is(await row('wombat').count(), 1, 'the newer rows stay');
      assert.is(await row('walrus').count(), 0, 'the older ones are not shown');
    } finally {
      await h.done();
    }
  });

  test('console members: people found for an earlier text answering last do not replace the newer ones', async () => {
    const page = A.page; // on /admin/teams since the test before
    for (const u of ['pelican', 'penguin']) await register(u);
    await page.fill('input[aria-label="Search teams"]', 'walrus');
    await page.locator('tr[data-team="walrus"] button', { hasText: 'Members' }).click();
    const found = (name: string) => page.locator('ul[aria-label="People found"] li', { hasText: `@${name}` });
    const h = await hold(page, /\/api\/v1\/admin\/users\?.*q=pelican/);
    try {
      await page.fill('input[aria-label="Find people to add"]', 'pelican');
      await eventually('the first search answered by the server', async () => h.held === 1);
      await page.fill('input[aria-label="Find people to add"]', 'penguin');
      await found('penguin').waitFor();
      h.release();
      await eventually('the first search delivered', async () => h.delivered === 1);
      await page.waitForTimeout(300);
      assert.is(await found('penguin').count(), 1, 'the newer people stay');
      assert.is(await found('pelican').count(), 0, 'the older ones are not shown');
    } finally {
      await h.done();
      await page.keyboard.press('Escape');
    }
  });

  test('no page logged an error', () => {
    assert.equal(A.problems, []);
  });
}

test.run();
