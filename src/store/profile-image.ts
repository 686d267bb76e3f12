import type { Queryable } from '../db/driver.ts';
import type { UserRow } from './users.ts';

/** Where a user's uploaded picture is (users.props.picture); absent: the generated default. */
export interface PictureMeta {
  key: string;
  mime: string;
  size: number;
  sha256: string;
}

export function pictureOf(row: Pick<UserRow, 'props'>): PictureMeta | undefined {
  const p = (row.props as { picture?: PictureMeta } | null)?.picture;
  return p && typeof p.key === 'string' && typeof p.mime === 'string' ? p : undefined;
}

/** Sets (or, with null, removes) the picture and last_picture_update; returns the row. */
export async function setPicture(q: Queryable, id: string, meta: PictureMeta | null, now: number): Promise<UserRow | undefined> {
  const rows = meta
    ? await q.query<UserRow>(
        `update users set props = coalesce(props, '{}'::jsonb) || jsonb_build_object('picture', $2::text::jsonb), last_picture_update = $3, update_at = greatest(update_at, $3) where id = $1 returning *`,
        [id, JSON.stringify(meta), now],
      )
    : await q.query<UserRow>(`update users set props = coalesce(props, '{}'::jsonb) - 'picture', last_picture_update = $2, update_at = greatest(update_at, $2) where id = $1 returning *`, [id, now]);
  return rows[0];
}
