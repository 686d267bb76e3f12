/**
 * The v4 adapter's reads cost a constant number of queries (issue 12 item 5): a history page
 * with its thread roots, reactions and files; page N of history (an offset, not a walk over N
 * cursor pages); posts by id and their reactions across channels; the posts around the last
 * read one. Counted with the driver's own statement counter, on the database the suite runs on.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { testApp, type TestContext } from './app.ts';
import { fxChannel, fxTeam, fxUser, type FxUser } from './fixtures.ts';

let t: TestContext;
const dir = mkdtempSync(join(tmpdir(), 'rustchat-bulk-'));
let alice: FxUser;
let bob: FxUser;
let carol: FxUser;
let team: { id: string };
let chan: { id: string };
let secret: { id: string };
/** Posts of `chan`, oldest first. */
const ids: string[] = [];
const secretIds: string[] = [];

const N = 230;

async function post(u: FxUser, channelId: string, message: string, rootId = '', fileIds: string[] = []) {
  const r = await t.req('POST', '/api/v4/posts', { token: u.token, body: { channel_id: channelId, message, root_id: rootId, file_ids: fileIds } });
  assert.is(r.status, 201, JSON.stringify(r.body));
  return r.body.id as string;
}

async function upload(u: FxUser, channelId: string, name: string): Promise<string> {
  const form = new FormData();
  form.append('channel_id', channelId);
  form.append('files', new Blob([`contents of ${name}`], { type: 'text/plain' }), name);
  const r = await t.req('POST', '/api/v4/files', { token: u.token, raw: form });
  assert.is(r.status, 201, JSON.stringify(r.body));
  return r.body.file_infos[0].id;
}

/**
 * The clock stands still while a test measures, so the session cache (1 s) does not expire
 * between two measured requests on a slow machine: every session lookup is then a cache hit.
 */
let frozen: number | undefined;
async function freeze() {
  frozen = Date.now();
  for (const u of [alice, bob, carol]) await get(u, '/api/v4/users/me');
}

/** Statements the database ran while `fn` ran (nothing else runs in this process meanwhile). */
async function queries<T>(fn: () => Promise<T>): Promise<{ n: number; value: T }> {
  const before = t.deps.db.stats!().queries_total;
  const value = await fn();
  return { n: t.deps.db.stats!().queries_total - before, value };
}

async function get(u: FxUser, path: string) {
  const r = await t.req('GET', path, { token: u.token });
  assert.is(r.status, 200, `${path}: ${JSON.stringify(r.body)}`);
  return r.body;
}

test.before(async () => {
  t = await testApp({ config: { 'server.data_dir': dir }, now: () => frozen ?? Date.now() });
  alice = await fxUser(t.deps);
  bob = await fxUser(t.deps);
  carol = await fxUser(t.deps);
  team = await fxTeam(t.deps, alice, { members: [bob, carol] });
  chan = await fxChannel(t.deps, team.id, alice, { members: [bob] });
  secret = await fxChannel(t.deps, team.id, alice, { type: 'P' });
  // Roots first, then a history whose every 7th post is a reply to one of the first roots (far
  // off any later page), every 5th has a reaction, every 11th a file.
  for (let i = 0; i < N; i++) {
    const u = i % 2 ? bob : alice;
    const root = i >= 20 && i % 7 === 0 ? ids[i % 20] : '';
    const files = i % 11 === 0 ? [await upload(u, chan.id, `f${i}.txt`)] : [];
    ids.push(await post(u, chan.id, `message ${i}`, root, files));
  }
  for (let i = 0; i < N; i += 5) {
    const r = await t.req('POST', '/api/v4/reactions', { token: alice.token, body: { user_id: alice.id, post_id: ids[i], emoji_name: 'smile' } });
    assert.is(r.status, 200);
  }
  for (let i = 0; i < 3; i++) secretIds.push(await post(alice, secret.id, `secret ${i}`));
});
test.after(async () => {
  await t.close();
  rmSync(dir, { recursive: true, force: true });
});
test.before.each(freeze);
test.after.each(() => {
  frozen = undefined;
});

test('history page N costs what page 0 costs, and holds the same posts as walking the cursors', async () => {
  const p0 = await queries(() => get(bob, `/api/v4/channels/${chan.id}/posts?page=0&per_page=30`));
  const p6 = await queries(() => get(bob, `/api/v4/channels/${chan.id}/posts?page=6&per_page=30`));
  assert.ok(p0.n <= 8, `page 0: ${p0.n} queries`);
  assert.is(p6.n, p0.n, `page 6: ${p6.n} queries, page 0: ${p0.n}`);
  // Page 6 of 30, newest first: posts N-181 … N-210.
  const expected = ids.slice(N - 210, N - 180).reverse();
  assert.equal(p6.value.order, expected);
  // Replies on the page bring their (far older) roots into `posts`, not into `order`.
  const roots = new Set(p6.value.order.map((id: string) => p6.value.posts[id].root_id).filter(Boolean));
  assert.ok(roots.size > 0);
  for (const r of roots) {
    assert.ok(p6.value.posts[r as string], `root ${r} in posts`);
    assert.not.ok(p6.value.order.includes(r));
  }
  // Reactions and files arrive in metadata.
  const withReaction = expected.filter((id) => ids.indexOf(id) % 5 === 0);
  for (const id of withReaction) assert.is(p6.value.posts[id].metadata.reactions[0].emoji_name, 'smile');
  const withFile = expected.filter((id) => ids.indexOf(id) % 11 === 0);
  assert.ok(withFile.length > 0);
  for (const id of withFile) assert.is(p6.value.posts[id].metadata.files[0].name, `f${ids.indexOf(id)}.txt`);
  // The same page reached through `before` cursors, one page at a time.
  let before = '';
  let walked: any;
  for (let i = 0; i <= 6; i++) {
    walked = await get(bob, `/api/v4/channels/${chan.id}/posts?per_page=30${before ? `&before=${before}` : ''}`);
    before = walked.order[walked.order.length - 1];
  }
  assert.equal(walked.order, p6.value.order);
  // A page past the end is empty.
  assert.equal((await get(bob, `/api/v4/channels/${chan.id}/posts?page=40&per_page=30`)).order, []);
});

