/**
 * verifyAction over the chat-core actions: for each, the events a user receives, applied with
 * the web client's reducer, turn the user's state before into the state after (fresh over REST).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { testApp, type TestContext } from '../../test/app.ts';
import { fxUser, type FxUser } from '../../test/fixtures.ts';
import { verifyAction } from '../../test/realtime-verify.ts';

let ctx: TestContext;
let alice: FxUser; // team admin, does most things
let bob: FxUser; // the observer whose state is verified
let carol: FxUser;
let teamId: string;
let channelId: string;
let rootId: string;

const who = (u: FxUser) => ({ id: u.id, token: u.token });

async function call(u: FxUser, method: string, path: string, body?: unknown): Promise<any> {
  const r = await ctx.req(method, `/api/v1${path}`, { token: u.token, body });
  if (r.status < 200 || r.status > 299) throw new Error(`${method} ${path}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

test.before(async () => {
  ctx = await testApp();
  alice = await fxUser(ctx.deps);
  bob = await fxUser(ctx.deps);
  carol = await fxUser(ctx.deps);
  const team = await call(alice, 'POST', '/teams', { type: 'O', name: `vt${Date.now().toString(36)}`, display_name: 'Verify' });
  teamId = team.id;
  await call(alice, 'POST', `/teams/${teamId}/members`, { user_id: carol.id });
});

test.after(async () => ctx?.close());

const names = (events: { event: string }[]) => events.map((e) => e.event);

test('team: added to a team (and its default channels)', async () => {
  const { events } = await verifyAction(ctx, who(bob), () => call(alice, 'POST', `/teams/${teamId}/members`, { user_id: bob.id }));
  assert.ok(names(events).includes('added_to_team'), names(events).join());
  assert.ok(names(events).includes('user_added'));
});

test('channel create: a new channel with bob as member', async () => {
  const ch = await call(alice, 'POST', '/channels', { team_id: teamId, name: `v${Date.now().toString(36)}`, display_name: 'V', type: 'public' });
  channelId = ch.id;
  const { events } = await verifyAction(ctx, who(bob), () => call(alice, 'POST', `/channels/${channelId}/members`, { user_id: bob.id }));
  assert.equal(names(events), ['user_added']);
  await call(alice, 'POST', `/channels/${channelId}/members`, { user_id: carol.id });
});

test('posts: someone else posts, with and without a mention of me', async () => {
  const { events, result } = await verifyAction(ctx, who(bob), () => call(alice, 'POST', `/channels/${channelId}/posts`, { message: 'hello all' }));
  assert.equal(names(events), ['posted']);
  rootId = result.id;
  await verifyAction(ctx, who(bob), () => call(carol, 'POST', `/channels/${channelId}/posts`, { message: `hey @${bob.username}` }));
  await verifyAction(ctx, who(bob), () => call(carol, 'POST', `/channels/${channelId}/posts`, { message: 'ping @channel' }));
});

test('posts: my own post', async () => {
  await verifyAction(ctx, who(bob), () => call(bob, 'POST', `/channels/${channelId}/posts`, { message: 'mine' }));
});

test('replies: first reply starts a thread, second extends it', async () => {
  await verifyAction(ctx, who(bob), () => call(carol, 'POST', `/channels/${channelId}/posts`, { message: 'reply 1', root_id: rootId }));
  await verifyAction(ctx, who(bob), () => call(bob, 'POST', `/channels/${channelId}/posts`, { message: 'reply 2', root_id: rootId }));
});

test('edit', async () => {
  const { events } = await verifyAction(ctx, who(bob), () => call(alice, 'PATCH', `/posts/${rootId}`, { message: 'hello all (edited)' }));
  assert.equal(names(events), ['post_edited']);
});

test('reactions: add and remove', async () => {
  const add = await verifyAction(ctx, who(bob), () => call(carol, 'POST', `/posts/${rootId}/reactions`, { emoji_name: 'smile' }));
  assert.equal(names(add.events), ['reaction_added']);
  await verifyAction(ctx, who(bob), () => call(bob, 'POST', `/posts/${rootId}/reactions`, { emoji_name: 'smile' }));
  const rm = await verifyAction(ctx, who(bob), () => call(carol, 'DELETE', `/posts/${rootId}/reactions/smile`));
  assert.equal(names(rm.events), ['reaction_removed']);
});

test('pins: pin and unpin', async () => {
  const pin = await verifyAction(ctx, who(bob), () => call(alice, 'POST', `/posts/${rootId}/pin`));
  assert.equal(names(pin.events), ['post_pinned']);
  await verifyAction(ctx, who(bob), () => call(alice, 'DELETE', `/posts/${rootId}/pin`));
});

test('delete: a reply, then a root with its replies', async () => {
  const reply = await call(carol, 'POST', `/channels/${channelId}/posts`, { message: 'to delete', root_id: rootId });
  await verifyAction(ctx, who(bob), () => call(carol, 'DELETE', `/posts/${reply.id}`));
  const { events } = await verifyAction(ctx, who(bob), () => call(alice, 'DELETE', `/posts/${rootId}`));
  assert.equal(names(events), ['post_deleted']);
});

test('mark read: channel_viewed and unread_updated to me', async () => {
  await call(carol, 'POST', `/channels/${channelId}/posts`, { message: `unread @${bob.username}` });
  const { events } = await verifyAction(ctx, who(bob), () => call(bob, 'POST', `/channels/${channelId}/read`));
  assert.equal(names(events), ['channel_viewed', 'unread_updated']);
});

test('channel update, archive, restore', async () => {
  const up = await verifyAction(ctx, who(bob), () => call(alice, 'PATCH', `/channels/${channelId}`, { display_name: 'Renamed', header: 'new header' }));
  assert.equal(names(up.events), ['channel_updated']);
  const del = await verifyAction(ctx, who(bob), () => call(alice, 'DELETE', `/channels/${channelId}`));
  assert.equal(names(del.events), ['channel_deleted']);
  const res = await verifyAction(ctx, who(bob), () => call(alice, 'POST', `/channels/${channelId}/restore`));
  assert.equal(names(res.events), ['channel_restored']);
});

test('membership: removed from a channel, join again, leave', async () => {
  const rm = await verifyAction(ctx, who(bob), () => call(alice, 'DELETE', `/channels/${channelId}/members/${bob.id}`));
  assert.equal(names(rm.events), ['user_removed']);
  await verifyAction(ctx, who(bob), () => call(bob, 'POST', `/channels/${channelId}/join`));
  await verifyAction(ctx, who(bob), () => call(bob, 'POST', `/channels/${channelId}/leave`));
  // Someone else joining a channel I am in.
  await verifyAction(ctx, who(carol), () => call(bob, 'POST', `/channels/${channelId}/join`));
});

test('private channel and direct message created with me', async () => {
  const priv = await verifyAction(ctx, who(bob), async () => {
    const ch = await call(alice, 'POST', '/channels', { team_id: teamId, name: `p${Date.now().toString(36)}`, display_name: 'P', type: 'private' });
    await call(alice, 'POST', `/channels/${ch.id}/members`, { user_id: bob.id });
    return ch;
  });
  assert.ok(names(priv.events).includes('user_added'));
  const dm = await verifyAction(ctx, who(bob), () => call(carol, 'POST', '/channels/direct', { user_id: bob.id }));
  assert.equal(names(dm.events), ['channel_created']);
  await verifyAction(ctx, who(bob), () => call(carol, 'POST', `/channels/${dm.result.id}/posts`, { message: 'dm' }));
});

test('profile update reaches those who hold the user', async () => {
  await verifyAction(ctx, who(bob), () => call(carol, 'PATCH', `/users/${carol.id}`, { nickname: 'cc' }), { userIds: [carol.id] });
});

test('team: leave', async () => {
  const { events } = await verifyAction(ctx, who(bob), () => call(bob, 'POST', `/teams/${teamId}/leave`));
  assert.ok(names(events).includes('leave_team'));
});

test('verifyAction fails when an event is lost (the check has teeth)', async () => {
  let failed = false;
  try {
    await verifyAction(ctx, who(carol), async () => {
      const r = await call(alice, 'POST', `/channels/${channelId}/posts`, { message: 'lost' });
      ctx.takeEvents(); // drop what carol would have received
      return r;
    });
  } catch {
    failed = true;
  }
  assert.ok(failed, 'a lost posted event must make verifyAction fail');
});

test.run();
