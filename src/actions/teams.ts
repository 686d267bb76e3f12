import { z } from 'zod';
import type { Deps } from '../deps.ts';
import type { Queryable } from '../db/driver.ts';
import type { Auth } from './tokens.ts';
import { inTx, type Emit } from './tx.ts';
import { accessTeam, assertActiveUser, checkId, checkInput, isTeamAdmin, pageLimit } from './access.ts';
import { badRequest, conflict, forbidden, isUniqueViolation, notFound } from '../errors.ts';
import { newId } from '../ids.ts';
import * as teams from '../store/teams.ts';
import type { TeamMemberRow, TeamRole, TeamRow } from '../store/teams.ts';
import { insertChannel, lockDefaultChannels, lockUserTeamChannels } from '../store/channels.ts';
import { channelMemberIds, deleteTeamChannelMemberships, insertChannelMember } from '../store/members.ts';
import { presentChannel, presentMember, type AfterChange } from './channels.ts';

// Mattermost's reserved team names (model/team.go), which would shadow web client routes.
const RESERVED_TEAM_NAMES = new Set(['admin', 'api', 'channel', 'claim', 'error', 'files', 'help', 'landing', 'login', 'mfa', 'oauth', 'plug', 'plugins', 'post', 'signup', 'boards', 'playbooks']);
const TEAM_NAME_RE = /^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/;

/** Mattermost's team-name rules: lowercase letters, digits and '-', 2–64 chars, no leading/trailing '-', not reserved. */
export function checkTeamName(name: string): string {
  if (name.length < 2 || !TEAM_NAME_RE.test(name)) {
    throw badRequest('invalid_team_name', 'Team names are 2–64 characters of lowercase letters, digits and hyphens, starting and ending with a letter or digit');
  }
  if (RESERVED_TEAM_NAMES.has(name)) throw badRequest('invalid_team_name', `"${name}" is a reserved team name`);
  return name;
}

const displayName = z.string().trim().min(1).max(64);
const teamType = z.enum(['O', 'I']);

export const createTeamSchema = z.object({
  name: z.string(),
  display_name: displayName,
  description: z.string().max(255).optional(),
  type: teamType.optional(),
  allow_open_invite: z.boolean().optional(),
});
export type CreateTeamInput = z.input<typeof createTeamSchema>;

export const updateTeamSchema = z.object({
  display_name: displayName.optional(),
  description: z.string().max(255).optional(),
  type: teamType.optional(),
  allow_open_invite: z.boolean().optional(),
});
export type UpdateTeamInput = z.input<typeof updateTeamSchema>;

export const joinTeamSchema = z.object({ invite_id: z.string().max(64).optional() });
export const addTeamMemberSchema = z.object({ user_id: z.string() });
export const teamRoleSchema = z.object({ role: z.enum(['team_user', 'team_admin']) });

/** Team JSON. `invite_id` only for those who may invite (team admins, system admins). */
export function presentTeam(t: TeamRow, opts: { withInvite?: boolean } = {}) {
  return {
    id: t.id,
    name: t.name,
    display_name: t.display_name,
    description: t.description,
    type: t.type,
    allow_open_invite: t.allow_open_invite,
    ...(opts.withInvite ? { invite_id: t.invite_id } : {}),
    creator_id: t.creator_id,
    create_at: t.create_at,
    update_at: t.update_at,
    delete_at: t.delete_at,
  };
}

export function presentTeamMember(m: TeamMemberRow) {
  return { team_id: m.team_id, user_id: m.user_id, role: m.role, create_at: m.create_at };
}

/** The wire form of a team for the caller. */
export function presentTeamFor(auth: Auth, team: TeamRow, member?: TeamMemberRow) {
  return presentTeam(team, { withInvite: auth.isSystemAdmin || member?.role === 'team_admin' });
}

