import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { testApp, type TestContext } from '../../../test/app.ts';
import { fxChannel, fxTeam, fxUser, type FxUser } from '../../../test/fixtures.ts';
import { applyEvents, emptyState, type ClientState } from '../../realtime/reducer.ts';
import type { AppEvent } from '../../contract/events.ts';

/**
 * Zulip's verify_action for posts, threads, reactions and pins: for each user, the state
 * fetched over REST before an action, with the events the action sent to that user applied by
 * the web client's own reducer, must equal the state fetched over REST after it.
 */
let t: TestContext;
let users: FxUser[] = [];
let states: ClientState[] = [];
let channelId = '';

test.before(async () => {
  t = await testApp();
});
test.after(async () => t.close());

/** What a client holds about one channel after loading it: channel, membership, posts, threads, reactions, pins. */
async function snapshot(u: FxUser): Promise<ClientState> {
  const s = emptyState(u.id);
  const get = async (path: string) => {
    const r = await t.req('GET', path, { token: u.token });
    assert.is(r.status, 200, `${path}: ${JSON.stringify(r.body)}`);
    return r.body;
  };
  s.channels[channelId] = await get(`/api/v1/channels/${channelId}`);
  const members = await get(`/api/v1/channels/${channelId}/members`);
  s.members[channelId] = members.items.find((m: any) => m.user_id === u.id);
  const history = await get(`/api/v1/channels/${channelId}/posts?limit=200`);
  const posts = [...history.items].reverse();
  s.postsInChannel[channelId] = posts.map((p: any) => p.id);
  for (const p of posts) {
    s.posts[p.id] = p;
    if (p.metadata.reactions.length) s.reactions[p.id] = p.metadata.reactions;
  }
  for (const p of posts.filter((x: any) => !x.root_id)) {
    const thread = await get(`/api/v1/posts/${p.id}/thread`);
    s.threads[p.id] = thread.items.map((x: any) => x.id);
  }
  const pinned = await get(`/api/v1/channels/${channelId}/pinned`);
  s.pinned[channelId] = pinned.items.map((p: any) => p.id).reverse();
  return s;
}

/** The parts both paths must agree on. A reaction changes a post's update_at but carries no post. */
function normal(s: ClientState) {
  const pick = (o: Record<string, any> | undefined, keys: string[]) => (o ? Object.fromEntries(keys.map((k) => [k, o[k]])) : o);
  const sorted = <T>(rec: Record<string, T>) => Object.fromEntries(Object.entries(rec).sort(([a], [b]) => a.localeCompare(b)));
  const posts = Object.fromEntries(Object.values(s.posts).map(({ metadata: _m, update_at: _u, ...p }) => [p.id, p]));
  return {
    channel: pick(s.channels[channelId], ['total_msg_count', 'total_msg_count_root', 'last_post_at', 'last_root_post_at']),
    member: pick(s.members[channelId], ['last_viewed_at', 'msg_count', 'mention_count', 'msg_count_root', 'mention_count_root']),
    posts: sorted(posts),
    postsInChannel: s.postsInChannel[channelId],
    // An empty thread list and a never-loaded one say the same thing.
    threads: sorted(Object.fromEntries(Object.entries(s.threads).filter(([, v]) => v && v.length))),
    reactions: sorted(
      Object.fromEntries(
        Object.entries(s.reactions).map(([id, list]) => [id, list.map((r) => `${r.user_id}:${r.emoji_name}`).sort()]),
      ),
    ),
    pinned: s.pinned[channelId],
  };
}

const delivered = (events: AppEvent[], userId: string) =>
  events.filter((e) => e.broadcast.user_ids.includes(userId) && e.broadcast.omit_user_id !== userId);

/** Runs one step and checks every user's reduced state against a fresh snapshot. */
async function verify(label: string, u: FxUser, method: string, path: string, body?: unknown) {
  t.takeEvents();
  const r = await t.req(method, path, { token: u.token, body });
  assert.ok(r.status < 300, `${label}: ${r.status} ${JSON.stringify(r.body)}`);
  const events = t.takeEvents();
  assert.ok(events.length > 0, `${label}: emitted nothing`);
  for (let i = 0; i < users.length; i++) {
    const reduced = applyEvents(states[i], delivered(events, users[i].id));
    const fresh = await snapshot(users[i]);
    assert.equal(normal(reduced), normal(fresh), `${label}: state of user ${i}`);
    states[i] = fresh;
  }
  return r.body;
}

test('posts, replies, mentions, edits, reactions, pins and deletes keep every client in step', async () => {
  const [alice, bob, carol] = await Promise.all([fxUser(t.deps), fxUser(t.deps), fxUser(t.deps)]);
  users = [alice, bob, carol];
  const team = await fxTeam(t.deps, alice, { members: [bob, carol] });
  channelId = (await fxChannel(t.deps, team.id, alice, { type: 'P', members: [bob, carol] })).id;
  states = await Promise.all(users.map(snapshot));
  const posts = `/api/v1/channels/${channelId}/posts`;

  const root = await verify('root with a mention', alice, 'POST', posts, { message: `hello @${bob.username}` });
  const reply = await verify('reply', bob, 'POST', posts, { message: 'hi back', root_id: root.id });
  await verify('@channel reply to a reply', carol, 'POST', posts, { message: 'all of you @channel', root_id: reply.id });
  await verify('mentioned author posts (marks the channel viewed)', alice, 'POST', posts, { message: 'another root' });
  await verify('edit', alice, 'PATCH', `/api/v1/posts/${root.id}`, { message: 'hello everyone' });
  await verify('react', bob, 'POST', `/api/v1/posts/${root.id}/reactions`, { emoji_name: 'tada' });
  await verify('react again, other emoji', carol, 'POST', `/api/v1/posts/${root.id}/reactions`, { emoji_name: '+1' });
  await verify('unreact', bob, 'DELETE', `/api/v1/posts/${root.id}/reactions/tada`);
  await verify('pin', carol, 'POST', `/api/v1/posts/${reply.id}/pin`);
  await verify('pin root', carol, 'POST', `/api/v1/posts/${root.id}/pin`);
  await verify('unpin', alice, 'DELETE', `/api/v1/posts/${reply.id}/pin`);
  const lone = await verify('another reply', carol, 'POST', posts, { message: 'short-lived', root_id: root.id });
  await verify('delete a reply', carol, 'DELETE', `/api/v1/posts/${lone.id}`);
  await verify('delete a root with replies (moderator)', alice, 'DELETE', `/api/v1/posts/${root.id}`);
});

test.run();
