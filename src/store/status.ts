import type { Queryable } from '../db/driver.ts';

export interface StatusRow {
  user_id: string;
  status: 'online' | 'away' | 'dnd' | 'offline';
  manual: boolean;
  last_activity_at: number;
}

export async function getStatus(q: Queryable, userId: string): Promise<StatusRow | undefined> {
  return (await q.query<StatusRow>('select user_id, status, manual, last_activity_at from user_status where user_id = $1', [userId]))[0];
}

/** Stored statuses of existing users among ids (users without a row have none yet: offline). */
export async function getStatuses(q: Queryable, ids: string[]): Promise<StatusRow[]> {
  if (!ids.length) return [];
  return q.query<StatusRow>('select user_id, status, manual, last_activity_at from user_status where user_id = any($1::text[])', [ids]);
}

export async function upsertStatus(q: Queryable, s: StatusRow): Promise<void> {
  await q.query(
    `insert into user_status (user_id, status, manual, last_activity_at) values ($1, $2, $3, $4)
     on conflict (user_id) do update set status = excluded.status, manual = excluded.manual, last_activity_at = excluded.last_activity_at`,
    [s.user_id, s.status, s.manual, s.last_activity_at],
  );
}

/** Ids among `ids` that are users (a status for an unknown id is an error, not an insert). */
export async function existingUserIds(q: Queryable, ids: string[]): Promise<string[]> {
  if (!ids.length) return [];
  const rows = await q.query<{ id: string }>('select id from users where id = any($1::text[])', [ids]);
  return rows.map((r) => r.id);
}