/** `type` and `allow_open_invite` say the same thing (as in Mattermost); keep them in step. */
function syncOpenness(p: { type?: 'O' | 'I'; allow_open_invite?: boolean }) {
  if (p.type !== undefined && p.allow_open_invite !== undefined && (p.type === 'O') !== p.allow_open_invite) {
    throw badRequest('invalid_input', 'type and allow_open_invite disagree');
  }
  if (p.type !== undefined) return { type: p.type, allow_open_invite: p.type === 'O' };
  if (p.allow_open_invite !== undefined) return { type: (p.allow_open_invite ? 'O' : 'I') as 'O' | 'I', allow_open_invite: p.allow_open_invite };
  return {};
}

export async function createTeam(deps: Deps, auth: Auth, raw: CreateTeamInput): Promise<{ team: TeamRow; member: TeamMemberRow }> {
  const input = checkInput(createTeamSchema, raw);
  const name = checkTeamName(input.name);
  const openness = syncOpenness(input);
  const now = deps.now();
  try {
    return await inTx(deps, async (tx, emit) => {
      const team = await teams.insertTeam(tx, {
        id: newId(),
        name,
        display_name: input.display_name,
        description: input.description ?? '',
        // Without type or allow_open_invite a team is invite-only, as the web client creates it:
        // opening a team to everyone on the server is a choice, never a default.
        type: openness.type ?? 'I',
        allow_open_invite: openness.allow_open_invite ?? false,
        invite_id: newId(),
        creator_id: auth.user.id,
        create_at: now,
        update_at: now,
      });
      for (const [cname, dname] of [['town-square', 'Town Square'], ['off-topic', 'Off-Topic']]) {
        await insertChannel(tx, { id: newId(), team_id: team.id, type: 'O', name: cname, display_name: dname, header: '', purpose: '', creator_id: auth.user.id, create_at: now, update_at: now });
      }
      const member = await addUserToTeam(tx, emit, team, auth.user.id, 'team_admin', now);
      return { team, member: member! };
    });
  } catch (e) {
    if (isUniqueViolation(e)) throw conflict('team_name_taken', `A team named "${name}" already exists`);
    throw e;
  }
}

/**
 * Makes the user a team member and a member of the team's default channels; emits
 * `added_to_team` (to every team member, the new one included) and `user_added` per channel.
 * Returns undefined (and emits nothing) when the user was already a member.
 */
export async function addUserToTeam(tx: Queryable, emit: Emit, team: TeamRow, userId: string, role: TeamRole, now: number): Promise<TeamMemberRow | undefined> {
  const member = await teams.insertTeamMember(tx, { team_id: team.id, user_id: userId, role, create_at: now });
  if (!member) return undefined;
  // Lock the default channels before adding members (a concurrent post serialises with us).
  for (const ch of await lockDefaultChannels(tx, team.id)) {
    const cm = await insertChannelMember(tx, ch, userId, 'channel_user', now);
    if (cm) emit({ event: 'user_added', data: { channel_id: ch.id, team_id: team.id, user_id: userId, member: presentMember(cm), channel: presentChannel(ch) }, broadcast: { user_ids: await channelMemberIds(tx, ch.id), channel_id: ch.id, team_id: team.id } });
  }
  emit({
    event: 'added_to_team',
    data: { team_id: team.id, user_id: userId, team: presentTeam(team), member: presentTeamMember(member) },
    broadcast: { user_ids: await teams.teamMemberIds(tx, team.id), team_id: team.id },
  });
  return member;
}

/**
 * Removes the user from the team and from all of its channels. Emits `user_removed` per channel
 * (to its members before the removal, the removed user included) and `leave_team` (to the team's
 * members before the removal). Caller has checked the user is a member.
 */
