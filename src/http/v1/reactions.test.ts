import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { testApp, type TestContext } from '../../../test/app.ts';
import { fxChannel, fxTeam, fxUser, type FxUser } from '../../../test/fixtures.ts';

let t: TestContext;
let alice: FxUser, bob: FxUser, dave: FxUser;
let chan: { id: string };
let postId: string;

const sorted = (a: string[]) => [...a].sort();

test.before(async () => {
  t = await testApp();
  alice = await fxUser(t.deps);
  bob = await fxUser(t.deps);
  dave = await fxUser(t.deps);
  const team = await fxTeam(t.deps, alice, { members: [bob, dave] });
  chan = await fxChannel(t.deps, team.id, alice, { type: 'P', members: [bob] });
  postId = (await t.req('POST', `/api/v1/channels/${chan.id}/posts`, { token: alice.token, body: { message: 'react to me' } })).body.id;
});
test.after(async () => t.close());

test('add a reaction: 201 then idempotent 200; one reaction_added event to members', async () => {
  t.takeEvents();
  const r = await t.req('POST', `/api/v1/posts/${postId}/reactions`, { token: bob.token, body: { emoji_name: '+1' } });
  assert.is(r.status, 201);
  assert.equal(Object.keys(r.body).sort(), ['create_at', 'emoji_name', 'post_id', 'user_id']);
  assert.is(r.body.user_id, bob.id);
  assert.is(r.body.emoji_name, '+1');
  const ev = t.takeEvents();
  assert.is(ev.length, 1);
  assert.is(ev[0].event, 'reaction_added');
  assert.equal(ev[0].data.reaction, r.body);
  assert.is(ev[0].data.channel_id, chan.id);
  assert.equal(sorted(ev[0].broadcast.user_ids), sorted([alice.id, bob.id]));

  const again = await t.req('POST', `/api/v1/posts/${postId}/reactions`, { token: bob.token, body: { emoji_name: '+1' } });
  assert.is(again.status, 200);
  assert.equal(again.body, r.body);
  assert.is(t.takeEvents().length, 0);
  await t.req('POST', `/api/v1/posts/${postId}/reactions`, { token: alice.token, body: { emoji_name: '+1' } });
  await t.req('POST', `/api/v1/posts/${postId}/reactions`, { token: alice.token, body: { emoji_name: 'white_check_mark' } });

  const list = await t.req('GET', `/api/v1/posts/${postId}/reactions`, { token: alice.token });
  assert.is(list.status, 200);
  assert.is(list.body.items.length, 3);
  const p = await t.req('GET', `/api/v1/posts/${postId}`, { token: bob.token });
  assert.equal(p.body.metadata.reactions, list.body.items, 'posts carry their reactions');
  const n = await t.deps.db.query<any>('select count(*)::int as n from reactions where post_id = $1', [postId]);
  assert.is(n[0].n, 3);
});

test('remove a reaction: event once, then a no-op', async () => {
  t.takeEvents();
  const r = await t.req('DELETE', `/api/v1/posts/${postId}/reactions/white_check_mark`, { token: alice.token });
  assert.is(r.status, 200);
  assert.is(r.body.removed, true);
  const ev = t.takeEvents();
  assert.is(ev.length, 1);
  assert.is(ev[0].event, 'reaction_removed');
  assert.equal(ev[0].data.reaction, { post_id: postId, user_id: alice.id, emoji_name: 'white_check_mark', create_at: (ev[0].data.reaction as any).create_at });
  const again = await t.req('DELETE', `/api/v1/posts/${postId}/reactions/white_check_mark`, { token: alice.token });
  assert.is(again.status, 200);
  assert.is(again.body.removed, false);
  assert.is(t.takeEvents().length, 0);
  // Only one's own reaction: alice removing "+1" leaves bob's.
  await t.req('DELETE', `/api/v1/posts/${postId}/reactions/+1`, { token: alice.token });
  const left = await t.req('GET', `/api/v1/posts/${postId}/reactions`, { token: alice.token });
  assert.equal(left.body.items.map((x: any) => x.user_id), [bob.id]);
});

