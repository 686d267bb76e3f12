import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { state, mergeChannels, mergePosts, mergeTeams, setMember, unreadOf } from './state.ts';
import { applyEvent, emptyState, loadMyChannels, type Channel, type Post } from '../../src/realtime/reducer.ts';

const CH = 'c'.repeat(26);
const post = (n: number, extra: Partial<Post> = {}): Post =>
  ({ id: `p${String(n).padStart(25, '0')}`, channel_id: CH, user_id: 'u'.repeat(26), root_id: '', message: `m${n}`, create_at: 1000 + n, update_at: 1000 + n, edit_at: 0, delete_at: 0, is_pinned: false, reply_count: 0, last_reply_at: 0, props: {}, file_ids: [], client_msg_id: '', type: '', metadata: { reactions: [], files: [] }, ...extra }) as Post;

const fresh = () => loadMyChannels(emptyState('u'.repeat(26)), [{ id: CH, team_id: '', type: 'O', name: 'c', display_name: 'C', total_msg_count: 2 } as unknown as Channel]);

test('a refetch keeps a post that arrived over the socket while the request was in flight', () => {
  state.value = fresh();
  mergePosts(CH, [post(1), post(2)], { reset: true });
  const before = state.value;
  // While GET /posts is in flight, post 3 is committed and its `posted` event applied; the
  // server's answer was read before the commit, so it lacks post 3.
  state.value = applyEvent(state.value, { event: 'posted', data: { post: post(3), channel_id: CH }, seq: 1 } as any);
  assert.ok(state.value.postsInChannel[CH]?.includes(post(3).id), 'the event was applied');
  mergePosts(CH, [post(1), post(2)], { reset: true, before });
  assert.equal(state.value.postsInChannel[CH], [post(1).id, post(2).id, post(3).id]);
});

test('a refetch still drops posts held before it that the server no longer returns (deleted meanwhile)', () => {
  state.value = fresh();
  mergePosts(CH, [post(1), post(2), post(3)], { reset: true });
  const before = state.value;
  mergePosts(CH, [post(1), post(3)], { reset: true, before });
  assert.equal(state.value.postsInChannel[CH], [post(1).id, post(3).id]);
});

test('a first page that left before a post arrived keeps it, though the list was not loaded when it came', () => {
  state.value = fresh();
  const before = state.value;
  // The channel is opening (no list yet) when my post's reply (or its event) is applied.
  state.value = applyEvent(state.value, { event: 'posted', data: { post: post(3), channel_id: CH }, seq: 1 } as any);
  assert.is(state.value.postsInChannel[CH], undefined, 'no list to insert into yet');
  mergePosts(CH, [post(1), post(2)], { reset: true, before, complete: true });
  assert.equal(state.value.postsInChannel[CH], [post(1).id, post(2).id, post(3).id]);
});

test('an answer older than an edit, a deletion or a reaction does not undo them', () => {
  state.value = fresh();
  mergePosts(CH, [post(1), post(2), post(3)], { reset: true });
  const before = state.value;
  state.value = applyEvent(state.value, { event: 'post_edited', data: { post: post(1, { message: 'edited', update_at: 5000, edit_at: 5000 }) }, seq: 1 } as any);
  state.value = applyEvent(state.value, { event: 'post_deleted', data: { post: post(2) }, seq: 2 } as any);
  const reaction = { post_id: post(3).id, user_id: 'v'.repeat(26), emoji_name: 'tada', create_at: 5000 };
  state.value = applyEvent(state.value, { event: 'reaction_added', data: { reaction }, seq: 3 } as any);
  mergePosts(CH, [post(1), post(2), post(3)], { reset: true, before, complete: true });
  const s = state.value;
  assert.equal(s.postsInChannel[CH], [post(1).id, post(3).id]);
  assert.is(s.posts[post(1).id].message, 'edited');
  assert.is(s.posts[post(2).id], undefined);
  assert.equal(s.reactions[post(3).id], [reaction]);
});

test('a thread answer older than a reply keeps the reply', () => {
  state.value = fresh();
  mergePosts(CH, [post(1)], { reset: true });
  const before = state.value;
  state.value = applyEvent(state.value, { event: 'posted', data: { post: post(2, { root_id: post(1).id }), channel_id: CH }, seq: 1 } as any);
  mergePosts(CH, [post(1)], { thread: post(1).id, reset: true, before });
  assert.equal(state.value.threads[post(1).id], [post(2).id]);
});

test('a root read after a reply committed and landing before its event counts the reply once', () => {
  state.value = fresh();
  const root = post(1, { reply_count: 1, last_reply_at: 1002, update_at: 1002 });
  mergePosts(CH, [root, post(2, { root_id: root.id })], { reset: true });
  assert.is(state.value.posts[root.id].reply_count, 1);
  const before = state.value;
  // Reply 3 commits; a permalink of the root is read after it (it counts 2) and lands before the event.
  mergePosts(CH, [{ ...root, reply_count: 2, last_reply_at: 1003, update_at: 1003 }], { holdOnly: true, before });
  assert.is(state.value.posts[root.id].reply_count, 2);
  const reply = post(3, { root_id: root.id });
  state.value = applyEvent(state.value, { event: 'posted', data: { post: reply, channel_id: CH, mentions: [], total_msg_count: 3, total_msg_count_root: 1, root_reply_count: 2 }, seq: 1 } as any);
  assert.is(state.value.posts[root.id].reply_count, 2, 'counted once');
  assert.equal(state.value.postsInChannel[CH], [root.id, post(2).id, reply.id]);
});

