/**
 * Saved messages (Mattermost's flagged posts) through the native API: save / unsave with the
 * preference events the web client's reducer applies to the same state a fresh fetch gives
 * (verifyAction), the list with its team / channel filters and paging, the same rows through
 * Mattermost's preferences route, and who may see what. PGlite, and PostgreSQL with
 * RUSTCHAT_TEST_DATABASE_URL.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { testApp, type TestContext } from '../../test/app.ts';
import { fxUser, type FxUser } from '../../test/fixtures.ts';
import { verifyAction } from '../../test/realtime-verify.ts';

let ctx: TestContext;
let alice: FxUser;
let bob: FxUser; // saves
let dave: FxUser; // in the team, not in the private channel
let teamId: string;
let otherTeamId: string;
let channelId: string;
let otherChannelId: string;
const posts: string[] = [];

const who = (u: FxUser) => ({ id: u.id, token: u.token });
const names = (events: { event: string }[]) => events.map((e) => e.event);

async function call(u: FxUser, method: string, path: string, body?: unknown): Promise<any> {
  const r = await ctx.req(method, `/api/v1${path}`, { token: u.token, body });
  if (r.status < 200 || r.status > 299) throw new Error(`${method} ${path}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}
const saved = async (u: FxUser, q = '') => (await call(u, 'GET', `/saved?limit=200${q}`)).items.map((p: any) => p.id);

test.before(async () => {
  ctx = await testApp();
  [alice, bob, dave] = await Promise.all([fxUser(ctx.deps), fxUser(ctx.deps), fxUser(ctx.deps)]);
  teamId = (await call(alice, 'POST', '/teams', { type: 'O', name: `sv${Date.now().toString(36)}`, display_name: 'Saved' })).id;
  otherTeamId = (await call(alice, 'POST', '/teams', { type: 'O', name: `sw${Date.now().toString(36)}`, display_name: 'Other' })).id;
  for (const t of [teamId, otherTeamId]) for (const u of [bob, dave]) await call(alice, 'POST', `/teams/${t}/members`, { user_id: u.id });
  channelId = (await call(alice, 'POST', '/channels', { team_id: teamId, name: 'saved', display_name: 'Saved', type: 'private' })).id;
  await call(alice, 'POST', `/channels/${channelId}/members`, { user_id: bob.id });
  otherChannelId = (await call(alice, 'POST', '/channels', { team_id: otherTeamId, name: 'elsewhere', display_name: 'Elsewhere', type: 'private' })).id;
  await call(alice, 'POST', `/channels/${otherChannelId}/members`, { user_id: bob.id });
  for (let i = 0; i < 4; i++) posts.push((await call(alice, 'POST', `/channels/${channelId}/posts`, { message: `post ${i}` })).id);
});

test.after(async () => ctx?.close());

test('save: preferences_changed to my sockets, in my list; saving again emits nothing', async () => {
  const { events, result } = await verifyAction(ctx, who(bob), () => call(bob, 'PUT', `/posts/${posts[0]}/saved`));
  assert.equal(names(events), ['preferences_changed']);
  assert.equal(result, { post_id: posts[0], saved: true });
  assert.equal(await saved(bob), [posts[0]]);
  assert.equal(await saved(alice), [], 'saved is per user');
  const again = await verifyAction(ctx, who(bob), () => call(bob, 'PUT', `/posts/${posts[0]}/saved`));
  assert.equal(names(again.events), []);
});

test("the same rows as Mattermost's flagged_post preference", async () => {
  const r = await ctx.req('PUT', `/api/v4/users/me/preferences`, { token: bob.token, body: [{ user_id: bob.id, category: 'flagged_post', name: posts[1], value: 'true' }] });
  assert.is(r.status, 200);
  assert.equal(await saved(bob), [posts[1], posts[0]]);
  const { events } = await verifyAction(ctx, who(bob), () => call(bob, 'DELETE', `/posts/${posts[1]}/saved`));
  assert.equal(names(events), ['preferences_deleted']);
  const prefs = await ctx.req('GET', `/api/v4/users/me/preferences/flagged_post`, { token: bob.token });
  assert.equal(prefs.body.map((p: any) => p.name), [posts[0]]);
});

test('filters and paging: newest post first; team (with direct channels), channel, before cursor', async () => {
  for (const id of posts.slice(1)) await call(bob, 'PUT', `/posts/${id}/saved`);
  const elsewhere = (await call(alice, 'POST', `/channels/${otherChannelId}/posts`, { message: 'other team' })).id;
  await call(bob, 'PUT', `/posts/${elsewhere}/saved`);
  const dm = await call(bob, 'POST', '/channels/direct', { user_id: alice.id });
  const inDm = (await call(alice, 'POST', `/channels/${dm.id}/posts`, { message: 'direct' })).id;
  await verifyAction(ctx, who(bob), () => call(bob, 'PUT', `/posts/${inDm}/saved`));
  assert.equal(await saved(bob), [inDm, elsewhere, posts[3], posts[2], posts[1], posts[0]]);
  assert.equal(await saved(bob, `&team_id=${teamId}`), [inDm, posts[3], posts[2], posts[1], posts[0]]);
  assert.equal(await saved(bob, `&channel_id=${otherChannelId}`), [elsewhere]);
  const first = await call(bob, 'GET', '/saved?limit=2');
  assert.equal(first.items.map((p: any) => p.id), [inDm, elsewhere]);
  const second = await call(bob, 'GET', `/saved?limit=2&before=${first.next_cursor}`);
  assert.equal(second.items.map((p: any) => p.id), [posts[3], posts[2]]);
  const last = await call(bob, 'GET', `/saved?limit=2&before=${second.next_cursor}`);
  assert.equal(last.items.map((p: any) => p.id), [posts[1], posts[0]]);
  assert.is(last.next_cursor, null);
});

test('a deleted post leaves the list (and the client state)', async () => {
  const { events } = await verifyAction(ctx, who(bob), () => call(alice, 'DELETE', `/posts/${posts[3]}`));
  assert.equal(names(events), ['post_deleted']);
  assert.not.ok((await saved(bob)).includes(posts[3]));
});

test('permissions: no saving in a channel I am not in; no listing of it; leaving hides its saved posts', async () => {
  const st = async (u: FxUser, method: string, path: string) => (await ctx.req(method, `/api/v1${path}`, { token: u.token })).status;
  assert.is(await st(dave, 'PUT', `/posts/${posts[0]}/saved`), 403);
  assert.is(await st(dave, 'GET', `/saved?channel_id=${channelId}`), 403);
  // A flagged_post preference naming a post dave cannot read is never listed.
  await ctx.req('PUT', `/api/v4/users/me/preferences`, { token: dave.token, body: [{ user_id: dave.id, category: 'flagged_post', name: posts[0], value: 'true' }] });
  assert.equal(await saved(dave), []);
  const outsider = await fxUser(ctx.deps);
  assert.is(await st(outsider, 'GET', `/saved?team_id=${teamId}`), 403);
  assert.is((await ctx.req('GET', '/api/v1/saved')).status, 401);
  const { events } = await verifyAction(ctx, who(bob), () => call(bob, 'POST', `/channels/${channelId}/leave`));
  assert.ok(names(events).includes('user_removed'));
  assert.not.ok((await saved(bob)).some((id: string) => posts.includes(id)));
});

test('bad input: ids, limits, cursors', async () => {
  const bad = async (method: string, path: string, code: string) => {
    const x = await ctx.req(method, `/api/v1${path}`, { token: bob.token });
    assert.is(x.status, 400, JSON.stringify(x.body));
    assert.is(x.body.error.code, code);
  };
  await bad('PUT', '/posts/nope/saved', 'invalid_id');
  await bad('GET', '/saved?limit=0', 'invalid_limit');
  await bad('GET', '/saved?limit=x', 'invalid_input');
  await bad('GET', '/saved?before=zz', 'invalid_id');
  await bad('GET', '/saved?team_id=zz', 'invalid_id');
  assert.is((await ctx.req('PUT', `/api/v1/posts/${'a'.repeat(26)}/saved`, { token: bob.token })).status, 404);
});

test.run();
