/**
 * REST answers older than the state they land in (issue: CI's PostgreSQL pass failing now and
 * then). Each test holds a loader's answer in the browser (page.route + route.fetch: the server
 * has answered, the page does not see it yet) while events or other replies change the same
 * objects, then delivers it: what changed meanwhile must survive. Skipped (one "[skip]" line)
 * without chromium.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Browser, Page } from 'playwright-core';
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
const channelByName = async (name: string) => (await api('alice', 'GET', `/teams/${teamId}/channels`)).body.items.find((c: any) => c.name === name);
const postAs = async (who: string, channelId: string, message: string, rootId?: string) => {
  const r = await api(who, 'POST', `/channels/${channelId}/posts`, { message, root_id: rootId });
  assert.is(r.status, 201, JSON.stringify(r.body));
  return r.body as { id: string; create_at: number };
};
const postEl = (page: Page, scope: string, id: string) => page.locator(`${scope} .post[data-post-id="${id}"]`);

test.before(async () => {
  if (skip) return;
  try {
    await ensureWebBuilt();
    pg = await createPgDatabase();
    server = await startServer({
      env: {
        ...(pg ? { RUSTCHAT_DATABASE_URL: pg.url, RUSTCHAT_JWT_SECRET: 'loaders-browser-secret-'.padEnd(48, 'x') } : {}),
        ...(TEST_REDIS_URL ? { RUSTCHAT_REDIS_URL: TEST_REDIS_URL } : {}),
      },
    });
    browser = await launch();
    for (const u of ['alice', 'bob']) await register(u);
    const team = await api('alice', 'POST', '/teams', { type: 'O', name: 'ops', display_name: 'Ops' });
    teamId = team.body.id;
    assert.is((await api('bob', 'POST', `/teams/${teamId}/join`, { invite_id: team.body.invite_id })).status, 201);
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
  console.log(`[skip] loaders browser suite skipped: ${skip}`);
} else {
  test('posts: a first page that left before my post and a live post does not drop them', async () => {
    const page = A.page;
    const off = await channelByName('off-topic');
    await postAs('bob', off.id, 'an old one');
    const h = await hold(page, new RegExp(`/api/v1/channels/${off.id}/posts\\?`));
    try {
      // Never opened in this page: no list is loaded while its first page is on its way.
      await page.locator('.ch-item[data-channel="off-topic"]').click();
      await page.locator('main.chan[data-channel="off-topic"]').waitFor();
      await eventually('the first page answered by the server', async () => h.held === 1);
      const composer = 'textarea[aria-label="Write a message"]';
      await page.fill(composer, 'mine, sent while the channel loads');
      await page.press(composer, 'Enter');
      const live = await postAs('bob', off.id, 'live, posted while the channel loads');
      const mine = async () => (await api('alice', 'GET', `/channels/${off.id}/posts?limit=10`)).body.items.find((p: any) => p.message === 'mine, sent while the channel loads');
      await eventually('the server has my post', async () => !!(await mine()));
      // The send's reply and the event reach the page before the held page does.
      await page.waitForFunction(() => !document.querySelector('.post.pending'));
      await page.waitForTimeout(300);
      h.release();
      await eventually('the page delivered', async () => h.delivered === 1);
      await page.locator('.messages .post', { hasText: 'an old one' }).waitFor();
      await page.waitForTimeout(300);
      assert.is(await postEl(page, '.messages', (await mine()).id).count(), 1, 'my post is shown');
      assert.is(await postEl(page, '.messages', live.id).count(), 1, 'the live post is shown');
    } finally {
      await h.done();
    }
  });

  test('posts: a page older than an edit, a deletion and a reaction does not undo them', async () => {
    const page = A.page;
    const town = await channelByName('town-square');
    const edited = await postAs('bob', town.id, 'to be edited');
    const deleted = await postAs('bob', town.id, 'to be deleted');
    const reacted = await postAs('bob', town.id, 'to be reacted to');
    await page.locator('.ch-item[data-channel="town-square"]').click();
    await postEl(page, '.messages', reacted.id).waitFor();
    await page.locator('.ch-item[data-channel="off-topic"]').click();
    await page.locator('main.chan[data-channel="off-topic"]').waitFor();
    const h = await hold(page, new RegExp(`/api/v1/channels/${town.id}/posts\\?`));
    try {
      // Back: the held list shows at once while its newest page is fetched again.
      await page.locator('.ch-item[data-channel="town-square"]').click();
      await postEl(page, '.messages', reacted.id).waitFor();
      await eventually('the page answered by the server', async () => h.held === 1);
      assert.is((await api('bob', 'PATCH', `/posts/${edited.id}`, { message: 'edited meanwhile' })).status, 200);
      assert.is((await api('bob', 'DELETE', `/posts/${deleted.id}`)).status, 200);
      assert.is((await api('bob', 'POST', `/posts/${reacted.id}/reactions`, { emoji_name: 'tada' })).status, 201);
      await postEl(page, '.messages', edited.id).filter({ hasText: 'edited meanwhile' }).waitFor();
      await postEl(page, '.messages', deleted.id).waitFor({ state: 'detached' });
      await postEl(page, '.messages', reacted.id).locator('.reaction[data-emoji="tada"]').waitFor();
      h.release();
      await eventually('the page delivered', async () => h.delivered === 1);
      await page.waitForTimeout(300);
      assert.match(await postEl(page, '.messages', edited.id).innerText(), 'edited meanwhile');
      assert.is(await postEl(page, '.messages', deleted.id).count(), 0, 'the deleted post stays gone');
      assert.is(await postEl(page, '.messages', reacted.id).locator('.reaction[data-emoji="tada"]').count(), 1, 'the reaction stays');
    } finally {
      await h.done();
    }
  });

  test('thread: an answer that left before a reply does not drop it', async () => {
    const page = A.page;
    const town = await channelByName('town-square');
    const root = await postAs('bob', town.id, 'a thread with history');
    await postAs('bob', town.id, 'first reply', root.id);
    await page.locator('.ch-item[data-channel="town-square"]').click();
    await postEl(page, '.messages', root.id).waitFor();
    const h = await hold(page, new RegExp(`/api/v1/posts/${root.id}/thread`));
    try {
      await postEl(page, '.messages', root.id).hover();
      await postEl(page, '.messages', root.id).locator('button[aria-label="Reply in thread"]').click();
      await eventually('the thread answered by the server', async () => h.held === 1);
      const reply = await postAs('bob', town.id, 'second reply, while the thread loads', root.id);
      await postEl(page, '.messages', root.id).locator('text=2 replies').waitFor();
      h.release();
      await eventually('the thread delivered', async () => h.delivered === 1);
      await page.locator('.rpanel .post', { hasText: 'first reply' }).waitFor();
      await page.waitForTimeout(300);
      assert.is(await postEl(page, '.rpanel', reply.id).count(), 1, 'the reply is shown');
    } finally {
      await h.done();
    }
  });

  test('channels: a list older than a read and a live post keeps both (the sidebar)', async () => {
    const page = A.page;
    const news = (await api('alice', 'POST', '/channels', { team_id: teamId, name: 'news', display_name: 'News', type: 'public' })).body;
    assert.is((await api('bob', 'POST', `/channels/${news.id}/join`)).status, 201);
    await page.locator('.ch-item[data-channel="news"]').waitFor();
    await page.locator('.ch-item[data-channel="town-square"]').click();
    await page.waitForURL('**/ops/channels/town-square');
    const off = await channelByName('off-topic');
    await postAs('bob', off.id, 'unread for alice');
    await page.locator('.ch-item.unread[data-channel="off-topic"]').waitFor();
    const h = await hold(page, new RegExp(`/api/v1/teams/${teamId}/channels$`));
    try {
      // Alice joins another team (elsewhere): her page fetches the team's channel list again, and
      // the server answers at once (off-topic unread, news read).
      const other = (await api('bob', 'POST', '/teams', { name: 'ops2', display_name: 'Ops 2' })).body;
      assert.is((await api('alice', 'POST', `/teams/${other.id}/join`, { invite_id: other.invite_id })).status, 201);
      await eventually('the channel list answered by the server', async () => h.held === 1);
      // Meanwhile alice reads off-topic, and bob posts in news.
      await page.locator('.ch-item[data-channel="off-topic"]').click();
      await page.locator('.messages .post', { hasText: 'unread for alice' }).waitFor();
      await page.locator('.ch-item:not(.unread)[data-channel="off-topic"]').waitFor();
      await eventually('the server has off-topic read', async () => {
        const c = await channelByName('off-topic');
        return c.member.msg_count === c.total_msg_count;
      });
      await postAs('bob', news.id, 'news for alice');
      await page.locator('.ch-item.unread[data-channel="news"]').waitFor();
      h.release();
      await eventually('the list delivered', async () => h.delivered === 1);
      await page.waitForTimeout(300);
      assert.is(await page.locator('.ch-item.unread[data-channel="off-topic"]').count(), 0, 'off-topic stays read');
      assert.is(await page.locator('.ch-item.unread[data-channel="news"]').count(), 1, 'news stays unread');
    } finally {
      await h.done();
    }
  });

  test('sidebar: a categories answer older than a favorite keeps it', async () => {
    const page = A.page;
    await page.locator('.ch-item[data-channel="town-square"]').click();
    await page.waitForURL('**/ops/channels/town-square');
    const h = await hold(page, new RegExp(`/api/v1/teams/${teamId}/categories$`));
    try {
      // Joining another team makes the page load this team's channels and sidebar again.
      const other = (await api('bob', 'POST', '/teams', { name: 'ops3', display_name: 'Ops 3' })).body;
      assert.is((await api('alice', 'POST', `/teams/${other.id}/join`, { invite_id: other.invite_id })).status, 201);
      await eventually('the sidebar answered by the server', async () => h.held === 1);
      const li = page.locator('li', { has: page.locator('.ch-item[data-channel="off-topic"]') });
      await li.hover();
      await li.locator('button.sb-ch-menu').click();
      await li.locator('[role=menuitem]', { hasText: 'Add to favorites' }).click();
      await page.locator('section[data-category="favorites"] .ch-item[data-channel="off-topic"]').waitFor();
      h.release();
      await eventually('the sidebar delivered', async () => h.delivered === 1);
      await page.waitForTimeout(300);
      assert.is(await page.locator('section[data-category="favorites"] .ch-item[data-channel="off-topic"]').count(), 1, 'still a favorite');
    } finally {
      await h.done();
    }
  });

  test('saved: a saved-posts answer older than a save keeps the marker', async () => {
    const page = A.page;
    const ops2 = (await api('alice', 'GET', '/teams')).body.items.find((t: any) => t.name === 'ops2');
    const town2 = (await api('alice', 'GET', `/teams/${ops2.id}/channels`)).body.items.find((c: any) => c.name === 'town-square');
    const keep = await postAs('bob', town2.id, 'worth keeping');
    const h = await hold(page, /\/api\/v1\/saved\?/);
    try {
      // Opening another team loads the saved posts again.
      await page.locator('.teambar a.team-btn[href^="/ops2/"]').click();
      await postEl(page, '.messages', keep.id).waitFor();
      await eventually('the saved posts answered by the server', async () => h.held === 1);
      const p = postEl(page, '.messages', keep.id);
      await p.hover();
      await p.locator('button[aria-label="More actions"]').click();
      await p.locator('[role="menuitem"]', { hasText: 'Save message' }).click();
      await p.locator('.saved-tag').waitFor();
      h.release();
      await eventually('the saved posts delivered', async () => h.delivered === 1);
      await page.waitForTimeout(300);
      assert.is(await p.locator('.saved-tag').count(), 1, 'still marked saved');
    } finally {
      await h.done();
    }
  });

  test('members: a member list older than a join keeps the new member', async () => {
    const page = A.page;
    await page.locator('.teambar a.team-btn[href^="/ops/"]').click();
    await page.locator('.ch-item[data-channel="news"]').click();
    await page.waitForURL('**/ops/channels/news');
    const news = await channelByName('news');
    await register('carol');
    const team = (await api('alice', 'GET', `/teams/${teamId}`)).body;
    assert.is((await api('carol', 'POST', `/teams/${teamId}/join`, { invite_id: team.invite_id })).status, 201);
    const h = await hold(page, new RegExp(`/api/v1/channels/${news.id}/members\\?`));
    try {
      await page.click('button[title="Members"]');
      await eventually('the member list answered by the server', async () => h.held >= 1);
      assert.is((await api('carol', 'POST', `/channels/${news.id}/join`)).status, 201);
      // The list loaded when the channel opened shows her at once (user_added).
      await page.locator('.member-list li[data-username="carol"]').waitFor();
      h.release();
      await eventually('the member list delivered', async () => h.delivered === h.held);
      await page.locator('.member-list li[data-username="bob"]').waitFor();
      await page.waitForTimeout(300);
      assert.is(await page.locator('.member-list li[data-username="carol"]').count(), 1, 'carol is listed');
    } finally {
      await h.done();
    }
  });

  test('no page logged an error', () => {
    assert.equal(A.problems, []);
  });
}

test.run();
