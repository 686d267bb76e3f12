import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { applyEvent, applyEvents, emptyState, loadChannelPosts, loadMyChannels, reduce, type ClientState } from './reducer.ts';
import type { ClientEvent } from '../contract/events.ts';
import type { Post } from '../contract/objects.ts';
import { sampleChannel, sampleData, sampleMember, samplePost, sampleReaction } from '../../test/samples.ts';

const ch = sampleChannel({ id: 'c'.repeat(26), team_id: 't'.repeat(26) });
const me = 'm'.repeat(26);
const other = 'o'.repeat(26);
const member = sampleMember({ channel_id: ch.id, user_id: me });
const post = (id: string, user: string, at: number, extra: Partial<Post> = {}) => samplePost({ id: id.padEnd(26, '0'), channel_id: ch.id, user_id: user, message: id, create_at: at, update_at: at, ...extra });
// Without the channel's totals (the handler then counts a post it does not hold), as a REST reply is applied.
const posted = (p: Post, mentions: string[] = []): ClientEvent => ({ event: 'posted', data: { ...sampleData().posted, post: p, channel_id: ch.id, mentions, total_msg_count: undefined as unknown as number, total_msg_count_root: undefined as unknown as number } });
const deleted = (p: Post): ClientEvent => ({ event: 'post_deleted', data: { post: { ...p, delete_at: 12 }, channel_id: ch.id, deleted_reply_count: 0 } });

function base(): ClientState {
  return loadChannelPosts(loadMyChannels(emptyState(me), [{ ...ch, member }]), ch.id, []);
}

test('applyEvent does not mutate its input and returns the same state for unknown events', () => {
  const s = base();
  const frozen = JSON.stringify(s);
  const next = applyEvent(s, posted(post('a', other, 10)));
  assert.is(JSON.stringify(s), frozen);
  assert.is.not(next, s);
  // A newer server's event (the frame is parsed JSON, so its name is any string).
  assert.is(applyEvent(s, JSON.parse('{"event":"no_such_event","data":{}}') as ClientEvent), s);
});

test('posted: counters, ordering, a duplicate (replay) is applied once', () => {
  const p2 = post('b', other, 20);
  const s = applyEvents(base(), [posted(p2, [me]), posted(post('a', other, 10)), posted(p2, [me])]);
  assert.equal(s.postsInChannel[ch.id], [post('a', other, 10).id, p2.id]);
  assert.is(s.channels[ch.id].total_msg_count, 2);
  assert.is(s.members[ch.id].mention_count, 1);
  assert.is(s.members[ch.id].msg_count, 0, 'unread: 2');
});

test('ephemeral_message: shown in the channel, no counter moves, applied once', () => {
  const e = post('e', me, 30, { type: 'system_ephemeral' });
  const ev: ClientEvent = { event: 'ephemeral_message', data: { post: e, channel_id: ch.id } };
  const s0 = applyEvent(base(), posted(post('a', other, 10)));
  const s = applyEvents(s0, [ev, ev]);
  assert.equal(s.postsInChannel[ch.id], [post('a', other, 10).id, e.id]);
  assert.is(s.channels[ch.id].total_msg_count, s0.channels[ch.id].total_msg_count);
  assert.equal(s.members[ch.id], s0.members[ch.id]);
  assert.is(applyEvent(emptyState(me), ev).posts[e.id], undefined, 'a channel not held: ignored');
});

test('posted to a channel I do not hold, and typing by me, change nothing', () => {
  const s = base();
  assert.is(applyEvent(s, posted({ ...post('z', other, 5), channel_id: 'q'.repeat(26) })), s);
  assert.is(applyEvent(s, { event: 'typing', data: { channel_id: ch.id, root_id: '', user_id: me, at: 1 } }), s);
  const t = applyEvent(s, { event: 'typing', data: { channel_id: ch.id, root_id: '', user_id: other, at: 7 } });
  assert.equal(t.typing[ch.id], { [other]: 7 });
});

