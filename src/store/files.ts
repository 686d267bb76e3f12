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
}

export async function insertFiles(q: Queryable, rows: FileRow[]): Promise<void> {
  for (const r of rows) {
    await q.query(
      `insert into files (id, creator_id, channel_id, post_id, name, extension, size, mime_type, width, height, storage_key, thumbnail_key, sha256, create_at, delete_at)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)`,
      [r.id, r.creator_id, r.channel_id, r.post_id, r.name, r.extension, r.size, r.mime_type, r.width, r.height, r.storage_key, r.thumbnail_key, r.sha256, r.create_at, r.delete_at],
    );
  }
}

export async function getFile(q: Queryable, id: string): Promise<FileRow | undefined> {
  const rows = await q.query<FileRow>('select * from files where id = $1', [id]);
  return rows[0];
}
