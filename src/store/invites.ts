import type { Queryable } from '../db/driver.ts';

export interface InviteRow {
  token_hash: string;
  team_id: string;
  email: string;
  inviter_id: string;
  create_at: number;
  expires_at: number;
  used_at: number;
  used_by: string;
}

export async function insertInvite(q: Queryable, r: Omit<InviteRow, 'used_at' | 'used_by'>): Promise<void> {
  await q.query('insert into team_invites (token_hash, team_id, email, inviter_id, create_at, expires_at) values ($1, $2, $3, $4, $5, $6)', [
    r.token_hash,
    r.team_id,
    r.email,
    r.inviter_id,
    r.create_at,
    r.expires_at,
  ]);
}

export async function getInvite(q: Queryable, tokenHash: string): Promise<InviteRow | undefined> {
  const [row] = await q.query<InviteRow>('select * from team_invites where token_hash = $1', [tokenHash]);
  return row && { ...row, create_at: Number(row.create_at), expires_at: Number(row.expires_at), used_at: Number(row.used_at) };
}

/** Spends an invite: true for exactly one caller, and only while it is unused and unexpired. */
export async function useInvite(q: Queryable, tokenHash: string, userId: string, now: number): Promise<boolean> {
  const rows = await q.query('update team_invites set used_at = $2, used_by = $3 where token_hash = $1 and used_at = 0 and expires_at > $2 returning token_hash', [tokenHash, now, userId]);
  return rows.length > 0;
}

/** Drops invites that expired more than a day ago (called when new ones are made). */
export async function pruneInvites(q: Queryable, now: number): Promise<void> {
  await q.query('delete from team_invites where expires_at < $1::bigint - 86400000', [now]);
}
