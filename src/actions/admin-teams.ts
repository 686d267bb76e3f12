import type { Deps } from '../deps.ts';
import type { Auth } from './tokens.ts';
import { badRequest, notFound } from '../errors.ts';
import { inTx } from './tx.ts';
import { audit } from './audit.ts';
import { actorOf, assertSystemAdmin } from './admin.ts';
import { assertActiveUser, checkId } from './access.ts';
import * as lists from '../store/admin-lists.ts';
import { getTeam, getTeamMember, listTeamMembers as teamMemberRows } from '../store/teams.ts';
import { getChannel } from '../store/channels.ts';
import { addMember, presentChannel, removeChannelMember, setChannelArchived } from './channels.ts';
import { addTeamMember, deleteTeam, presentTeam, presentTeamMember, removeTeamMember } from './teams.ts';

/**
 * The system console's teams and channels: every team and every public/private channel (archived
 * ones too), searched and paged on the server with member counts; archive/restore; membership.
 * System admins only; every change is audited in the transaction that makes it.
 */

export interface AdminTeamQuery {
  q?: string;
  state: lists.ListState;
  cursor?: string;
  limit: number;
}

export async function adminListTeams(deps: Deps, auth: Auth, query: AdminTeamQuery) {
  assertSystemAdmin(auth);
  const rows = await lists.listTeamsForAdmin(deps.db, { q: query.q, state: query.state, after: query.cursor, limit: query.limit + 1 });
  const page = rows.slice(0, query.limit);
  return {
    items: page.map((t) => ({ ...presentTeam(t, { withInvite: true }), member_count: t.member_count })),
    next_cursor: rows.length > query.limit ? page[page.length - 1].name : null,
  };
}

export interface AdminChannelQuery {
  q?: string;
  team_id?: string;
  type?: 'O' | 'P';
  state: lists.ListState;
  cursor?: string;
  limit: number;
}

export async function adminListChannels(deps: Deps, auth: Auth, query: AdminChannelQuery) {
  assertSystemAdmin(auth);
  if (query.team_id !== undefined) checkId(query.team_id, 'team_id');
  let after: { name: string; id: string } | undefined;
  if (query.cursor !== undefined) {
    const i = query.cursor.lastIndexOf(':');
    after = { name: query.cursor.slice(0, i), id: query.cursor.slice(i + 1) };
    if (i < 1) throw badRequest('invalid_cursor', 'cursor is not valid');
  }
  const rows = await lists.listChannelsForAdmin(deps.db, { q: query.q, teamId: query.team_id, type: query.type, state: query.state, after, limit: query.limit + 1 });
  const page = rows.slice(0, query.limit);
  const last = page[page.length - 1];
  return {
    items: page.map((c) => ({
      ...presentChannel(c),
      member_count: c.member_count,
      team: { id: c.team_id, name: c.team_name, display_name: c.team_display_name, delete_at: Number(c.team_delete_at) },
    })),
    next_cursor: rows.length > query.limit ? `${last.name}:${last.id}` : null,
  };
}

/** Archives a team (its members lose it; nothing is deleted). Audit: `team_archive`. */
export async function adminArchiveTeam(deps: Deps, auth: Auth, teamId: string, ip: string) {
  assertSystemAdmin(auth);
  checkId(teamId, 'team id');
  const team = await deleteTeam(deps, auth, teamId, (tx, t) => audit(tx, deps.now(), actorOf(auth, ip), 'team_archive', { target_type: 'team', target_id: t.id, details: { name: t.name } }));
  return presentTeam(team, { withInvite: true });
}

/**
 * Restores an archived team. Its members get `added_to_team` again (the protocol has no restore
 * event; that one makes every client, Mattermost's too, show the team again). Audit: `team_restore`.
 */
export async function adminRestoreTeam(deps: Deps, auth: Auth, teamId: string, ip: string) {
  assertSystemAdmin(auth);
  checkId(teamId, 'team id');
  return inTx(deps, async (tx, emit) => {
    const team = await getTeam(tx, teamId, true);
    if (!team) throw notFound('team_not_found', 'Team not found');
    if (team.delete_at === 0) return presentTeam(team, { withInvite: true });
    const restored = await lists.restoreTeam(tx, teamId, deps.now());
    await audit(tx, deps.now(), actorOf(auth, ip), 'team_restore', { target_type: 'team', target_id: teamId, details: { name: team.name } });
    for (const m of await teamMemberRows(tx, teamId, '', 100_000)) {
      emit({
        event: 'added_to_team',
        data: { team_id: teamId, user_id: m.user_id, team: presentTeam(restored), member: presentTeamMember(m) },
        broadcast: { user_ids: [m.user_id], team_id: teamId },
      });
    }
    return presentTeam(restored, { withInvite: true });
  });
}

