import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { Deps } from '../deps.ts';
import type { Queryable } from '../db/driver.ts';
import type { Auth } from './tokens.ts';
import { inTx, type Emit } from './tx.ts';
import { accessChannel, accessTeam, assertActiveUser, checkId, checkInput, isChannelModerator, pageLimit, type ChannelMemberRow, type ChannelRow } from './access.ts';
import { AppError, badRequest, conflict, forbidden, isUniqueViolation, notFound } from '../errors.ts';
import { newId } from '../ids.ts';
import * as store from '../store/channels.ts';
import * as members from '../store/members.ts';
import { getTeamMember, teamMemberIds } from '../store/teams.ts';

/** Channels every team has; they cannot be left, renamed or archived. */
export const TOWN_SQUARE = 'town-square';

/** Runs inside an action's transaction after its change (the console's audit entry commits with it). */
export type AfterChange<T> = (tx: Queryable, changed: T) => Promise<void>;
const CHANNEL_NAME_RE = /^[a-z0-9][a-z0-9_-]{0,63}$/;

/** Mattermost's channel-name rules: 1–64 of lowercase letters, digits, '_' and '-', starting with a letter or digit. */
export function checkChannelName(name: string): string {
  if (!CHANNEL_NAME_RE.test(name)) {
    throw badRequest('invalid_channel_name', 'Channel names are 1–64 characters of lowercase letters, digits, "_" and "-", starting with a letter or digit');
  }
  return name;
}

const channelType = z.enum(['public', 'private', 'O', 'P']).transform((t) => (t === 'public' || t === 'O' ? 'O' : 'P') as 'O' | 'P');
const displayName = z.string().trim().min(1).max(64);
const purpose = z.string().max(250);
const header = z.string().max(1024);

export const createChannelSchema = z.object({
  team_id: z.string(),
  name: z.string(),
  display_name: displayName,
  type: channelType,
  purpose: purpose.optional(),
  header: header.optional(),
});
export type CreateChannelInput = z.input<typeof createChannelSchema>;

export const patchChannelSchema = z.object({
  name: z.string().optional(),
  display_name: displayName.optional(),
  purpose: purpose.optional(),
  header: header.optional(),
});
export type PatchChannelInput = z.input<typeof patchChannelSchema>;

export const privacySchema = z.object({ type: channelType });

export const directSchema = z.object({ user_id: z.string() });
export const groupSchema = z.object({ user_ids: z.array(z.string()).min(1).max(16) });
export const userIdSchema = z.object({ user_id: z.string() });
export const channelRoleSchema = z.object({ role: z.enum(['channel_user', 'channel_admin']) });

export function presentChannel(c: ChannelRow) {
  return {
    id: c.id,
    team_id: c.team_id,
    type: c.type,
    name: c.name,
    display_name: c.display_name,
    header: c.header,
    purpose: c.purpose,
    creator_id: c.creator_id,
    create_at: c.create_at,
    update_at: c.update_at,
    delete_at: c.delete_at,
    last_post_at: c.last_post_at,
    last_root_post_at: c.last_root_post_at,
    total_msg_count: c.total_msg_count,
    total_msg_count_root: c.total_msg_count_root,
  };
}

export function presentMember(m: ChannelMemberRow) {
  return {
    channel_id: m.channel_id,
    user_id: m.user_id,
    role: m.role,
    last_viewed_at: m.last_viewed_at,
    msg_count: m.msg_count,
    mention_count: m.mention_count,
    msg_count_root: m.msg_count_root,
    mention_count_root: m.mention_count_root,
    notify_props: m.notify_props,
    create_at: m.create_at,
    last_update_at: m.last_update_at,
  };
}

/**
 * Who hears about changes to a channel itself (rename, archive, restore): the whole team for a
 * public channel (it appears in everyone's browse list), the members otherwise.
 */
async function channelAudience(q: Queryable, c: ChannelRow): Promise<string[]> {
  return c.type === 'O' ? teamMemberIds(q, c.team_id) : members.channelMemberIds(q, c.id);
}

