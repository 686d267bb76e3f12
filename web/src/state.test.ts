import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { state, mergePosts } from './state.ts';
import { applyEvent, emptyState, loadMyChannels, type Channel, type Post } from '../../src/realtime/reducer.ts';

const CH = 'c'.repeat(26);
const post = (n: number, extra: Partial<Post> = {}): Post =>
  ({ id: `p${String(n).padStart(25, '0')}`, channel_id: CH, user_id: 'u'.repeat(26), root_id: '', message: `m${n}`, create_at: 1000 + n, update_at: 1000 + n, edit_at: 0, delete_at: 0, is_pinned: false, reply_count: 0, last_reply_at: 0, props: {}, file_ids: [], client_msg_id: '', type: '', metadata: { reactions: [], files: [] }, ...extra }) as Post;

const fresh = () => loadMyChannels(emptyState('u'.repeat(26)), [{ id: CH, team_id: '', type: 'O', name: 'c', display_name: 'C', total_msg_count: 2 } as unknown as Channel]);

test('a refetch keeps a post that arrived over the socket while the request was in flight', () => {
  state.value = fresh();
  mergePosts(CH, [post(1), post(2)], { reset: true });
  const heldAtFetch = new Set(state.value.postsInChannel[CH]);
  // While GET /posts is in flight, post 3 is committed and its `posted` event applied; the
  // server's answer was read before the commit, so it lacks post 3.
  state.value = applyEvent(state.value, { event: 'posted', data: { post: post(3), channel_id: CH }, seq: 1 } as any);
  assert.ok(state.value.postsInChannel[CH]?.includes(post(3).id), 'the event was applied');
  mergePosts(CH, [post(1), post(2)], { reset: true, heldAtFetch });
  assert.equal(state.value.postsInChannel[CH], [post(1).id, post(2).id, post(3).id]);
});

test('a refetch still drops posts held before it that the server no longer returns (deleted meanwhile)', () => {
  state.value = fresh();
  mergePosts(CH, [post(1), post(2), post(3)], { reset: true });
  const heldAtFetch = new Set(state.value.postsInChannel[CH]);
  mergePosts(CH, [post(1), post(3)], { reset: true, heldAtFetch });
  assert.equal(state.value.postsInChannel[CH], [post(1).id, post(3).id]);
});

test.run();
