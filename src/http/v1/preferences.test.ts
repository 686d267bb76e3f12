/**
 * GET/PUT /api/v1/users/:id/preferences: the web client keeps its recently used emoji in
 * Mattermost's `recent_emojis` preference through them. Own preferences only (admins: anyone's),
 * Mattermost's limits, preferences_changed to the user's sockets.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { testApp, type TestContext } from '../../../test/app.ts';
import { fxUser, type FxUser } from '../../../test/fixtures.ts';

let ctx: TestContext;
let alice: FxUser;
let bob: FxUser;
let admin: FxUser;

test.before(async () => {
  ctx = await testApp();
  [alice, bob, admin] = await Promise.all([fxUser(ctx.deps), fxUser(ctx.deps), fxUser(ctx.deps, { admin: true })]);
});
test.after(async () => ctx?.close());

test('save and read back by category; preferences_changed to my sockets', async () => {
  const value = JSON.stringify([{ name: 'tada', usageCount: 3 }, { name: 'partyparrot', usageCount: 1 }]);
  ctx.takeEvents();
  const r = await ctx.req('PUT', '/api/v1/users/me/preferences', { token: alice.token, body: [{ user_id: alice.id, category: 'recent_emojis', name: alice.id, value }] });
  assert.is(r.status, 200, JSON.stringify(r.body));
  const events = ctx.takeEvents();
  assert.equal(events.map((e) => [e.event, e.broadcast.user_ids]), [['preferences_changed', [alice.id]]]);
  const list = await ctx.req('GET', `/api/v1/users/${alice.id}/preferences?category=recent_emojis`, { token: alice.token });
  assert.equal(list.body.items, [{ user_id: alice.id, category: 'recent_emojis', name: alice.id, value }]);
  assert.equal((await ctx.req('GET', '/api/v1/users/me/preferences?category=none', { token: alice.token })).body.items, []);
});

test("another user's preferences: 403; a system admin may read them", async () => {
  assert.is((await ctx.req('GET', `/api/v1/users/${alice.id}/preferences`, { token: bob.token })).status, 403);
  const put = await ctx.req('PUT', `/api/v1/users/${alice.id}/preferences`, { token: bob.token, body: [{ user_id: alice.id, category: 'recent_emojis', name: alice.id, value: '[]' }] });
  assert.is(put.status, 403);
  assert.is((await ctx.req('GET', `/api/v1/users/${alice.id}/preferences`, { token: admin.token })).status, 200);
  assert.is((await ctx.req('GET', '/api/v1/users/me/preferences')).status, 401);
});

test('bad input: 400', async () => {
  const bad = async (body: unknown) => (await ctx.req('PUT', '/api/v1/users/me/preferences', { token: alice.token, body })).status;
  assert.is(await bad([]), 400);
  assert.is(await bad({ category: 'x' }), 400);
  assert.is(await bad([{ user_id: bob.id, category: 'recent_emojis', name: 'x', value: '[]' }]), 400, 'another user in the body');
  assert.is(await bad([{ user_id: alice.id, category: 'recent_emojis', name: 'x', value: 'v'.repeat(2001) }]), 400);
  assert.is((await ctx.req('GET', '/api/v1/users/not-an-id/preferences', { token: alice.token })).status, 400);
});

test.run();
