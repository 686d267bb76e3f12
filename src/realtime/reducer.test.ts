import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { applyEvent, applyEvents, emptyState, loadChannelPosts, loadMyChannels, type ClientState } from './reducer.ts';

const ch = { id: 'c'.repeat(26), team_id: 't'.repeat(26), type: 'O', name: 'x', delete_at: 0, total_msg_count: 0, total_msg_count_root: 0, last_post_at: 0 };
const me = 'm'.repeat(26);
const other = 'o'.repeat(26);
const member = { channel_id: ch.id, user_id: me, last_viewed_at: 0, msg_count: 0, mention_count: 0, msg_count_root: 0, mention_count_root: 0 };
const post = (id: string, user: string, at: number, extra: Record<string, unknown> = {}) => ({ id: id.padEnd(26, '0'), channel_id: ch.id, user_id: user, root_id: '', message: id, create_at: at, update_at: at, delete_at: 0, reply_count: 0, ...extra });

function base(): ClientState {
  return loadChannelPosts(loadMyChannels(emptyState(me), [{ ...ch, member }]), ch.id, []);
}

test('applyEvent does not mutate its input and returns the same state for unknown events', () => {
  const s = base();
  const frozen = JSON.stringify(s);
  const next = applyEvent(s, { event: 'posted', data: { post: post('a', other, 10) } });
  assert.is(JSON.stringify(s), frozen);
  assert.is.not(next, s);
  assert.is(applyEvent(s, { event: 'no_such_event', data: {} }), s);
});

test('posted: counters, ordering, a duplicate (replay) is applied once', () => {
  const p2 = post('b', other, 20, { mentions: [me] });
  const s = applyEvents(base(), [
    { event: 'posted', data: { post: p2, mentions: [me] } },
    { event: 'posted', data: { post: post('a', other, 10) } },
    { event: 'posted', data: { post: p2, mentions: [me] } },
  ]);
  assert.equal(s.postsInChannel[ch.id], [post('a', other, 10).id, p2.id]);
  assert.is(s.channels[ch.id].total_msg_count, 2);
  assert.is(s.members[ch.id].mention_count, 1);
  assert.is(s.members[ch.id].msg_count, 0, 'unread: 2');
});

test('posted to a channel I do not hold, and typing by me, change nothing', () => {
  const s = base();
  assert.is(applyEvent(s, { event: 'posted', data: { post: { ...post('z', other, 5), channel_id: 'q'.repeat(26) } } }), s);
  assert.is(applyEvent(s, { event: 'typing', data: { channel_id: ch.id, user_id: me } }), s);
  const t = applyEvent(s, { event: 'typing', data: { channel_id: ch.id, user_id: other, at: 7 } });
  assert.equal(t.typing[ch.id], { [other]: 7 });
});

test('user_removed (me) forgets the channel, its posts and reactions', () => {
  let s = applyEvent(base(), { event: 'posted', data: { post: post('a', other, 10) } });
  s = applyEvent(s, { event: 'reaction_added', data: { reaction: { post_id: post('a', other, 10).id, user_id: other, emoji_name: 'x' } } });
  assert.is(Object.keys(s.reactions).length, 1);
  s = applyEvent(s, { event: 'user_removed', data: { channel_id: ch.id, user_id: me } });
  assert.equal([s.channels, s.members, s.posts, s.reactions], [{}, {}, {}, {}]);
  assert.is(s.postsInChannel[ch.id], undefined);
});

test('post_deleted drops a root with its replies and lowers reply_count for a reply', () => {
  const root = post('r', other, 10);
  const reply = post('p', me, 11, { root_id: root.id });
  let s = applyEvents(base(), [
    { event: 'posted', data: { post: root } },
    { event: 'posted', data: { post: reply } },
  ]);
  assert.is(s.posts[root.id].reply_count, 1);
  assert.equal(s.threads[root.id], [reply.id]);
  const afterReply = applyEvent(s, { event: 'post_deleted', data: { post: { ...reply, delete_at: 12 } } });
  assert.is(afterReply.posts[root.id].reply_count, 0);
  s = applyEvent(s, { event: 'post_deleted', data: { post: { ...root, delete_at: 12 } } });
  assert.equal(s.postsInChannel[ch.id], []);
  assert.equal(s.posts, {});
});

test.run();