test('user_removed (me) forgets the channel, its posts and reactions', () => {
  let s = applyEvent(base(), posted(post('a', other, 10)));
  s = applyEvent(s, { event: 'reaction_added', data: { reaction: sampleReaction({ post_id: post('a', other, 10).id, user_id: other, emoji_name: 'x' }), channel_id: ch.id } });
  assert.is(Object.keys(s.reactions).length, 1);
  s = applyEvent(s, { event: 'user_removed', data: { channel_id: ch.id, team_id: ch.team_id, user_id: me, remover_id: me } });
  assert.equal([s.channels, s.members, s.posts, s.reactions], [{}, {}, {}, {}]);
  assert.is(s.postsInChannel[ch.id], undefined);
});

test('post_deleted drops a root with its replies and lowers reply_count for a reply', () => {
  const root = post('r', other, 10);
  const reply = post('p', me, 11, { root_id: root.id });
  let s = applyEvents(base(), [posted(root), posted(reply)]);
  assert.is(s.posts[root.id].reply_count, 1);
  assert.equal(s.threads[root.id], [reply.id]);
  const afterReply = applyEvent(s, deleted(reply));
  assert.is(afterReply.posts[root.id].reply_count, 0);
  s = applyEvent(s, deleted(root));
  assert.equal(s.postsInChannel[ch.id], []);
  assert.equal(s.posts, {});
});

test('posted: a channel answer that already counts the post (read after it committed, landed before its event) is not counted again', () => {
  // The channel list was read after post `a` committed: its totals and my mention count include it.
  const a = post('a', other, 10);
  const s0 = loadMyChannels(emptyState(me), [{ ...ch, total_msg_count: 1, total_msg_count_root: 1, last_post_at: 10, member: { ...member, msg_count: 0, mention_count: 1, msg_count_root: 0, mention_count_root: 1 } }]);
  const ev = (p: Post, total: number, mentions: string[] = []): ClientEvent => ({ event: 'posted', data: { ...sampleData().posted, post: p, channel_id: ch.id, mentions, total_msg_count: total, total_msg_count_root: total } });
  const s = applyEvent(s0, ev(a, 1, [me]));
  assert.is(s.channels[ch.id].total_msg_count, 1, 'counted once');
  assert.is(s.channels[ch.id].total_msg_count_root, 1);
  assert.is(s.members[ch.id].mention_count, 1, 'one mention');
  assert.is(s.members[ch.id].mention_count_root, 1);
  // A post the answer did not count still is.
  const t = applyEvent(s, ev(post('b', other, 20), 2, [me]));
  assert.is(t.channels[ch.id].total_msg_count, 2);
  assert.is(t.members[ch.id].mention_count, 2);
});

test('posted: my post answered over REST before the event of a post committed just before it leaves both counted once', () => {
  const s0 = base();
  const bob = post('b', other, 10);
  const mine = post('m', me, 11);
  const ev = (p: Post, total: number): ClientEvent => ({ event: 'posted', data: { ...sampleData().posted, post: p, channel_id: ch.id, mentions: [], total_msg_count: total, total_msg_count_root: total } });
  // The reply to my send lands first (it knows nothing of bob's post), then both events in order.
  const s = applyEvents(reduce.posted(s0, { post: mine }), [ev(bob, 1), ev(mine, 2)]);
  assert.is(s.channels[ch.id].total_msg_count, 2);
  assert.is(s.channels[ch.id].total_msg_count_root, 2);
  assert.is(s.members[ch.id].msg_count, 2, 'read: I posted last');
  assert.equal(s.postsInChannel[ch.id], [bob.id, mine.id]);
});

