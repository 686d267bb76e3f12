import type { Queryable, Statement } from '../db/driver.ts';
import { POST_COLUMNS, type PostRow } from './posts.ts';

/**
 * Threads a user follows (table thread_members, 0005_threads.sql). A thread is identified by its
 * root post's id. Unread replies and mentions are counted from the posts at read time (replies by
 * others created after the member's last_viewed_at; mentions among them name the member or the
 * whole channel), so there are no counters to keep in step.
 *
 * Every read joins the reader's channel membership: a thread in a channel the user has left is
 * never shown, whatever rows remain.
 */
export interface ThreadRow {
  /** The root post's id. */
  id: string;
  channel_id: string;
  team_id: string;
  user_id: string;
  following: boolean;
  last_viewed_at: number;
  last_update_at: number;
  reply_count: number;
  last_reply_at: number;
  /** Authors of the root and the live replies, in order of first post (at most MAX_PARTICIPANTS). */
  participants: string[];
  unread_replies: number;
  unread_mentions: number;
  /** The root's delete_at (listing deleted threads is opt-in). */
  delete_at: number;
  /** When anything about the thread last changed for this member (the `since` filter). */
  update_at: number;
}

export const MAX_PARTICIPANTS = 50;

/**
 * The thread of each membership row `tm` joined to its root `r` and channel `c`, with counts.
 * The caller adds `from thread_members tm join posts r … join channels c … join channel_members cm …`.
 */
const THREAD_SELECT = `r.id, r.channel_id, c.team_id, tm.user_id, tm.following, tm.last_viewed_at, tm.last_update_at,
  r.reply_count, r.last_reply_at, r.delete_at, greatest(tm.last_update_at, r.update_at) as update_at,
  coalesce(u.unread_replies, 0)::int8 as unread_replies, coalesce(u.unread_mentions, 0)::int8 as unread_mentions,
  (select coalesce(jsonb_agg(pp.user_id order by pp.first_at, pp.user_id), '[]'::jsonb)
     from (select x.user_id, min(x.create_at) as first_at from posts x
            where (x.id = r.id or x.root_id = r.id) and x.delete_at = 0
            group by x.user_id order by min(x.create_at), x.user_id limit ${MAX_PARTICIPANTS}) pp) as participants`;

const THREAD_FROM = `thread_members tm
  join posts r on r.id = tm.post_id
  join channels c on c.id = r.channel_id
  left join teams t on c.team_id <> '' and t.id = c.team_id
  join channel_members cm on cm.channel_id = r.channel_id and cm.user_id = tm.user_id
  left join lateral (
    select count(*) as unread_replies,
           count(*) filter (where x.mention_channel or x.mentions @> jsonb_build_array(tm.user_id)) as unread_mentions
      from posts x
     where x.root_id = r.id and x.delete_at = 0 and x.create_at > tm.last_viewed_at and x.user_id <> tm.user_id
  ) u on true`;

/** Live team (or no team: direct and group channels). */
const LIVE_TEAM = `(c.team_id = '' or t.delete_at = 0)`;

/**
 * After a reply is inserted (same transaction, a later statement): its author follows the thread
 * and has read it up to the reply; the root's author and the users the reply mentions by name
 * start following it (nothing changes for them if they already have a row: an explicit unfollow
 * stays). Does nothing when no post `postId` exists or it is a root post, so it can ride in the
 * same batch as an insert that may insert nothing.
 */
export function followOnReplyStatement(postId: string): Statement {
  return {
    text: `insert into thread_members as tm (post_id, user_id, channel_id, following, last_viewed_at, last_update_at, create_at)
     select distinct on (w.user_id) p.root_id, w.user_id, p.channel_id, true,
            case when w.user_id = p.user_id then p.create_at else r.create_at end, p.create_at, p.create_at
       from posts p
       join posts r on r.id = p.root_id
       cross join lateral (
         select p.user_id union all select r.user_id union all select jsonb_array_elements_text(p.mentions)
       ) w(user_id)
      where p.id = $1 and p.root_id <> ''
        and exists (select 1 from users u where u.id = w.user_id)
      order by w.user_id
     on conflict (user_id, post_id) do update
        set following = true, last_viewed_at = greatest(tm.last_viewed_at, excluded.last_viewed_at), last_update_at = excluded.last_update_at
      where excluded.user_id = (select user_id from posts where id = $1)`,
    params: [postId],
  };
}