/** Creates a public or private channel in a team the caller belongs to; the creator is its admin. */
export async function createChannel(deps: Deps, auth: Auth, raw: CreateChannelInput): Promise<{ channel: ChannelRow; member: ChannelMemberRow }> {
  const input = checkInput(createChannelSchema, raw);
  const teamId = checkId(input.team_id, 'team_id');
  const name = checkChannelName(input.name);
  const now = deps.now();
  return inTx(deps, async (tx, emit) => {
    await accessTeam(tx, auth, teamId, 'member');
    const channel = await store.insertChannelIfAbsent(tx, {
      id: newId(),
      team_id: teamId,
      type: input.type,
      name,
      display_name: input.display_name,
      header: input.header ?? '',
      purpose: input.purpose ?? '',
      creator_id: auth.user.id,
      create_at: now,
      update_at: now,
    });
    if (!channel) throw conflict('channel_name_taken', `A channel named "${name}" already exists in this team`);
    const member = (await members.insertChannelMember(tx, channel, auth.user.id, 'channel_admin', now))!;
    emit({ event: 'channel_created', data: { channel: presentChannel(channel), team_id: teamId, member: presentMember(member) }, broadcast: { user_ids: [auth.user.id], channel_id: channel.id, team_id: teamId } });
    return { channel, member };
  });
}

/**
 * Get-or-create of a DM or group channel by its deterministic name. Racing callers are
 * serialised by the unique (team_id, name) index: the losers' inserts wait for the winner's
 * commit, do nothing, and then read the winner's row.
 */
async function getOrCreateByName(deps: Deps, type: 'D' | 'G', name: string, displayName: string, userIds: string[], creatorId: string) {
  const now = deps.now();
  return inTx(deps, async (tx, emit) => {
    const created = await store.insertChannelIfAbsent(tx, { id: newId(), team_id: '', type, name, display_name: displayName, header: '', purpose: '', creator_id: creatorId, create_at: now, update_at: now });
    if (!created) {
      const existing = await store.getChannelByName(tx, '', name);
      if (!existing) throw new Error(`get-or-create of ${type} channel ${name} found no row`);
      return { channel: existing, created: false };
    }
    // One event per member: each carries that member's own membership (read state).
    for (const u of userIds) {
      const m = (await members.insertChannelMember(tx, created, u, 'channel_user', now))!;
      emit({ event: 'channel_created', data: { channel: presentChannel(created), team_id: '', member: presentMember(m) }, broadcast: { user_ids: [u], channel_id: created.id } });
    }
    return { channel: created, created: true };
  });
}

/** The DM between the caller and `user_id` (the caller alone for a self-DM), created on first use. */
export async function getOrCreateDirect(deps: Deps, auth: Auth, raw: z.input<typeof directSchema>): Promise<{ channel: ChannelRow; created: boolean }> {
  const other = checkId(checkInput(directSchema, raw).user_id, 'user_id');
  if (other !== auth.user.id && (await store.usersByIds(deps.db, [other])).length === 0) throw notFound('user_not_found', 'User not found');
  const ids = [...new Set([auth.user.id, other])].sort();
  const name = [auth.user.id, other].sort().join('__');
  return getOrCreateByName(deps, 'D', name, '', ids, auth.user.id);
}

/** The group channel of the caller and `user_ids` (3–8 people in all), created on first use. */
export async function getOrCreateGroup(deps: Deps, auth: Auth, raw: z.input<typeof groupSchema>): Promise<{ channel: ChannelRow; created: boolean }> {
  const input = checkInput(groupSchema, raw);
  for (const id of input.user_ids) checkId(id, 'user_ids');
  const ids = [...new Set([auth.user.id, ...input.user_ids])].sort();
  if (ids.length < 3 || ids.length > 8) throw badRequest('invalid_group_size', 'A group has 3 to 8 people, you included');
  const users = await store.usersByIds(deps.db, ids);
  if (users.length !== ids.length) throw notFound('user_not_found', 'User not found');
  // Mattermost's group name: sha1 of the sorted ids concatenated.
  const name = createHash('sha1').update(ids.join('')).digest('hex');
  const displayName = users.map((u) => u.username).sort().join(', ');
  return getOrCreateByName(deps, 'G', name, displayName, ids, auth.user.id);
}

export async function getChannel(deps: Deps, auth: Auth, channelId: string) {
  return accessChannel(deps.db, auth, checkId(channelId), { allowArchived: true });
}

/**
 * A team channel by name (Mattermost's `GET /teams/{tid}/channels/name/{name}`). Team members
 * only, so outsiders cannot probe which names exist; then the rules of getChannel.
 */
