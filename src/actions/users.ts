import { z } from 'zod';
import type { Deps } from '../deps.ts';
import type { Queryable } from '../db/driver.ts';
import type { Auth } from './tokens.ts';
import { accessChannel, accessTeam, checkInput } from './access.ts';
import { inTx } from './tx.ts';
import { badRequest, forbidden, notFound } from '../errors.ts';
import type { AppEvent } from '../contract/events.ts';
import {
  channelMemberTimezones,
  countActiveUsers,
  getUser,
  knownUserIds,
  listUsers,
  updateProfile,
  usersByIds,
  usersByUsernames,
  usersOfGroupChannels,
  usersSharingWith,
  type UserRow,
} from '../store/users.ts';
import { isId } from '../ids.ts';
import { userNotifyProps } from './notify-props.ts';

/** Who is looking at a user: emails are shown only to the user themself and to system admins. */
export interface Viewer {
  user: { id: string };
  isSystemAdmin: boolean;
}

/** The viewer of trusted local tools (the command line): sees everything but the password hash. */
export const LOCAL_ADMIN: Viewer = { user: { id: '' }, isSystemAdmin: true };

/** The one place a user row becomes JSON. Never includes password_hash; email only for self or admins. */
export function presentUser(row: UserRow, viewer: Viewer | null) {
  const showEmail = !!viewer && (viewer.isSystemAdmin || viewer.user.id === row.id);
  return {
    id: row.id,
    username: row.username,
    // Sign-in details only for the user themselves and admins.
    ...(showEmail ? { email: row.email, mfa_active: !!row.mfa_active, auth_service: row.auth_service ?? '', notify_props: userNotifyProps(row.notify_props) } : {}),
    display_name: row.display_name,
    first_name: row.first_name,
    last_name: row.last_name,
    nickname: row.nickname,
    position: row.position,
    timezone: row.timezone ?? {},
    locale: row.locale,
    roles: row.roles,
    create_at: Number(row.create_at),
    update_at: Number(row.update_at),
    delete_at: Number(row.delete_at),
    last_picture_update: Number(row.last_picture_update),
    // Bot accounts say so (absent for people).
    ...(row.is_bot ? { is_bot: true } : {}),
  };
}
export type PresentedUser = ReturnType<typeof presentUser>;

export const isSystemAdminRoles = (roles: string) => roles.split(' ').includes('system_admin');

/**
 * `user_updated` for a changed user: to the user and everyone sharing a team or channel with them
 * (computed inside the transaction). The payload is the public presentation (no email), because
 * it goes to many people; clients merge it into what they have.
 */
export async function userUpdatedEvent(q: Queryable, row: UserRow): Promise<AppEvent> {
  return { event: 'user_updated', data: { user: presentUser(row, null) }, broadcast: { user_ids: await usersSharingWith(q, row.id) } };
}

// Bidi embeddings/overrides/isolates and C0/C1 controls: invisible ways to make a name lie.
const UNSAFE_TEXT = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]/;

const profileText = (max: number) =>
  z
    .string()
    .max(max)
    .refine((s) => !UNSAFE_TEXT.test(s), { message: 'contains control or bidirectional-override characters' });

export const ProfilePatchSchema = z
  .object({
    display_name: profileText(64),
    first_name: profileText(64),
    last_name: profileText(64),
    nickname: profileText(64),
    position: profileText(128),
    locale: z.string().regex(/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, 'must be a language tag like en or pt-BR'),
    timezone: z
      .object({
        useAutomaticTimezone: z.boolean().optional(),
        automaticTimezone: z.string().max(64).optional(),
        manualTimezone: z.string().max(64).optional(),
      })
      .strict(),
  })
  .partial()
  .strict();
export type ProfilePatchInput = z.infer<typeof ProfilePatchSchema>;

/** Resolves `me` to the caller's id. */
export const resolveUserId = (auth: Auth, id: string) => (id === 'me' ? auth.user.id : id);

export async function getUserProfile(deps: Deps, auth: Auth, id: string) {
  const row = await getUser(deps.db, id);
  if (!row) throw notFound('user_not_found', 'User not found');
  return presentUser(row, auth);
}