/**
 * The thread as each of its current followers sees it (followers who are still channel
 * members): the payloads of `thread_updated` after a reply. `postId` is the root or any reply.
 */
export function followerThreadsStatement(postId: string): Statement {
  return {
    text: `select ${THREAD_SELECT} from ${THREAD_FROM}
      where tm.post_id = (select case when root_id = '' then id else root_id end from posts where id = $1)
        and tm.following and r.delete_at = 0
      order by tm.user_id`,
    params: [postId],
  };
}

export async function followerThreads(q: Queryable, postId: string): Promise<ThreadRow[]> {
  const st = followerThreadsStatement(postId);
  return q.query<ThreadRow>(st.text, st.params);
}

export async function followOnReply(q: Queryable, postId: string): Promise<void> {
  const st = followOnReplyStatement(postId);
  await q.query(st.text, st.params);
}

/** One thread as the user sees it (followed or not), or undefined when there is no row or no access. */
export async function getUserThread(q: Queryable, userId: string, rootId: string): Promise<ThreadRow | undefined> {
  return (
    await q.query<ThreadRow>(`select ${THREAD_SELECT} from ${THREAD_FROM} where tm.user_id = $1 and tm.post_id = $2 and ${LIVE_TEAM}`, [userId, rootId])
  )[0];
}

export interface ThreadListQuery {
  userId: string;
  /** Threads in this team's channels and in direct/group channels; undefined: every team. */
  teamId?: string;
  /** Leave out direct and group channels. */
  excludeDirect?: boolean;
  /** Only threads with unread replies. */
  unreadOnly?: boolean;
  /** Include threads whose root was deleted. */
  includeDeleted?: boolean;
  /** Only threads changed after this time. */
  since?: number;
  /** Keyset cursors: thread ids; `before` pages to older threads, `after` to newer ones. */
  before?: string;
  after?: string;
  limit: number;
}

/** The order of the list: latest activity first (a thread with no replies: its root's time). */
const ACTIVITY = 'greatest(r.last_reply_at, r.create_at)';

function listWhere(l: ThreadListQuery, params: unknown[], paging: boolean): string {
  params.push(l.userId);
  const where = [`tm.user_id = $${params.length}`, 'tm.following', LIVE_TEAM];
  if (l.teamId !== undefined) {
    params.push(l.teamId);
    where.push(l.excludeDirect ? `c.team_id = $${params.length}` : `(c.team_id = $${params.length} or c.team_id = '')`);
  } else if (l.excludeDirect) where.push(`c.team_id <> ''`);
  if (!l.includeDeleted) where.push('r.delete_at = 0');
  if (l.since !== undefined) {
    params.push(l.since);
    where.push(`greatest(tm.last_update_at, r.update_at) > $${params.length}`);
  }
  if (paging && l.before) {
    params.push(l.before);
    where.push(`(${ACTIVITY}, r.id) < (select greatest(last_reply_at, create_at), id from posts where id = $${params.length})`);
  }
  if (paging && l.after) {
    params.push(l.after);
    where.push(`(${ACTIVITY}, r.id) > (select greatest(last_reply_at, create_at), id from posts where id = $${params.length})`);
  }
  return where.join(' and ');
}

