import type { Deps } from '../deps.ts';
import type { Auth } from './tokens.ts';
import { inTx } from './tx.ts';
import { accessChannel, accessTeam, checkId, type ChannelMemberRow, type ChannelRow } from './access.ts';
import { presentChannel, presentMember } from './channels.ts';
import { listMemberChannels, markMemberUnreadFrom, markMemberViewed, type MemberChannelRow } from '../store/members.ts';
import { accessPost } from './posts.ts';
import { clearPushes } from './push.ts';
import { listUserTeams } from '../store/teams.ts';

/**
 * Unread bookkeeping (Mattermost's model). The channel keeps running totals (total_msg_count,
 * total_msg_count_root); a membership keeps the totals as they were when the member last viewed
 * the channel (msg_count, msg_count_root) and the mentions since (mention_count,
 * mention_count_root). Unread = total − member count. createPost maintains the totals through
 * store/channels.ts recordChannelPost; markChannelRead resets the member.
 */
export interface Unread {
  channel_id: string;
  team_id: string;
  type: ChannelRow['type'];
  unread_count: number;
  unread_root_count: number;
  mention_count: number;
  mention_count_root: number;
  last_viewed_at: number;
  last_post_at: number;
  last_root_post_at: number;
}

export interface UnreadTotals {
  unread_count: number;
  unread_root_count: number;
  mention_count: number;
  mention_count_root: number;
  /** Channels with at least one unread message. */
  unread_channels: number;
}

export function unreadOf(channel: ChannelRow, member: ChannelMemberRow): Unread {
  return {
    channel_id: channel.id,
    team_id: channel.team_id,
    type: channel.type,
    unread_count: Math.max(0, channel.total_msg_count - member.msg_count),
    unread_root_count: Math.max(0, channel.total_msg_count_root - member.msg_count_root),
    mention_count: member.mention_count,
    mention_count_root: member.mention_count_root,
    last_viewed_at: member.last_viewed_at,
    last_post_at: channel.last_post_at,
    last_root_post_at: channel.last_root_post_at,
  };
}

function totals(unreads: Unread[]): UnreadTotals {
  const t: UnreadTotals = { unread_count: 0, unread_root_count: 0, mention_count: 0, mention_count_root: 0, unread_channels: 0 };
  for (const u of unreads) {
    t.unread_count += u.unread_count;
    t.unread_root_count += u.unread_root_count;
    t.mention_count += u.mention_count;
    t.mention_count_root += u.mention_count_root;
    if (u.unread_count > 0) t.unread_channels += 1;
  }
  return t;
}

/**
 * Marks a channel read up to now for the caller. Emits `channel_viewed` and `unread_updated`
 * to the caller's own sockets only (other tabs and devices clear their badges).
 */
export async function markChannelRead(deps: Deps, auth: Auth, channelId: string): Promise<{ member: ChannelMemberRow; unread: Unread }> {
  checkId(channelId);
  let cleared = false;
  const out = await inTx(deps, async (tx, emit) => {
    const { channel, member: before } = await accessChannel(tx, auth, channelId, { mode: 'write', allowArchived: true });
    const now = deps.now();
    const member = (await markMemberViewed(tx, channelId, auth.user.id, now))!;
    // The user's phones may show notifications of this channel: clear them (after commit).
    if (Number(before?.mention_count ?? 0) > 0) cleared = true;
    // The totals as of the update (it read the latest committed channel row).
    const fresh = { ...channel, total_msg_count: member.msg_count, total_msg_count_root: member.msg_count_root };
    const unread = unreadOf(fresh, member);
    const broadcast = { user_ids: [auth.user.id], channel_id: channelId, team_id: channel.team_id || undefined };
    const pm = presentMember(member);
    emit({ event: 'channel_viewed', data: { channel_id: channelId, team_id: channel.team_id, last_viewed_at: member.last_viewed_at, member: pm }, broadcast });
    emit({ event: 'unread_updated', data: { ...unread, member: pm }, broadcast });
    return { member, unread };
  });
  if (cleared) clearPushes(deps, auth, channelId);
  return out;
}

/**
 * Marks a channel unread for the caller from one of its posts on (the post menu's "Mark as
 * unread"; Mattermost's set_unread): the channel's unread and mention counts go back to what they
 * were just before that post (store/members.ts markMemberUnreadFrom). Needs membership (archived
 * channels too). Emits `unread_updated` with `post_id` to the caller's own sockets.
 */
export async function markChannelUnreadFrom(deps: Deps, auth: Auth, postId: string): Promise<{ member: ChannelMemberRow; unread: Unread }> {
  checkId(postId, 'post id');
  return inTx(deps, async (tx, emit) => {
    const { channel, post } = await accessPost(tx, auth, postId, { mode: 'write', allowArchived: true });
    const member = (await markMemberUnreadFrom(tx, channel.id, auth.user.id, post, deps.now()))!;
    const fresh = (await tx.query<ChannelRow>('select * from channels where id = $1', [channel.id]))[0];
    const unread = unreadOf(fresh, member);
    const pm = presentMember(member);
    emit({ event: 'unread_updated', data: { ...unread, member: pm, post_id: postId }, broadcast: { user_ids: [auth.user.id], channel_id: channel.id, team_id: channel.team_id || undefined } });
    return { member, unread };
  });
}

/** Every channel of the caller (in live teams, plus DMs and groups) with unread and mention counts, and totals per team. */
export async function getUnreads(deps: Deps, auth: Auth) {
  const [rows, teams] = await Promise.all([listMemberChannels(deps.db, auth.user.id), listUserTeams(deps.db, auth.user.id)]);
  const channels = rows.map((r) => unreadOf(r.channel, r.member));
  return {
    channels,
    teams: teams.map((t) => ({ team_id: t.id, ...totals(channels.filter((u) => u.team_id === t.id)) })),
    direct: totals(channels.filter((u) => u.team_id === '')),
  };
}

/** The wire form of one of my channels: the channel, my membership and my unread counts. */
export function presentMyChannel(r: MemberChannelRow) {
  return { ...presentChannel(r.channel), member: presentMember(r.member), unread: unreadOf(r.channel, r.member) };
}

/**
 * My channels in a team plus my direct and group channels (as Mattermost lists them), each with
 * membership and unread counts, and the team's totals (direct channels not included).
 */
export async function listMyTeamChannels(deps: Deps, auth: Auth, teamId: string) {
  await accessTeam(deps.db, auth, checkId(teamId), 'member');
  const rows = await listMemberChannels(deps.db, auth.user.id, teamId);
  const unreads = rows.map((r) => unreadOf(r.channel, r.member));
  return {
    items: rows.map(presentMyChannel),
    next_cursor: null,
    team: { team_id: teamId, ...totals(unreads.filter((u) => u.team_id === teamId)) },
    direct: totals(unreads.filter((u) => u.team_id === '')),
  };
}

/** All my channels (every live team, DMs and groups) with my memberships, as rows. */
export async function listAllMyChannels(deps: Deps, auth: Auth): Promise<MemberChannelRow[]> {
  return listMemberChannels(deps.db, auth.user.id);
}

/** All my channels, presented, with unread counts (`GET /api/v1/channels`). */
export async function listMyChannels(deps: Deps, auth: Auth) {
  return { items: (await listAllMyChannels(deps, auth)).map(presentMyChannel), next_cursor: null };
}