test('paging after a post and before a post: page N is one query too', async () => {
  const anchor = ids[10];
  const a0 = await queries(() => get(bob, `/api/v4/channels/${chan.id}/posts?after=${anchor}&page=0&per_page=20`));
  const a3 = await queries(() => get(bob, `/api/v4/channels/${chan.id}/posts?after=${anchor}&page=3&per_page=20`));
  assert.is(a3.n, a0.n);
  assert.equal(a0.value.order, ids.slice(11, 31).reverse());
  assert.equal(a3.value.order, ids.slice(71, 91).reverse());
  const b = ids[200];
  const b0 = await queries(() => get(bob, `/api/v4/channels/${chan.id}/posts?before=${b}&page=0&per_page=20`));
  const b4 = await queries(() => get(bob, `/api/v4/channels/${chan.id}/posts?before=${b}&page=4&per_page=20`));
  assert.is(b4.n, b0.n);
  assert.equal(b4.value.order, ids.slice(100, 120).reverse());
});

test('POST /posts/ids: as many queries for 100 posts as for 1; unreadable posts left out', async () => {
  const one = await queries(() => t.req('POST', '/api/v4/posts/ids', { token: alice.token, body: [ids[0]] }));
  const many = await queries(() => t.req('POST', '/api/v4/posts/ids', { token: alice.token, body: [...ids.slice(0, 97), ...secretIds] }));
  assert.is(one.value.status, 200);
  assert.is(many.value.status, 200);
  assert.ok(one.n <= 6, `${one.n} queries`);
  assert.is(many.n, one.n);
  assert.equal(many.value.body.map((p: any) => p.id), [...ids.slice(0, 97), ...secretIds]);
  assert.is(many.value.body.find((p: any) => p.id === ids[0]).metadata.files[0].name, 'f0.txt');
  assert.is(many.value.body.find((p: any) => p.id === ids[5]).metadata.reactions.length, 1);
  // Carol is in the team (so the public channel is readable) but not in the private channel.
  const c = await t.req('POST', '/api/v4/posts/ids', { token: carol.token, body: [ids[1], secretIds[0], 'x'.repeat(26), 'not-an-id'] });
  assert.is(c.status, 200);
  assert.equal(c.body.map((p: any) => p.id), [ids[1]]);
  // A deleted post is left out.
  const gone = await post(alice, chan.id, 'to delete');
  assert.is((await t.req('DELETE', `/api/v4/posts/${gone}`, { token: alice.token })).status, 200);
  assert.equal((await t.req('POST', '/api/v4/posts/ids', { token: alice.token, body: [gone] })).body, []);
});

test('POST /posts/ids/reactions: one query set for many posts; empty lists for posts without reactions', async () => {
  const one = await queries(() => t.req('POST', '/api/v4/posts/ids/reactions', { token: bob.token, body: [ids[0]] }));
  const many = await queries(() => t.req('POST', '/api/v4/posts/ids/reactions', { token: bob.token, body: ids.slice(0, 150) }));
  assert.is(many.value.status, 200);
  assert.ok(one.n <= 5, `${one.n} queries`);
  assert.is(many.n, one.n);
  assert.is(Object.keys(many.value.body).length, 150);
  assert.is(many.value.body[ids[5]][0].user_id, alice.id);
  assert.equal(many.value.body[ids[6]], []);
  const c = await t.req('POST', '/api/v4/posts/ids/reactions', { token: carol.token, body: [ids[0], secretIds[0]] });
  assert.equal(Object.keys(c.body), [ids[0]]);
});

test('posts around the last read post: constant queries, unread posts and read ones with outside neighbours', async () => {
  // Bob has read up to post 150.
  const [row] = await t.deps.db.query<{ create_at: number }>('select create_at from posts where id = $1', [ids[150]]);
  await t.deps.db.query('update channel_members set last_viewed_at = $1 where channel_id = $2 and user_id = $3', [row.create_at, chan.id, bob.id]);
  const a = await queries(() => get(bob, `/api/v4/users/me/channels/${chan.id}/posts/unread?limit_before=10&limit_after=5`));
  assert.ok(a.n <= 8, `${a.n} queries`);
  // Created at the same millisecond as post 150 counts as read; the test relies on distinct times
  // only through the data it computed.
  const unread = (await t.deps.db.query<{ id: string }>('select id from posts where channel_id = $1 and create_at > $2 and delete_at = 0 order by seq', [chan.id, row.create_at])).map((r) => r.id);
  const readIds = (await t.deps.db.query<{ id: string }>('select id from posts where channel_id = $1 and create_at <= $2 and delete_at = 0 order by seq desc', [chan.id, row.create_at])).map((r) => r.id);
  assert.equal(a.value.order, [...unread.slice(0, 5).reverse(), ...readIds.slice(0, 10)]);
  assert.is(a.value.next_post_id, unread[5]);
  assert.is(a.value.prev_post_id, readIds[10]);
  const b = await queries(() => get(bob, `/api/v4/users/me/channels/${chan.id}/posts/unread?limit_before=100&limit_after=100`));
  assert.is(b.n, a.n);
});

test.run();
