import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import * as tar from 'tar-stream';
import type { Db, Tx } from '../db/driver.ts';
import { bundledMigrations, type Migration } from '../db/migrate.ts';
import type { Storage } from '../files/storage.ts';
import { listTables, quoteIdent, tableSequences } from './schema.ts';
import {
  BackupFormatError,
  FILES_INDEX_ENTRY,
  fileEntry,
  FORMAT,
  FORMAT_VERSION,
  MANIFEST_ENTRY,
  MAX_MANIFEST_BYTES,
  ManifestSchema,
  type FileIndexLine,
  type Manifest,
} from './format.ts';
import { noProgress, type Progress } from './progress.ts';

type Entry = Readable & { header: { name: string; size?: number } };

/** The entries of a .tar.gz, one at a time; a truncated or corrupt archive throws BackupFormatError. */
async function* readEntries(path: string): AsyncGenerator<Entry> {
  const extract = tar.extract();
  const done = pipeline(createReadStream(path), createGunzip(), extract);
  done.catch(() => {});
  try {
    for await (const entry of extract as AsyncIterable<Entry>) yield entry;
    await done;
  } catch (e) {
    throw asFormatError(e);
  } finally {
    extract.destroy();
  }
}

async function readAll(entry: Readable, max: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  let n = 0;
  for await (const c of entry) {
    n += (c as Buffer).length;
    if (n > max) throw new BackupFormatError('manifest.json is too large');
    parts.push(c as Buffer);
  }
  return Buffer.concat(parts);
}

function parseManifest(buf: Buffer): Manifest {
  let json: unknown;
  try {
    json = JSON.parse(buf.toString('utf8'));
  } catch {
    throw new BackupFormatError('manifest.json is not valid JSON');
  }
  if ((json as { format?: unknown })?.format !== FORMAT) throw new BackupFormatError('not a RustChat backup (manifest format field)');
  const r = ManifestSchema.safeParse(json);
  if (!r.success) throw new BackupFormatError(`manifest.json is invalid: ${r.error.issues[0]?.path.join('.')}: ${r.error.issues[0]?.message}`);
  if (r.data.format_version > FORMAT_VERSION) throw new BackupFormatError(`archive format version ${r.data.format_version} is newer than this RustChat understands (${FORMAT_VERSION})`);
  return r.data;
}

/** Reads only the manifest (first entry). */
export async function readManifest(path: string): Promise<Manifest> {
  for await (const entry of readEntries(path)) {
    if (entry.header.name !== MANIFEST_ENTRY) throw new BackupFormatError('the first entry is not manifest.json');
    return parseManifest(await readAll(entry, MAX_MANIFEST_BYTES));
  }
  throw new BackupFormatError('the archive is empty');
}

function hasher(onLine?: () => void) {
  const h = createHash('sha256');
  let bytes = 0;
  let lines = 0;
  const t = new Transform({
    transform(chunk: Buffer, _e, cb) {
      h.update(chunk);
      bytes += chunk.length;
      if (onLine) for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines++;
      cb(null, chunk);
    },
  });
  return { t, digest: () => h.digest('hex'), bytes: () => bytes, lines: () => lines };
}

/**
 * Reads the whole archive and checks it against the manifest: every table dump and the file
 * index by sha256, size and row count, every file by the index; no entry missing, none extra.
 * Writes nothing. Throws BackupFormatError on any difference.
 */
export async function verifyArchive(path: string, opts: { progress?: Progress } = {}): Promise<Manifest> {
  try {
    return await verifyEntries(path, opts);
  } catch (e) {
    throw asFormatError(e);
  }
}

/** Anything that goes wrong while reading an archive (zlib, tar, JSON) means it is not intact. */
function asFormatError(e: unknown): unknown {
  if (e instanceof BackupFormatError) return e;
  const err = e as NodeJS.ErrnoException;
  if (err?.syscall || err?.code === 'ENOENT' || err?.code === 'EACCES' || err?.code === 'EISDIR') return e; // the file itself could not be read
  return new BackupFormatError(`the archive is truncated or corrupt (${err?.code ?? err?.message ?? String(e)})`);
}

