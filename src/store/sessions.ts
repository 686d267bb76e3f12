import type { Queryable } from '../db/driver.ts';

export interface SessionRow {
  id: string;
  user_id: string;
  create_at: number;
  expires_at: number;
  last_activity_at: number;
  revoked_at: number;
  ip: string;
  user_agent: string;
  device_id: string;
  props: Record<string, unknown>;
}

export async function insertSession(q: Queryable, s: Omit<SessionRow, 'revoked_at' | 'props'> & { props?: Record<string, unknown> }): Promise<SessionRow> {
  const rows = await q.query<SessionRow>(
    `insert into sessions (id, user_id, create_at, expires_at, last_activity_at, ip, user_agent, device_id, props)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9::text::jsonb) returning *`,
    [s.id, s.user_id, s.create_at, s.expires_at, s.last_activity_at, s.ip, s.user_agent, s.device_id, JSON.stringify(s.props ?? {})],
  );
  return rows[0];
}

export async function getSession(q: Queryable, id: string): Promise<SessionRow | undefined> {
  return (await q.query<SessionRow>('select * from sessions where id = $1', [id]))[0];
}

/** Live sessions of a user, newest first. */
export async function listUserSessions(q: Queryable, userId: string, now: number): Promise<SessionRow[]> {
  return q.query<SessionRow>('select * from sessions where user_id = $1 and revoked_at = 0 and expires_at > $2 order by create_at desc', [userId, now]);
}

/** Slides the idle expiry forward. */
export async function touchSession(q: Queryable, id: string, now: number, expiresAt: number): Promise<void> {
  await q.query('update sessions set last_activity_at = $2, expires_at = $3 where id = $1 and revoked_at = 0', [id, now, expiresAt]);
}

/** Revokes sessions and returns the ids that were live. `exceptId` keeps one (change password). */
export async function revokeUserSessions(q: Queryable, userId: string, now: number, exceptId?: string): Promise<string[]> {
  const rows = await q.query<{ id: string }>(
    `update sessions set revoked_at = $2 where user_id = $1 and revoked_at = 0 and ($3::text is null or id <> $3) returning id`,
    [userId, now, exceptId ?? null],
  );
  return rows.map((r) => r.id);
}

export async function revokeSession(q: Queryable, id: string, now: number): Promise<boolean> {
  const rows = await q.query('update sessions set revoked_at = $2 where id = $1 and revoked_at = 0 returning id', [id, now]);
  return rows.length > 0;
}
