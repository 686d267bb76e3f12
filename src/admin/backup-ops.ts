import { randomBytes } from 'node:crypto';
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { registerAdminOp, AdminStream } from './socket.ts';
import { storageOf } from '../actions/files.ts';
import { AppError } from '../errors.ts';
import type { PgliteDb } from '../db/pglite.ts';
import { backupFileName } from '../backup/format.ts';

/**
 * `backup.create` on the admin socket: a running server streams a backup of its own database and
 * storage. Args: {files?: boolean}. The answer is the .tar.gz byte stream; a failure aborts it, and
 * the client never renames a partial file into place. On the embedded database the dump holds the
 * single connection for its whole length (chat waits); `rustchat backup create` uses
 * `backup.snapshot` instead and falls back to this one only when that is not possible.
 */
registerAdminOp('backup.create', async ({ deps, args }) => {
  const { backupStream } = await import('../backup/create.ts'); // loaded on first use: keeps start-up lean
  const files = args.files !== false;
  const storage = files ? await storageOf(deps) : undefined;
  const now = deps.now();
  const stream = backupStream(
    { db: deps.db, storage },
    {
      files,
      now,
      warn: (message) => deps.log.warn('backup', { message }),
      onDone: (err, m) => (err ? deps.log.error('backup failed', { err }) : deps.log.info('backup created', { tables: m?.tables.length, files: m?.files?.count ?? 0 })),
    },
  );
  return new AdminStream(stream, 'application/gzip', backupFileName(now));
});

/** Snapshot directories live in the data directory. */
export const SNAPSHOT_PREFIX = '.backup-snapshot-';
/** The copies this process handed out whose callers are still connected. */
const active = new Set<string>();

/**
 * `backup.snapshot` on the admin socket (embedded database only): copies the running database
 * into `<data_dir>/.backup-snapshot-<random>/` while chat goes on (src/db/pglite-snapshot.ts:
 * queries wait only for two short holds of the connection). The answer is a stream that starts
 * with one JSON line ({dir, ...measurements}) and then stays open: the caller (`rustchat backup
 * create`) opens the copy with its own PGlite, dumps it, and closes the connection, whereupon the
 * copy is deleted (whichever way the connection ends: a killed caller leaves nothing behind).
 * Copies not in use by a connection of this process (left by an earlier run) are deleted by the
 * next call. Errors: 409 not_embedded (PostgreSQL: the server need not be involved), 507
 * storage_full (not enough free space for the copy on the data directory's filesystem).
 */
registerAdminOp('backup.snapshot', async ({ deps }) => {
  const db = deps.db as Partial<PgliteDb>;
  if (deps.db.kind !== 'pglite' || typeof db.hold !== 'function' || !db.dataDir) throw new AppError(409, 'not_embedded', 'Snapshots are for the embedded database on disk');
  const root = deps.config.server.data_dir;
  for (const name of readdirSync(root)) {
    const path = join(root, name);
    if (name.startsWith(SNAPSHOT_PREFIX) && !active.has(path)) {
      rmSync(path, { recursive: true, force: true });
      deps.log.info('backup snapshot left by an earlier run removed', { dir: name });
    }
  }
  const dir = join(root, `${SNAPSHOT_PREFIX}${randomBytes(6).toString('hex')}`);
  active.add(dir);
  const release = () => {
    active.delete(dir);
    rmSync(dir, { recursive: true, force: true });
  };
  const { snapshotPglite, SnapshotSpaceError } = await import('../db/pglite-snapshot.ts');
  let r;
  try {
    r = await snapshotPglite(db as PgliteDb, dir, { reserveBytes: (deps.config.server.min_free_disk_mb + 64) * 1024 * 1024 });
  } catch (e) {
    release();
    if (e instanceof SnapshotSpaceError) throw new AppError(507, 'storage_full', e.message, { need_bytes: e.needBytes, free_bytes: e.freeBytes });
    throw e;
  }
  deps.log.info('backup snapshot taken', { dir, bytes: r.bytes, ms: r.ms, held_max_ms: r.heldMaxMs, attempts: r.attempts });
  const stream = new Readable({
    read() {},
    destroy(err, cb) {
      release();
      deps.log.info('backup snapshot released', { dir });
      cb(err);
    },
  });
  stream.push(JSON.stringify(r) + '\n');
  return new AdminStream(stream, 'application/x-ndjson');
});