async function verifyEntries(path: string, opts: { progress?: Progress }): Promise<Manifest> {
  const progress = opts.progress ?? noProgress;
  let manifest: Manifest | undefined;
  const tables = new Map<string, Manifest['tables'][number]>();
  const seen = new Set<string>();
  let index: Map<string, FileIndexLine> | undefined;
  let filesSeen = 0;
  for await (const entry of readEntries(path)) {
    const name = entry.header.name;
    if (!manifest) {
      if (name !== MANIFEST_ENTRY) throw new BackupFormatError('the first entry is not manifest.json');
      manifest = parseManifest(await readAll(entry, MAX_MANIFEST_BYTES));
      for (const t of manifest.tables) tables.set(t.entry, t);
      continue;
    }
    if (seen.has(name)) throw new BackupFormatError(`duplicate entry ${name}`);
    seen.add(name);
    const t = tables.get(name);
    if (t) {
      const h = hasher(() => {});
      await pipeline(entry, h.t, devNull());
      if (h.digest() !== t.sha256 || h.bytes() !== t.bytes || h.lines() !== t.rows) throw new BackupFormatError(`checksum mismatch in ${name}`);
      progress('verify database', seen.size, tables.size);
      continue;
    }
    if (name === FILES_INDEX_ENTRY && manifest.files) {
      const h = hasher();
      const chunks: Buffer[] = [];
      await pipeline(entry, h.t, new Transform({ transform: (c, _e, cb) => (chunks.push(c), cb()) }));
      if (h.digest() !== manifest.files.sha256) throw new BackupFormatError(`checksum mismatch in ${name}`);
      index = new Map();
      for (const line of Buffer.concat(chunks).toString('utf8').split('\n')) {
        if (!line) continue;
        const f = JSON.parse(line) as FileIndexLine;
        index.set(fileEntry(f.key), f);
      }
      if (index.size !== manifest.files.count) throw new BackupFormatError('the file index does not match the manifest');
      continue;
    }
    const f = index?.get(name);
    if (!f) throw new BackupFormatError(`unexpected entry ${name}`);
    const h = hasher();
    await pipeline(entry, h.t, devNull());
    if (h.digest() !== f.sha256 || h.bytes() !== f.size) throw new BackupFormatError(`checksum mismatch in ${name}`);
    filesSeen++;
    progress('verify files', filesSeen, manifest.files!.count);
  }
  if (!manifest) throw new BackupFormatError('the archive is empty');
  for (const t of manifest.tables) if (!seen.has(t.entry)) throw new BackupFormatError(`missing entry ${t.entry}`);
  if (manifest.files) {
    if (!index) throw new BackupFormatError(`missing entry ${FILES_INDEX_ENTRY}`);
    if (filesSeen !== index.size) throw new BackupFormatError(`${index.size - filesSeen} file entries are missing`);
  }
  return manifest;
}

const devNull = () =>
  new Transform({
    transform: (_c, _e, cb) => cb(),
  });

export interface RestoreTarget {
  db: Db;
  storage?: Storage;
}

export interface RestoreOptions {
  /** Restore over existing data: tables are emptied first, objects with the same key overwritten. */
  force?: boolean;
  progress?: Progress;
  /** The migrations of this build (tests pass their own to simulate upgrades). */
  migrations?: Migration[];
}

export interface RestoreResult {
  manifest: Manifest;
  rows: number;
  files: number;
  migrationsApplied: number[];
}

/** Tables whose rows a fresh installation may already have (runtime defaults); restore replaces them. */
const REPLACED = new Set(['site_settings']);

/** What the target already holds (tables with rows, whether storage has objects). */
export async function describeTarget(t: RestoreTarget): Promise<{ tables: string[]; storageHasObjects: boolean }> {
  const [reg] = await t.db.query<{ t: string | null }>(`select to_regclass('users')::text as t`);
  const tables: string[] = [];
  if (reg?.t) {
    for (const info of await listTables(t.db)) {
      if (REPLACED.has(info.name)) continue;
      const rows = await t.db.query(`select 1 from ${quoteIdent(info.name)} limit 1`);
      if (rows.length) tables.push(info.name);
    }
  }
  let storageHasObjects = false;
  if (t.storage) for await (const _ of t.storage.list()) {
    storageHasObjects = true;
    break;
  }
  return { tables, storageHasObjects };
}

// The same lock as db/migrate.ts: a restore and a starting server never migrate at once.
const MIGRATION_LOCK = 7218431;

