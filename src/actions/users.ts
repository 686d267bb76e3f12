import { z } from 'zod';
import type { Deps } from '../deps.ts';
import type { Queryable } from '../db/driver.ts';
import type { Auth } from './tokens.ts';
import { accessChannel } from './access.ts';
import { inTx } from './tx.ts';
import { badRequest, forbidden, notFound } from '../errors.ts';
import type { AppEvent } from '../contract/events.ts';
import { getUser, listUsers, updateProfile, usersByIds, usersByUsernames, usersSharingWith, type UserRow } from '../store/users.ts';

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
    ...(showEmail ? { email: row.email, mfa_active: !!row.mfa_active, auth_service: row.auth_service ?? '' } : {}),
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
export async function patchProfile(deps: Deps, auth: Auth, id: string, patch: ProfilePatchInput) {
  if (id !== auth.user.id && !auth.isSystemAdmin) throw forbidden('forbidden', 'You can only change your own profile');
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
  cursor?: string;
  limit: number;
}

/**
 * Lists active users, by username. With team_id the caller must be in the team (or a system
 * admin); with channel_id the caller must be able to read the channel. Cursor: the last username.
 */
export async function searchUsers(deps: Deps, auth: Auth, query: UserListQuery) {
  if (query.team_id && !auth.isSystemAdmin) {
    const rows = await deps.db.query('select 1 from team_members where team_id = $1 and user_id = $2', [query.team_id, auth.user.id]);
    if (!rows.length) throw forbidden('forbidden', 'You are not a member of this team');
  }
  if (query.channel_id) await accessChannel(deps.db, auth, query.channel_id);
  const rows = await listUsers(deps.db, {
    q: query.q,
    searchEmail: auth.isSystemAdmin,
    teamId: query.team_id,
    channelId: query.channel_id,
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
