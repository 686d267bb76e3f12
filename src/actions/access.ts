import type { Queryable } from '../db/driver.ts';
import type { Auth } from './tokens.ts';
import type { z } from 'zod';
import { badRequest, forbidden, notFound } from '../errors.ts';
import { isId } from '../ids.ts';
import { getTeam, getTeamMember, userDeleteAt, type TeamMemberRow, type TeamRow } from '../store/teams.ts';
import type { ChannelRow } from '../store/channels.ts';
import type { ChannelMemberRow } from '../store/members.ts';

// The row types live in store/; re-exported for the actions that take them from here.
export type { ChannelRow, ChannelMemberRow };

/**
 * `access…` helpers load an object and authorize the caller in one step (Zulip's pattern).
 * Denials of channels the caller may not see are one consistent 403 `forbidden`, whether the
 * channel is private, a DM between others, or a public channel of a team the caller is not in;
 * an id that does not exist is 404.
 */
export interface ChannelAccess {
  channel: ChannelRow;
  /** The caller's membership, if any. */
  member?: ChannelMemberRow;
  /** The caller's team role in the channel's team ('' for DMs/groups or non-members). */
  teamRole: '' | 'team_user' | 'team_admin';
}

export interface AccessOptions {
  /** 'read' (default): members, and team members for public channels. 'write': members only. */
  mode?: 'read' | 'write';
  /** Lock the channel row FOR UPDATE (caller is in a transaction and writes to the channel). */
  lock?: boolean;
  /** Allow archived channels (reads do; writes must not). */
  allowArchived?: boolean;
}

export async function accessChannel(q: Queryable, auth: Auth, channelId: string, opts: AccessOptions = {}): Promise<ChannelAccess> {
  const mode = opts.mode ?? 'read';
  let channel: ChannelRow | undefined;
  let member: ChannelMemberRow | undefined;
  let teamRole: ChannelAccess['teamRole'] = '';
  let teamDeleted = false;
  if (!opts.lock) {
    // One round trip: the channel, my membership and my team role.
    const [row] = await q.query<{ c: ChannelRow; m: ChannelMemberRow | null; team_role: ChannelAccess['teamRole'] | null; team_delete_at: number | null }>(
      `select to_jsonb(c) as c, to_jsonb(m) as m, tm.role as team_role, t.delete_at as team_delete_at
       from channels c
       left join channel_members m on m.channel_id = c.id and m.user_id = $2
       left join team_members tm on c.team_id <> '' and tm.team_id = c.team_id and tm.user_id = $2
       left join teams t on c.team_id <> '' and t.id = c.team_id
       where c.id = $1`,
      [channelId, auth.user.id],
    );
    teamDeleted = !!row?.team_delete_at;
    channel = row?.c;
    member = row?.m ?? undefined;
    teamRole = row?.team_role ?? '';
  } else {
    // Lock first, then read the membership in a second statement: under READ COMMITTED it gets a
    // fresh snapshot taken after the lock was granted, so a removal that committed while we
    // waited is seen. (One joined FOR UPDATE statement would re-check only the channel row.)
    channel = (await q.query<ChannelRow>('select * from channels where id = $1 for update', [channelId]))[0];
    if (channel) {
      const [row] = await q.query<{ m: ChannelMemberRow | null; team_role: ChannelAccess['teamRole'] | null; team_delete_at: number | null }>(
        `select (select to_jsonb(m) from channel_members m where m.channel_id = $1 and m.user_id = $3) as m,
                (select role from team_members where $2 <> '' and team_id = $2 and user_id = $3) as team_role,
                (select delete_at from teams where $2 <> '' and id = $2) as team_delete_at`,
        [channelId, channel.team_id, auth.user.id],
      );
      teamDeleted = !!row.team_delete_at;
      member = row.m ?? undefined;
      teamRole = row.team_role ?? '';
    }
  }
  // The channels of a deleted team go with it (for everyone, members included).
  if (!channel || teamDeleted) throw notFound('channel_not_found', 'Channel not found');
  const canRead = !!member || (channel.type === 'O' && teamRole !== '') || (auth.isSystemAdmin && channel.type !== 'D' && channel.type !== 'G');
  if (!canRead) throw forbidden('forbidden', 'You do not have access to this channel');
  if (mode === 'write') {
    if (!member) throw forbidden('forbidden', 'You are not a member of this channel');
    if (channel.delete_at !== 0 && !opts.allowArchived) throw forbidden('channel_archived', 'This channel is archived');
  }
  return { channel, member, teamRole };
}