const TEAM = 't'.repeat(26);
const chan = (n: string): Channel => ({ id: n.repeat(26), team_id: TEAM, type: 'O', name: n, display_name: n.toUpperCase(), total_msg_count: 0 }) as unknown as Channel;

test('a channel list fetched before a channel was created does not drop the new channel', () => {
  state.value = emptyState('u'.repeat(26));
  mergeChannels([{ channel: chan('a') }, { channel: chan('b') }]);
  const before = state.value;
  // While GET /teams/{id}/channels is in flight, the user creates channel x (or an event adds it);
  // the answer was read before, so it lacks x. Meanwhile b was left.
  mergeChannels([{ channel: chan('x') }]);
  mergeChannels([{ channel: chan('a') }, { channel: chan('b') }].slice(0, 1), { team: TEAM, before });
  assert.equal(Object.keys(state.value.channels).sort(), [chan('a').id, chan('x').id].sort());
});

test('a channel list older than a read and a new post keeps both; a channel left meanwhile stays gone', () => {
  state.value = emptyState('u'.repeat(26));
  const member = (c: Channel, n: number) => ({ channel_id: c.id, user_id: 'u'.repeat(26), last_viewed_at: n, msg_count: n, mention_count: 0 });
  const a = { ...chan('a'), total_msg_count: 3 };
  const b = { ...chan('b'), total_msg_count: 1 };
  const c = chan('c');
  mergeChannels([{ channel: a, member: member(a, 1) }, { channel: b, member: member(b, 1) }, { channel: c, member: member(c, 0) }]);
  const before = state.value;
  // Meanwhile: a is read here, someone posts in b, c is left.
  setMember(member(a, 3));
  state.value = applyEvent(state.value, { event: 'posted', data: { post: { ...post(9), channel_id: b.id, user_id: 'v'.repeat(26) }, channel_id: b.id }, seq: 1 } as any);
  state.value = applyEvent(state.value, { event: 'user_removed', data: { channel_id: c.id, user_id: 'u'.repeat(26) }, seq: 2 } as any);
  mergeChannels([{ channel: a, member: member(a, 1) }, { channel: b, member: member(b, 1) }, { channel: c, member: member(c, 0) }], { team: TEAM, before });
  const s = state.value;
  assert.is(unreadOf(s.channels[a.id], s.members[a.id]).unread, false, 'a stays read');
  assert.is(s.channels[b.id].total_msg_count, 2, 'b keeps the new post');
  assert.is(unreadOf(s.channels[b.id], s.members[b.id]).unread, true);
  assert.is(s.channels[c.id], undefined, 'c stays left');
});

test('a channel list read after a post committed and landing before its event counts the post once (then a read leaves it read)', () => {
  const me = 'u'.repeat(26);
  const ch = (total: number) => ({ id: CH, team_id: 't', type: 'O', name: 'c', display_name: 'C', total_msg_count: total, total_msg_count_root: total, last_post_at: 1000 + total, last_root_post_at: 1000 + total }) as unknown as Channel;
  const member = (read: number) => ({ channel_id: CH, user_id: me, last_viewed_at: 0, msg_count: read, mention_count: 0, msg_count_root: read, mention_count_root: 0 });
  state.value = emptyState(me);
  mergeChannels([{ channel: ch(2), member: member(2) }]);
  const before = state.value;
  // Post 3 commits; the list answer is read after it (it counts 3), and lands before the event.
  mergeChannels([{ channel: ch(3), member: member(2) }], { team: 't', before });
  state.value = applyEvent(state.value, { event: 'posted', data: { post: post(3, { user_id: 'v'.repeat(26) }), channel_id: CH, mentions: [], total_msg_count: 3, total_msg_count_root: 3 }, seq: 1 } as any);
  assert.is(state.value.channels[CH].total_msg_count, 3, 'counted once');
  // Reading the channel answers the server's member (it has read all 3): nothing stays unread.
  setMember(member(3));
  assert.is(unreadOf(state.value.channels[CH], state.value.members[CH]).unread, false);
});

test('a teams list older than a join keeps the new team and drops one left before it left', () => {
  const t = (n: string) => ({ id: n.repeat(26), name: n, display_name: n.toUpperCase() }) as any;
  state.value = emptyState('u'.repeat(26));
  mergeTeams([t('a'), t('b')]);
  const before = state.value;
  mergeTeams([t('x')]); // joined meanwhile
  mergeTeams([t('a')], { before }); // b was left before the answer was read
  assert.equal(Object.keys(state.value.teams).sort(), [t('a').id, t('x').id].sort());
});

test('a muted channel is never unread, but its mentions count', () => {
  const ch = { id: CH, team_id: 't', type: 'O', name: 'c', display_name: 'C', total_msg_count: 5 } as unknown as Channel;
  const m = { channel_id: CH, user_id: 'u', last_viewed_at: 0, msg_count: 2, mention_count: 1 };
  assert.equal(unreadOf(ch, m), { unread: true, mentions: 1, muted: false });
  assert.equal(unreadOf(ch, { ...m, notify_props: { mark_unread: 'mention' } }), { unread: false, mentions: 1, muted: true });
  // A muted direct message still counts each new message as a mention.
  const dm = { ...ch, type: 'D', team_id: '' } as unknown as Channel;
  assert.equal(unreadOf(dm, { ...m, mention_count: 0, notify_props: { mark_unread: 'mention' } }), { unread: false, mentions: 3, muted: true });
});

test.run();
