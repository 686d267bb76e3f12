/**
 * Edit history (issue 15 item 10) through the native API: each edit keeps the version it
 * replaced (message, files, props) with when it was written and replaced; an edit that changes
 * nothing keeps nothing; the edit still reaches members as post_edited (verifyAction); only the
 * author sees the history; at most 100 versions. PGlite, and PostgreSQL with
 * RUSTCHAT_TEST_DATABASE_URL.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { testApp, type TestContext } from '../../test/app.ts';
import { fxUser, type FxUser } from '../../test/fixtures.ts';
import { verifyAction } from '../../test/realtime-verify.ts';
import { MAX_POST_EDITS } from '../store/post-edits.ts';

let ctx: TestContext;
let alice: FxUser;
let bob: FxUser;
let channelId: string;
let clock = 1_800_000_000_000;

async function call(u: FxUser, method: string, path: string, body?: unknown): Promise<any> {
  const r = await ctx.req(method, `/api/v1${path}`, { token: u.token, body });
  if (r.status < 200 || r.status > 299) throw new Error(`${method} ${path}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}
const history = async (id: string) => (await call(alice, 'GET', `/posts/${id}/history`)).items;

test.before(async () => {
  ctx = await testApp({ now: () => (clock += 1000) });
  [alice, bob] = await Promise.all([fxUser(ctx.deps), fxUser(ctx.deps)]);
  const team = await call(alice, 'POST', '/teams', { type: 'O', name: `eh${Date.now().toString(36)}`, display_name: 'Edits' });
  await call(alice, 'POST', `/teams/${team.id}/members`, { user_id: bob.id });
  channelId = (await call(alice, 'POST', '/channels', { team_id: team.id, name: 'eh', display_name: 'EH', type: 'private' })).id;
  await call(alice, 'POST', `/channels/${channelId}/members`, { user_id: bob.id });
});
test.after(async () => ctx?.close());

test('each edit keeps the replaced version, latest first; members get post_edited', async () => {
  const p = await call(alice, 'POST', `/channels/${channelId}/posts`, { message: 'first' });
  assert.equal(await history(p.id), []);
  const { events, result } = await verifyAction(ctx, { id: bob.id, token: bob.token }, () => call(alice, 'PATCH', `/posts/${p.id}`, { message: 'second' }));
  assert.equal(events.map((e) => e.event), ['post_edited']);
  await call(alice, 'PATCH', `/posts/${p.id}`, { message: 'third' });
  const h = await history(p.id);
  assert.equal(h.map((v: any) => v.message), ['second', 'first']);
  assert.is(h[1].written_at, p.create_at);
  assert.is(h[1].replaced_at, result.edit_at);
  assert.is(h[0].written_at, result.edit_at);
  assert.is(h[0].post_id, p.id);
  // Editing to the same text changes nothing in the history.
  await call(alice, 'PATCH', `/posts/${p.id}`, { message: 'third' });
  assert.is((await history(p.id)).length, 2);
});

test('only the author; not a deleted post; bad ids', async () => {
  const p = await call(alice, 'POST', `/channels/${channelId}/posts`, { message: 'mine' });
  await call(alice, 'PATCH', `/posts/${p.id}`, { message: 'mine, edited' });
  const r = await ctx.req('GET', `/api/v1/posts/${p.id}/history`, { token: bob.token });
  assert.is(r.status, 403);
  assert.is(r.body.error.code, 'not_post_author');
  const outsider = await fxUser(ctx.deps);
  assert.is((await ctx.req('GET', `/api/v1/posts/${p.id}/history`, { token: outsider.token })).status, 403);
  await call(alice, 'DELETE', `/posts/${p.id}`);
  assert.is((await ctx.req('GET', `/api/v1/posts/${p.id}/history`, { token: alice.token })).status, 404);
  assert.is((await ctx.req('GET', '/api/v1/posts/nope/history', { token: alice.token })).body.error.code, 'invalid_id');
});

test(`at most ${MAX_POST_EDITS} versions, the oldest go first`, async () => {
  const p = await call(alice, 'POST', `/channels/${channelId}/posts`, { message: 'v0' });
  for (let i = 1; i <= MAX_POST_EDITS + 2; i++) await call(alice, 'PATCH', `/posts/${p.id}`, { message: `v${i}` });
  const h = await history(p.id);
  assert.is(h.length, MAX_POST_EDITS);
  assert.is(h[0].message, `v${MAX_POST_EDITS + 1}`);
  assert.is(h[h.length - 1].message, 'v2');
});

test.run();
