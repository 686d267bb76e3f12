import type { Queryable } from '../db/driver.ts';

export interface UserRow {
  id: string;
  username: string;
  email: string;
  password_hash: string;
  display_name: string;
  first_name: string;
  last_name: string;
  nickname: string;
  position: string;
  timezone: Record<string, unknown>;
  locale: string;
  roles: string;
  props: Record<string, unknown>;
  create_at: number;
  update_at: number;
  delete_at: number;
  last_password_update: number;
  last_picture_update: number;
  /** TOTP enrolment confirmed (the secret is in user_mfa). */
  mfa_active: boolean;
  /** '' (password account) or 'openid' (made by an SSO login). */
  auth_service: string;
  /** A bot account (migration 0003): no password, acts through access tokens. */
  is_bot?: boolean;
  /** Mattermost's user notify props (migration 0008); see actions/notify-props.ts. */
  notify_props?: Record<string, unknown>;
}

export interface NewUser {
  id: string;
  username: string;
  email: string;
  password_hash: string;
  display_name: string;
  roles: string;
  now: number;
  auth_service?: string;
}

export async function insertUser(q: Queryable, u: NewUser): Promise<UserRow> {
  const rows = await q.query<UserRow>(
    `insert into users (id, username, email, password_hash, display_name, roles, create_at, update_at, last_password_update, auth_service)
     values ($1, $2, $3, $4, $5, $6, $7, $7, $8, $9) returning *`,
    [u.id, u.username, u.email, u.password_hash, u.display_name, u.roles, u.now, u.password_hash ? u.now : 0, u.auth_service ?? ''],
  );
  return rows[0];
}

export async function getUser(q: Queryable, id: string, opts: { forUpdate?: boolean } = {}): Promise<UserRow | undefined> {
  return (await q.query<UserRow>(`select * from users where id = $1${opts.forUpdate ? ' for update' : ''}`, [id]))[0];
}

/** A user by id, username or email (case-insensitive for the last two). */
export async function findUser(q: Queryable, ref: string): Promise<UserRow | undefined> {
  const rows = await q.query<UserRow>('select * from users where id = $1 or lower(username) = lower($1) or lower(email) = lower($1) limit 2', [ref]);
  // An id match wins; a username that equals another user's email cannot exist (usernames have no '@').
  return rows.find((r) => r.id === ref) ?? rows[0];
}

/** The user a login id names: username or email, case-insensitive. */
export async function findUserByLogin(q: Queryable, loginId: string): Promise<UserRow | undefined> {
  return (await q.query<UserRow>('select * from users where lower(username) = lower($1) or lower(email) = lower($1) limit 1', [loginId]))[0];
}

export async function findUserByEmail(q: Queryable, email: string): Promise<UserRow | undefined> {
  return (await q.query<UserRow>('select * from users where lower(email) = lower($1) limit 1', [email]))[0];
}

export async function usernameOrEmailTaken(q: Queryable, username: string, email: string): Promise<{ username: boolean; email: boolean }> {
  const rows = await q.query<{ u: boolean; e: boolean }>(
    'select lower(username) = lower($1) as u, lower(email) = lower($2) as e from users where lower(username) = lower($1) or lower(email) = lower($2)',
    [username, email],
  );
  return { username: rows.some((r) => r.u), email: rows.some((r) => r.e) };
}

export async function usersByIds(q: Queryable, ids: string[]): Promise<UserRow[]> {
  if (!ids.length) return [];
  return q.query<UserRow>('select * from users where id = any($1::text[]) order by username', [ids]);
}

export async function countUsers(q: Queryable): Promise<number> {
  return (await q.query<{ n: number }>('select count(*)::int as n from users'))[0].n;
}

export interface UserFilter {
  /** Substring of username, names, nickname (and email when `searchEmail`). */
  q?: string;
  searchEmail?: boolean;
  teamId?: string;
  channelId?: string;
  /** Only users who are not members of this channel. */
  notInChannelId?: string;
  /** 'active' (default), 'inactive' or 'all'. */
  state?: 'active' | 'inactive' | 'all';
  role?: 'system_admin' | 'system_user';
  /** Keyset cursor: usernames strictly after this one. */
  after?: string;
  limit: number;
}