test('reactions: bad emoji names, non-members, deleted posts', async () => {
  for (const name of ['', 'UPPER', 'has space', 'x'.repeat(65), "'; drop table reactions;--", '%', 'é']) {
    const r = await t.req('POST', `/api/v1/posts/${postId}/reactions`, { token: bob.token, body: { emoji_name: name } });
    assert.is(r.status, 400, name);
    assert.is(r.body.error.code, 'invalid_emoji_name', name);
  }
  const wrongType = await t.req('POST', `/api/v1/posts/${postId}/reactions`, { token: bob.token, body: { emoji_name: 7 } });
  assert.is(wrongType.body.error.code, 'invalid_input');
  const outsider = await t.req('POST', `/api/v1/posts/${postId}/reactions`, { token: dave.token, body: { emoji_name: 'smile' } });
  assert.is(outsider.status, 403);
  const del = (await t.req('POST', `/api/v1/channels/${chan.id}/posts`, { token: bob.token, body: { message: 'gone soon' } })).body.id;
  await t.req('DELETE', `/api/v1/posts/${del}`, { token: bob.token });
  const onDeleted = await t.req('POST', `/api/v1/posts/${del}/reactions`, { token: bob.token, body: { emoji_name: 'smile' } });
  assert.is(onDeleted.status, 404);
  assert.is(onDeleted.body.error.code, 'post_not_found');
});

test('at most 50 different emoji on a post; more of an existing one is fine', async () => {
  const p = (await t.req('POST', `/api/v1/channels/${chan.id}/posts`, { token: alice.token, body: { message: 'popular' } })).body.id;
  const now = Date.now();
  for (let i = 0; i < 50; i++) {
    await t.deps.db.query(`insert into reactions (post_id, user_id, emoji_name, channel_id, create_at) values ($1, $2, $3, $4, $5)`, [p, alice.id, `e${i}`, chan.id, now]);
  }
  const more = await t.req('POST', `/api/v1/posts/${p}/reactions`, { token: bob.token, body: { emoji_name: 'e50' } });
  assert.is(more.status, 400);
  assert.is(more.body.error.code, 'too_many_reactions');
  const same = await t.req('POST', `/api/v1/posts/${p}/reactions`, { token: bob.token, body: { emoji_name: 'e7' } });
  assert.is(same.status, 201);
});

test('pin and unpin: events, idempotent, pinned list newest first', async () => {
  const a = (await t.req('POST', `/api/v1/channels/${chan.id}/posts`, { token: alice.token, body: { message: 'pin a' } })).body;
  const b = (await t.req('POST', `/api/v1/channels/${chan.id}/posts`, { token: alice.token, body: { message: 'pin b' } })).body;
  t.takeEvents();
  const pa = await t.req('POST', `/api/v1/posts/${a.id}/pin`, { token: bob.token });
  assert.is(pa.status, 200);
  assert.is(pa.body.is_pinned, true);
  let ev = t.takeEvents();
  assert.is(ev.length, 1);
  assert.is(ev[0].event, 'post_pinned');
  assert.equal(ev[0].data.post, pa.body);
  assert.equal(sorted(ev[0].broadcast.user_ids), sorted([alice.id, bob.id]));
  const twice = await t.req('POST', `/api/v1/posts/${a.id}/pin`, { token: bob.token });
  assert.is(twice.status, 200);
  assert.is(t.takeEvents().length, 0, 'pinning a pinned post emits nothing');
  await t.req('POST', `/api/v1/posts/${b.id}/pin`, { token: alice.token });
  let list = await t.req('GET', `/api/v1/channels/${chan.id}/pinned`, { token: bob.token });
  assert.equal(list.body.items.map((p: any) => p.id), [b.id, a.id]);

  t.takeEvents();
  const un = await t.req('DELETE', `/api/v1/posts/${a.id}/pin`, { token: alice.token });
  assert.is(un.body.is_pinned, false);
  ev = t.takeEvents();
  assert.is(ev.length, 1);
  assert.is(ev[0].event, 'post_unpinned');
  list = await t.req('GET', `/api/v1/channels/${chan.id}/pinned`, { token: bob.token });
  assert.equal(list.body.items.map((p: any) => p.id), [b.id]);
  // A deleted pinned post leaves the list.
  await t.req('DELETE', `/api/v1/posts/${b.id}`, { token: alice.token });
  list = await t.req('GET', `/api/v1/channels/${chan.id}/pinned`, { token: bob.token });
  assert.equal(list.body.items, []);
  const outsider = await t.req('POST', `/api/v1/posts/${a.id}/pin`, { token: dave.token });
  assert.is(outsider.status, 403);
});

test.run();
