import type { Queryable } from '../db/driver.ts';

/** A custom emoji row (migration 0012). */
export interface EmojiRow {
  id: string;
  name: string;
  creator_id: string;
  mime_type: string;
  size: number;
  width: number;
  height: number;
  storage_key: string;
  sha256: string;
  create_at: number;
  update_at: number;
  delete_at: number;
}

const COLS = 'id, name, creator_id, mime_type, size::int8 as size, width, height, storage_key, sha256, create_at, update_at, delete_at';

/** Inserts a live emoji; returns undefined when a live emoji already has the name. */
export async function insertEmoji(q: Queryable, e: Omit<EmojiRow, 'update_at' | 'delete_at'>): Promise<EmojiRow | undefined> {
  const rows = await q.query<EmojiRow>(
    `insert into custom_emoji (id, name, creator_id, mime_type, size, width, height, storage_key, sha256, create_at, update_at)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)
     on conflict (name) where delete_at = 0 do nothing returning ${COLS}`,
    [e.id, e.name, e.creator_id, e.mime_type, e.size, e.width, e.height, e.storage_key, e.sha256, e.create_at],
  );
  return rows[0];
}

/** A live emoji by id (deleted ones too with `withDeleted`). */
export async function getEmoji(q: Queryable, id: string, opts: { lock?: boolean } = {}): Promise<EmojiRow | undefined> {
  const rows = await q.query<EmojiRow>(`select ${COLS} from custom_emoji where id = $1 and delete_at = 0${opts.lock ? ' for update' : ''}`, [id]);
  return rows[0];
}

export async function getEmojiByName(q: Queryable, name: string): Promise<EmojiRow | undefined> {
  const rows = await q.query<EmojiRow>(`select ${COLS} from custom_emoji where name = $1 and delete_at = 0`, [name]);
  return rows[0];
}

/** Live emoji with any of the names (unknown names are left out), by name. */
export async function emojiByNames(q: Queryable, names: string[]): Promise<EmojiRow[]> {
  if (!names.length) return [];
  return q.query<EmojiRow>(
    `select ${COLS} from custom_emoji where delete_at = 0 and name in (select jsonb_array_elements_text($1::text::jsonb)) order by name`,
    [JSON.stringify(names)],
  );
}

export type EmojiSort = 'create_at' | 'name';

/**
 * A page of live emoji: oldest first (`create_at`) or by name. `after` is the keyset cursor (the
 * last item's id for `create_at`, its name for `name`); `offset` serves Mattermost's page numbers.
 */
export async function listEmoji(q: Queryable, o: { sort: EmojiSort; after?: string; offset?: number; limit: number }): Promise<EmojiRow[]> {
  const params: unknown[] = [];
  let where = 'delete_at = 0';
  if (o.after !== undefined) {
    params.push(o.after);
    where += o.sort === 'name' ? ` and name > $1` : ` and (create_at, id) > (select create_at, id from custom_emoji where id = $1)`;
  }
  params.push(o.limit, o.offset ?? 0);
  const order = o.sort === 'name' ? 'name' : 'create_at, id';
  return q.query<EmojiRow>(`select ${COLS} from custom_emoji where ${where} order by ${order} limit $${params.length - 1} offset $${params.length}`, params);
}

const likeEscape = (s: string) => s.replace(/[\\%_]/g, (c) => '\\' + c);

/** Live emoji whose name starts with (or, not `prefixOnly`, contains) term; prefix matches first, then by name. */
export async function searchEmoji(q: Queryable, term: string, prefixOnly: boolean, limit: number): Promise<EmojiRow[]> {
  const pattern = (prefixOnly ? '' : '%') + likeEscape(term) + '%';
  return q.query<EmojiRow>(
    `select ${COLS} from custom_emoji where delete_at = 0 and name like $1
      order by (name like $2) desc, name limit $3`,
    [pattern, likeEscape(term) + '%', limit],
  );
}

/** Marks a live emoji deleted; returns the row as it was, or undefined when none was live. */
export async function markEmojiDeleted(q: Queryable, id: string, now: number): Promise<EmojiRow | undefined> {
  const rows = await q.query<EmojiRow>(`update custom_emoji set delete_at = $2, update_at = $2 where id = $1 and delete_at = 0 returning ${COLS}`, [id, now]);
  return rows[0];
}

/** Ids of every active user (custom emoji events go to everyone on the server). */
export async function activeUserIds(q: Queryable): Promise<string[]> {
  return (await q.query<{ id: string }>('select id from users where delete_at = 0')).map((r) => r.id);
}