export async function removeUserFromTeam(tx: Queryable, emit: Emit, team: TeamRow, userId: string, removerId: string): Promise<void> {
  const teamRecipients = await teams.teamMemberIds(tx, team.id);
  // Channel rows are locked (in id order) so posts in those channels serialise with the removal.
  const channels = await lockUserTeamChannels(tx, team.id, userId);
  const perChannel = await Promise.all(channels.map(async (ch) => ({ ch, ids: await channelMemberIds(tx, ch.id) })));
  await deleteTeamChannelMemberships(tx, team.id, userId);
  await teams.deleteTeamMember(tx, team.id, userId);
  for (const { ch, ids } of perChannel) {
    emit({ event: 'user_removed', data: { channel_id: ch.id, team_id: team.id, user_id: userId, remover_id: removerId }, broadcast: { user_ids: ids, channel_id: ch.id, team_id: team.id } });
  }
  emit({ event: 'leave_team', data: { team_id: team.id, user_id: userId, remover_id: removerId }, broadcast: { user_ids: teamRecipients, team_id: team.id } });
}

export async function listMyTeams(deps: Deps, auth: Auth) {
  const [rows, members] = await Promise.all([
    teams.listUserTeams(deps.db, auth.user.id),
    deps.db.query<TeamMemberRow>('select * from team_members where user_id = $1', [auth.user.id]),
  ]);
  const byTeam = new Map(members.map((m) => [m.team_id, m]));
  return rows.map((t) => ({ team: t, member: byTeam.get(t.id)! }));
}

export async function listJoinableTeams(deps: Deps, auth: Auth): Promise<TeamRow[]> {
  return teams.listJoinableTeams(deps.db, auth.user.id);
}

export async function getTeam(deps: Deps, auth: Auth, teamId: string) {
  return accessTeam(deps.db, auth, teamId, 'view');
}

/** A team by its name (Mattermost's `GET /teams/name/{name}`); same rules as getTeam. */
export async function getTeamByName(deps: Deps, auth: Auth, name: string) {
  const team = typeof name === 'string' && name.length <= 64 ? await teams.getTeamByName(deps.db, name) : undefined;
  if (!team) throw notFound('team_not_found', 'Team not found');
  return accessTeam(deps.db, auth, team.id, 'view');
}

export async function updateTeam(deps: Deps, auth: Auth, teamId: string, raw: UpdateTeamInput): Promise<TeamRow> {
  const input = checkInput(updateTeamSchema, raw);
  const openness = syncOpenness(input);
  return inTx(deps, async (tx, emit) => {
    await accessTeam(tx, auth, teamId, 'admin', { lock: true });
    const team = await teams.updateTeam(tx, teamId, { display_name: input.display_name, description: input.description, ...openness }, deps.now());
    emit({ event: 'team_updated', data: { team: presentTeam(team) }, broadcast: { user_ids: await teams.teamMemberIds(tx, teamId), team_id: teamId } });
    return team;
  });
}

/** Soft-deletes a team (system admins only). */
export async function deleteTeam(deps: Deps, auth: Auth, teamId: string, after?: AfterChange<TeamRow>): Promise<TeamRow> {
  return inTx(deps, async (tx, emit) => {
    await accessTeam(tx, auth, teamId, 'view', { lock: true });
    if (!auth.isSystemAdmin) throw forbidden('forbidden', 'Only system admins can delete teams');
    const team = await teams.softDeleteTeam(tx, teamId, deps.now());
    await after?.(tx, team);
    emit({ event: 'team_deleted', data: { team_id: teamId, team: presentTeam(team) }, broadcast: { user_ids: await teams.teamMemberIds(tx, teamId), team_id: teamId } });
    return team;
  });
}

/** Joins an open team, or an invite-only one with its `invite_id`. Idempotent for members. */
export async function joinTeam(deps: Deps, auth: Auth, teamId: string, raw: z.input<typeof joinTeamSchema> = {}): Promise<{ member: TeamMemberRow; created: boolean }> {
  const input = checkInput(joinTeamSchema, raw);
  return inTx(deps, async (tx, emit) => {
    const team = await teams.getTeam(tx, teamId, true);
    if (!team || team.delete_at !== 0) throw notFound('team_not_found', 'Team not found');
    const existing = await teams.getTeamMember(tx, teamId, auth.user.id);
    if (existing) return { member: existing, created: false };
    if (input.invite_id !== undefined) {
      if (input.invite_id !== team.invite_id) throw forbidden('invalid_invite', 'The invite id is not valid for this team');
    } else if (!(team.type === 'O' && team.allow_open_invite)) {
      throw forbidden('forbidden', 'This team is invite-only');
    }
    const member = await addUserToTeam(tx, emit, team, auth.user.id, 'team_user', deps.now());
    return { member: member!, created: true };
  });
}

