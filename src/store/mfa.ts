import type { Queryable } from '../db/driver.ts';

/** TOTP secrets and recovery codes (migration 0002). Rows never leave the actions layer. */
export interface MfaRow {
  user_id: string;
  secret: string;
  last_step: number;
  create_at: number;
  confirm_at: number;
}

export async function getMfa(q: Queryable, userId: string): Promise<MfaRow | undefined> {
  return (await q.query<MfaRow>('select * from user_mfa where user_id = $1', [userId]))[0];
}

/** Stores a new pending secret (replacing an unconfirmed one). */
export async function putPendingMfa(q: Queryable, userId: string, secret: string, now: number): Promise<void> {
  await q.query(
    `insert into user_mfa (user_id, secret, last_step, create_at, confirm_at) values ($1, $2, 0, $3, 0)
     on conflict (user_id) do update set secret = excluded.secret, last_step = 0, create_at = excluded.create_at, confirm_at = 0`,
    [userId, secret, now],
  );
}

/**
 * Records `step` as used if it is newer than the last used one. Atomic, so two requests racing
 * with the same code cannot both pass: false means the code (or a later one) was already used.
 */
export async function claimStep(q: Queryable, userId: string, step: number): Promise<boolean> {
  const rows = await q.query('update user_mfa set last_step = $2 where user_id = $1 and last_step < $2 returning user_id', [userId, step]);
  return rows.length > 0;
}

export async function markConfirmed(q: Queryable, userId: string, now: number): Promise<void> {
  await q.query('update user_mfa set confirm_at = $2 where user_id = $1', [userId, now]);
  await q.query('update users set mfa_active = true, update_at = $2 where id = $1', [userId, now]);
}

/** Removes the secret and recovery codes and clears users.mfa_active; false when there was nothing. */
export async function deleteMfa(q: Queryable, userId: string, now: number): Promise<boolean> {
  const gone = await q.query('delete from user_mfa where user_id = $1 returning user_id', [userId]);
  await q.query('delete from mfa_recovery_codes where user_id = $1', [userId]);
  const was = await q.query('update users set mfa_active = false, update_at = $2 where id = $1 and mfa_active returning id', [userId, now]);
  return gone.length > 0 || was.length > 0;
}

export async function replaceRecoveryCodes(q: Queryable, userId: string, hashes: string[], now: number): Promise<void> {
  await q.query('delete from mfa_recovery_codes where user_id = $1', [userId]);
  for (const h of hashes) await q.query('insert into mfa_recovery_codes (user_id, code_hash, create_at) values ($1, $2, $3)', [userId, h, now]);
}

/** Marks an unused recovery code used; false when it does not exist or was used (atomic). */
export async function useRecoveryCode(q: Queryable, userId: string, hash: string, now: number): Promise<boolean> {
  const rows = await q.query('update mfa_recovery_codes set used_at = $3 where user_id = $1 and code_hash = $2 and used_at = 0 returning user_id', [userId, hash, now]);
  return rows.length > 0;
}

export async function countUnusedRecoveryCodes(q: Queryable, userId: string): Promise<number> {
  const [r] = await q.query<{ n: number }>('select count(*)::int as n from mfa_recovery_codes where user_id = $1 and used_at = 0', [userId]);
  return r?.n ?? 0;
}