/** Archives or restores a public/private channel. Audit: `channel_archive` / `channel_restore`. */
export async function adminSetChannelArchived(deps: Deps, auth: Auth, channelId: string, archived: boolean, ip: string) {
  assertSystemAdmin(auth);
  checkId(channelId, 'channel id');
  const c = await setChannelArchived(deps, auth, channelId, archived, (tx, ch) =>
    audit(tx, deps.now(), actorOf(auth, ip), archived ? 'channel_archive' : 'channel_restore', { target_type: 'channel', target_id: ch.id, details: { name: ch.name, team_id: ch.team_id } }),
  );
  return presentChannel(c);
}

const MEMBER_PAGE = 200;

export async function adminTeamMembers(deps: Deps, auth: Auth, teamId: string, q: { cursor?: string; limit?: number }) {
  assertSystemAdmin(auth);
  checkId(teamId, 'team id');
  if (!(await getTeam(deps.db, teamId))) throw notFound('team_not_found', 'Team not found');
  const limit = Math.min(q.limit ?? 100, MEMBER_PAGE);
  const rows = await lists.teamMembersForAdmin(deps.db, teamId, q.cursor, limit + 1);
  const page = rows.slice(0, limit);
  return { items: page.map((r) => ({ ...r, delete_at: Number(r.delete_at) })), next_cursor: rows.length > limit ? page[page.length - 1].username : null };
}

export async function adminChannelMembers(deps: Deps, auth: Auth, channelId: string, q: { cursor?: string; limit?: number }) {
  assertSystemAdmin(auth);
  checkId(channelId, 'channel id');
  const ch = await getChannel(deps.db, channelId);
  if (!ch || ch.type === 'D' || ch.type === 'G') throw notFound('channel_not_found', 'Channel not found');
  const limit = Math.min(q.limit ?? 100, MEMBER_PAGE);
  const rows = await lists.channelMembersForAdmin(deps.db, channelId, q.cursor, limit + 1);
  const page = rows.slice(0, limit);
  return { items: page.map((r) => ({ ...r, delete_at: Number(r.delete_at) })), next_cursor: rows.length > limit ? page[page.length - 1].username : null };
}

/** Adds someone to a team (and its default channels). Audit: `team_member_add`. */
export async function adminAddTeamMember(deps: Deps, auth: Auth, teamId: string, userId: string, ip: string) {
  assertSystemAdmin(auth);
  checkId(teamId, 'team id');
  const r = await addTeamMember(deps, auth, teamId, { user_id: userId }, (tx, m) =>
    audit(tx, deps.now(), actorOf(auth, ip), 'team_member_add', { target_type: 'team', target_id: teamId, details: { user_id: m.user_id } }),
  );
  return { member: presentTeamMember(r.member), created: r.created };
}

/** Removes someone from a team and its channels. Audit: `team_member_remove`. */
export async function adminRemoveTeamMember(deps: Deps, auth: Auth, teamId: string, userId: string, ip: string) {
  assertSystemAdmin(auth);
  checkId(teamId, 'team id');
  await removeTeamMember(deps, auth, teamId, userId, (tx, m) =>
    audit(tx, deps.now(), actorOf(auth, ip), 'team_member_remove', { target_type: 'team', target_id: teamId, details: { user_id: m.user_id } }),
  );
}

/**
 * Adds a member of the channel's team to a public or private channel the admin need not belong
 * to; someone outside the team is refused (`user_not_in_team`: add them to the team first).
 * Audit: `channel_member_add`.
 */
export async function adminAddChannelMember(deps: Deps, auth: Auth, channelId: string, userId: string, ip: string) {
  assertSystemAdmin(auth);
  checkId(channelId, 'channel id');
  checkId(userId, 'user_id');
  return inTx(deps, async (tx, emit) => {
    const channel = await getChannel(tx, channelId, true);
    if (!channel || channel.type === 'D' || channel.type === 'G') throw notFound('channel_not_found', 'Channel not found');
    const team = await getTeam(tx, channel.team_id);
    if (!team || team.delete_at !== 0) throw notFound('channel_not_found', 'Channel not found');
    if (channel.delete_at !== 0) throw badRequest('channel_archived', 'This channel is archived; restore it first');
    await assertActiveUser(tx, userId);
    if (!(await getTeamMember(tx, channel.team_id, userId))) throw badRequest('user_not_in_team', "That user is not a member of the channel's team; add them to the team first");
    const r = await addMember(tx, emit, channel, userId, deps.now());
    if (r.created) await audit(tx, deps.now(), actorOf(auth, ip), 'channel_member_add', { target_type: 'channel', target_id: channelId, details: { user_id: userId, team_id: channel.team_id } });
    return { member: { channel_id: channelId, user_id: userId, role: r.member.role }, created: r.created };
  });
}

/** Removes someone from a channel (not town-square). Audit: `channel_member_remove`. */
export async function adminRemoveChannelMember(deps: Deps, auth: Auth, channelId: string, userId: string, ip: string) {
  assertSystemAdmin(auth);
  checkId(channelId, 'channel id');
  await removeChannelMember(deps, auth, channelId, userId, (tx, ch) =>
    audit(tx, deps.now(), actorOf(auth, ip), 'channel_member_remove', { target_type: 'channel', target_id: channelId, details: { user_id: userId, team_id: ch.team_id } }),
  );
}
