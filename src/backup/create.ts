import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, mkdtempSync, rmSync, statSync, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { PassThrough, Transform, type Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import * as tar from 'tar-stream';
import type { Db, Tx } from '../db/driver.ts';
import type { Storage } from '../files/storage.ts';
import { buildInfo } from '../version.ts';
import { listTables, quoteIdent, type TableInfo } from './schema.ts';
import { fileEntry, FILES_INDEX_ENTRY, FORMAT, FORMAT_VERSION, MANIFEST_ENTRY, tableEntry, type FileIndexLine, type Manifest } from './format.ts';
import { noProgress, type Progress } from './progress.ts';

export interface BackupSource {
  db: Db;
  /** Needed unless files are left out. */
  storage?: Storage;
}

export interface CreateOptions {
  /** Include the stored files (default true). */
  files?: boolean;
  progress?: Progress;
  /** Where table dumps are spooled before they go into the archive (default: the OS temp dir). */
  tmpDir?: string;
  /** Warnings (e.g. a file row whose object is missing). */
  warn?: (message: string) => void;
  now?: number;
}

const PAGE = 2000;

/** A spool file that hashes and counts what is written, honouring backpressure. */
class Spool {
  readonly hash = createHash('sha256');
  bytes = 0;
  lines = 0;
  private ws: WriteStream;
  constructor(readonly path: string) {
    this.ws = createWriteStream(path, { mode: 0o600 });
  }
  async line(text: string) {
    const buf = Buffer.from(text + '\n', 'utf8');
    this.hash.update(buf);
    this.bytes += buf.length;
    this.lines++;
    if (!this.ws.write(buf)) await once(this.ws, 'drain');
  }
  async close(): Promise<string> {
    this.ws.end();
    await once(this.ws, 'close');
    return this.hash.digest('hex');
  }
}

/** Streams one table in primary-key order, PAGE rows per query (keyset paging, never OFFSET). */
async function dumpTable(tx: Tx, t: TableInfo, spool: Spool, onRows: (n: number) => void) {
  const cols = t.columns.map(quoteIdent).join(', ');
  const pk = t.primaryKey.length ? t.primaryKey : t.columns;
  const pkList = pk.map(quoteIdent).join(', ');
  const keyCols = pk.map((c, i) => `t.${quoteIdent(c)} as k${i}`).join(', ');
  let last: unknown[] | undefined;
  for (;;) {
    const where = last ? `where (${pkList}) > (${pk.map((_, i) => `$${i + 1}`).join(', ')})` : '';
    const rows = await tx.query<Record<string, unknown>>(
      `select to_jsonb(t)::text as j, ${keyCols} from (select ${cols} from ${quoteIdent(t.name)} ${where} order by ${pkList} limit ${PAGE}) t order by ${pk.map((_, i) => `k${i}`).join(', ')}`,
      last ?? [],
    );
    for (const r of rows) await spool.line(r.j as string);
    onRows(rows.length);
    if (rows.length < PAGE) return;
    const lastRow = rows[rows.length - 1];
    last = pk.map((_, i) => lastRow[`k${i}`]);
  }
}

async function addEntry(pack: tar.Pack, name: string, size: number, mtime: Date, body: Readable | Buffer) {
  if (Buffer.isBuffer(body)) {
    await new Promise<void>((resolve, reject) => pack.entry({ name, size, mtime, mode: 0o600 }, body, (err) => (err ? reject(err) : resolve())));
    return;
  }
  const entry = pack.entry({ name, size, mtime, mode: 0o600 });
  await pipeline(body, entry);
}

/**
 * Writes a complete backup to `out`: one REPEATABLE READ, read-only transaction gives a
 * consistent snapshot of every table, spooled to temporary NDJSON files (memory stays at one page
 * of rows), then the archive is streamed: manifest, tables, file index, files. Resolves with the
 * manifest once `out` has all the bytes.
 */
export async function createBackup(src: BackupSource, out: Writable, opts: CreateOptions = {}): Promise<Manifest> {
  const withFiles = opts.files ?? true;
  if (withFiles && !src.storage) throw new Error('file storage is required unless files are left out');
  const progress = opts.progress ?? noProgress;
  const warn = opts.warn ?? (() => {});
  const now = opts.now ?? Date.now();
  const spoolDir = mkdtempSync(join(opts.tmpDir ?? tmpdir(), 'rustchat-backup-'));
  try {
    const tables: Manifest['tables'] = [];
    const spools = new Map<string, string>();
    let schemaVersion = 0;
    const fileRows = new Spool(join(spoolDir, 'file-rows'));

    await src.db.transaction(
      async (tx) => {
        const [v] = await tx.query<{ v: number | null }>(
          `select case when to_regclass('schema_migrations') is null then 0 else (select coalesce(max(version), 0) from schema_migrations) end as v`,
        );
        schemaVersion = Number(v?.v ?? 0);
        if (schemaVersion === 0) throw new Error('the database has no schema yet (run `rustchat migrate` or start the server once)');
        const infos = await listTables(tx);
        const counts = new Map<string, number>();
        let total = 0;
        for (const t of infos) {
          const [c] = await tx.query<{ n: number }>(`select count(*)::int8 as n from ${quoteIdent(t.name)}`);
          counts.set(t.name, Number(c.n));
          total += Number(c.n);
        }
        let done = 0;
        for (const t of infos) {
          const path = join(spoolDir, `${t.name}.ndjson`);
          const spool = new Spool(path);
          await dumpTable(tx, t, spool, (n) => {
            done += n;
            progress('backup database', done, total);
          });
          const sha256 = await spool.close();
          if (spool.lines !== counts.get(t.name)) throw new Error(`table ${t.name} changed size inside the snapshot`);
          tables.push({ name: t.name, entry: tableEntry(t.name), rows: spool.lines, bytes: spool.bytes, sha256 });
          spools.set(t.name, path);
        }
        if (withFiles && infos.some((t) => t.name === 'files')) {
          let last = '';
          for (;;) {
            const rows = await tx.query<{ id: string; storage_key: string; size: number; sha256: string; thumbnail_key: string; thumbnail_size: number; preview_key: string; preview_size: number }>(
              `select id, storage_key, size, sha256, thumbnail_key, thumbnail_size, preview_key, preview_size from files where id > $1 and storage_key <> '' order by id limit ${PAGE}`,
              [last],
            );
            for (const r of rows) {
              await fileRows.line(JSON.stringify({ key: r.storage_key, size: Number(r.size), sha256: r.sha256 }));
              // Rendered image previews: their checksums are computed below.
              if (r.thumbnail_key) await fileRows.line(JSON.stringify({ key: r.thumbnail_key, size: Number(r.thumbnail_size), sha256: '' }));
              if (r.preview_key) await fileRows.line(JSON.stringify({ key: r.preview_key, size: Number(r.preview_size), sha256: '' }));
            }
            if (rows.length < PAGE) break;
            last = rows[rows.length - 1].id;
          }
        }
        // Custom emoji images (live emoji only: a deleted one's image is gone from storage).
        if (withFiles && infos.some((t) => t.name === 'custom_emoji')) {
          const rows = await tx.query<{ storage_key: string; size: number; sha256: string }>(`select storage_key, size, sha256 from custom_emoji where delete_at = 0 order by id`);
          for (const r of rows) await fileRows.line(JSON.stringify({ key: r.storage_key, size: Number(r.size), sha256: r.sha256 }));
        }
      },
      { isolation: 'repeatable read', readOnly: true },
    );
    await fileRows.close();

    // The file index: every object that exists, with its checksum (computed when the row has none).
    let files: Manifest['files'] = null;
    const indexPath = join(spoolDir, 'files-index.ndjson');
    if (withFiles) {
      const storage = src.storage!;
      const index = new Spool(indexPath);
      const seen = new Set<string>();
      let count = 0;
      let bytes = 0;
      for await (const text of createInterface({ input: createReadStream(fileRows.path), crlfDelay: Infinity })) {
        if (!text) continue;
        const row = JSON.parse(text) as FileIndexLine;
        if (seen.has(row.key)) continue;
        seen.add(row.key);
        const head = await storage.head(row.key);
        if (!head) {
          warn(`file object ${row.key} is missing from storage; left out of the backup`);
          continue;
        }
        let sha256 = row.sha256;
        if (!/^[0-9a-f]{64}$/.test(sha256) || head.size !== row.size) {
          const h = createHash('sha256');
          for await (const chunk of await storage.getStream(row.key)) h.update(chunk as Buffer);
          sha256 = h.digest('hex');
        }
        await index.line(JSON.stringify({ key: row.key, size: head.size, sha256 }));
        count++;
        bytes += head.size;
      }
      files = { entry: FILES_INDEX_ENTRY, count, bytes, sha256: await index.close() };
    }

    const manifest: Manifest = {
      format: FORMAT,
      format_version: FORMAT_VERSION,
      app_version: buildInfo().version,
      schema_version: schemaVersion,
      created_at: now,
      created_at_iso: new Date(now).toISOString(),
      source: { database: src.db.kind, storage: withFiles ? src.storage!.kind : 'none' },
      tables,
      files,
    };

    const pack = tar.pack();
    const written = pipeline(pack, createGzip({ level: 6 }), out);
    written.catch(() => {}); // awaited below; errors also surface through the entries
    const mtime = new Date(now);
    try {
      await addEntry(pack, MANIFEST_ENTRY, 0, mtime, Buffer.from(JSON.stringify(manifest, null, 2) + '\n'));
      for (const t of tables) await addEntry(pack, t.entry, t.bytes, mtime, createReadStream(spools.get(t.name)!));
      if (files) {
        await addEntry(pack, FILES_INDEX_ENTRY, statSync(indexPath).size, mtime, createReadStream(indexPath));
        let n = 0;
        for await (const text of createInterface({ input: createReadStream(indexPath), crlfDelay: Infinity })) {
          if (!text) continue;
          const f = JSON.parse(text) as FileIndexLine;
          const h = createHash('sha256');
          const hashing = new Transform({
            transform(chunk, _e, cb) {
              h.update(chunk);
              cb(null, chunk);
            },
          });
          const body = await src.storage!.getStream(f.key);
          body.on('error', (e) => hashing.destroy(e));
          await addEntry(pack, fileEntry(f.key), f.size, mtime, body.pipe(hashing));
          if (h.digest('hex') !== f.sha256) throw new Error(`file object ${f.key} changed while it was being backed up`);
          progress('files', ++n, files.count);
        }
      }
      pack.finalize();
    } catch (e) {
      pack.destroy(e as Error);
      await written.catch(() => {});
      throw e;
    }
    await written;
    return manifest;
  } finally {
    rmSync(spoolDir, { recursive: true, force: true });
  }
}

/** A PassThrough fed by createBackup, for callers that want a Readable (the admin socket). */
export function backupStream(src: BackupSource, opts: CreateOptions & { onDone?: (err: unknown, m?: Manifest) => void } = {}): Readable {
  const pt = new PassThrough();
  createBackup(src, pt, opts).then(
    (m) => opts.onDone?.(null, m),
    (err) => {
      opts.onDone?.(err);
      pt.destroy(err);
    },
  );
  return pt;
}