test('posted: a page that already counts a reply (read after it committed, landed before its event) does not count it again', () => {
  const root = post('r', other, 10);
  const a = post('a', other, 11, { root_id: root.id });
  const b = post('b', other, 12, { root_id: root.id });
  const ev = (p: Post, total: number, rootCount: number): ClientEvent => ({ event: 'posted', data: { ...sampleData().posted, post: p, channel_id: ch.id, total_msg_count: total, total_msg_count_root: 1, root_reply_count: rootCount } });
  // The channel and reply `a` are known; a page read after reply `b` committed (a permalink of the
  // root, channel history without the reply) holds the root counting 2 replies, without `b` itself.
  const s0 = loadChannelPosts(loadMyChannels(emptyState(me), [{ ...ch, total_msg_count: 2, total_msg_count_root: 1, member }]), ch.id, [root, a]);
  const paged = loadChannelPosts(s0, ch.id, [{ ...root, reply_count: 2, last_reply_at: 12 }, a]);
  const s = applyEvent(paged, ev(b, 3, 2));
  assert.is(s.posts[root.id].reply_count, 2, 'counted once');
  assert.is(s.posts[root.id].last_reply_at, 12);
  assert.ok(s.posts[b.id], 'the reply is held');
  assert.is(applyEvent(s, ev(b, 3, 2)), s, 'a replay changes nothing');
  // A root copy older than the event takes the event's count (here the page missed reply `a` too).
  const stale = loadChannelPosts(s0, ch.id, [root]);
  assert.is(applyEvent(stale, ev(b, 3, 2)).posts[root.id].reply_count, 2);
  // A copy counting more (read after a later reply) is not lowered; the later reply's event keeps it.
  const newer = loadChannelPosts(s0, ch.id, [{ ...root, reply_count: 3, last_reply_at: 13 }]);
  const t = applyEvent(newer, ev(b, 3, 2));
  assert.is(t.posts[root.id].reply_count, 3);
  assert.is(applyEvent(t, ev(post('c', other, 13, { root_id: root.id }), 4, 3)).posts[root.id].reply_count, 3);
  // Without the count (a REST reply applied with this handler) a reply not held counts one.
  assert.is(applyEvent(s0, posted(b)).posts[root.id].reply_count, 1);
});

test('posted: my reply answered over REST before the event of a reply committed just before it leaves the root counting both', () => {
  const root = post('r', other, 10);
  const bobs = post('b', other, 11, { root_id: root.id });
  const mine = post('m', me, 12, { root_id: root.id });
  const ev = (p: Post, total: number, rootCount: number): ClientEvent => ({ event: 'posted', data: { ...sampleData().posted, post: p, channel_id: ch.id, total_msg_count: total, total_msg_count_root: 1, root_reply_count: rootCount } });
  const s0 = applyEvent(base(), ev(root, 1, 0));
  const s = applyEvents(reduce.posted(s0, { post: mine }), [ev(bobs, 2, 1), ev(mine, 3, 2)]);
  assert.is(s.posts[root.id].reply_count, 2);
  assert.equal(s.threads[root.id], [bobs.id, mine.id]);
});

test('post_deleted: a page read after a reply was deleted (landed before the event) is not lowered again', () => {
  const root = post('r', other, 10);
  const [a, b] = [post('a', other, 11, { root_id: root.id }), post('b', other, 12, { root_id: root.id })];
  const s0 = applyEvents(base(), [posted(root), posted(a), posted(b)]);
  assert.is(s0.posts[root.id].reply_count, 2);
  const del = (p: Post, rootCount: number): ClientEvent => ({ event: 'post_deleted', data: { post: { ...p, delete_at: 20 }, channel_id: ch.id, deleted_reply_count: 0, root_reply_count: rootCount } });
  // The root as read after `b` was deleted (the reply itself is still held).
  const paged = loadChannelPosts(s0, ch.id, [{ ...root, reply_count: 1 }, a]);
  const s = applyEvent(paged, del(b, 1));
  assert.is(s.posts[root.id].reply_count, 1, 'lowered once');
  assert.is(s.posts[b.id], undefined);
  // A root copy older than the deletion takes the event's count, even when the reply was not held.
  const rootOnly = loadChannelPosts(loadChannelPosts(base(), ch.id, []), ch.id, [{ ...root, reply_count: 2 }]);
  assert.is(applyEvent(rootOnly, del(b, 1)).posts[root.id].reply_count, 1);
  // The event never raises a count (a copy read after a later deletion).
  assert.is(applyEvent(loadChannelPosts(s0, ch.id, [{ ...root, reply_count: 0 }]), del(b, 1)).posts[root.id].reply_count, 0);
});

test('a REST reply applied through its event handler equals the event (the socket copy is then ignored)', () => {
  const p = post('a', me, 10);
  const viaReply = reduce.posted(base(), { post: p });
  assert.equal(viaReply, applyEvent(base(), posted(p)));
  assert.is(applyEvent(viaReply, posted(p)), viaReply);
});

test.run();