/** PATCH own profile (system admins: anyone's). Emits user_updated. */
/** `raw` is checked against ProfilePatchSchema here (the Mattermost route builds it from its own fields). */
export async function patchProfile(deps: Deps, auth: Auth, id: string, raw: unknown) {
  if (id !== auth.user.id && !auth.isSystemAdmin) throw forbidden('forbidden', 'You can only change your own profile');
  const patch: ProfilePatchInput = checkInput(ProfilePatchSchema, raw);
  if (Object.keys(patch).length === 0) throw badRequest('invalid_input', 'Nothing to change');
  return inTx(deps, async (tx, emit) => {
    const existing = await getUser(tx, id, { forUpdate: true });
    if (!existing) throw notFound('user_not_found', 'User not found');
    const row = (await updateProfile(tx, id, patch, deps.now()))!;
    emit(await userUpdatedEvent(tx, row));
    return presentUser(row, auth);
  });
}

export const USER_PAGE_MAX = 200;

export interface UserListQuery {
  q?: string;
  team_id?: string;
  channel_id?: string;
  /** Users not in this channel (the caller must be able to read it): the "Add members" dialog. */
  not_in_channel_id?: string;
  cursor?: string;
  limit: number;
}

/**
 * Lists active users, by username. With team_id the caller must be in the team (or a system
 * admin; an archived or unknown team is 404 for all, as accessTeam answers); with channel_id
 * the caller must be able to read the channel. Cursor: the last username.
 */
export async function searchUsers(deps: Deps, auth: Auth, query: UserListQuery) {
  // accessTeam, as GET /teams/:id/members: an archived or unknown team is 404 for everyone.
  if (query.team_id) await accessTeam(deps.db, auth, query.team_id, 'member');
  if (query.channel_id) await accessChannel(deps.db, auth, query.channel_id);
  if (query.not_in_channel_id) await accessChannel(deps.db, auth, query.not_in_channel_id);
  const rows = await listUsers(deps.db, {
    q: query.q,
    searchEmail: auth.isSystemAdmin,
    teamId: query.team_id,
    channelId: query.channel_id,
    notInChannelId: query.not_in_channel_id,
    after: query.cursor,
    limit: query.limit + 1,
  });
  const more = rows.length > query.limit;
  const page = rows.slice(0, query.limit);
  return { items: page.map((r) => presentUser(r, auth)), next_cursor: more ? page[page.length - 1].username : null };
}

export async function getUsersByIds(deps: Deps, auth: Auth, ids: string[]) {
  const rows = await usersByIds(deps.db, [...new Set(ids)]);
  return { items: rows.map((r) => presentUser(r, auth)), next_cursor: null };
}

/** Users by username, presented for the caller. Added for the v4 adapter (POST /users/usernames). */
export async function getUsersByUsernames(deps: Deps, auth: Auth, names: string[]) {
  const rows = await usersByUsernames(deps.db, [...new Set(names)].slice(0, 1000));
  return { items: rows.map((r) => presentUser(r, auth)), next_cursor: null };
}

/** Most group channels one profiles request may name. */
export const GROUP_CHANNELS_MAX = 200;

/**
 * The other members of each group channel the caller is in, by channel id (Mattermost's
 * POST /users/group_channels, which the apps call at start-up for their sidebar names). Channels
 * the caller is not in, or that are not group channels, are absent.
 */
export async function groupChannelProfiles(deps: Deps, auth: Auth, channelIds: string[]): Promise<Map<string, ReturnType<typeof presentUser>[]>> {
  const ids = [...new Set(channelIds.filter(isId))].slice(0, GROUP_CHANNELS_MAX);
  const out = new Map<string, ReturnType<typeof presentUser>[]>();
  for (const row of await usersOfGroupChannels(deps.db, auth.user.id, ids)) {
    const { channel_id, ...user } = row;
    const list = out.get(channel_id) ?? [];
    list.push(presentUser(user, auth));
    out.set(channel_id, list);
  }
  return out;
}

/** Ids of the users the caller shares a channel with. */
export async function listKnownUserIds(deps: Deps, auth: Auth): Promise<string[]> {
  return knownUserIds(deps.db, auth.user.id);
}

/** How many active accounts there are (any signed-in user may know; Mattermost shows it in lists). */
export async function activeUserCount(deps: Deps): Promise<number> {
  return countActiveUsers(deps.db);
}

/** The distinct timezones of a readable channel's members (the apps warn before @channel at night). */
export async function channelTimezones(deps: Deps, auth: Auth, channelId: string): Promise<Record<string, unknown>[]> {
  if (!isId(channelId)) throw badRequest('invalid_id', 'channel id is not a valid id');
  await accessChannel(deps.db, auth, channelId);
  return channelMemberTimezones(deps.db, channelId);
}