export async function leaveTeam(deps: Deps, auth: Auth, teamId: string): Promise<void> {
  return removeTeamMember(deps, auth, teamId, auth.user.id);
}

export async function listTeamMembers(deps: Deps, auth: Auth, teamId: string, opts: { cursor?: string; limit?: number } = {}) {
  await accessTeam(deps.db, auth, teamId, 'member');
  const limit = pageLimit(opts.limit);
  const rows = await teams.listTeamMembers(deps.db, teamId, opts.cursor ?? '', limit + 1);
  const more = rows.length > limit;
  const items = rows.slice(0, limit);
  return { items, next_cursor: more ? items[items.length - 1].user_id : null };
}

/**
 * Adds a user to the team (team admins, system admins). Idempotent: an existing member is returned
 * with created=false. A deactivated user is refused (400 `user_deactivated`), member or not.
 */
export async function addTeamMember(deps: Deps, auth: Auth, teamId: string, raw: z.input<typeof addTeamMemberSchema>, after?: AfterChange<TeamMemberRow>): Promise<{ member: TeamMemberRow; created: boolean }> {
  const input = checkInput(addTeamMemberSchema, raw);
  const userId = checkId(input.user_id, 'user_id');
  return inTx(deps, async (tx, emit) => {
    const { team } = await accessTeam(tx, auth, teamId, 'admin', { lock: true });
    await assertActiveUser(tx, userId);
    const existing = await teams.getTeamMember(tx, teamId, userId);
    if (existing) return { member: existing, created: false };
    const member = await addUserToTeam(tx, emit, team, userId, 'team_user', deps.now());
    await after?.(tx, member!);
    return { member: member!, created: true };
  });
}

/** Removes a member (self: anyone; others: team admins, system admins), from the team's channels too. */
export async function removeTeamMember(deps: Deps, auth: Auth, teamId: string, userId: string, after?: AfterChange<TeamMemberRow>): Promise<void> {
  checkId(userId, 'user_id');
  return inTx(deps, async (tx, emit) => {
    const self = userId === auth.user.id;
    const a = await accessTeam(tx, auth, teamId, self ? 'view' : 'admin', { lock: true });
    if (!self && !isTeamAdmin(auth, a)) throw forbidden();
    const target = self ? a.member : await teams.getTeamMember(tx, teamId, userId);
    if (!target) throw notFound('member_not_found', self ? 'You are not a member of this team' : 'That user is not a member of this team');
    await removeUserFromTeam(tx, emit, a.team, userId, auth.user.id);
    await after?.(tx, target);
  });
}

/**
 * Sets a member's team role (team admins, system admins). No event: the protocol has none for
 * role changes; the member's clients see the new role on their next fetch of their teams.
 */
export async function setTeamMemberRole(deps: Deps, auth: Auth, teamId: string, userId: string, raw: z.input<typeof teamRoleSchema>): Promise<TeamMemberRow> {
  checkId(userId, 'user_id');
  const { role } = checkInput(teamRoleSchema, raw);
  return inTx(deps, async (tx) => {
    await accessTeam(tx, auth, teamId, 'admin', { lock: true });
    const m = await teams.setTeamMemberRole(tx, teamId, userId, role);
    if (!m) throw notFound('member_not_found', 'That user is not a member of this team');
    return m;
  });
}

/** Member counts of a team the caller may view: all members, and those whose account is active. */
export async function teamStats(deps: Deps, auth: Auth, teamId: string): Promise<{ team_id: string; total_member_count: number; active_member_count: number }> {
  checkId(teamId, 'team id');
  await accessTeam(deps.db, auth, teamId, 'member');
  const r = await teams.teamMemberCounts(deps.db, teamId);
  return { team_id: teamId, total_member_count: r.total, active_member_count: r.active };
}
