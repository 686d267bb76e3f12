import type { Deps } from '../deps.ts';
import type { Queryable } from '../db/driver.ts';
import type { Auth } from './tokens.ts';
import type { ThreadTotals, ThreadWithPost } from '../contract/objects.ts';
import { inTx } from './tx.ts';
import { clearPushes } from './push.ts';
import { accessPost, loadViews, presentView } from './posts.ts';
import { presentThread, threadBroadcast } from './thread-present.ts';
import { accessTeam, checkId } from './access.ts';
import { badRequest, notFound } from '../errors.ts';
import { isId } from '../ids.ts';
import * as store from '../store/threads.ts';
import type { ThreadRow } from '../store/threads.ts';
import type { PostRow } from '../store/posts.ts';
import { getPost as getPostRow } from '../store/posts.ts';

/**
 * Threads a user follows (Mattermost's collapsed reply threads). Who follows: the author of a
 * reply, the root's author when the thread gets a reply, users a reply mentions by name, and
 * anyone who follows by hand; an explicit unfollow sticks until the user replies again or
 * follows by hand. Reading a thread moves the user's read marker; counts are derived from it
 * (src/store/threads.ts). Leaving a channel forgets its threads.
 */

export const THREADS_DEFAULT_LIMIT = 25;
export const THREADS_MAX_LIMIT = 200;

/** Thread rows with their root posts (reactions and files included), presented. */
async function presentRows(q: Queryable, rows: ThreadRow[]): Promise<ThreadWithPost[]> {
  const roots = await loadViews(q, await store.getRootPosts(q, [...new Set(rows.map((r) => r.id))]));
  const byId = new Map(roots.map((v) => [v.row.id, presentView(v)]));
  return rows.filter((r) => byId.has(r.id)).map((r) => presentThread(r, byId.get(r.id)!));
}

// ---------------------------------------------------------------- reads

export interface ThreadListInput {
  team_id?: string;
  before?: string;
  after?: string;
  limit?: number;
  unread?: boolean;
  since?: number;
  include_deleted?: boolean;
  exclude_direct?: boolean;
  /** Leave out the totals (one query less). */
  threads_only?: boolean;
  /** Only the totals. */
  totals_only?: boolean;
}

export interface ThreadList {
  items: ThreadWithPost[];
  next_cursor: string | null;
  totals?: ThreadTotals;
}

function checkLimit(limit: unknown): number {
  if (limit === undefined) return THREADS_DEFAULT_LIMIT;
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1) throw badRequest('invalid_limit', `limit must be an integer from 1 to ${THREADS_MAX_LIMIT}`);
  return Math.min(limit, THREADS_MAX_LIMIT);
}

function checkCursor(name: string, v: unknown): string | undefined {
  if (v === undefined || v === '') return undefined;
  if (!isId(v)) throw badRequest('invalid_cursor', `${name} is not a thread id`);
  return v;
}

/**
 * The caller's followed threads, latest activity first: in one team's channels and the direct
 * and group channels when `team_id` is given (as Mattermost lists them), else everywhere. Only
 * channels the caller is a member of now.
 */
export async function listThreads(deps: Deps, auth: Auth, input: ThreadListInput = {}): Promise<ThreadList> {
  const limit = checkLimit(input.limit);
  const before = checkCursor('before', input.before);
  const after = checkCursor('after', input.after);
  if (input.since !== undefined && (!Number.isSafeInteger(input.since) || input.since < 0)) throw badRequest('invalid_since', 'since must be a time in ms');
  const q = deps.db;
  if (input.team_id !== undefined) await accessTeam(q, auth, checkId(input.team_id, 'team_id'), 'member');
  const base = { userId: auth.user.id, teamId: input.team_id, excludeDirect: input.exclude_direct, includeDeleted: input.include_deleted, since: input.since };
  const totals = input.threads_only ? undefined : await store.userThreadTotals(q, base);
  if (input.totals_only) return { items: [], next_cursor: null, totals };
  const rows = await store.listUserThreads(q, { ...base, unreadOnly: input.unread, before, after, limit: limit + 1 });
  const more = rows.length > limit;
  const page = after && !before ? rows.slice(rows.length - Math.min(rows.length, limit)) : rows.slice(0, limit);
  const items = await presentRows(q, page);
  const next = more ? (after && !before ? page[0] : page[page.length - 1]) : undefined;
  return { items, next_cursor: next?.id ?? null, totals };
}

