import type { Queryable } from '../db/driver.ts';

/** Links between accounts and an identity provider's subjects (migration 0002). */
export interface IdentityRow {
  issuer: string;
  subject: string;
  user_id: string;
  email: string;
  create_at: number;
  last_login_at: number;
}

export async function findIdentity(q: Queryable, issuer: string, subject: string): Promise<IdentityRow | undefined> {
  return (await q.query<IdentityRow>('select * from user_identities where issuer = $1 and subject = $2', [issuer, subject]))[0];
}

export async function hasIdentity(q: Queryable, userId: string): Promise<boolean> {
  return (await q.query('select 1 from user_identities where user_id = $1 limit 1', [userId])).length > 0;
}

export async function insertIdentity(q: Queryable, r: Omit<IdentityRow, 'last_login_at'>): Promise<void> {
  await q.query('insert into user_identities (issuer, subject, user_id, email, create_at, last_login_at) values ($1, $2, $3, $4, $5, $5)', [r.issuer, r.subject, r.user_id, r.email, r.create_at]);
}

export async function touchIdentity(q: Queryable, issuer: string, subject: string, email: string, now: number): Promise<void> {
  await q.query('update user_identities set last_login_at = $3, email = $4 where issuer = $1 and subject = $2', [issuer, subject, now, email]);
}

export async function identitiesOf(q: Queryable, userId: string): Promise<IdentityRow[]> {
  return q.query<IdentityRow>('select * from user_identities where user_id = $1 order by create_at', [userId]);
}
