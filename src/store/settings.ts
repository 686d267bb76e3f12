import type { Queryable } from '../db/driver.ts';

/** Every stored site setting (key -> JSON value). */
export async function getSettings(q: Queryable): Promise<Record<string, unknown>> {
  const rows = await q.query<{ key: string; value: unknown }>('select key, value from site_settings');
  return Object.fromEntries(rows.map((r) => [r.key, r.value]));
}

export async function putSetting(q: Queryable, key: string, value: unknown): Promise<void> {
  await q.query('insert into site_settings (key, value) values ($1, $2::text::jsonb) on conflict (key) do update set value = excluded.value', [key, JSON.stringify(value)]);
}

export async function deleteSetting(q: Queryable, key: string): Promise<void> {
  await q.query('delete from site_settings where key = $1', [key]);
}
