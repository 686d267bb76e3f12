/**
 * Saved messages (the `flagged_post` preference): the set of saved post ids lives in the state
 * (`saved`, kept current by preference events through the shared reducer); the Saved panel lists
 * the held ones, newest post first.
 */
import { signal } from '@preact/signals';
import { loadSaved as loadSavedState, reduce, SAVED_CATEGORY } from '../../src/realtime/reducer.ts';
import { del, get, put, qs, type Page } from './api.ts';
import { loadMissingUsers } from './data.ts';
import { newerOf, state, type ClientState, type Post } from './state.ts';

/** At most this many saved posts are loaded (5 pages of 200); older ones show after "More". */
const MAX_PAGES = 5;
/** The cursor to load older saved posts from (null: all loaded; undefined: not loaded yet). */
export const savedCursor = signal<string | null | undefined>(undefined);

/** Every saved post (all teams, so the marker shows wherever the post is), up to MAX_PAGES pages. */
export async function loadSaved() {
  const before = state.value;
  const all: Post[] = [];
  let cursor: string | null = null;
  for (let i = 0; i < MAX_PAGES; i++) {
    const r: Page<Post> = await get<Page<Post>>(`/saved${qs({ limit: 200, before: cursor })}`);
    all.push(...r.items);
    cursor = r.next_cursor;
    if (!cursor) break;
  }
  await loadMissingUsers(all.map((p) => p.user_id));
  state.value = savedSince(before, loadSavedState(state.value, all.flatMap((p) => newerOf(state.value, before, p))));
  savedCursor.value = cursor;
}

/** The next page of older saved posts (after MAX_PAGES). */
export async function loadMoreSaved() {
  const cursor = savedCursor.value;
  if (!cursor) return;
  const before = state.value;
  const r = await get<Page<Post>>(`/saved${qs({ limit: 200, before: cursor })}`);
  await loadMissingUsers(r.items.map((p) => p.user_id));
  const s = state.value;
  const next = loadSavedState(s, r.items.flatMap((p) => newerOf(s, before, p)));
  state.value = savedSince(before, { ...next, saved: { ...s.saved, ...next.saved } }, s);
  savedCursor.value = r.next_cursor;
}

/**
 * `next` (a list answer applied) with the posts saved or unsaved since its request left (`before`;
 * by this page or a preference event, as held in `now`) as they are now: the older answer does
 * not bring back an unsaved post or drop a newly saved one.
 */
function savedSince(before: ClientState, next: ClientState, now: ClientState = state.value): ClientState {
  const ids = new Set([...Object.keys(before.saved), ...Object.keys(now.saved)].filter((id) => before.saved[id] !== now.saved[id]));
  if (!ids.size) return next;
  const saved = { ...next.saved };
  for (const id of ids) {
    if (now.saved[id]) saved[id] = true;
    else delete saved[id];
  }
  return { ...next, saved };
}

/** Saves or unsaves a post; the state changes as its preference event would change it. */
export async function setSaved(postId: string, saved: boolean) {
  const me = state.value.me;
  const preferences = [{ user_id: me, category: SAVED_CATEGORY, name: postId, value: 'true' }];
  if (saved) {
    await put(`/posts/${postId}/saved`, {});
    state.value = reduce.preferences_changed(state.value, { preferences });
  } else {
    await del(`/posts/${postId}/saved`);
    state.value = reduce.preferences_deleted(state.value, { preferences });
  }
}

/** Saved posts held in a team's channels and in direct channels, newest post first. */
export function savedOf(teamId: string): Post[] {
  const s = state.value;
  return Object.keys(s.saved)
    .map((id) => s.posts[id])
    .filter((p): p is Post => !!p && !!s.channels[p.channel_id] && (s.channels[p.channel_id].team_id === teamId || !s.channels[p.channel_id].team_id))
    .sort((a, b) => b.create_at - a.create_at || (a.id < b.id ? 1 : -1));
}
