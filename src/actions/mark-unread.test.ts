/**
 * Mark as unread from a post (issue 15 item 3) through the native API: the channel's unread and
 * mention counts (roots apart) go back exactly to what they were before that post, deleted posts
 * left out; the reader's other tabs get `unread_updated` (verifyAction: the reducer's state equals
 * a fresh fetch); only members may. PGlite, and PostgreSQL with RUSTCHAT_TEST_DATABASE_URL.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { testApp, type TestContext } from '../../test/app.ts';
import { fxUser, type FxUser } from '../../test/fixtures.ts';
import { verifyAction } from '../../test/realtime-verify.ts';

let ctx: TestContext;
let alice: FxUser;
let bob: FxUser; // reads and marks unread
let carol: FxUser; // in the team, not in the channel
let channelId: string;

const who = (u: FxUser) => ({ id: u.id, token: u.token });
async function call(u: FxUser, method: string, path: string, body?: unknown): Promise<any> {
  const r = await ctx.req(method, `/api/v1${path}`, { token: u.token, body });
  if (r.status < 200 || r.status > 299) throw new Error(`${method} ${path}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}
const post = async (u: FxUser, message: string, root_id?: string) => (await call(u, 'POST', `/channels/${channelId}/posts`, { message, root_id })).id as string;
async function counts(u: FxUser) {
  const c = (await call(u, 'GET', '/channels/unreads')).channels.find((x: any) => x.channel_id === channelId);
  return { unread_count: c.unread_count, unread_root_count: c.unread_root_count, mention_count: c.mention_count, mention_count_root: c.mention_count_root };
}

test.before(async () => {
  ctx = await testApp();
  [alice, bob, carol] = await Promise.all([fxUser(ctx.deps), fxUser(ctx.deps), fxUser(ctx.deps)]);
  const team = await call(alice, 'POST', '/teams', { type: 'O', name: `mu${Date.now().toString(36)}`, display_name: 'Unread' });
  for (const u of [bob, carol]) await call(alice, 'POST', `/teams/${team.id}/members`, { user_id: u.id });
  channelId = (await call(alice, 'POST', '/channels', { team_id: team.id, name: 'mu', display_name: 'MU', type: 'private' })).id;
  await call(alice, 'POST', `/channels/${channelId}/members`, { user_id: bob.id });
});
test.after(async () => ctx?.close());

test('counts go back exactly to what they were before the post, mentions and roots included', async () => {
  await call(bob, 'POST', `/channels/${channelId}/read`);
  const first = await post(alice, 'one');
  await post(alice, `two @${bob.username}`);
  const root = await post(alice, 'three');
  await post(alice, `reply @${bob.username}`, root);
  await post(alice, '@channel four');
  const unreadBefore = await counts(bob);
  assert.equal(unreadBefore, { unread_count: 5, unread_root_count: 4, mention_count: 3, mention_count_root: 2 });
  await call(bob, 'POST', `/channels/${channelId}/read`);
  assert.equal((await counts(bob)).unread_count, 0);
  const { events, result } = await verifyAction(ctx, who(bob), () => call(bob, 'POST', `/posts/${first}/unread`));
  assert.equal(events.map((e) => e.event), ['unread_updated']);
  assert.is((events[0].data as any).post_id, first);
  assert.equal(await counts(bob), unreadBefore);
  assert.is(result.unread.unread_count, 5);
  assert.is(result.member.last_viewed_at, (await call(bob, 'GET', `/posts/${first}`)).create_at - 1);
  // From a later post: only what follows counts.
  await call(bob, 'POST', `/posts/${root}/unread`);
  assert.equal(await counts(bob), { unread_count: 3, unread_root_count: 2, mention_count: 2, mention_count_root: 1 });
});

test('my own posts count as unread, never as mentions; deleted posts are left out', async () => {
  await call(bob, 'POST', `/channels/${channelId}/read`);
  const from = await post(alice, `from here @${bob.username}`);
  const gone = await post(alice, `deleted @${bob.username}`);
  await post(bob, '@channel mine');
  await call(alice, 'DELETE', `/posts/${gone}`);
  await verifyAction(ctx, who(bob), () => call(bob, 'POST', `/posts/${from}/unread`));
  assert.equal(await counts(bob), { unread_count: 2, unread_root_count: 2, mention_count: 1, mention_count_root: 1 });
  // Reading again clears it; alice's counts never moved.
  await call(bob, 'POST', `/channels/${channelId}/read`);
  assert.equal((await counts(bob)).unread_count, 0);
});

test('only members: a non-member is refused and nothing changes', async () => {
  const p = await post(alice, 'private');
  const r = await ctx.req('POST', `/api/v1/posts/${p}/unread`, { token: carol.token });
  assert.is(r.status, 403);
  assert.is(r.body.error.code, 'forbidden');
  ctx.takeEvents();
  assert.is((await ctx.req('POST', `/api/v1/posts/nope/unread`, { token: bob.token })).body.error.code, 'invalid_id');
  assert.is((await ctx.req('POST', `/api/v1/posts/${'a'.repeat(26)}/unread`, { token: bob.token })).status, 404);
  assert.is((await ctx.req('POST', `/api/v1/posts/${p}/unread`)).status, 401);
  assert.equal(ctx.takeEvents(), []);
});

test.run();