async function applyMigrations(tx: Tx, migrations: Migration[], upTo: number): Promise<number[]> {
  await tx.query('select pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
  await tx.exec(`create table if not exists schema_migrations (version integer primary key, name text not null, applied_at bigint not null)`);
  const done = new Set((await tx.query<{ version: number }>('select version from schema_migrations')).map((r) => r.version));
  const applied: number[] = [];
  for (const m of migrations) {
    if (m.version > upTo || done.has(m.version)) continue;
    await tx.exec(m.sql);
    await tx.query('insert into schema_migrations (version, name, applied_at) values ($1, $2, $3)', [m.version, m.name, Date.now()]);
    applied.push(m.version);
  }
  return applied;
}

const BATCH_ROWS = 1000;
const BATCH_BYTES = 4 * 1024 * 1024;

/**
 * Restores an archive into an empty database and empty storage (or over existing data with
 * `force`). The whole archive is verified first; then, in ONE transaction: migrations up to the
 * archive's schema version, the rows, sequence positions, and the newer migrations of this build.
 * Files are written during that transaction and removed again if it fails, so a failed restore
 * leaves the target as it was.
 */
export async function restoreBackup(target: RestoreTarget, path: string, opts: RestoreOptions = {}): Promise<RestoreResult> {
  const progress = opts.progress ?? noProgress;
  const migrations = opts.migrations ?? bundledMigrations();
  const manifest = await verifyArchive(path, { progress });
  const latest = migrations.reduce((v, m) => Math.max(v, m.version), 0);
  if (manifest.schema_version > latest) {
    throw new BackupFormatError(`the archive has schema version ${manifest.schema_version}, newer than this RustChat (${latest}); upgrade RustChat first`);
  }
  if (manifest.files && manifest.files.count > 0 && !target.storage) throw new Error('file storage is required to restore files');
  const before = await describeTarget(target);
  if (!opts.force && (before.tables.length || before.storageHasObjects)) {
    const what = [before.tables.length ? `the database has rows in ${before.tables.join(', ')}` : '', before.storageHasObjects ? 'file storage is not empty' : ''].filter(Boolean).join(' and ');
    throw new Error(`the target is not empty (${what}); restore into a fresh installation, or pass --force to replace its data`);
  }

  const put: string[] = [];
  let rows = 0;
  let files = 0;
  let migrationsApplied: number[] = [];
  try {
    await target.db.transaction(async (tx) => {
      migrationsApplied = await applyMigrations(tx, migrations, manifest.schema_version);
      const infos = await listTables(tx);
      const byName = new Map(infos.map((t) => [t.name, t]));
      if (opts.force) {
        if (infos.length) await tx.exec(`truncate ${infos.map((t) => quoteIdent(t.name)).join(', ')} restart identity cascade`);
      } else {
        for (const name of REPLACED) if (byName.has(name)) await tx.exec(`delete from ${quoteIdent(name)}`);
      }
      const tablesByEntry = new Map(manifest.tables.map((t) => [t.entry, t]));
      let index: Map<string, FileIndexLine> | undefined;
      const totalRows = manifest.tables.reduce((n, t) => n + t.rows, 0);
      let first = true;
      for await (const entry of readEntries(path)) {
        const name = entry.header.name;
        if (first) {
          first = false;
          entry.resume();
          continue;
        }
        const t = tablesByEntry.get(name);
        if (t) {
          const info = byName.get(t.name);
          if (!info) throw new BackupFormatError(`table ${t.name} does not exist at schema version ${manifest.schema_version}`);
          // The archive's columns (from its first row) that the table has: columns added by newer
          // migrations keep their defaults (only possible with --force over a newer schema).
          let sql = '';
          const prepare = (firstLine: string) => {
            const keys = new Set(Object.keys(JSON.parse(firstLine) as object));
            const cols = info.columns.filter((c) => keys.has(c)).map(quoteIdent).join(', ');
            sql = `insert into ${quoteIdent(t.name)} (${cols}) select ${cols} from jsonb_populate_recordset(null::${quoteIdent(t.name)}, $1::text::jsonb)`;
          };
          const h = createHash('sha256');
          let batch: string[] = [];
          let batchBytes = 0;
          let n = 0;
          const flush = async () => {
            if (!batch.length) return;
            await tx.query(sql, [`[${batch.join(',')}]`]);
            n += batch.length;
            rows += batch.length;
            progress('restore database', rows, totalRows);
            batch = [];
            batchBytes = 0;
          };
          let rest = '';
          for await (const chunk of entry) {
            h.update(chunk as Buffer);
            const text = rest + (chunk as Buffer).toString('utf8');
            const lines = text.split('\n');
            rest = lines.pop()!;
            for (const line of lines) {
              if (!line) continue;
              if (!sql) prepare(line);
              batch.push(line);
              batchBytes += line.length;
              if (batch.length >= BATCH_ROWS || batchBytes >= BATCH_BYTES) await flush();
            }
          }
          if (rest) throw new BackupFormatError(`${name} does not end with a newline`);
          await flush();
          // Re-checked: the file could have changed since it was verified.
          if (h.digest('hex') !== t.sha256 || n !== t.rows) throw new BackupFormatError(`checksum mismatch in ${name}`);
          continue;
        }
        if (name === FILES_INDEX_ENTRY) {
          index = new Map();
          const text = (await readAll(entry, Number.MAX_SAFE_INTEGER)).toString('utf8');
          for (const line of text.split('\n')) if (line) {
            const f = JSON.parse(line) as FileIndexLine;
            index.set(fileEntry(f.key), f);
          }
          continue;
        }
        const f = index?.get(name);
        if (!f || !target.storage) throw new BackupFormatError(`unexpected entry ${name}`);
        const existed = opts.force ? !!(await target.storage.head(f.key)) : false;
        const h = hasher();
        entry.on('error', (e: Error) => h.t.destroy(e));
        await target.storage.putStream(f.key, entry.pipe(h.t));
        if (!existed) put.push(f.key);
        if (h.digest() !== f.sha256) throw new BackupFormatError(`checksum mismatch in ${name}`);
        progress('restore files', ++files, manifest.files!.count);
      }
      for (const info of infos) {
        for (const s of await tableSequences(tx, info.name)) {
          await tx.query(`select setval($1, coalesce((select max(${quoteIdent(s.column)}) from ${quoteIdent(info.name)}), 0) + 1, false)`, [s.seq]);
        }
      }
      migrationsApplied.push(...(await applyMigrations(tx, migrations, Number.MAX_SAFE_INTEGER)));
    });
  } catch (e) {
    for (const key of put) await target.storage?.delete(key).catch(() => {});
    throw e;
  }
  await target.db.flush();
  return { manifest, rows, files, migrationsApplied };
}