/** The caller's followed threads in a team's own channels (no direct or group channels): how many have unread replies, and their mentions. */
export async function threadTotals(deps: Deps, auth: Auth, teamId: string): Promise<ThreadTotals> {
  return store.userThreadTotals(deps.db, { userId: auth.user.id, teamId: checkId(teamId, 'team_id'), excludeDirect: true });
}

/** The thread root of a post the caller can read (the post itself, or its root for a reply). */
async function accessThread(q: Queryable, auth: Auth, threadId: string, mode: 'read' | 'write') {
  const a = await accessPost(q, auth, checkId(threadId, 'thread id'), { mode, allowArchived: true });
  if (!a.post.root_id) return { ...a, root: a.post };
  const root = await getPostRow(q, a.post.root_id);
  if (!root || root.delete_at !== 0) throw notFound('post_not_found', 'Post not found');
  return { ...a, root };
}

/** A thread with no row for the caller: not followed, nothing unread (what clients show before a first follow). */
async function unfollowedThread(q: Queryable, root: PostRow, teamId: string): Promise<ThreadWithPost> {
  const [view] = await loadViews(q, [root]);
  const participants = (await q.query<{ user_id: string }>(
    `select user_id from posts where (id = $1 or root_id = $1) and delete_at = 0 group by user_id order by min(create_at), user_id limit ${store.MAX_PARTICIPANTS}`,
    [root.id],
  )).map((r) => r.user_id);
  return presentThread(
    {
      id: root.id,
      channel_id: root.channel_id,
      team_id: teamId,
      user_id: '',
      following: false,
      last_viewed_at: 0,
      last_update_at: 0,
      reply_count: root.reply_count,
      last_reply_at: root.last_reply_at,
      participants,
      unread_replies: 0,
      unread_mentions: 0,
      delete_at: root.delete_at,
      update_at: root.update_at,
    },
    presentView(view),
  );
}

/** One thread as the caller sees it: followed or not (then with nothing unread). */
export async function getThreadState(deps: Deps, auth: Auth, threadId: string): Promise<ThreadWithPost> {
  const q = deps.db;
  const a = await accessThread(q, auth, threadId, 'read');
  const row = await store.getUserThread(q, auth.user.id, a.root.id);
  if (row) return (await presentRows(q, [row]))[0];
  return unfollowedThread(q, a.root, a.channel.team_id);
}

async function stateIn(q: Queryable, userId: string, root: PostRow, teamId: string): Promise<ThreadWithPost> {
  const row = await store.getUserThread(q, userId, root.id);
  return row ? (await presentRows(q, [row]))[0] : unfollowedThread(q, root, teamId);
}

// ---------------------------------------------------------------- writes

/**
 * Follows or unfollows a thread by hand (a channel member; archived channels too). A first
 * follow counts the thread read as of now. Emits `thread_follow_changed` to the caller's own
 * sockets when the state changed.
 */
export async function setThreadFollowing(deps: Deps, auth: Auth, threadId: string, following: boolean): Promise<ThreadWithPost> {
  return inTx(deps, async (tx, emit) => {
    const a = await accessThread(tx, auth, threadId, 'write');
    const before = await store.getUserThread(tx, auth.user.id, a.root.id);
    if (before?.following === following || (!before && !following)) return stateIn(tx, auth.user.id, a.root, a.channel.team_id);
    const now = deps.now();
    await store.setThreadFollowing(tx, auth.user.id, a.root.id, a.channel.id, following, now, now);
    const thread = await stateIn(tx, auth.user.id, a.root, a.channel.team_id);
    emit({
      event: 'thread_follow_changed',
      data: { thread_id: thread.id, channel_id: thread.channel_id, team_id: thread.team_id, following, thread },
      broadcast: threadBroadcast(thread, auth.user.id),
    });
    return thread;
  });
}