export async function getChannelByName(deps: Deps, auth: Auth, teamId: string, name: string) {
  await accessTeam(deps.db, auth, checkId(teamId, 'team_id'), 'member');
  const channel = typeof name === 'string' && name.length <= 64 ? await store.getChannelByName(deps.db, teamId, name) : undefined;
  if (!channel) throw notFound('channel_not_found', 'Channel not found');
  try {
    return await accessChannel(deps.db, auth, channel.id, { allowArchived: true });
  } catch (e) {
    // A name can be guessed where an id cannot: a private channel the caller may not read is
    // answered as if it did not exist (Mattermost's getChannelByName does the same), so names
    // cannot be probed. Public channels are readable by every team member (checked above).
    if (e instanceof AppError && e.status === 403 && channel.type !== 'O') throw notFound('channel_not_found', 'Channel not found');
    throw e;
  }
}

/** One member of a channel the caller can read; 404 `member_not_found`. */
export async function getChannelMember(deps: Deps, auth: Auth, channelId: string, userId: string): Promise<ChannelMemberRow> {
  const a = await accessChannel(deps.db, auth, checkId(channelId), { allowArchived: true });
  if (userId === auth.user.id && a.member) return a.member;
  const m = await members.getChannelMember(deps.db, channelId, checkId(userId, 'user_id'));
  if (!m) throw notFound('member_not_found', 'That user is not a member of this channel');
  return m;
}

/** How many members a channel the caller can read has. */
export async function getChannelMemberCount(deps: Deps, auth: Auth, channelId: string): Promise<number> {
  await accessChannel(deps.db, auth, checkId(channelId), { allowArchived: true });
  return members.countChannelMembers(deps.db, channelId);
}

/** Renames or sets header/purpose. Members may do it; DMs and groups take a header and purpose only. */
export async function patchChannel(deps: Deps, auth: Auth, channelId: string, raw: PatchChannelInput): Promise<ChannelRow> {
  checkId(channelId);
  const input = checkInput(patchChannelSchema, raw);
  if (input.name !== undefined) checkChannelName(input.name);
  return inTx(deps, async (tx, emit) => {
    const { channel } = await accessChannel(tx, auth, channelId, { mode: 'write', lock: true });
    const direct = channel.type === 'D' || channel.type === 'G';
    if (direct && (input.name !== undefined || input.display_name !== undefined)) {
      throw badRequest('invalid_channel_type', 'Direct and group channels cannot be renamed');
    }
    if (input.name !== undefined && input.name !== channel.name) {
      if (channel.name === TOWN_SQUARE) throw badRequest('default_channel', 'town-square cannot be renamed');
      if (await store.getChannelByName(tx, channel.team_id, input.name)) throw conflict('channel_name_taken', `A channel named "${input.name}" already exists in this team`);
    }
    let updated: ChannelRow;
    try {
      updated = await store.updateChannel(tx, channelId, input, deps.now());
    } catch (e) {
      if (isUniqueViolation(e)) throw conflict('channel_name_taken', `A channel named "${input.name}" already exists in this team`);
      throw e;
    }
    emit({ event: 'channel_updated', data: { channel: presentChannel(updated) }, broadcast: { user_ids: await channelAudience(tx, updated), channel_id: channelId, team_id: updated.team_id || undefined } });
    return updated;
  });
}

/** Archives (DELETE) or restores a public/private channel. Channel admins, team admins, system admins. */
export async function setChannelArchived(deps: Deps, auth: Auth, channelId: string, archived: boolean, after?: AfterChange<ChannelRow>): Promise<ChannelRow> {
  checkId(channelId);
  return inTx(deps, async (tx, emit) => {
    const a = await accessChannel(tx, auth, channelId, { lock: true, allowArchived: true });
    const { channel } = a;
    if (channel.type === 'D' || channel.type === 'G') throw badRequest('invalid_channel_type', 'Direct and group channels cannot be archived');
    if (!isChannelModerator(auth, a)) throw forbidden('forbidden', 'Only channel admins can archive or restore this channel');
    if (archived && channel.name === TOWN_SQUARE) throw badRequest('default_channel', 'town-square cannot be archived');
    if ((channel.delete_at !== 0) === archived) return channel; // already so: idempotent, no event
    const now = deps.now();
    const updated = await store.setChannelDeleteAt(tx, channelId, archived ? now : 0, now);
    await after?.(tx, updated);
    emit({
      event: archived ? 'channel_deleted' : 'channel_restored',
      data: { channel_id: channelId, team_id: updated.team_id, delete_at: updated.delete_at, channel: presentChannel(updated) },
      broadcast: { user_ids: await channelAudience(tx, updated), channel_id: channelId, team_id: updated.team_id },
    });
    return updated;
  });
}

