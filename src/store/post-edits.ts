import type { Queryable } from '../db/driver.ts';
import { newId } from '../ids.ts';
import type { PostRow } from './posts.ts';

/** Versions kept per post; an older one goes when a newer edit would exceed it. */
export const MAX_POST_EDITS = 100;

export interface PostEditRow {
  id: string;
  post_id: string;
  message: string;
  file_ids: string[];
  props: Record<string, unknown>;
  written_at: number;
  replaced_at: number;
}

/**
 * Keeps the version `old` is about to lose to an edit at `at` (same transaction as the update,
 * with the post row locked), then trims the post's history to MAX_POST_EDITS.
 */
export async function recordPostEdit(q: Queryable, old: PostRow, at: number): Promise<void> {
  await q.query(
    `insert into post_edits (id, post_id, message, file_ids, props, written_at, replaced_at) values ($1, $2, $3, $4::text::jsonb, $5::text::jsonb, $6, $7)`,
    [newId(), old.id, old.message, JSON.stringify(old.file_ids), JSON.stringify(old.props), old.edit_at || old.create_at, at],
  );
  await q.query(
    `delete from post_edits where post_id = $1 and id not in (select id from post_edits where post_id = $1 order by replaced_at desc, id desc limit ${MAX_POST_EDITS})`,
    [old.id],
  );
}

/** A post's earlier versions, the latest replaced first. */
export async function listPostEdits(q: Queryable, postId: string): Promise<PostEditRow[]> {
  return q.query<PostEditRow>('select * from post_edits where post_id = $1 order by replaced_at desc, id desc', [postId]);
}
