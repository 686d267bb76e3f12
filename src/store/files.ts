import type { Queryable } from '../db/driver.ts';

export interface FileRow {
  id: string;
  creator_id: string;
  channel_id: string;
  post_id: string;
  name: string;
  extension: string;
  size: number;
  mime_type: string;
  width: number;
  height: number;
  storage_key: string;
  thumbnail_key: string;
  sha256: string;
  create_at: number;
  delete_at: number;
  /** Image previews (migration 0015): see src/actions/file-previews.ts. */
  preview_key: string;
  preview_type: string;
  thumbnail_size: number;
  preview_size: number;
  preview_state: PreviewState;
}

/** '' not rendered yet, 'ready' (thumbnail_key and preview_key are set), 'failed' (undecodable). */
export type PreviewState = '' | 'ready' | 'failed';

/** `content`: the text searched besides the name (text files only; see files/text.ts). */
export async function insertFiles(q: Queryable, rows: (FileRow & { content?: string })[]): Promise<void> {
  for (const r of rows) {
    await q.query(
      `insert into files (id, creator_id, channel_id, post_id, name, extension, size, mime_type, width, height, storage_key, thumbnail_key, sha256, create_at, delete_at, content,
                          preview_key, preview_type, thumbnail_size, preview_size, preview_state)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21)`,
      [r.id, r.creator_id, r.channel_id, r.post_id, r.name, r.extension, r.size, r.mime_type, r.width, r.height, r.storage_key, r.thumbnail_key, r.sha256, r.create_at, r.delete_at, r.content ?? '',
        r.preview_key, r.preview_type, r.thumbnail_size, r.preview_size, r.preview_state],
    );
  }
}

const ROW_COLUMNS =
  'id, creator_id, channel_id, post_id, name, extension, size, mime_type, width, height, storage_key, thumbnail_key, sha256, create_at, delete_at, preview_key, preview_type, thumbnail_size, preview_size, preview_state';

export async function getFile(q: Queryable, id: string): Promise<FileRow | undefined> {
  const rows = await q.query<FileRow>(`select ${ROW_COLUMNS} from files where id = $1`, [id]);
  return rows[0];
}

// ---- files attached to posts ----

/** A file as clients see it: without where it is stored. */
export type PublicFileRow = Pick<FileRow, 'id' | 'creator_id' | 'channel_id' | 'post_id' | 'name' | 'extension' | 'size' | 'mime_type' | 'width' | 'height' | 'create_at' | 'delete_at' | 'preview_state'>;
/** A file as posts show it. */
export type PostFileRow = PublicFileRow;
export const PUBLIC_FILE_COLUMNS = 'id, creator_id, channel_id, post_id, name, extension, size, mime_type, width, height, create_at, delete_at, preview_state';
const FILE_COLUMNS = PUBLIC_FILE_COLUMNS;

/**
 * Attaches the caller's unattached files to a post: only files they uploaded, not attached to
 * any post, not deleted, and uploaded to this channel (or to none). Returns the rows attached.
 */
export async function claimFiles(q: Queryable, userId: string, channelId: string, postId: string, fileIds: string[]): Promise<PostFileRow[]> {
  return q.query<PostFileRow>(
    `update files set post_id = $3, channel_id = $2
      where id in (select jsonb_array_elements_text($4::text::jsonb)) and creator_id = $1 and post_id = '' and delete_at = 0
        and (channel_id = '' or channel_id = $2)
      returning ${FILE_COLUMNS}`,
    [userId, channelId, postId, JSON.stringify(fileIds)],
  );
}

/** Live files of the given posts. */
export async function filesOfPosts(q: Queryable, postIds: string[]): Promise<PostFileRow[]> {
  if (!postIds.length) return [];
  return q.query<PostFileRow>(
    `select ${FILE_COLUMNS} from files where post_id in (select jsonb_array_elements_text($1::text::jsonb)) and delete_at = 0 order by create_at, id`,
    [JSON.stringify(postIds)],
  );
}

/** Soft-deletes files of a post that an edit took off it; returns how many there were. */
export async function detachFiles(q: Queryable, postId: string, fileIds: string[], at: number): Promise<number> {
  if (!fileIds.length) return 0;
  const rows = await q.query(
    `update files set delete_at = $3 where post_id = $1 and id in (select jsonb_array_elements_text($2::text::jsonb)) and delete_at = 0 returning id`,
    [postId, JSON.stringify(fileIds), at],
  );
  return rows.length;
}

/**
 * Deletes up to `limit` files that were uploaded before `before` and never attached to a post,
 * returning their storage keys. `skip locked` lets several processes sweep at once without
 * waiting on each other; a file being attached at this moment is either claimed first (and no
 * longer matches) or deleted first (and the claim finds nothing: 400 invalid_file_ids).
 */
export async function deleteUnattachedFiles(q: Queryable, before: number, limit: number): Promise<{ id: string; storage_key: string; thumbnail_key: string; preview_key: string }[]> {
  return q.query(
    `delete from files where id in (
       select id from files where post_id = '' and create_at < $1 order by create_at limit $2 for update skip locked
     ) and post_id = ''
     returning id, storage_key, thumbnail_key, preview_key`,
    [before, limit],
  );
}

export interface PreviewFields {
  thumbnail_key: string;
  preview_key: string;
  preview_type: string;
  thumbnail_size: number;
  preview_size: number;
  preview_state: PreviewState;
}

/**
 * Records a file's rendered previews (or that rendering failed), unless they were recorded
 * meanwhile (two processes rendering the same older image at once): false then, and the caller
 * removes the objects it stored.
 */
export async function setFilePreviews(q: Queryable, id: string, p: PreviewFields): Promise<boolean> {
  const rows = await q.query(
    `update files set thumbnail_key = $2, preview_key = $3, preview_type = $4, thumbnail_size = $5, preview_size = $6, preview_state = $7
      where id = $1 and preview_state = '' returning id`,
    [id, p.thumbnail_key, p.preview_key, p.preview_type, p.thumbnail_size, p.preview_size, p.preview_state],
  );
  return rows.length === 1;
}
