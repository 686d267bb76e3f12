import type { Queryable } from '../db/driver.ts';

export interface ResetTokenRow {
  token_hash: string;
  user_id: string;
  create_at: number;
  expires_at: number;
  used_at: number;
}

export async function insertResetToken(q: Queryable, r: Omit<ResetTokenRow, 'used_at'>): Promise<void> {
  await q.query('insert into password_reset_tokens (token_hash, user_id, create_at, expires_at) values ($1, $2, $3, $4)', [r.token_hash, r.user_id, r.create_at, r.expires_at]);
}

export async function getResetToken(q: Queryable, tokenHash: string): Promise<ResetTokenRow | undefined> {
  return (await q.query<ResetTokenRow>('select * from password_reset_tokens where token_hash = $1', [tokenHash]))[0];
}

/** Spends a token: true for exactly one caller, and only while it is unused and unexpired. */
export async function useResetToken(q: Queryable, tokenHash: string, now: number): Promise<boolean> {
  const rows = await q.query('update password_reset_tokens set used_at = $2 where token_hash = $1 and used_at = 0 and expires_at > $2 returning token_hash', [tokenHash, now]);
  return rows.length > 0;
}

/** Drops a user's other tokens (a new request, or a completed reset, makes older links useless) and expired ones. */
export async function deleteResetTokens(q: Queryable, userId: string, now: number, exceptHash = ''): Promise<void> {
  await q.query('delete from password_reset_tokens where (user_id = $1 and token_hash <> $3) or expires_at < $2::bigint - 86400000', [userId, now, exceptHash]);
}