/** A page of the user's followed threads, latest activity first (`after`: the oldest page newer than it, still newest first). */
export async function listUserThreads(q: Queryable, l: ThreadListQuery): Promise<ThreadRow[]> {
  const params: unknown[] = [];
  const where = listWhere(l, params, true);
  params.push(l.limit);
  const forward = !!l.after && !l.before;
  const rows = await q.query<ThreadRow>(
    `select * from (select ${THREAD_SELECT}, ${ACTIVITY} as activity from ${THREAD_FROM} where ${where}) th
      ${l.unreadOnly ? 'where th.unread_replies > 0' : ''}
      order by th.activity ${forward ? 'asc' : 'desc'}, th.id ${forward ? 'asc' : 'desc'} limit $${params.length}`,
    params,
  );
  if (forward) rows.reverse();
  return rows.map(({ activity: _a, ...r }: ThreadRow & { activity?: number }) => r);
}

export interface ThreadTotals {
  total: number;
  unread_threads: number;
  unread_mentions: number;
}

/** Counts over the same set as listUserThreads (without paging and `unreadOnly`). */
export async function userThreadTotals(q: Queryable, l: Omit<ThreadListQuery, 'limit' | 'before' | 'after' | 'unreadOnly'>): Promise<ThreadTotals> {
  const params: unknown[] = [];
  const where = listWhere({ ...l, limit: 0 }, params, false);
  const [row] = await q.query<ThreadTotals>(
    `select count(*)::int8 as total, count(*) filter (where coalesce(u.unread_replies, 0) > 0)::int8 as unread_threads,
            coalesce(sum(u.unread_mentions), 0)::int8 as unread_mentions
       from ${THREAD_FROM} where ${where}`,
    params,
  );
  return row;
}

/** Follows or unfollows a thread (creating the row). Following by hand keeps the read state. */
export async function setThreadFollowing(q: Queryable, userId: string, rootId: string, channelId: string, following: boolean, viewedAt: number, now: number): Promise<void> {
  await q.query(
    `insert into thread_members as tm (post_id, user_id, channel_id, following, last_viewed_at, last_update_at, create_at)
     values ($1, $2, $3, $4, $5, $6, $6)
     on conflict (user_id, post_id) do update set following = excluded.following, last_update_at = excluded.last_update_at`,
    [rootId, userId, channelId, following, viewedAt, now],
  );
}

/**
 * Sets the user's read marker of a thread to `viewedAt` (earlier or later than before: marking
 * unread moves it back). Creates no row: a thread the user has no row for stays unfollowed.
 * Returns whether a row was changed.
 */
export async function setThreadViewed(q: Queryable, userId: string, rootId: string, viewedAt: number, now: number): Promise<boolean> {
  const rows = await q.query('update thread_members set last_viewed_at = $3, last_update_at = $4 where user_id = $1 and post_id = $2 returning post_id', [userId, rootId, viewedAt, now]);
  return rows.length > 0;
}

/** Marks every followed thread of the list's set read at `now`; returns the thread ids. */
export async function setAllThreadsViewed(q: Queryable, userId: string, teamId: string | undefined, now: number): Promise<string[]> {
  const params: unknown[] = [];
  const where = listWhere({ userId, teamId, limit: 0 }, params, false);
  params.push(now);
  const rows = await q.query<{ post_id: string }>(
    `update thread_members up set last_viewed_at = greatest(up.last_viewed_at, $${params.length}), last_update_at = $${params.length}
       from thread_members tm join posts r on r.id = tm.post_id join channels c on c.id = r.channel_id
       left join teams t on c.team_id <> '' and t.id = c.team_id
       join channel_members cm on cm.channel_id = r.channel_id and cm.user_id = tm.user_id
      where up.user_id = tm.user_id and up.post_id = tm.post_id and ${where}
      returning up.post_id`,
    params,
  );
  return rows.map((r) => r.post_id);
}

/** Root posts by id (any state), for presenting threads. */
export async function getRootPosts(q: Queryable, ids: string[]): Promise<PostRow[]> {
  if (!ids.length) return [];
  return q.query<PostRow>(`select ${POST_COLUMNS} from posts where id = any($1::text[])`, [ids]);
}
