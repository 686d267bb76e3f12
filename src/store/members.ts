import type { Queryable } from '../db/driver.ts';
import type { ChannelRow } from './channels.ts';

/** A `channel_members` row. */
export interface ChannelMemberRow {
  channel_id: string;
  user_id: string;
  role: 'channel_user' | 'channel_admin';
  last_viewed_at: number;
  msg_count: number;
  mention_count: number;
  msg_count_root: number;
  mention_count_root: number;
  notify_props: Record<string, unknown>;
  create_at: number;
  last_update_at: number;
}
export type ChannelRole = ChannelMemberRow['role'];

/**
 * Adds a member whose read marker starts at the channel's current totals (a new member has
 * nothing unread). Returns undefined when the user was already a member. Caller holds FOR UPDATE
 * on the channel row, so the totals cannot move underneath.
 */
export async function insertChannelMember(q: Queryable, channel: ChannelRow, userId: string, role: ChannelRole, now: number): Promise<ChannelMemberRow | undefined> {
  const rows = await q.query<ChannelMemberRow>(
    `insert into channel_members (channel_id, user_id, role, last_viewed_at, msg_count, msg_count_root, create_at, last_update_at)
     values ($1, $2, $3, $4, $5, $6, $4, $4)
     on conflict (channel_id, user_id) do nothing returning *`,
    [channel.id, userId, role, now, channel.total_msg_count, channel.total_msg_count_root],
  );
  return rows[0];
}

/** Caller holds FOR UPDATE on the channel row. */
export async function setChannelMemberRole(q: Queryable, channelId: string, userId: string, role: ChannelRole, now: number): Promise<ChannelMemberRow | undefined> {
  return (await q.query<ChannelMemberRow>('update channel_members set role = $3, last_update_at = $4 where channel_id = $1 and user_id = $2 returning *', [channelId, userId, role, now]))[0];
}

export async function getChannelMember(q: Queryable, channelId: string, userId: string): Promise<ChannelMemberRow | undefined> {
  return (await q.query<ChannelMemberRow>('select * from channel_members where channel_id = $1 and user_id = $2', [channelId, userId]))[0];
}

/**
 * Removes a membership, and the user's followed threads in the channel with it (as Mattermost
 * does: rejoining starts with no threads). Caller holds FOR UPDATE on the channel row.
 */
export async function deleteChannelMember(q: Queryable, channelId: string, userId: string): Promise<boolean> {
  const rows = await q.query('delete from channel_members where channel_id = $1 and user_id = $2 returning user_id', [channelId, userId]);
  await q.query('delete from thread_members where user_id = $1 and channel_id = $2', [userId, channelId]);
  return rows.length > 0;
}

/** Removes the user from every channel of a team (and their followed threads there). Caller holds FOR UPDATE on those channel rows. */
export async function deleteTeamChannelMemberships(q: Queryable, teamId: string, userId: string): Promise<void> {
  await q.query(
    `delete from channel_members m using channels c
     where m.channel_id = c.id and c.team_id = $1 and m.user_id = $2`,
    [teamId, userId],
  );
  await q.query('delete from thread_members tm using channels c where tm.channel_id = c.id and c.team_id = $1 and tm.user_id = $2', [teamId, userId]);
}

export async function channelMemberIds(q: Queryable, channelId: string): Promise<string[]> {
  return (await q.query<{ user_id: string }>('select user_id from channel_members where channel_id = $1', [channelId])).map((r) => r.user_id);
}

/**
 * A channel's member ids with the channel's and its team's archive times, in one read (typing
 * checks and addresses with it); undefined for an unknown channel. `team_delete_at` is null for
 * DMs and groups.
 */
export async function channelMembersAndArchive(q: Queryable, channelId: string): Promise<{ user_ids: string[]; channel_delete_at: number; team_delete_at: number | null } | undefined> {
  const [row] = await q.query<{ user_ids: string[]; channel_delete_at: number; team_delete_at: number | null }>(
    `select (select coalesce(jsonb_agg(m.user_id), '[]'::jsonb) from channel_members m where m.channel_id = c.id) as user_ids,
            c.delete_at as channel_delete_at, t.delete_at as team_delete_at
       from channels c
       left join teams t on c.team_id <> '' and t.id = c.team_id
      where c.id = $1`,
    [channelId],
  );
  return row;
}

export async function countChannelMembers(q: Queryable, channelId: string): Promise<number> {
  return (await q.query<{ n: number }>('select count(*)::int8 as n from channel_members where channel_id = $1', [channelId]))[0].n;
}

/** Members in user-id order, keyset-paged after `afterUserId`. */
export async function listChannelMembers(q: Queryable, channelId: string, afterUserId: string, limit: number): Promise<ChannelMemberRow[]> {
  return q.query<ChannelMemberRow>(
    'select * from channel_members where channel_id = $1 and user_id > $2 order by user_id limit $3',
    [channelId, afterUserId, limit],
  );
}

/**
 * Marks the channel read for the user up to the channel's latest committed totals (read in the
 * statement itself, so no lock on the channel row is needed: a post committing concurrently is
 * either counted as read or stays unread, never half of each).
 */