/** Users ordered by username, filtered; one page. */
export async function listUsers(q: Queryable, f: UserFilter): Promise<UserRow[]> {
  const where: string[] = [];
  const params: unknown[] = [];
  const p = (v: unknown) => {
    params.push(v);
    return `$${params.length}`;
  };
  const state = f.state ?? 'active';
  if (state === 'active') where.push('u.delete_at = 0');
  if (state === 'inactive') where.push('u.delete_at <> 0');
  if (f.q) {
    const x = p(f.q.toLowerCase());
    const fields = ['u.username', 'u.display_name', 'u.first_name', 'u.last_name', 'u.nickname', ...(f.searchEmail ? ['u.email'] : [])];
    // strpos, not LIKE: the search string is matched literally (%, _ and \ are ordinary characters).
    where.push(`(${fields.map((c) => `strpos(lower(${c}), ${x}) > 0`).join(' or ')})`);
  }
  if (f.teamId) where.push(`exists (select 1 from team_members tm where tm.user_id = u.id and tm.team_id = ${p(f.teamId)})`);
  if (f.channelId) where.push(`exists (select 1 from channel_members cm where cm.user_id = u.id and cm.channel_id = ${p(f.channelId)})`);
  if (f.notInChannelId) where.push(`not exists (select 1 from channel_members cm where cm.user_id = u.id and cm.channel_id = ${p(f.notInChannelId)})`);
  if (f.role === 'system_admin') where.push(`' ' || u.roles || ' ' like '% system_admin %'`);
  if (f.role === 'system_user') where.push(`' ' || u.roles || ' ' not like '% system_admin %'`);
  if (f.after !== undefined) where.push(`u.username > ${p(f.after)}`);
  const sql = `select u.* from users u ${where.length ? `where ${where.join(' and ')}` : ''} order by u.username limit ${p(f.limit)}`;
  return q.query<UserRow>(sql, params);
}

export interface ProfilePatch {
  display_name?: string;
  first_name?: string;
  last_name?: string;
  nickname?: string;
  position?: string;
  locale?: string;
  timezone?: Record<string, unknown>;
}

const PROFILE_COLUMNS = ['display_name', 'first_name', 'last_name', 'nickname', 'position', 'locale', 'timezone'] as const;

export async function updateProfile(q: Queryable, id: string, patch: ProfilePatch, now: number): Promise<UserRow | undefined> {
  const sets: string[] = [];
  const params: unknown[] = [id, now];
  for (const col of PROFILE_COLUMNS) {
    const v = patch[col];
    if (v === undefined) continue;
    params.push(col === 'timezone' ? JSON.stringify(v) : v);
    sets.push(`${col} = $${params.length}${col === 'timezone' ? '::text::jsonb' : ''}`);
  }
  const rows = await q.query<UserRow>(`update users set ${[...sets, 'update_at = $2'].join(', ')} where id = $1 returning *`, params);
  return rows[0];
}

export async function setRoles(q: Queryable, id: string, roles: string, now: number): Promise<UserRow | undefined> {
  return (await q.query<UserRow>('update users set roles = $2, update_at = $3 where id = $1 returning *', [id, roles, now]))[0];
}

/** deleteAt 0 activates; a time deactivates. */
export async function setDeleteAt(q: Queryable, id: string, deleteAt: number, now: number): Promise<UserRow | undefined> {
  return (await q.query<UserRow>('update users set delete_at = $2, update_at = $3 where id = $1 returning *', [id, deleteAt, now]))[0];
}

export async function setPasswordHash(q: Queryable, id: string, hash: string, now: number): Promise<void> {
  await q.query('update users set password_hash = $2, last_password_update = $3, update_at = $3 where id = $1', [id, hash, now]);
}

/**
 * Removes the account row; sessions, memberships, preferences and status go with it (FK cascade),
 * and its waiting notification emails here (email_notifications has no foreign keys:
 * 0018_posting_constraints.sql).
 */
