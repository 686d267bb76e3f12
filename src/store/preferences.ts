import type { Queryable } from '../db/driver.ts';

export interface PreferenceRow {
  user_id: string;
  category: string;
  name: string;
  value: string;
}

export async function listPreferences(q: Queryable, userId: string, category?: string): Promise<PreferenceRow[]> {
  if (category === undefined) return q.query<PreferenceRow>('select * from preferences where user_id = $1 order by category, name', [userId]);
  return q.query<PreferenceRow>('select * from preferences where user_id = $1 and category = $2 order by name', [userId, category]);
}

export async function getPreference(q: Queryable, userId: string, category: string, name: string): Promise<PreferenceRow | undefined> {
  return (await q.query<PreferenceRow>('select * from preferences where user_id = $1 and category = $2 and name = $3', [userId, category, name]))[0];
}

/** Inserts or replaces one preference. */
export async function upsertPreference(q: Queryable, p: PreferenceRow): Promise<void> {
  await q.query(
    `insert into preferences (user_id, category, name, value) values ($1, $2, $3, $4)
     on conflict (user_id, category, name) do update set value = excluded.value`,
    [p.user_id, p.category, p.name, p.value],
  );
}

/** Deletes one preference; whether it existed. */
export async function deletePreference(q: Queryable, userId: string, category: string, name: string): Promise<boolean> {
  const rows = await q.query('delete from preferences where user_id = $1 and category = $2 and name = $3 returning name', [userId, category, name]);
  return rows.length > 0;
}

/** One preference's value for each of several users (those who have it). */
export async function preferenceOfUsers(q: Queryable, userIds: string[], category: string, name: string): Promise<Map<string, string>> {
  if (!userIds.length) return new Map();
  const rows = await q.query<{ user_id: string; value: string }>(
    `select user_id, value from preferences where category = $2 and name = $3 and user_id in (select jsonb_array_elements_text($1::text::jsonb))`,
    [JSON.stringify(userIds), category, name],
  );
  return new Map(rows.map((r) => [r.user_id, r.value]));
}