/**
 * Converts a team channel public ↔ private (Mattermost's `PUT /channels/{id}/privacy`). Channel
 * admins, team admins, system admins; not town-square, not DMs/groups, not archived. The event
 * goes to the team and the members alike: for the team's other members a public channel left
 * their browse list (or joined it).
 */
export async function setChannelPrivacy(deps: Deps, auth: Auth, channelId: string, raw: z.input<typeof privacySchema>): Promise<ChannelRow> {
  checkId(channelId);
  const { type } = checkInput(privacySchema, raw);
  return inTx(deps, async (tx, emit) => {
    const a = await accessChannel(tx, auth, channelId, { lock: true });
    const { channel } = a;
    if (channel.type === 'D' || channel.type === 'G') throw badRequest('invalid_channel_type', 'Direct and group channels have no privacy setting');
    if (!isChannelModerator(auth, a)) throw forbidden('forbidden', 'Only channel admins can change whether a channel is private');
    if (channel.delete_at !== 0) throw forbidden('channel_archived', 'This channel is archived');
    if (channel.name === TOWN_SQUARE) throw badRequest('default_channel', 'town-square is always public');
    if (channel.type === type) return channel; // already so: idempotent, no event
    const updated = await store.setChannelType(tx, channelId, type, deps.now());
    emit({ event: 'channel_updated', data: { channel: presentChannel(updated) }, broadcast: { user_ids: await teamMemberIds(tx, updated.team_id), channel_id: channelId, team_id: updated.team_id } });
    return updated;
  });
}

/**
 * Adds `userId` to a channel whose row the caller has locked; emits `user_added` to the members
 * (the new one included). Returns the membership and whether it is new.
 */
export async function addMember(tx: Queryable, emit: Emit, channel: ChannelRow, userId: string, now: number) {
  const m = await members.insertChannelMember(tx, channel, userId, 'channel_user', now);
  if (!m) return { member: (await members.getChannelMember(tx, channel.id, userId))!, created: false };
  emit({
    event: 'user_added',
    data: { channel_id: channel.id, team_id: channel.team_id, user_id: userId, member: presentMember(m), channel: presentChannel(channel) },
    broadcast: { user_ids: await members.channelMemberIds(tx, channel.id), channel_id: channel.id, team_id: channel.team_id || undefined },
  });
  return { member: m, created: true };
}

/** Joins a public channel of one of the caller's teams. Idempotent for members. */
export async function joinChannel(deps: Deps, auth: Auth, channelId: string): Promise<{ member: ChannelMemberRow; created: boolean }> {
  checkId(channelId);
  return inTx(deps, async (tx, emit) => {
    const a = await accessChannel(tx, auth, channelId, { lock: true, allowArchived: true });
    if (a.member) return { member: a.member, created: false };
    if (a.channel.type !== 'O' || a.teamRole === '') throw forbidden('forbidden', 'Only public channels of your teams can be joined');
    if (a.channel.delete_at !== 0) throw forbidden('channel_archived', 'This channel is archived');
    return addMember(tx, emit, a.channel, auth.user.id, deps.now());
  });
}

/**
 * Adds an active team member to a public or private channel. The caller must be a member, or a
 * system admin (who need not join first, as in Mattermost: an admin adds a bot to a channel).
 */
export async function addChannelMember(deps: Deps, auth: Auth, channelId: string, raw: z.input<typeof userIdSchema>): Promise<{ member: ChannelMemberRow; created: boolean }> {
  checkId(channelId);
  const userId = checkId(checkInput(userIdSchema, raw).user_id, 'user_id');
  return inTx(deps, async (tx, emit) => {
    // 'read' access first (a system admin reads any channel but DMs and groups), then the member
    // rule of 'write' for everyone else, with its errors in its order.
    const { channel, member } = await accessChannel(tx, auth, channelId, { lock: true, allowArchived: true });
    if (!member && !auth.isSystemAdmin) throw forbidden('forbidden', 'You are not a member of this channel');
    if (channel.delete_at !== 0) throw forbidden('channel_archived', 'This channel is archived');
    if (channel.type === 'D' || channel.type === 'G') throw badRequest('invalid_channel_type', 'Members cannot be added to direct or group channels');
    await assertActiveUser(tx, userId);
    if (!(await getTeamMember(tx, channel.team_id, userId))) throw badRequest('user_not_in_team', 'That user is not a member of the channel\'s team');
    return addMember(tx, emit, channel, userId, deps.now());
  });
}

