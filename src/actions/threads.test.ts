/**
 * Threads a user follows (collapsed reply threads) through the native API: who follows when,
 * unread replies and mentions per thread, read / unread / follow changes, and that every change
 * reaches the follower as events the web client's reducer applies to the same state a fresh
 * fetch gives (verifyAction). Runs on PGlite, and on PostgreSQL with RUSTCHAT_TEST_DATABASE_URL.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { testApp, type TestContext } from '../../test/app.ts';
import { fxUser, type FxUser } from '../../test/fixtures.ts';
import { verifyAction } from '../../test/realtime-verify.ts';

let ctx: TestContext;
let alice: FxUser; // starts the thread
let bob: FxUser; // mentioned, reads, marks unread
let carol: FxUser; // replies
let dave: FxUser; // in the team, not in the private channel
let teamId: string;
let channelId: string;
let privateId: string;
let rootId: string;

const who = (u: FxUser) => ({ id: u.id, token: u.token });
const names = (events: { event: string }[]) => events.map((e) => e.event);

async function call(u: FxUser, method: string, path: string, body?: unknown): Promise<any> {
  const r = await ctx.req(method, `/api/v1${path}`, { token: u.token, body });
  if (r.status < 200 || r.status > 299) throw new Error(`${method} ${path}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}
const post = (u: FxUser, message: string, root = rootId, ch = channelId) => call(u, 'POST', `/channels/${ch}/posts`, { message, root_id: root });
const thread = (u: FxUser, id = rootId) => call(u, 'GET', `/threads/${id}`);
const list = (u: FxUser, q = '') => call(u, 'GET', `/threads?team_id=${teamId}${q}`);

test.before(async () => {
  ctx = await testApp();
  [alice, bob, carol, dave] = await Promise.all([fxUser(ctx.deps), fxUser(ctx.deps), fxUser(ctx.deps), fxUser(ctx.deps)]);
  const team = await call(alice, 'POST', '/teams', { type: 'O', name: `th${Date.now().toString(36)}`, display_name: 'Threads' });
  teamId = team.id;
  for (const u of [bob, carol, dave]) await call(alice, 'POST', `/teams/${teamId}/members`, { user_id: u.id });
  const ch = await call(alice, 'POST', '/channels', { team_id: teamId, name: 'crt', display_name: 'CRT', type: 'private' });
  channelId = ch.id;
  for (const u of [bob, carol]) await call(alice, 'POST', `/channels/${channelId}/members`, { user_id: u.id });
  privateId = channelId;
  rootId = (await call(alice, 'POST', `/channels/${channelId}/posts`, { message: 'a root' })).id;
});

test.after(async () => ctx?.close());

test('a root post alone makes nobody follow', async () => {
  assert.equal((await list(alice)).items, []);
  const t = await thread(alice);
  assert.is(t.following, false);
  assert.is(t.unread_replies, 0);
});

test('first reply: the replier and the root author follow; the author has unread, the replier not', async () => {
  const { events } = await verifyAction(ctx, who(alice), () => post(carol, 'first reply'));
  assert.equal(names(events), ['posted', 'thread_updated']);
  const ta = await thread(alice);
  assert.is(ta.following, true);
  assert.is(ta.unread_replies, 1);
  assert.is(ta.unread_mentions, 0);
  assert.is(ta.reply_count, 1);
  assert.equal(ta.participants, [alice.id, carol.id]);
  assert.is(ta.post.id, rootId);
  const tc = await thread(carol);
  assert.is(tc.following, true);
  assert.is(tc.unread_replies, 0);
  // Bob is a channel member but neither replied nor was mentioned: the reply reaches him as a post only.
  const b = await verifyAction(ctx, who(bob), () => post(carol, 'second reply'));
  assert.equal(names(b.events), ['posted']);
  assert.is((await thread(bob)).following, false);
  assert.is((await thread(alice)).unread_replies, 2);
});

test('a mention in a reply makes the mentioned follow, with the replies so far unread and the mention counted', async () => {
  const { events } = await verifyAction(ctx, who(bob), () => post(carol, `look @${bob.username}`));
  assert.equal(names(events), ['posted', 'thread_updated']);
  const t = await thread(bob);
  assert.is(t.following, true);
  assert.is(t.unread_replies, 3);
  assert.is(t.unread_mentions, 1);
  const l = await list(bob);
  assert.equal(l.items.map((x: any) => x.id), [rootId]);
  assert.equal(l.totals, { total: 1, unread_threads: 1, unread_mentions: 1 });
});

test('reading a thread clears its counts, for every tab of the reader', async () => {
  const { events, result } = await verifyAction(ctx, who(bob), () => call(bob, 'POST', `/threads/${rootId}/read`, {}));
  assert.equal(names(events), ['thread_read_changed']);
  assert.is(result.unread_replies, 0);
  assert.is(result.unread_mentions, 0);
  assert.equal((await list(bob)).totals, { total: 1, unread_threads: 0, unread_mentions: 0 });
});

test('mark unread from a reply: the counts move back exactly to it, mentions included', async () => {
  const replies = (await call(bob, 'GET', `/posts/${rootId}/thread`)).items;
  const { events, result } = await verifyAction(ctx, who(bob), () => call(bob, 'POST', `/threads/${rootId}/unread`, { post_id: replies[1].id }));
  assert.equal(names(events), ['thread_read_changed']);
  assert.is(result.unread_replies, 2); // the second reply and the mention after it
  assert.is(result.unread_mentions, 1);
  await call(bob, 'POST', `/threads/${rootId}/unread`, { post_id: replies[2].id });
  assert.is((await thread(bob)).unread_replies, 1);
  await call(bob, 'POST', `/threads/${rootId}/read`, {});
});

test('my own reply keeps the thread read for me and counts for the others', async () => {
  const { events } = await verifyAction(ctx, who(bob), () => post(bob, 'my answer'));
  assert.equal(names(events), ['posted', 'thread_updated']);
  assert.is((await thread(bob)).unread_replies, 0);
  assert.is((await thread(carol)).unread_replies, 1);
});

test('unfollow sticks through a later mention; replying follows again', async () => {
  const un = await verifyAction(ctx, who(alice), () => call(alice, 'DELETE', `/threads/${rootId}/following`));
  assert.equal(names(un.events), ['thread_follow_changed']);
  assert.is(un.result.following, false);
  assert.equal((await list(alice)).items, []);
  const m = await verifyAction(ctx, who(alice), () => post(carol, `ping @${alice.username}`));
  assert.equal(names(m.events), ['posted']);
  assert.is((await thread(alice)).following, false);
  const again = await verifyAction(ctx, who(alice), () => post(alice, 'back in'));
  assert.equal(names(again.events), ['posted', 'thread_updated']);
  assert.is((await thread(alice)).following, true);
  // Unfollowing twice changes nothing and emits nothing.
  await call(alice, 'DELETE', `/threads/${rootId}/following`);
  const twice = await verifyAction(ctx, who(alice), () => call(alice, 'DELETE', `/threads/${rootId}/following`));
  assert.equal(names(twice.events), []);
  const follow = await verifyAction(ctx, who(alice), () => call(alice, 'PUT', `/threads/${rootId}/following`));
  assert.equal(names(follow.events), ['thread_follow_changed']);
});

test('following by hand: a thread nobody replied to yet, counted read as of now', async () => {
  const other = await call(carol, 'POST', `/channels/${channelId}/posts`, { message: 'another root' });
  const { events, result } = await verifyAction(ctx, who(bob), () => call(bob, 'PUT', `/threads/${other.id}/following`));
  assert.equal(names(events), ['thread_follow_changed']);
  assert.is(result.following, true);
  assert.is(result.reply_count, 0);
  assert.ok((await list(bob)).items.some((t: any) => t.id === other.id));
  // Replies to a reply land in the root's thread.
  const r = await post(carol, 'reply', other.id);
  await verifyAction(ctx, who(bob), () => post(carol, 'reply to reply', r.id));
  assert.is((await thread(bob, other.id)).unread_replies, 2);
  await call(bob, 'DELETE', `/threads/${other.id}/following`);
});

test('edited mention and deleted reply update the followers', async () => {
  const r = await post(carol, 'no mention yet');
  const ed = await verifyAction(ctx, who(bob), () => call(carol, 'PATCH', `/posts/${r.id}`, { message: `now @${bob.username}` }));
  assert.equal(names(ed.events), ['post_edited', 'thread_updated']);
  assert.is((await thread(bob)).unread_mentions, 1);
  const del = await verifyAction(ctx, who(bob), () => call(carol, 'DELETE', `/posts/${r.id}`));
  assert.equal(names(del.events), ['post_deleted', 'thread_updated']);
  assert.is((await thread(bob)).unread_mentions, 0);
});

test('mark all read in a team', async () => {
  await post(carol, `all @${bob.username}`);
  const { events, result } = await verifyAction(ctx, who(bob), () => call(bob, 'POST', '/threads/read', { team_id: teamId }));
  assert.equal(names(events), ['thread_read_changed']);
  assert.ok(result.thread_ids.includes(rootId));
  assert.equal((await list(bob)).totals, { total: 1, unread_threads: 0, unread_mentions: 0 });
});

test('list: unread filter, paging by thread id, since', async () => {
  const roots: string[] = [];
  for (let i = 0; i < 3; i++) {
    const root = await call(alice, 'POST', `/channels/${channelId}/posts`, { message: `paged ${i}` });
    await post(carol, `r ${i}`, root.id);
    roots.push(root.id);
  }
  const all = await list(alice, '&limit=2');
  assert.is(all.items.length, 2);
  assert.equal(all.items.map((t: any) => t.id), [roots[2], roots[1]]);
  const next = await list(alice, `&limit=2&before=${all.next_cursor}`);
  assert.equal(next.items[0].id, roots[0]);
  const unread = await list(alice, '&unread=true&limit=200');
  assert.ok(unread.items.every((t: any) => t.unread_replies > 0));
  assert.ok(unread.items.length >= 3);
  const since = await list(alice, `&since=${ctx.deps.now() + 60_000}`);
  assert.equal(since.items, []);
  const totalsOnly = await call(alice, 'GET', `/threads?team_id=${teamId}&limit=1`);
  assert.is(totalsOnly.totals.total, all.totals.total);
});

test('permissions: no thread of a channel I am not in, no follow, no read', async () => {
  const st = async (method: string, path: string, body?: unknown) => (await ctx.req(method, `/api/v1${path}`, { token: dave.token, body })).status;
  assert.is(await st('GET', `/threads/${rootId}`), 403);
  assert.is(await st('PUT', `/threads/${rootId}/following`), 403);
  assert.is(await st('POST', `/threads/${rootId}/read`, {}), 403);
  assert.equal((await list(dave)).items, []);
  // A team I am not in.
  const outsider = await fxUser(ctx.deps);
  assert.is((await ctx.req('GET', `/api/v1/threads?team_id=${teamId}`, { token: outsider.token })).status, 403);
  assert.is((await ctx.req('GET', `/api/v1/threads`)).status, 401);
});

test('bad input: ids, limits, cursors, timestamps', async () => {
  const res = (method: string, path: string, body?: unknown) => ctx.req(method, `/api/v1${path}`, { token: bob.token, body });
  const bad = async (r: Promise<any>, code: string) => {
    const x = await r;
    assert.is(x.status, 400, JSON.stringify(x.body));
    assert.is(x.body.error.code, code);
    assert.not.ok(JSON.stringify(x.body).includes(' at '), 'no stack trace');
  };
  await bad(res('GET', '/threads/nope'), 'invalid_id');
  await bad(res('GET', '/threads?limit=0'), 'invalid_limit');
  await bad(res('GET', '/threads?limit=x'), 'invalid_input');
  await bad(res('GET', '/threads?before=zz'), 'invalid_cursor');
  await bad(res('POST', `/threads/${rootId}/read`, { timestamp: -1 }), 'invalid_input');
  await bad(res('POST', `/threads/${rootId}/unread`, { post_id: 'x' }), 'invalid_id');
  const foreign = await call(alice, 'POST', `/channels/${channelId}/posts`, { message: 'not in the thread' });
  await bad(res('POST', `/threads/${rootId}/unread`, { post_id: foreign.id }), 'post_not_in_thread');
  await bad(res('POST', '/threads/read', {}), 'invalid_input');
  assert.is((await res('GET', `/threads/${'a'.repeat(26)}`)).status, 404);
});

test('leaving the channel forgets its threads; a deleted root removes its thread', async () => {
  const { events } = await verifyAction(ctx, who(bob), () => call(bob, 'POST', `/channels/${privateId}/leave`));
  assert.ok(names(events).includes('user_removed'));
  assert.equal((await call(bob, 'GET', '/threads')).items, []);
  const del = await verifyAction(ctx, who(alice), () => call(alice, 'DELETE', `/posts/${rootId}`));
  assert.equal(names(del.events), ['post_deleted']);
  assert.not.ok((await list(alice)).items.some((t: any) => t.id === rootId));
  assert.ok((await list(alice, '&include_deleted=true')).items.some((t: any) => t.id === rootId));
});

test.run();