/** Who reads: the caller's Auth, or another user judged by the same rules (the target of an ephemeral post). */
export interface Reader {
  user: { id: string };
  isSystemAdmin: boolean;
}

/**
 * Of `channelIds`, the ones the caller may read, by accessChannel's 'read' rule (member; team
 * member for a public channel; system admin for anything but DMs and groups; never a channel of
 * a deleted team). One query whatever the number of channels: for reads of posts by id, which
 * may span channels. Unknown ids are simply absent.
 */
export async function readableChannelIds(q: Queryable, auth: Reader, channelIds: readonly string[]): Promise<Set<string>> {
  const ids = [...new Set(channelIds)];
  if (!ids.length) return new Set();
  const rows = await q.query<{ id: string }>(
    `select c.id from channels c
      where c.id in (select jsonb_array_elements_text($1::text::jsonb))
        and (c.team_id = '' or exists (select 1 from teams t where t.id = c.team_id and t.delete_at = 0))
        and (exists (select 1 from channel_members m where m.channel_id = c.id and m.user_id = $2)
             or (c.type = 'O' and exists (select 1 from team_members tm where tm.team_id = c.team_id and tm.user_id = $2))
             or ($3 and c.type not in ('D', 'G')))`,
    [JSON.stringify(ids), auth.user.id, auth.isSystemAdmin],
  );
  return new Set(rows.map((r) => r.id));
}

/** Whether the caller may moderate the channel (remove others, delete others' posts). */
export function isChannelModerator(auth: Auth, a: ChannelAccess): boolean {
  return auth.isSystemAdmin || a.member?.role === 'channel_admin' || a.teamRole === 'team_admin';
}

export interface TeamAccess {
  team: TeamRow;
  /** The caller's membership, if any. */
  member?: TeamMemberRow;
}

/**
 * Loads a live team and authorizes the caller. 'view': members, system admins, and anyone for
 * an open team (to preview before joining); 'member': members and system admins; 'admin': team
 * admins and system admins. A deleted or unknown team is 404 `team_not_found`.
 */
export async function accessTeam(q: Queryable, auth: Auth, teamId: string, mode: 'view' | 'member' | 'admin' = 'member', opts: { lock?: boolean } = {}): Promise<TeamAccess> {
  const team = await getTeam(q, teamId, opts.lock);
  if (!team || team.delete_at !== 0) throw notFound('team_not_found', 'Team not found');
  const member = await getTeamMember(q, teamId, auth.user.id);
  const allowed =
    auth.isSystemAdmin ||
    (mode === 'admin' ? member?.role === 'team_admin' : !!member || (mode === 'view' && team.type === 'O' && team.allow_open_invite));
  if (!allowed) throw forbidden('forbidden', mode === 'admin' ? 'Only team admins can do that' : 'You are not a member of this team');
  return { team, member };
}

/** Whether the caller administers the team (team admin or system admin). */
export function isTeamAdmin(auth: Auth, a: TeamAccess): boolean {
  return auth.isSystemAdmin || a.member?.role === 'team_admin';
}

/**
 * `check…` helpers for actions. Actions validate their own input (the Mattermost adapter calls
 * them without the native routes' schemas), with the same error shape as http/validate.ts.
 */
/**
 * The user someone else is adding to a team or channel exists and is active: 404 `user_not_found`,
 * 400 `user_deactivated` (a deactivated account joins nothing until it is activated again).
 */
export async function assertActiveUser(q: Queryable, userId: string): Promise<void> {
  const deleteAt = await userDeleteAt(q, userId);
  if (deleteAt === undefined) throw notFound('user_not_found', 'User not found');
  if (deleteAt !== 0) throw badRequest('user_deactivated', 'That user is deactivated; activate the account before adding it to a team or channel');
}

export function checkInput<S extends z.ZodTypeAny>(schema: S, value: unknown): z.infer<S> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issues = r.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
  const first = issues[0];
  throw badRequest('invalid_input', first ? `${first.path || 'body'}: ${first.message}` : 'Invalid input', { issues });
}

/** An id argument (26 chars of [a-z0-9]) or 400 `invalid_id`. */
export function checkId(v: unknown, name = 'id'): string {
  if (!isId(v)) throw badRequest('invalid_id', `${name} is not a valid id`);
  return v;
}

/** A page size: default 60, at most 200. */
export function pageLimit(limit: number | undefined, def = 60): number {
  if (limit === undefined || !Number.isFinite(limit)) return def;
  return Math.min(200, Math.max(1, Math.floor(limit)));
}
