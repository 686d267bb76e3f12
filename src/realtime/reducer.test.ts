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

test('a REST reply applied through its event handler equals the event (the socket copy is then ignored)', () => {
  const p = post('a', me, 10);
  const viaReply = reduce.posted(base(), { post: p });
  assert.equal(viaReply, applyEvent(base(), posted(p)));
  assert.is(applyEvent(viaReply, posted(p)), viaReply);
});

test.run();