export async function deleteUserRow(q: Queryable, id: string): Promise<boolean> {
  const rows = await q.query('with n as (delete from email_notifications where user_id = $1) delete from users where id = $1 returning id', [id]);
  return rows.length > 0;
}

/** Active system admins other than `exceptId` (guards against removing the last one). */
export async function countOtherActiveAdmins(q: Queryable, exceptId: string): Promise<number> {
  const rows = await q.query<{ n: number }>(
    `select count(*)::int as n from users where id <> $1 and delete_at = 0 and ' ' || roles || ' ' like '% system_admin %'`,
    [exceptId],
  );
  return rows[0].n;
}

/** The user and everyone who shares a team or a channel (including DMs and groups) with them. */
export async function usersSharingWith(q: Queryable, userId: string): Promise<string[]> {
  const rows = await q.query<{ user_id: string }>(
    `select $1::text as user_id
     union select tm2.user_id from team_members tm1 join team_members tm2 on tm2.team_id = tm1.team_id where tm1.user_id = $1
     union select cm2.user_id from channel_members cm1 join channel_members cm2 on cm2.channel_id = cm1.channel_id where cm1.user_id = $1`,
    [userId],
  );
  return rows.map((r) => r.user_id);
}

/** Users by username (case-insensitive). Added for the v4 adapter (POST /users/usernames). */
export async function usersByUsernames(q: Queryable, names: string[]): Promise<UserRow[]> {
  if (!names.length) return [];
  return q.query<UserRow>('select * from users where lower(username) = any($1::text[]) order by username', [names.map((n) => n.toLowerCase())]);
}

/**
 * The other members of the group channels (type G) among `channelIds` that `userId` is in, with
 * the channel each row is for. One query for any number of channels.
 */
export async function usersOfGroupChannels(q: Queryable, userId: string, channelIds: string[]): Promise<(UserRow & { channel_id: string })[]> {
  if (!channelIds.length) return [];
  return q.query<UserRow & { channel_id: string }>(
    `select u.*, cm.channel_id from channel_members cm
       join channels c on c.id = cm.channel_id and c.type = 'G'
       join users u on u.id = cm.user_id
      where cm.channel_id in (select jsonb_array_elements_text($1::text::jsonb)) and cm.user_id <> $2
        and exists (select 1 from channel_members me where me.channel_id = cm.channel_id and me.user_id = $2)
      order by cm.channel_id, u.username`,
    [JSON.stringify(channelIds), userId],
  );
}

/** Ids of the users who share at least one channel with `userId` (not `userId`). */
export async function knownUserIds(q: Queryable, userId: string): Promise<string[]> {
  const rows = await q.query<{ user_id: string }>(
    `select distinct cm2.user_id from channel_members cm1 join channel_members cm2 on cm2.channel_id = cm1.channel_id
      where cm1.user_id = $1 and cm2.user_id <> $1 order by cm2.user_id`,
    [userId],
  );
  return rows.map((r) => r.user_id);
}

/** Active (not deactivated) accounts. */
export async function countActiveUsers(q: Queryable): Promise<number> {
  return (await q.query<{ n: number }>('select count(*)::int as n from users where delete_at = 0'))[0].n;
}

/** The distinct timezone settings of a channel's active members. */
export async function channelMemberTimezones(q: Queryable, channelId: string): Promise<Record<string, unknown>[]> {
  const rows = await q.query<{ timezone: Record<string, unknown> }>(
    `select distinct u.timezone from channel_members cm join users u on u.id = cm.user_id where cm.channel_id = $1 and u.delete_at = 0`,
    [channelId],
  );
  return rows.map((r) => r.timezone);
}

/** Merges keys into a user's notify props. */
export async function mergeUserNotifyProps(q: Queryable, id: string, props: Record<string, string>, now: number): Promise<UserRow | undefined> {
  const rows = await q.query<UserRow>(`update users set notify_props = notify_props || $2::text::jsonb, update_at = greatest(update_at, $3) where id = $1 returning *`, [id, JSON.stringify(props), now]);
  return rows[0];
}
