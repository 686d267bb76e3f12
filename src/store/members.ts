import type { Queryable } from '../db/driver.ts';
import type { ChannelMemberRow, ChannelRow } from '../actions/access.ts';

export type { ChannelMemberRow };
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

/** Caller holds FOR UPDATE on the channel row. */
export async function deleteChannelMember(q: Queryable, channelId: string, userId: string): Promise<boolean> {
  const rows = await q.query('delete from channel_members where channel_id = $1 and user_id = $2 returning user_id', [channelId, userId]);
  return rows.length > 0;
}

/** Removes the user from every channel of a team. Caller holds FOR UPDATE on those channel rows. */
export async function deleteTeamChannelMemberships(q: Queryable, teamId: string, userId: string): Promise<void> {
  await q.query(
    `delete from channel_members m using channels c
     where m.channel_id = c.id and c.team_id = $1 and m.user_id = $2`,
    [teamId, userId],
  );
}

export async function channelMemberIds(q: Queryable, channelId: string): Promise<string[]> {
  return (await q.query<{ user_id: string }>('select user_id from channel_members where channel_id = $1', [channelId])).map((r) => r.user_id);
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

/** One of the user's channels with the membership and the unread counts derived from both. */
export interface MemberChannelRow {
  channel: ChannelRow;
  member: ChannelMemberRow;
}

const CHANNEL_COLS = ['id', 'team_id', 'type', 'name', 'display_name', 'header', 'purpose', 'creator_id', 'create_at', 'update_at', 'delete_at', 'last_post_at', 'last_root_post_at', 'total_msg_count', 'total_msg_count_root'] as const;
const MEMBER_COLS = ['channel_id', 'user_id', 'role', 'last_viewed_at', 'msg_count', 'mention_count', 'msg_count_root', 'mention_count_root', 'notify_props', 'create_at', 'last_update_at'] as const;
const SELECT_BOTH = [...CHANNEL_COLS.map((k) => `c.${k} as c_${k}`), ...MEMBER_COLS.map((k) => `m.${k} as m_${k}`)].join(', ');

function split(r: Record<string, any>): MemberChannelRow {
  const channel: any = {};
  const member: any = {};
  for (const k of CHANNEL_COLS) channel[k] = r[`c_${k}`];
  for (const k of MEMBER_COLS) member[k] = r[`m_${k}`];
  return { channel, member };
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