/**
 * Removes a member. Yourself (leave): any channel but town-square and DMs, and not the last
 * member of a private channel. Others: channel admins, team admins, system admins.
 */
export async function removeChannelMember(deps: Deps, auth: Auth, channelId: string, userId: string, after?: AfterChange<ChannelRow>): Promise<void> {
  checkId(channelId);
  checkId(userId, 'user_id');
  const self = userId === auth.user.id;
  return inTx(deps, async (tx, emit) => {
    const a = await accessChannel(tx, auth, channelId, { lock: true, allowArchived: self });
    const { channel } = a;
    if (channel.type === 'D') throw badRequest('invalid_channel_type', 'Direct channels cannot be left');
    if (channel.name === TOWN_SQUARE && channel.team_id) throw badRequest('default_channel', 'Nobody leaves town-square except by leaving the team');
    if (!self) {
      if (!isChannelModerator(auth, a)) throw forbidden('forbidden', 'Only channel admins can remove other members');
      if (channel.delete_at !== 0) throw forbidden('channel_archived', 'This channel is archived');
    }
    const recipients = await members.channelMemberIds(tx, channelId);
    if (!recipients.includes(userId)) throw notFound('member_not_found', self ? 'You are not a member of this channel' : 'That user is not a member of this channel');
    if (self && channel.type === 'P' && recipients.length === 1) throw badRequest('last_member', 'The last member cannot leave a private channel; archive it instead');
    await members.deleteChannelMember(tx, channelId, userId);
    await after?.(tx, channel);
    emit({
      event: 'user_removed',
      data: { channel_id: channelId, team_id: channel.team_id, user_id: userId, remover_id: auth.user.id },
      broadcast: { user_ids: recipients, channel_id: channelId, team_id: channel.team_id || undefined },
    });
  });
}

export async function leaveChannel(deps: Deps, auth: Auth, channelId: string): Promise<void> {
  return removeChannelMember(deps, auth, channelId, auth.user.id);
}

export async function listChannelMembers(deps: Deps, auth: Auth, channelId: string, opts: { cursor?: string; limit?: number } = {}) {
  await accessChannel(deps.db, auth, checkId(channelId), { allowArchived: true });
  const limit = pageLimit(opts.limit);
  const rows = await members.listChannelMembers(deps.db, channelId, opts.cursor ?? '', limit + 1);
  const more = rows.length > limit;
  const items = rows.slice(0, limit);
  return { items, next_cursor: more ? items[items.length - 1].user_id : null };
}

/** Public channels of the team the caller has not joined. */
export async function browseTeamChannels(deps: Deps, auth: Auth, teamId: string): Promise<ChannelRow[]> {
  await accessTeam(deps.db, auth, checkId(teamId), 'member');
  return store.listBrowsableChannels(deps.db, teamId, auth.user.id);
}

/** Most archived channels one listing returns. */
export const ARCHIVED_MAX = 1000;

/** Archived channels of a team (members only): the public ones and the private ones the caller is in. */
export async function listArchivedTeamChannels(deps: Deps, auth: Auth, teamId: string): Promise<ChannelRow[]> {
  await accessTeam(deps.db, auth, checkId(teamId), 'member');
  return store.listArchivedChannels(deps.db, teamId, auth.user.id, ARCHIVED_MAX);
}

/**
 * Sets a member's channel role (channel admins, team admins, system admins; public and private
 * channels). No event: the protocol has none for role changes; clients see the role on their
 * next fetch of the membership.
 */
export async function setChannelMemberRole(deps: Deps, auth: Auth, channelId: string, userId: string, raw: z.input<typeof channelRoleSchema>): Promise<ChannelMemberRow> {
  checkId(channelId);
  checkId(userId, 'user_id');
  const { role } = checkInput(channelRoleSchema, raw);
  return inTx(deps, async (tx) => {
    const a = await accessChannel(tx, auth, channelId, { lock: true });
    if (a.channel.type === 'D' || a.channel.type === 'G') throw badRequest('invalid_channel_type', 'Direct and group channels have no roles');
    if (!isChannelModerator(auth, a)) throw forbidden('forbidden', 'Only channel admins can change roles');
    if (a.channel.delete_at !== 0) throw forbidden('channel_archived', 'This channel is archived');
    const m = await members.setChannelMemberRole(tx, channelId, userId, role, deps.now());
    if (!m) throw notFound('member_not_found', 'That user is not a member of this channel');
    return m;
  });
}
