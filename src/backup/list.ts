import { readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { BACKUP_NAME_RE } from './format.ts';
import { readManifest } from './restore.ts';

export interface BackupListing {
  file: string;
  bytes: number;
  /** null when the file is not a readable backup (error says why). */
  created_at: string | null;
  app_version?: string;
  schema_version?: number;
  database?: string;
  storage?: string;
  rows?: Record<string, number>;
  files?: number | null;
  error?: string;
}

/** The backups in a directory (files named by `backup create`), newest first, with their manifests. */
export async function listBackups(dir: string): Promise<BackupListing[]> {
  const names = readdirSync(dir).filter((n) => BACKUP_NAME_RE.test(n)).sort().reverse();
  const out: BackupListing[] = [];
  for (const name of names) {
    const file = join(dir, name);
    const bytes = statSync(file).size;
    try {
      const m = await readManifest(file);
      out.push({
        file,
        bytes,
        created_at: m.created_at_iso,
        app_version: m.app_version,
        schema_version: m.schema_version,
        database: m.source.database,
        storage: m.source.storage,
        rows: Object.fromEntries(m.tables.map((t) => [t.name, t.rows])),
        files: m.files ? m.files.count : null,
      });
    } catch (e) {
      out.push({ file, bytes, created_at: null, error: (e as Error).message });
    }
  }
  return out;
}

/** Deletes all but the newest `keep` backups in dir (by their time-stamped names); returns what it deleted. */
export function pruneBackups(dir: string, keep: number): string[] {
  const names = readdirSync(dir).filter((n) => BACKUP_NAME_RE.test(n)).sort().reverse();
  const removed: string[] = [];
  for (const name of names.slice(Math.max(0, keep))) {
    rmSync(join(dir, name), { force: true });
    removed.push(join(dir, name));
  }
  return removed;
}
