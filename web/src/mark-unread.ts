/**
 * "Mark as unread" from a post: in a channel, the channel's read marker moves to just before the
 * post (its counts move back exactly, mentions included); a reply marks its thread unread from
 * there instead (replies are counted in the Threads view, not in the channel).
 */
import type { ReadResult } from '../../src/contract/api.ts';
import { post } from './api.ts';
import { markThreadUnread } from './threads.ts';
import { currentChannelId, markedUnread, setMember, state, type Post } from './state.ts';

export async function markUnreadFrom(p: Post, inThread: boolean) {
  if (inThread && p.root_id) return markThreadUnread(p.root_id, p.id);
  if (inThread) {
    // The root, from its thread: the whole thread is unread again (when followed).
    if (state.value.userThreads[p.id]) return markThreadUnread(p.id, p.id);
  }
  const r = await post<ReadResult>(`/posts/${p.id}/unread`, {});
  setMember(r.member);
  // Keep it unread while it stays open (no automatic read), with the "New messages" line here.
  if (p.channel_id === currentChannelId.value) markedUnread.value = { ...markedUnread.value, [p.channel_id]: r.member.last_viewed_at };
}
