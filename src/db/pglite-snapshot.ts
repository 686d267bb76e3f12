import { closeSync, constants as fsc, ftruncateSync, openSync, readFileSync, readSync, writeSync } from 'node:fs';
import { copyFile, mkdir, open, readdir, rm, stat, statfs, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { PgliteDb } from './pglite.ts';

/**
 * A copy of a running embedded database that chat barely notices, for `rustchat backup create`
 * (issue 20 target 4). PGlite has one connection, so a dump inside one REPEATABLE READ
 * transaction holds every other query for its whole length (~6 s per 100,000 posts). Copying the
 * data directory while holding the connection is not free either (239 MB at 100,000 posts:
 * 0.3–0.6 s on a loaded host). Instead this is PostgreSQL's own online base backup
 * (pg_basebackup's method), done on PGlite's files:
 *
 *  1. with the connection held for a moment: copy `global/pg_control` (it names the last
 *     checkpoint and its redo point, where recovery of the copy will start);
 *  2. connection free: copy every data file, fuzzily — pages may be copied half-written or in any
 *     state since that checkpoint, which recovery repairs: full_page_writes is on, so the first
 *     change of every page after a checkpoint puts the whole page in the write-ahead log;
 *  3. connection free: copy the write-ahead log from the redo point's segment to the current
 *     one, in passes until little is left;
 *  4. with the connection held again: check that no checkpoint happened meanwhile (else start
 *     over: the log needed from the old redo point may have been recycled) and copy the log
 *     written since the last pass — typically a few KiB to a few hundred KiB.
 *
 * Opening the copy then runs crash recovery, which replays the log from the redo point to its
 * end: the copy is the database as it was at step 4, every committed transaction in, none half.
 * Only steps 1 and 4 stall queries (measured in docs/benchmarks.md, bench:backup-stall).
 *
 * Why no write happens "during" a held step or a single read: PGlite runs each statement
 * synchronously on the JavaScript thread, writing through to the files (NODEFS), so the files
 * change only while a statement runs; holding the connection (db.hold) keeps statements out.
 * wal_level is replica (never minimal, which skips the log for some bulk writes), and a page
 * reaches a data file only after its log record reached the log file (PostgreSQL's WAL rule).
 */

export interface SnapshotOptions {
  /** Attempts before giving up when checkpoints keep happening during the copy (default 4). */
  attempts?: number;
  /** Free space to leave on the target's filesystem besides the copy itself (bytes). */
  reserveBytes?: number;
  /** Test hook: runs between the copy of the data files and the copy of the log. */
  afterDataFiles?: () => Promise<void>;
}

export interface SnapshotResult {
  dir: string;
  /** Bytes copied (data files and log). */
  bytes: number;
  files: number;
  /** The longest time the connection was held (ms) and the total of both holds. */
  heldMaxMs: number;
  heldTotalMs: number;
  /** Log bytes copied while holding the connection. */
  heldWalBytes: number;
  attempts: number;
  /** Log to replay when the copy is opened (bytes from the redo point to the end). */
  replayBytes: number;
  ms: number;
}

/** Not enough free space for the copy (the CLI falls back to a dump by the server). */
export class SnapshotSpaceError extends Error {
  constructor(
    readonly needBytes: number,
    readonly freeBytes: number,
  ) {
    super(`not enough free space for a copy of the database: ${Math.ceil(needBytes / 1048576)} MiB needed, ${Math.floor(freeBytes / 1048576)} MiB free`);
    this.name = 'SnapshotSpaceError';
  }
}

// What pg_basebackup leaves out: runtime state recreated at start, never needed by recovery.
const SKIP_CONTENTS = new Set(['pg_dynshmem', 'pg_notify', 'pg_replslot', 'pg_serial', 'pg_snapshots', 'pg_stat_tmp', 'pg_subtrans']);
const SKIP_FILES = new Set(['postmaster.pid', 'postmaster.opts', 'pg_internal.init', 'backup_label', 'tablespace_map']);
const WAL_PAGE = 8192;
const SEGMENT_NAME = /^[0-9A-F]{24}$/;

/** pg_control's leading fields (stable since PostgreSQL 9.x): checkPoint and checkPointCopy.redo/ThisTimeLineID. */
function controlFields(buf: Buffer) {
  return { checkpoint: buf.readBigUInt64LE(32), redo: buf.readBigUInt64LE(40), timeline: buf.readUInt32LE(48) };
}

const lsnOf = (text: string) => {
  const [hi, lo] = text.split('/');
  return (BigInt(`0x${hi}`) << 32n) | BigInt(`0x${lo}`);
};
const hex8 = (n: bigint | number) => n.toString(16).toUpperCase().padStart(8, '0');

/** Copies a file that may vanish (a dropped relation): false when it did. */
async function copyIfExists(from: string, to: string): Promise<number | false> {
  try {
    await copyFile(from, to, fsc.COPYFILE_FICLONE);
    return (await stat(to)).size;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw e;
  }
}

/**
 * Copies bytes [start, end) of one file into the same range of another (created if missing, sized
 * `size`). `sync` does it on this thread: for the small ranges copied while holding the connection,
 * where a trip through the (possibly busy) thread pool would only lengthen the hold.
 */
async function copyRange(from: string, to: string, start: number, end: number, size: number, sync = false): Promise<number> {
  if (sync) {
    const src = openSync(from, 'r');
    try {
      const dst = openSync(to, fsc.O_WRONLY | fsc.O_CREAT, 0o600);
      try {
        const buf = Buffer.allocUnsafe(Math.max(0, end - start));
        let got = 0;
        while (got < buf.length) {
          const n = readSync(src, buf, got, buf.length - got, start + got);
          if (!n) break;
          got += n;
        }
        writeSync(dst, buf, 0, got, start);
        ftruncateSync(dst, size);
        return got;
      } finally {
        closeSync(dst);
      }
    } finally {
      closeSync(src);
    }
  }
  const src = await open(from, 'r');
  const dst = await open(to, fsc.O_WRONLY | fsc.O_CREAT, 0o600);
  try {
    const buf = Buffer.allocUnsafe(Math.max(0, end - start));
    let got = 0;
    while (got < buf.length) {
      const { bytesRead } = await src.read(buf, got, buf.length - got, start + got);
      if (!bytesRead) break;
      got += bytesRead;
    }
    await dst.write(buf, 0, got, start);
    await dst.truncate(size);
    return got;
  } finally {
    await src.close();
    await dst.close();
  }
}

/** Sizes of what a copy needs: every file except the log before the redo point's segment. */
async function estimate(pgdir: string, firstSegment: string): Promise<number> {
  let total = 0;
  const walk = async (dir: string, rel: string) => {
    for (const e of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
      const path = join(dir, e.name);
      if (e.isDirectory()) {
        if (!SKIP_CONTENTS.has(e.name)) await walk(path, rel ? `${rel}/${e.name}` : e.name);
      } else if (!(rel === 'pg_wal' && SEGMENT_NAME.test(e.name) && e.name < firstSegment)) {
        total += (await stat(path).catch(() => ({ size: 0 }))).size;
      }
    }
  };
  await walk(pgdir, '');
  return total;
}

/**
 * Copies the running database `db` into `target` (created; must not exist or be empty) so that
 * opening `target` with PGlite gives the database as of one moment. See the comment above.
 */
export async function snapshotPglite(db: PgliteDb, target: string, opts: SnapshotOptions = {}): Promise<SnapshotResult> {
  const pgdir = db.dataDir;
  if (!pgdir) throw new Error('the embedded database is in memory: there are no files to copy');
  const started = performance.now();
  const maxAttempts = opts.attempts ?? 4;
  let heldMaxMs = 0;
  let heldTotalMs = 0;
  /** Runs fn holding the connection; counts the time from getting it to letting it go. */
  const held = <T>(fn: Parameters<PgliteDb['hold']>[0]): Promise<T> =>
    db.hold(async (q) => {
      const t0 = performance.now();
      try {
        return (await fn(q)) as T;
      } finally {
        const ms = performance.now() - t0;
        heldMaxMs = Math.max(heldMaxMs, ms);
        heldTotalMs += ms;
      }
    });

  for (let attempt = 1; ; attempt++) {
    await rm(target, { recursive: true, force: true });
    await mkdir(target, { recursive: true, mode: 0o700 });

    // 1. The control file, and the log's geometry, with the connection held.
    const start = await held<{ control: Buffer; segmentSize: number }>(async (q) => {
      const control = readFileSync(join(pgdir, 'global', 'pg_control'));
      const [row] = await q<{ checkpoint_lsn: string; redo_lsn: string; timeline_id: number; seg: string }>(
        `select c.checkpoint_lsn::text as checkpoint_lsn, c.redo_lsn::text as redo_lsn, c.timeline_id, current_setting('wal_segment_size') as seg from pg_control_checkpoint() c`,
      );
      // The file is parsed by offset; make sure it says what the server says.
      const f = controlFields(control);
      if (f.checkpoint !== lsnOf(row!.checkpoint_lsn) || f.redo !== lsnOf(row!.redo_lsn) || f.timeline !== Number(row!.timeline_id)) {
        throw new Error(`pg_control layout not understood (file ${f.checkpoint}/${f.redo}, server ${row!.checkpoint_lsn}/${row!.redo_lsn})`);
      }
      const m = /^(\d+)\s*(MB|kB|GB)?$/.exec(row!.seg);
      const segmentSize = m ? Number(m[1]) * (m[2] === 'GB' ? 1 << 30 : m[2] === 'MB' ? 1 << 20 : m[2] === 'kB' ? 1 << 10 : 1) : NaN;
      if (!Number.isFinite(segmentSize) || segmentSize <= 0) throw new Error(`unexpected wal_segment_size ${row!.seg}`);
      return { control, segmentSize };
    });
    const { checkpoint, redo, timeline } = controlFields(start.control);
    const segSize = BigInt(start.segmentSize);
    const perId = 0x100000000n / segSize;
    const segName = (segno: bigint) => `${hex8(timeline)}${hex8(segno / perId)}${hex8(segno % perId)}`;
    const segOf = (lsn: bigint) => lsn / segSize;
    const firstSeg = segOf(redo);

    if (attempt === 1) {
      const need = (await estimate(pgdir, segName(firstSeg))) + start.segmentSize;
      const fs = await statfs(target);
      const free = fs.bavail * fs.bsize;
      if (free < need + (opts.reserveBytes ?? 0)) {
        await rm(target, { recursive: true, force: true });
        throw new SnapshotSpaceError(need + (opts.reserveBytes ?? 0), free);
      }
    }

    // 2. Everything but the log and the control file, fuzzily.
    let bytes = start.control.length;
    let files = 1;
    const walk = async (from: string, to: string, rel: string) => {
      let entries;
      try {
        entries = await readdir(from, { withFileTypes: true });
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
        throw e;
      }
      for (const e of entries) {
        const r = rel ? `${rel}/${e.name}` : e.name;
        if (e.isDirectory()) {
          await mkdir(join(to, e.name), { mode: 0o700 });
          if (SKIP_CONTENTS.has(e.name)) continue;
          await walk(join(from, e.name), join(to, e.name), r);
        } else if (e.isFile()) {
          // The log is copied in steps 3 and 4.
          if (rel === 'pg_wal' || rel.startsWith('pg_wal/') || r === 'global/pg_control' || SKIP_FILES.has(e.name)) continue;
          const n = await copyIfExists(join(from, e.name), join(to, e.name));
          if (n !== false) {
            bytes += n;
            files++;
          }
        }
      }
    };
    await walk(pgdir, target, '');
    await writeFile(join(target, 'global', 'pg_control'), start.control, { mode: 0o600 });
    await opts.afterDataFiles?.();

    // 3. The log from the redo point's segment on. Bytes below the write position never change
    //    again, so each pass only needs what was written since the one before.
    const walDir = join(pgdir, 'pg_wal');
    for (const name of await readdir(walDir)) {
      if (name.endsWith('.history')) {
        const n = await copyIfExists(join(walDir, name), join(target, 'pg_wal', name));
        if (n !== false) bytes += n;
      }
    }
    /** Copies the log written between `from` and `to` (write positions). */
    const copyWal = async (from: bigint, to: bigint, sync = false) => {
      let copied = 0;
      for (let seg = segOf(from); seg <= segOf(to); seg++) {
        const name = segName(seg);
        const lo = seg === segOf(from) ? Number(((from % segSize) / BigInt(WAL_PAGE)) * BigInt(WAL_PAGE)) : 0;
        const hiRaw = seg === segOf(to) ? Number(to % segSize) : start.segmentSize;
        const hi = Math.min(start.segmentSize, Math.ceil(hiRaw / WAL_PAGE) * WAL_PAGE);
        copied += await copyRange(join(walDir, name), join(target, 'pg_wal', name), lo, hi, start.segmentSize, sync);
      }
      return copied;
    };
    // From the start of the redo point's segment (recovery checks the segment's first page).
    let copiedTo = firstSeg * segSize;
    try {
      for (let pass = 0; pass < 5; pass++) {
        const [row] = await db.query<{ lsn: string }>('select pg_current_wal_lsn()::text as lsn');
        const now = lsnOf(row!.lsn);
        if (pass > 0 && now - copiedTo < 256n * 1024n) break;
        bytes += await copyWal(copiedTo, now);
        copiedTo = now;
      }
    } catch (e) {
      // A segment recycled under us: a checkpoint happened, which step 4 would refuse anyway.
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT' || attempt >= maxAttempts) throw e;
      continue;
    }

    // 4. With the connection held: no checkpoint since step 1, and the rest of the log.
    const end = await held<{ ok: boolean; walBytes: number; lsn: bigint }>(async (q) => {
      const control = readFileSync(join(pgdir, 'global', 'pg_control'));
      if (controlFields(control).checkpoint !== checkpoint) return { ok: false, walBytes: 0, lsn: 0n };
      const [row] = await q<{ lsn: string }>('select pg_current_wal_lsn()::text as lsn');
      const lsn = lsnOf(row!.lsn);
      return { ok: true, walBytes: await copyWal(copiedTo, lsn, true), lsn };
    });
    if (!end.ok) {
      if (attempt >= maxAttempts) {
        await rm(target, { recursive: true, force: true });
        throw new Error(`the database checkpointed during each of ${attempt} copies; try again at a quieter time`);
      }
      continue;
    }
    bytes += end.walBytes;
    return {
      dir: target,
      bytes,
      files,
      heldMaxMs: Math.round(heldMaxMs * 10) / 10,
      heldTotalMs: Math.round(heldTotalMs * 10) / 10,
      heldWalBytes: end.walBytes,
      attempts: attempt,
      replayBytes: Number(end.lsn - redo),
      ms: Math.round(performance.now() - started),
    };
  }
}
