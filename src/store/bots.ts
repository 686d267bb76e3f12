import type { Queryable } from '../db/driver.ts';

/** A bot joined with its user row (username and display name live there). */
export interface BotRow {
  user_id: string;
  username: string;
  display_name: string;
  description: string;
  owner_id: string;
  create_at: number;
  update_at: number;
  delete_at: number;
}

const SELECT = `select b.user_id, u.username, u.display_name, b.description, b.owner_id, b.create_at, b.update_at, b.delete_at from bots b join users u on u.id = b.user_id`;

export async function insertBot(q: Queryable, b: { user_id: string; description: string; owner_id: string; now: number }): Promise<void> {
  await q.query('insert into bots (user_id, description, owner_id, create_at, update_at) values ($1, $2, $3, $4, $4)', [b.user_id, b.description, b.owner_id, b.now]);
}

export async function getBot(q: Queryable, userId: string): Promise<BotRow | undefined> {
  return (await q.query<BotRow>(`${SELECT} where b.user_id = $1`, [userId]))[0];
}

export async function listBots(q: Queryable, o: { ownerId?: string; includeDeleted: boolean; limit: number; offset: number }): Promise<BotRow[]> {
  return q.query<BotRow>(`${SELECT} where ($1::text is null or b.owner_id = $1) and ($2 or b.delete_at = 0) order by lower(u.username) limit $3 offset $4`, [o.ownerId ?? null, o.includeDeleted, o.limit, o.offset]);
}

export async function updateBot(q: Queryable, userId: string, f: { description?: string; owner_id?: string; delete_at?: number }, now: number): Promise<void> {
  await q.query(
    `update bots set description = coalesce($2, description), owner_id = coalesce($3, owner_id), delete_at = coalesce($4, delete_at), update_at = $5 where user_id = $1`,
    [userId, f.description ?? null, f.owner_id ?? null, f.delete_at ?? null, now],
  );
}
