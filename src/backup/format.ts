import { z } from 'zod';

/**
 * The archive format (docs/backup.md): a gzipped tar whose first entry is `manifest.json`, then
 * `db/<table>.ndjson` (one JSON object per row, tables parents-first), then — unless the backup
 * was made with --no-files — `files/index.ndjson` (one {key, size, sha256} per object, in
 * archive order) and `files/<storage key>` for each object. The manifest holds the sha256 of
 * every db entry and of the index; the index holds the sha256 of every file.
 */
export const FORMAT = 'rustchat-backup';
export const FORMAT_VERSION = 1;
export const MANIFEST_ENTRY = 'manifest.json';
export const FILES_INDEX_ENTRY = 'files/index.ndjson';
export const tableEntry = (table: string) => `db/${table}.ndjson`;
export const fileEntry = (key: string) => `files/${key}`;
/** The manifest is small; anything bigger is not ours. */
export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

const Sha = z.string().regex(/^[0-9a-f]{64}$/);

export const ManifestSchema = z.object({
  format: z.literal(FORMAT),
  format_version: z.number().int().min(1),
  app_version: z.string(),
  schema_version: z.number().int().min(0),
  created_at: z.number().int(),
  created_at_iso: z.string(),
  source: z.object({ database: z.string(), storage: z.string() }),
  tables: z.array(
    z.object({
      name: z.string().regex(/^[a-z_][a-z0-9_]*$/),
      entry: z.string(),
      rows: z.number().int().min(0),
      bytes: z.number().int().min(0),
      sha256: Sha,
    }),
  ),
  files: z
    .object({
      entry: z.literal(FILES_INDEX_ENTRY),
      count: z.number().int().min(0),
      bytes: z.number().int().min(0),
      sha256: Sha,
    })
    .nullable(),
});
export type Manifest = z.infer<typeof ManifestSchema>;

export interface FileIndexLine {
  key: string;
  size: number;
  sha256: string;
}

/** Thrown for any archive that is not a complete, intact backup; nothing has been written yet. */
export class BackupFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BackupFormatError';
  }
}

/** `rustchat-backup-20261127T103000Z.tar.gz` — sorts by time. */
export function backupFileName(now: number): string {
  return `rustchat-backup-${new Date(now).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}Z$/, 'Z')}.tar.gz`;
}
export const BACKUP_NAME_RE = /^rustchat-backup-\d{8}T\d{6}Z(-\d+)?\.tar\.gz$/;
