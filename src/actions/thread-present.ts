import type { AppEvent } from '../contract/events.ts';
import type { Post, ThreadWithPost } from '../contract/objects.ts';
import type { ThreadRow } from '../store/threads.ts';

/**
 * The only place a thread becomes JSON (HTTP and events): the member's row with its root post,
 * already presented (presentPost). Kept apart from actions/threads.ts so that actions/posts.ts
 * can build thread events without importing it back.
 */
export function presentThread(row: ThreadRow, post: Post): ThreadWithPost {
  return {
    id: row.id,
    channel_id: row.channel_id,
    team_id: row.team_id,
    following: row.following,
    last_viewed_at: row.last_viewed_at,
    reply_count: row.reply_count,
    last_reply_at: row.last_reply_at,
    participants: row.participants,
    unread_replies: row.unread_replies,
    unread_mentions: row.unread_mentions,
    delete_at: row.delete_at,
    post,
  };
}

/** To one user's sockets, with the thread's channel and team as context. */
export function threadBroadcast(t: { channel_id: string; team_id: string }, userId: string) {
  return { user_ids: [userId], channel_id: t.channel_id, team_id: t.team_id || undefined };
}

/** `thread_updated` to each follower (one event each: the counts are theirs). All rows share the root `post`. */
export function threadUpdatedEvents(rows: ThreadRow[], post: Post): AppEvent[] {
  return rows.map((row) => {
    const thread = presentThread(row, post);
    return { event: 'thread_updated', data: { thread }, broadcast: threadBroadcast(thread, row.user_id) };
  });
}
