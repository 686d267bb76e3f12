import type { Queryable } from '../db/driver.ts';

/** Personal access tokens (migration 0003). token_hash never leaves the actions layer. */
export interface AccessTokenRow {
  id: string;
  user_id: string;
  token_hash: string;
  description: string;
  is_active: boolean;
  create_at: number;
  last_used_at: number;
}

export async function insertAccessToken(q: Queryable, t: Omit<AccessTokenRow, 'is_active' | 'last_used_at'>): Promise<AccessTokenRow> {
  const rows = await q.query<AccessTokenRow>(
    'insert into access_tokens (id, user_id, token_hash, description, create_at) values ($1, $2, $3, $4, $5) returning *',
    [t.id, t.user_id, t.token_hash, t.description, t.create_at],
  );
  return rows[0];
}

export async function getAccessToken(q: Queryable, id: string): Promise<AccessTokenRow | undefined> {
  return (await q.query<AccessTokenRow>('select * from access_tokens where id = $1', [id]))[0];
}

export async function getAccessTokenByHash(q: Queryable, hash: string): Promise<AccessTokenRow | undefined> {
  return (await q.query<AccessTokenRow>('select * from access_tokens where token_hash = $1', [hash]))[0];
}

/** A user's tokens, newest first. */
export async function listUserAccessTokens(q: Queryable, userId: string, limit: number, offset: number): Promise<AccessTokenRow[]> {
  return q.query<AccessTokenRow>('select * from access_tokens where user_id = $1 order by create_at desc, id limit $2 offset $3', [userId, limit, offset]);
}

/** Every token (system admins), newest first; `term` matches the id, the description or the owner's username. */
export async function listAllAccessTokens(q: Queryable, o: { limit: number; offset: number; term?: string }): Promise<AccessTokenRow[]> {
  return q.query<AccessTokenRow>(
    `select t.* from access_tokens t join users u on u.id = t.user_id
      where $3::text is null or t.id = $3 or t.description ilike '%' || $3 || '%' or lower(u.username) like lower($3) || '%'
      order by t.create_at desc, t.id limit $1 offset $2`,
    [o.limit, o.offset, o.term ?? null],
  );
}

export async function setAccessTokenActive(q: Queryable, id: string, active: boolean): Promise<AccessTokenRow | undefined> {
  return (await q.query<AccessTokenRow>('update access_tokens set is_active = $2 where id = $1 returning *', [id, active]))[0];
}

export async function deleteAccessToken(q: Queryable, id: string): Promise<boolean> {
  return (await q.query('delete from access_tokens where id = $1 returning id', [id])).length > 0;
}

/** Every token's id and user, or only bots' (to close their sockets when a setting turns them off). */
export async function accessTokenOwners(q: Queryable, o: { botsOnly?: boolean } = {}): Promise<{ id: string; user_id: string }[]> {
  return q.query<{ id: string; user_id: string }>(
    `select t.id, t.user_id from access_tokens t ${o.botsOnly ? 'join users u on u.id = t.user_id and u.is_bot' : ''} order by t.user_id, t.id`,
  );
}

/** Ids of a user's tokens (to close their sockets when the user or bot is disabled). */
export async function accessTokenIdsOfUser(q: Queryable, userId: string): Promise<string[]> {
  return (await q.query<{ id: string }>('select id from access_tokens where user_id = $1', [userId])).map((r) => r.id);
}

export async function touchAccessToken(q: Queryable, id: string, now: number): Promise<void> {
  await q.query('update access_tokens set last_used_at = $2 where id = $1', [id, now]);
}