/**
 * Moves the caller's read marker of a followed thread to `at` (default now; later than now is
 * now). Earlier than before marks replies unread again. A thread the caller has no row for is
 * returned unchanged. Emits `thread_read_changed` to the caller's own sockets.
 */
export async function markThreadRead(deps: Deps, auth: Auth, threadId: string, at?: number): Promise<ThreadWithPost> {
  const now = deps.now();
  if (at !== undefined && (!Number.isSafeInteger(at) || at < 0)) throw badRequest('invalid_timestamp', 'timestamp must be a time in ms');
  return setViewed(deps, auth, threadId, now, Math.min(at ?? now, now));
}

/**
 * Marks a thread unread from one of its replies on (that reply and the later ones are unread;
 * mentions among them count again). Emits `thread_read_changed`.
 */
export async function markThreadUnread(deps: Deps, auth: Auth, threadId: string, postId: string): Promise<ThreadWithPost> {
  checkId(postId, 'post id');
  return setViewed(deps, auth, threadId, deps.now(), async (q, root) => {
    const post = await getPostRow(q, postId);
    if (!post || post.delete_at !== 0) throw notFound('post_not_found', 'Post not found');
    if (post.id !== root.id && post.root_id !== root.id) throw badRequest('post_not_in_thread', 'The post is not in this thread');
    return Math.max(0, post.create_at - 1);
  });
}

async function setViewed(deps: Deps, auth: Auth, threadId: string, now: number, viewedAt: number | ((q: Queryable, root: PostRow) => Promise<number>)): Promise<ThreadWithPost> {
  let clear: { channelId: string; rootId: string } | undefined;
  const out = await inTx(deps, async (tx, emit) => {
    const a = await accessThread(tx, auth, threadId, 'read');
    const at = typeof viewedAt === 'number' ? viewedAt : await viewedAt(tx, a.root);
    // Reading a thread with unread replies clears its push notifications on the user's other
    // devices (only looked at when push is on).
    const before = typeof viewedAt === 'number' && deps.config.push.proxy_url ? await stateIn(tx, auth.user.id, a.root, a.channel.team_id) : undefined;
    const changed = await store.setThreadViewed(tx, auth.user.id, a.root.id, at, now);
    const thread = await stateIn(tx, auth.user.id, a.root, a.channel.team_id);
    if (before && before.following && before.unread_replies > 0 && thread.unread_replies === 0) clear = { channelId: thread.channel_id, rootId: thread.id };
    if (changed && thread.following) {
      emit({
        event: 'thread_read_changed',
        data: {
          thread_id: thread.id,
          channel_id: thread.channel_id,
          team_id: thread.team_id,
          last_viewed_at: thread.last_viewed_at,
          unread_replies: thread.unread_replies,
          unread_mentions: thread.unread_mentions,
        },
        broadcast: threadBroadcast(thread, auth.user.id),
      });
    }
    return thread;
  });
  if (clear) clearPushes(deps, auth, clear.channelId, clear.rootId);
  return out;
}

/**
 * Marks every followed thread in a team's channels and in the direct and group channels read as
 * of now. Emits one `thread_read_changed` with thread_id '' to the caller's own sockets.
 */
export async function markAllThreadsRead(deps: Deps, auth: Auth, teamId: string): Promise<{ thread_ids: string[]; last_viewed_at: number }> {
  checkId(teamId, 'team_id');
  return inTx(deps, async (tx, emit) => {
    await accessTeam(tx, auth, teamId, 'member');
    const now = deps.now();
    const ids = await store.setAllThreadsViewed(tx, auth.user.id, teamId, now);
    if (ids.length) {
      emit({
        event: 'thread_read_changed',
        data: { thread_id: '', channel_id: '', team_id: teamId, last_viewed_at: now, unread_replies: 0, unread_mentions: 0 },
        broadcast: { user_ids: [auth.user.id], team_id: teamId },
      });
    }
    return { thread_ids: ids, last_viewed_at: now };
  });
}