export async function markMemberViewed(q: Queryable, channelId: string, userId: string, now: number): Promise<ChannelMemberRow | undefined> {
  const rows = await q.query<ChannelMemberRow>(
    `update channel_members m set last_viewed_at = greatest(m.last_viewed_at, $3), msg_count = c.total_msg_count,
       msg_count_root = c.total_msg_count_root, mention_count = 0, mention_count_root = 0, last_update_at = $3
     from channels c
     where c.id = m.channel_id and m.channel_id = $1 and m.user_id = $2 returning m.*`,
    [channelId, userId, now],
  );
  return rows[0];
}

/**
 * Marks the channel unread for the user from one of its posts on (Mattermost's set_unread): the
 * read marker goes to just before the post; the member's counts become the channel's totals
 * minus the live posts from that one on (roots apart), and the mentions are those posts by
 * others that name the user or the whole channel — what the counts were just before the post
 * arrived, less what was deleted since. One statement: counts and totals read in one snapshot.
 */
export async function markMemberUnreadFrom(q: Queryable, channelId: string, userId: string, post: { seq: number; create_at: number }, now: number): Promise<ChannelMemberRow | undefined> {
  const rows = await q.query<ChannelMemberRow>(
    `with me as (
       -- What counts as a mention for this member, as when the posts arrived (store/posts.ts):
       -- every post of a direct or group message; @channel unless they ignore channel-wide mentions.
       select c.type in ('D', 'G') as direct,
              case coalesce(cm.notify_props->>'ignore_channel_mentions', 'default') when 'on' then false when 'off' then true
                   else coalesce(u.notify_props->>'channel', 'true') <> 'false' end as channel_wide
         from channels c join channel_members cm on cm.channel_id = c.id and cm.user_id = $2 join users u on u.id = $2
        where c.id = $1
     ), mentions as (
       select p.root_id, p.user_id,
              p.user_id <> $2 and ((select direct from me) or p.mentions @> jsonb_build_array($2::text) or (p.mention_channel and (select channel_wide from me))) as mentioned
         from posts p where p.channel_id = $1 and p.seq >= $3 and p.delete_at = 0
     ), since as (
       select count(*) as n, count(*) filter (where x.root_id = '') as n_root,
              count(*) filter (where x.mentioned) as m,
              count(*) filter (where x.root_id = '' and x.mentioned) as m_root
         from mentions x
     )
     update channel_members m set last_viewed_at = $4, msg_count = greatest(0, c.total_msg_count - s.n),
       msg_count_root = greatest(0, c.total_msg_count_root - s.n_root), mention_count = s.m, mention_count_root = s.m_root, last_update_at = $5
     from channels c, since s
     where c.id = m.channel_id and m.channel_id = $1 and m.user_id = $2 returning m.*`,
    [channelId, userId, post.seq, Math.max(0, post.create_at - 1), now],
  );
  return rows[0];
}

/** One of the user's channels with the membership and the unread counts derived from both. */
export interface MemberChannelRow {
  channel: ChannelRow;
  member: ChannelMemberRow;
}

const CHANNEL_COLS = ['id', 'team_id', 'type', 'name', 'display_name', 'header', 'purpose', 'creator_id', 'create_at', 'update_at', 'delete_at', 'last_post_at', 'last_root_post_at', 'total_msg_count', 'total_msg_count_root'] as const;
const MEMBER_COLS = ['channel_id', 'user_id', 'role', 'last_viewed_at', 'msg_count', 'mention_count', 'msg_count_root', 'mention_count_root', 'notify_props', 'create_at', 'last_update_at'] as const;
const SELECT_BOTH = [...CHANNEL_COLS.map((k) => `c.${k} as c_${k}`), ...MEMBER_COLS.map((k) => `m.${k} as m_${k}`)].join(', ');

function split(r: Record<string, unknown>): MemberChannelRow {
  const channel: Record<string, unknown> = {};
  const member: Record<string, unknown> = {};
  for (const k of CHANNEL_COLS) channel[k] = r[`c_${k}`];
  for (const k of MEMBER_COLS) member[k] = r[`m_${k}`];
  return { channel: channel as unknown as ChannelRow, member: member as unknown as ChannelMemberRow };
}

/**
 * The user's channels with memberships, in one query: every channel of `teamId` plus the
 * user's direct and group channels when `teamId` is given, or all of them (in live teams) when
 * it is undefined. Archived channels are included (clients show them read-only).
 */
export async function listMemberChannels(q: Queryable, userId: string, teamId?: string): Promise<MemberChannelRow[]> {
  const rows = await q.query(
    `select ${SELECT_BOTH}
     from channel_members m join channels c on c.id = m.channel_id
     left join teams t on t.id = c.team_id
     where m.user_id = $1
       and (c.team_id = '' or t.delete_at = 0)
       and ($2::text is null or c.team_id = $2 or c.team_id = '')
     order by c.team_id, lower(c.display_name), c.id`,
    [userId, teamId ?? null],
  );
  return rows.map(split);
}

/** Merges keys into a membership's notify_props (e.g. mark_unread for /mute). */
export async function mergeMemberNotifyProps(q: Queryable, channelId: string, userId: string, props: Record<string, unknown>, now: number): Promise<ChannelMemberRow | undefined> {
  const rows = await q.query<ChannelMemberRow>(
    `update channel_members set notify_props = notify_props || $3::text::jsonb, last_update_at = greatest(last_update_at, $4)
      where channel_id = $1 and user_id = $2 returning *`,
    [channelId, userId, JSON.stringify(props), now],
  );
  return rows[0];
}
