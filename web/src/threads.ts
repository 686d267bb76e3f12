/**
 * Threads I follow (collapsed reply threads): loading them into the state, reading, following,
 * and the totals the sidebar's "Threads" entry shows. The state's `userThreads` is kept current
 * by thread_updated / thread_read_changed / thread_follow_changed through the shared reducer;
 * REST replies are applied with the same handlers.
 */
import { computed, signal } from '@preact/signals';
import { loadUserThreads, reduce, type Thread } from '../../src/realtime/reducer.ts';
import type { ClientEvent } from '../../src/contract/events.ts';
import type { ThreadTotals, ThreadWithPost } from '../../src/contract/objects.ts';
import { del, get, post, put, qs } from './api.ts';
import { loadMissingUsers } from './data.ts';
import { rightPanel, state } from './state.ts';

interface ThreadList {
  items: ThreadWithPost[];
  next_cursor: string | null;
  totals?: ThreadTotals;
}

/** Per team: the cursor of the next page of the Threads view (null: all loaded), once loaded. */
export const threadCursor = signal<Record<string, string | null | undefined>>({});

/**
 * Applies a list answer. `before` is the held threads when its request left: a thread changed
 * since (by an event or another request's reply, e.g. the read of a thread opened while the list
 * was loading) keeps its newer state instead of the answer's older snapshot.
 */
function take(list: ThreadWithPost[], before: Record<string, Thread>) {
  const now = state.value.userThreads;
  const fresh = list.filter((t) => now[t.id] === before[t.id]);
  state.value = loadUserThreads(state.value, fresh);
  void loadMissingUsers(list.flatMap((t) => [t.post.user_id, ...t.participants]));
}

export const THREAD_PAGE = 30;

/**
 * The team's followed threads (and those of direct channels): every unread one (what the badge
 * counts; at most 200) and the first page of the list. `more` loads the next page.
 */
export async function loadThreads(teamId: string, more = false) {
  const before = state.value.userThreads;
  if (more) {
    const cursor = threadCursor.value[teamId];
    if (!cursor) return;
    const r = await get<ThreadList>(`/threads${qs({ team_id: teamId, before: cursor, limit: THREAD_PAGE })}`);
    take(r.items, before);
    threadCursor.value = { ...threadCursor.value, [teamId]: r.next_cursor };
    return;
  }
  const [unread, first] = await Promise.all([
    get<ThreadList>(`/threads${qs({ team_id: teamId, unread: 'true', limit: 200 })}`),
    get<ThreadList>(`/threads${qs({ team_id: teamId, limit: THREAD_PAGE })}`),
  ]);
  // Held threads of the team missing from both answers were unfollowed, or are older and read:
  // dropped (paging brings the older ones back), unless they changed while the answers were on
  // their way.
  const listed = new Set([...unread.items, ...first.items].map((t) => t.id));
  const s = state.value;
  const kept = Object.fromEntries(Object.entries(s.userThreads).filter(([id, t]) => listed.has(id) || t !== before[id] || (t.team_id !== teamId && t.team_id !== '')));
  state.value = { ...s, userThreads: kept };
  take([...unread.items, ...first.items], before);
  threadCursor.value = { ...threadCursor.value, [teamId]: first.next_cursor };
}

/** Followed threads of a team (its channels and direct channels I hold), latest activity first. */
export function threadsOf(teamId: string): Thread[] {
  const s = state.value;
  return Object.values(s.userThreads)
    .filter((t) => (t.team_id === teamId || t.team_id === '') && s.channels[t.channel_id] && s.posts[t.id] && !t.delete_at)
    .sort((a, b) => activity(b) - activity(a) || (a.id < b.id ? 1 : -1));
}
const activity = (t: Thread) => t.last_reply_at || state.value.posts[t.id]?.create_at || 0;

/** What the sidebar's Threads entry shows for a team. */
export const threadBadge = computed(() => {
  const s = state.value;
  const byTeam: Record<string, { unread: number; mentions: number }> = {};
  for (const t of Object.values(s.userThreads)) {
    if (!s.channels[t.channel_id] || t.delete_at || !t.unread_replies) continue;
    for (const team of t.team_id ? [t.team_id] : Object.keys(s.teams)) {
      const b = (byTeam[team] ??= { unread: 0, mentions: 0 });
      b.unread++;
      b.mentions += t.unread_mentions;
    }
  }
  return byTeam;
});

const applyThread = (thread: ThreadWithPost) => (state.value = reduce.thread_updated(state.value, { thread }));

/** Marks a followed thread read (no request when it has nothing unread). */
export async function markThreadRead(rootId: string) {
  const t = state.value.userThreads[rootId];
  if (!t || (!t.unread_replies && !t.unread_mentions)) return;
  applyThread(await post<ThreadWithPost>(`/threads/${rootId}/read`, {}));
}

/** Marks a thread unread from one of its posts on (that post and later replies count again). */
export async function markThreadUnread(rootId: string, postId: string) {
  applyThread(await post<ThreadWithPost>(`/threads/${rootId}/unread`, { post_id: postId }));
}

export async function markAllThreadsRead(teamId: string) {
  const r = await post<{ thread_ids: string[]; last_viewed_at: number }>('/threads/read', { team_id: teamId });
  state.value = reduce.thread_read_changed(state.value, { thread_id: '', team_id: teamId, last_viewed_at: r.last_viewed_at, unread_replies: 0, unread_mentions: 0 });
}

export async function setFollowing(rootId: string, following: boolean) {
  const thread = following ? await put<ThreadWithPost>(`/threads/${rootId}/following`, {}) : await del<ThreadWithPost>(`/threads/${rootId}/following`);
  state.value = reduce.thread_follow_changed(state.value, { thread });
}

let readTimer: ReturnType<typeof setTimeout> | undefined;
/** A reply arriving in the thread open in the right panel (tab visible) is read: mark it so, shortly. */
export function readThreadIfWatching(ev: ClientEvent) {
  if (ev.event !== 'thread_updated' || document.visibilityState !== 'visible') return;
  const t = ev.data.thread;
  const p = rightPanel.value;
  if (p?.kind !== 'thread' || p.postId !== t.id || !t.unread_replies) return;
  clearTimeout(readTimer);
  readTimer = setTimeout(() => void markThreadRead(t.id).catch(() => {}), 500);
}
