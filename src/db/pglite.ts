import type { PGlite, messages } from '@electric-sql/pglite';
import { AsyncLocalStorage } from 'node:async_hooks';
import { mkdirSync, readdirSync, existsSync, rmSync, statfsSync, unlinkSync, writeFileSync } from 'node:fs';
import { AppError, databaseUnavailable, storageFull } from '../errors.ts';
import { assertPlainParams, isDiskFull, type Db, type DbStats, type Statement, type Tx } from './driver.ts';
import { durableDir, type DurableDir } from './durable-dir.ts';
import { cacheNodefsSizes } from './nodefs-sizes.ts';
import { bindExecute as encodeBindExecute, type WireValue } from './pg-wire.ts';

/** Files PGlite needs, handed in explicitly when running inside the single executable. */
export interface PgliteAssets {
  pgliteWasmModule?: WebAssembly.Module;
  initdbWasmModule?: WebAssembly.Module;
  fsBundle?: Blob;
  /** A tarball of an initialised data directory with migrations applied, for a fast first boot. */
  template?: Blob;
}

let assetsProvider: (() => Promise<PgliteAssets>) | undefined;
/** The single-executable entry point registers where PGlite's wasm and data files come from. */
export function setPgliteAssetsProvider(p: () => Promise<PgliteAssets>) {
  assetsProvider = p;
}

export interface PgliteOptions {
  /** Directory of the database files; undefined keeps the database in memory (tests). */
  dataDir?: string;
  /** Longest delay between a commit and the flush of the data files to disk; 0 = after every commit. */
  flushIntervalMs?: number;
  /** A throwaway copy (a backup's snapshot): never flushed to disk (default false). */
  scratch?: boolean;
  /**
   * Keeps the planner's statistics current (PGlite runs no autovacuum): see autoAnalyze below.
   * Off unless given (the server turns it on; one-shot commands do not need it).
   */
  autoAnalyze?: AutoAnalyzeOptions;
  /** Overrides the template from the assets provider (tests pass a prepared one). */
  template?: Blob;
  onFlushError?: (err: unknown) => void;
  /**
   * Writes are refused with 507 storage_full while the data directory's filesystem has less free
   * space than this (0: never). PGlite cannot survive the disk filling under its write-ahead log
   * (a PANIC, after which every call would spin forever): the reserve keeps it from getting there.
   */
  minFreeBytes?: number;
  /** Free space fell below minFreeBytes: writes answer 507 until it is back. */
  onFull?: (freeBytes: number) => void;
  /** Free space is back above minFreeBytes. */
  onSpace?: (freeBytes: number) => void;
  /** PGlite stopped (a PANIC or a trap): everything answers 503 until it is reopened. */
  onCrash?: (err: unknown) => void;
  /** Reopened after a crash (crash recovery ran) `downMs` after it stopped. */
  onReopen?: (downMs: number) => void;
  /** A reopen failed (tried again with back-off). */
  onReopenFailed?: (err: unknown) => void;
}

export interface AutoAnalyzeOptions {
  /** How often to look for tables whose statistics are out of date (default 30 s; the first look after 5 s). */
  everyMs?: number;
  /** Only while no statement has run for this long (default 2 s): chat never waits behind it for long. */
  idleMs?: number;
  /** Tables of at least this many pages are analyzed a few columns per statement (default SPLIT_ANALYZE_PAGES). */
  splitPages?: number;
  onAnalyze?: (table: string, ms: number, pages: number) => void;
  onError?: (err: unknown) => void;
}

/**
 * Tables whose statistics are out of date, with their size in pages: never analyzed but not
 * empty, or grown or shrunk by more than 10 % (at least 8 pages) since the last ANALYZE, which
 * records the size in pg_class.relpages. PGlite forgets its activity counters when it is closed
 * (pg_stat_user_tables starts empty at every open; see pglite-vacuum.ts), so the file size is the
 * measure of change; updates in place (HOT) change little that the planner looks at.
 */
export const STALE_STATISTICS_SQL = `select c.relname as name, c.relpages as analyzed, c.reltuples,
    (pg_relation_size(c.oid) / current_setting('block_size')::int)::int8 as pages
  from pg_class c join pg_namespace n on n.oid = c.relnamespace
  where c.relkind = 'r' and n.nspname = current_schema()`;

export function staleTables(rows: readonly { name: string; analyzed: number; reltuples: number; pages: number }[]): { name: string; pages: number }[] {
  return rows
    .filter((r) => (r.reltuples < 0 ? r.pages > 0 : Math.abs(r.pages - r.analyzed) > Math.max(8, r.analyzed * 0.1)))
    .sort((a, b) => a.pages - b.pages)
    .map((r) => ({ name: r.name, pages: Number(r.pages) }));
}

/** Tables of at least this many pages are analyzed a few columns per statement (see autoAnalyze). */
export const SPLIT_ANALYZE_PAGES = 1000;
const ANALYZE_COLUMNS_PER_STATEMENT = 4;

/** A reopen after a crash waits for at least this much free space (two WAL segments). */
export const REOPEN_MIN_FREE_BYTES = 32 * 1024 * 1024;

/** Errors after which a PGlite instance must never be called again. */
function isFatal(e: unknown): boolean {
  const sev = (e as { severity?: unknown } | null)?.severity;
  if (sev === 'PANIC' || sev === 'FATAL') return true;
  return e instanceof WebAssembly.RuntimeError || (e as { name?: unknown } | null)?.name === 'ExitStatus';
}

/** Statements that only read (so the space reserve does not apply). */
const isReadText = (text: string) => /^\s*(select|with|show)\b/i.test(text) && !/\b(insert|update|delete|merge)\b/i.test(text);

/** PGlite through its own API (not a socket server). One connection; queries are serialised by PGlite. */
export interface PgliteDb extends Db {
  /** The data directory as a gzipped tarball (used to make the first-boot template). */
  dump(): Promise<Blob>;
  /** Where the database files are (undefined: in memory). */
  readonly dataDir?: string;
  /**
   * Runs fn while holding the single connection: no other statement or transaction runs until it
   * settles, so the files on disk do not change meanwhile (pglite-snapshot.ts). fn may run
   * statements through its argument only (outside any transaction). Keep it short: every other
   * query waits.
   */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- rows are whatever the SQL selects, as Queryable.query's default
  hold<T>(fn: (query: <R = Record<string, any>>(text: string, params?: readonly unknown[]) => Promise<R[]>) => Promise<T>): Promise<T>;
}

const isEmptyDir = (dir: string) => !existsSync(dir) || readdirSync(dir).length === 0;

/**
 * PostgreSQL memory settings of every embedded instance, passed on PGlite's command line (`-c`),
 * so they apply to a new data directory and to an existing one alike (the command line overrides
 * postgresql.conf and ALTER SYSTEM). PGlite's memory is one WebAssembly memory that never shrinks:
 * what PostgreSQL allocates once stays resident for the life of the process. pglite.wasm starts at
 * 128 MiB (its declared minimum); PostgreSQL's default 128MB of shared buffers grows that to
 * 189 MiB at open, before a single query. With these the memory stays at the 128 MiB floor
 * (docs/benchmarks.md, "Embedded memory after use"); pages beyond the buffer pool are read from
 * the data files through the OS page cache.
 */
export const PGLITE_MEMORY_SETTINGS: Readonly<Record<string, string>> = {
  shared_buffers: '16MB',
  // What -1 (auto) picks for 16MB of shared buffers; explicit so it does not follow a larger pool.
  wal_buffers: '512kB',
  // Per-session buffers for temporary tables (none are used).
  temp_buffers: '1MB',
  // PostgreSQL's default; the limit of one sort or hash before it spills to a temporary file.
  work_mem: '4MB',
  // CREATE INDEX (migrations) and VACUUM: default 64MB, which a migration indexing a large table
  // would otherwise add to the WebAssembly memory for good.
  maintenance_work_mem: '16MB',
};

export async function openPglite(opts: PgliteOptions = {}): Promise<PgliteDb> {
  // Loaded here, not at the top: PostgreSQL mode never needs PGlite's JavaScript (in the single
  // executable it is a separate chunk, evaluated on first use; docs/benchmarks.md, Startup).
  const { PGlite, types, parse, protocol } = await import('@electric-sql/pglite');
  // The assets are asked for again at a reopen rather than kept: the fs bundle (6 MB) is copied
  // into the instance's in-memory file system at open, so holding on to it would only hold memory.
  const options = async (dataDir: string | undefined, fromTemplate: boolean) => {
    const assets: PgliteAssets = assetsProvider ? await assetsProvider() : {};
    return {
      pgliteWasmModule: assets.pgliteWasmModule,
      initdbWasmModule: assets.initdbWasmModule,
      fsBundle: assets.fsBundle,
      parsers: { [types.INT8]: (x: string) => Number(x) },
      startParams: [...PGlite.defaultStartParams, ...Object.entries(PGLITE_MEMORY_SETTINGS).flatMap(([k, v]) => ['-c', `${k}=${v}`])],
      dataDir,
      loadDataDir: fromTemplate ? (opts.template ?? assets.template) : undefined,
    };
  };

  // First boot: a marker next to the data directory exists exactly while it is being initialised,
  // so a crash during initialisation is recognised (and redone) instead of leaving a half-written
  // directory that refuses to open.
  const marker = opts.dataDir ? `${opts.dataDir}.initializing` : '';
  const fresh = !!opts.dataDir && (isEmptyDir(opts.dataDir) || existsSync(marker));
  if (fresh) {
    if (existsSync(marker)) rmSync(opts.dataDir!, { recursive: true, force: true });
    writeFileSync(marker, `${process.pid}\n`);
  }
  if (opts.dataDir) mkdirSync(opts.dataDir, { recursive: true, mode: 0o700 });
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- loadDataDir/template options are missing from PGlite's published option types
  let pg: PGlite = await PGlite.create((await options(opts.dataDir, fresh || !opts.dataDir)) as any);
  cacheNodefsSizes((pg as unknown as { Module?: unknown }).Module);
  // Flushes with fdatasync/fsync from Node (durable-dir.ts); the first flush covers the whole tree.
  let durable: DurableDir | undefined = opts.dataDir && !opts.scratch ? durableDir(opts.dataDir, (pg as unknown as { Module?: unknown }).Module) : undefined;
  if (fresh) {
    await durable?.flush().catch(() => {});
    unlinkSync(marker);
  }

  // Durability: PGlite's writes reach the OS page cache at COMMIT (so they survive kill -9) but
  // are never fsynced. Flush the filesystem at most `interval` ms after a commit (docs/admin.md).
  const interval = opts.flushIntervalMs ?? 1000;
  const stats: DbStats = {
    kind: 'pglite',
    pool_max: 1,
    queries_total: 0,
    query_errors_total: 0,
    queries_in_flight: 0,
    transactions_in_flight: 0,
    flushes_total: 0,
    flush_errors_total: 0,
    flush_seconds_total: 0,
    flush_seconds_max: 0,
    unflushed_age_seconds_max: 0,
  };
  /** Time of the oldest commit not yet covered by a completed flush (0 = none). */
  let pendingSince = 0;
  let timer: NodeJS.Timeout | undefined;
  const flush = async () => {
    if (!durable || !pendingSince) return;
    const covered = pendingSince;
    pendingSince = 0;
    const started = performance.now();
    try {
      await durable.flush();
      stats.flushes_total!++;
    } catch (e) {
      stats.flush_errors_total!++;
      pendingSince = pendingSince ? Math.min(pendingSince, covered) : covered;
      opts.onFlushError?.(e);
      return;
    }
    const secs = (performance.now() - started) / 1000;
    stats.flush_seconds_total! += secs;
    stats.flush_seconds_max = Math.max(stats.flush_seconds_max!, secs);
    // How long the oldest commit of this batch was exposed to a power loss: the loss window.
    stats.unflushed_age_seconds_max = Math.max(stats.unflushed_age_seconds_max!, (Date.now() - covered) / 1000);
  };
  /** When the last statement or transaction finished (for autoAnalyze's idle check). */
  let lastActivity = performance.now();
  /** Writes since autoAnalyze last looked (nothing written: nothing to look at). */
  let writesSinceLook = 1;
  const wrote = async () => {
    writesSinceLook++;
    if (!opts.dataDir) return;
    pendingSince ||= Date.now();
    if (interval === 0) return flush();
    timer ??= setTimeout(() => {
      timer = undefined;
      void flush();
    }, interval);
  };
  const counted = async <T>(p: Promise<T>): Promise<T> => {
    stats.queries_total++;
    stats.queries_in_flight++;
    try {
      return await p;
    } catch (e) {
      stats.query_errors_total++;
      throw e;
    } finally {
      stats.queries_in_flight--;
      lastActivity = performance.now();
    }
  };

  // Disk space. A write statement first checks the data directory's free space (statfs: a few
  // microseconds) and is refused with 507 storage_full below the reserve, before PGlite sees it:
  // PostgreSQL turns an ENOSPC under the write-ahead log into a PANIC, and PGlite, whose backend
  // cannot restart, spins forever in its next call (measured: the event loop stuck, nothing
  // answers, not even /health/live). Should the disk still fill (another writer on the same
  // filesystem, the reserve off), the instance that raised the PANIC is never called again:
  // every call answers 503 database_unavailable, and it is reopened (crash recovery replays the
  // write-ahead log; nothing committed is lost) once enough space is free — without a restart.
  const minFree = opts.dataDir ? (opts.minFreeBytes ?? 0) : 0;
  let full = false;
  const freeBytes = () => {
    try {
      const st = statfsSync(opts.dataDir!);
      return st.bavail * st.bsize;
    } catch {
      return Infinity;
    }
  };
  // With far more free than the reserve, one answer serves for up to a second: statfs walks the
  // path on every call (~0.5 % of an embedded post's CPU), and no statement writes a quarter of
  // a GiB in a second. Nearer the reserve every write asks again.
  const FREE_REUSE_MS = 1000;
  const FREE_REUSE_MARGIN = 256 * 1024 * 1024;
  let lastFree = 0;
  let lastFreeAt = -Infinity;
  const currentFree = () => {
    const now = performance.now();
    if (now - lastFreeAt < FREE_REUSE_MS && lastFree - minFree > FREE_REUSE_MARGIN) return lastFree;
    lastFree = freeBytes();
    lastFreeAt = now;
    return lastFree;
  };
  /** Whether the reserve is breached now (logs the transitions). */
  const belowReserve = () => {
    if (!minFree) return false;
    const free = currentFree();
    if (free < minFree) {
      if (!full) {
        full = true;
        opts.onFull?.(free);
      }
      return true;
    }
    if (full) {
      full = false;
      opts.onSpace?.(free);
    }
    return false;
  };
  let crashed: { since: number; full: boolean } | null = null;
  let closing = false;
  const crashedError = () => databaseUnavailable(new Error(`the embedded database stopped at ${new Date(crashed?.since ?? Date.now()).toISOString()} and is being reopened`));
  const checkWrite = () => {
    if (crashed) throw crashedError();
    if (belowReserve()) throw storageFull('The server is out of disk space: messages and changes cannot be saved until an administrator frees some; reading works');
  };
  /** The error a caller sees: disk full as 507, a stopped database as 503, anything else as is. */
  const mapError = (e: unknown): unknown => {
    if (e instanceof AppError) return e;
    if (isDiskFull(e)) return storageFull('The server is out of disk space: messages and changes cannot be saved until an administrator frees some; reading works', e);
    if (isFatal(e) || crashed) return databaseUnavailable(e);
    return e;
  };
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms).unref());
  const reopen = async () => {
    let wait = 1000;
    while (crashed && !closing) {
      await sleep(wait);
      if (!crashed || closing) return;
      if (freeBytes() < Math.max(minFree, REOPEN_MIN_FREE_BYTES)) continue;
      try {
        // eslint-disable-next-line @typescript-eslint/no-explicit-any -- same PGlite option types as above
        const next = await PGlite.create((await options(opts.dataDir, false)) as any);
        if (closing) {
          await next.close().catch(() => {});
          return;
        }
        // The crashed instance is dropped, not closed: closing runs statements in it.
        pg = guardInstance(next);
        cacheNodefsSizes((next as unknown as { Module?: unknown }).Module);
        prepared.clear();
        toClose.length = 0;
        durable = opts.scratch ? undefined : durableDir(opts.dataDir!, (next as unknown as { Module?: unknown }).Module);
        pendingSince ||= Date.now();
        const since = crashed.since;
        crashed = null;
        full = false;
        opts.onReopen?.(Date.now() - since);
      } catch (e) {
        wait = Math.min(wait * 2, 30_000);
        opts.onReopenFailed?.(e);
      }
    }
  };
  const crash = (e: unknown) => {
    if (crashed) return;
    crashed = { since: Date.now(), full: isDiskFull(e) };
    opts.onCrash?.(e);
    // In memory there is nothing to reopen (tests): it stays stopped.
    if (opts.dataDir) void reopen();
  };
  /**
   * Every statement reaches the WebAssembly backend through execProtocolRawSync (PGlite's own
   * BEGIN/COMMIT too): after a fatal error it throws instead, and so does any later call into an
   * instance that has been replaced. The PANIC is noted where the protocol layer throws it, before
   * PGlite's mutex lets the next queued statement in.
   */
  function guardInstance(inst: PGlite): PGlite {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- execProtocolRawSync is PGlite's internal method, absent from its types
    const any = inst as any;
    const raw = any.execProtocolRawSync.bind(inst);
    any.execProtocolRawSync = (message: Uint8Array) => {
      if (crashed || inst !== pg) throw crashedError();
      return raw(message);
    };
    for (const name of ['execProtocol', 'execProtocolStream', 'execProtocolRawStream']) {
      const orig = any[name].bind(inst);
      any[name] = async (...args: unknown[]) => {
        try {
          return await orig(...args);
        } catch (e) {
          if (isFatal(e) && inst === pg) crash(e);
          throw e;
        }
      };
    }
    return inst;
  }
  guardInstance(pg);

  // Prepared statements. PGlite's query() sends Parse, Describe, Bind, Describe, Execute and Sync
  // as six calls into the WebAssembly module and parses and plans the statement every time. Here
  // each distinct text is parsed once as a named statement (PostgreSQL then plans it once its
  // generic plan is as good, after five runs, as it does for a client's prepared statements) and
  // described once: its parameter types and result columns are kept, so a run is Bind + Execute
  // + Sync in one call, and the rows are built from the kept columns (docs/benchmarks.md, "Chat
  // core" and "Embedded posting"). At most PREPARED_MAX statements are kept; the least recently
  // used is closed (dynamic texts cannot grow the backend's plan cache without bound).
  const PREPARED_MAX = 256;
  interface Prepared {
    name: string;
    oids: number[];
    /** Result columns with their parsers (empty: the statement returns no rows). */
    columns: { name: string; parse: ((x: string, typeId?: number) => unknown) | undefined; type: number }[];
  }
  const prepared = new Map<string, Prepared>();
  const toClose: Uint8Array[] = [];
  let preparedSeq = 0;
  const concat = (parts: Uint8Array[]) => {
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  };
  const { serialize } = protocol;
  const SYNC = serialize.sync();
  /** The kept statement for text (prepared now if new), moved to the most recently used end. */
  const statementFor = async (inst: PGlite, text: string): Promise<Prepared> => {
    let st = prepared.get(text);
    if (st) {
      prepared.delete(text); // re-inserted: the Map's order is the recency order
      prepared.set(text, st);
      return st;
    }
    const name = `rc${++preparedSeq}`;
    const messages = await inst.execProtocolStream(concat([...toClose.splice(0), serialize.parse({ name, text }), serialize.describe({ type: 'S', name }), SYNC]), { syncToFs: false });
    const described = messages.find((m) => m.name === 'rowDescription') as messages.RowDescriptionMessage | undefined;
    st = {
      name,
      oids: parse.parseDescribeStatementResults(messages),
      columns: (described?.fields ?? []).map((f) => ({ name: f.name, type: f.dataTypeID, parse: inst.parsers[f.dataTypeID] ?? types.parsers[f.dataTypeID] })),
    };
    if (prepared.size >= PREPARED_MAX) {
      const [oldText, old] = prepared.entries().next().value!;
      prepared.delete(oldText);
      toClose.push(serialize.close({ type: 'S', name: old.name }));
    }
    prepared.set(text, st);
    return st;
  };
  /** A statement must be prepared again (its plan's result columns changed): closed, forgotten. */
  const forget = (text: string) => {
    const st = prepared.get(text);
    if (!st) return;
    prepared.delete(text);
    toClose.push(serialize.close({ type: 'S', name: st.name }));
  };
  // Bind + Execute in one allocation (pg-wire.ts; PGlite's serializer costs several times more).
  const bindExecute = (inst: PGlite, st: Prepared, params: readonly unknown[]) => {
    const values: WireValue[] = params.map((p, i) => {
      if (p === null || p === undefined) return null;
      const ser = inst.serializers[st.oids[i]!];
      return ser ? (ser(p) as WireValue) : String(p);
    });
    return [encodeBindExecute(st.name, values)];
  };
  /**
   * Sends one call's messages and returns the rows of each statement in it. The reply is read
   * here, straight from its bytes, instead of through PGlite's protocol parser (which builds an
   * object per message, copies the buffer and re-describes every row): a statement's output starts
   * at its BindComplete and its rows are DataRows, decoded with the columns kept for the
   * statement exactly as PGlite's parseResults does (text, then the type's parser). The first
   * ErrorResponse is thrown once the call is over, as the DatabaseError PGlite itself would throw;
   * PostgreSQL has by then skipped the rest up to the Sync and rolled back.
   */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- rows are whatever the SQL selects
  const execute = async (inst: PGlite, message: Uint8Array, sts: Prepared[]): Promise<any[][]> => {
    const chunks: Uint8Array[] = [];
    // The bytes are a view into the WebAssembly memory, valid during the callback only: copied.
    await inst.execProtocolRawStream(message, { syncToFs: false, onRawData: (bytes) => void chunks.push(bytes.slice()) });
    const buf = chunks.length === 1 ? chunks[0]! : concat(chunks);
    const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    // Values are decoded by Buffer's UTF-8 slice (no subarray per value, unlike TextDecoder).
    const text = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- as above
    const out: any[][] = [];
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- as above
    let rows: any[] = [];
    let cols: Prepared['columns'] = [];
    let error: unknown;
    for (let at = 0; at + 5 <= buf.length; ) {
      const code = buf[at]!;
      const end = at + 1 + view.getUint32(at + 1);
      if (code === 0x32 /* 2: BindComplete */) {
        cols = sts[out.length]!.columns;
        rows = [];
        out.push(rows);
      } else if (code === 0x44 /* D: DataRow */) {
        const row: Record<string, unknown> = {};
        const n = view.getInt16(at + 5);
        let p = at + 7;
        for (let i = 0; i < n; i++) {
          const c = cols[i]!;
          const len = view.getInt32(p);
          p += 4;
          if (len < 0) {
            row[c.name] = null;
            continue;
          }
          const x = text.toString('utf8', p, p + len);
          p += len;
          row[c.name] = c.parse ? c.parse(x, c.type) : x;
        }
        rows.push(row);
      } else if (code === 0x45 /* E: ErrorResponse */ && error === undefined) {
        new protocol.Parser().parse(buf.slice(at, end), (m) => (error = m));
      }
      at = end;
    }
    if (error !== undefined) {
      if (isFatal(error) && inst === pg) crash(error);
      throw error;
    }
    return out;
  };
  /** 0A000: "cached plan must not change result type" (a table's columns changed under the plan). */
  const planChanged = (e: unknown) => (e as { code?: string }).code === '0A000';
  // Runs under PGlite's query mutex, as its own query() does; the caller holds the transaction
  // mutex (db.query takes it, a transaction callback runs inside it).
  const runPrepared = (inst: PGlite, text: string, params: readonly unknown[] = []) =>
    inst._runExclusiveQuery(async () => {
      for (let attempt = 0; ; attempt++) {
        const st = await statementFor(inst, text);
        try {
          return (await execute(inst, concat([...toClose.splice(0), ...bindExecute(inst, st, params), SYNC]), [st]))[0]!;
        } catch (e) {
          // Prepared again, once.
          if (attempt === 0 && planChanged(e)) {
            forget(text);
            continue;
          }
          throw e;
        }
      }
    });
  /**
   * A batch as one pipeline in one call: Bind + Execute per statement and a single Sync. Without
   * a BEGIN, the statements before a Sync form one implicit transaction, committed at the Sync;
   * after an error PostgreSQL skips the rest up to the Sync and rolls back (the extended query
   * protocol's pipelining) — the same all-or-nothing as BEGIN … COMMIT, and the COMMIT is the
   * same commit record, without BEGIN and COMMIT as two more round trips each.
   */
  const runPipeline = (inst: PGlite, statements: readonly Statement[]) =>
    inst._runExclusiveQuery(async () => {
      for (let attempt = 0; ; attempt++) {
        const sts: Prepared[] = [];
        for (const s of statements) sts.push(await statementFor(inst, s.text));
        const parts = toClose.splice(0);
        for (let i = 0; i < sts.length; i++) parts.push(...bindExecute(inst, sts[i]!, statements[i]!.params ?? []));
        parts.push(SYNC);
        try {
          return await execute(inst, concat(parts), sts);
        } catch (e) {
          // Nothing was committed: prepare the batch's statements again and run it once more.
          if (attempt === 0 && planChanged(e)) {
            for (const s of statements) forget(s.text);
            continue;
          }
          throw e;
        }
      }
    });

  // A transaction's statements run on the instance it began on (never on one reopened meanwhile).
  const wrap = (inst: PGlite, q: { exec: PGlite['exec'] }): Tx => ({
    inTransaction: true,
    query: async (text, params) => {
      if (!isReadText(text)) checkWrite();
      return counted(runPrepared(inst, text, params));
    },
    exec: async (text) => {
      checkWrite();
      await counted(q.exec(text));
    },
  });

  // PGlite has one connection: a query on the database handle issued from inside a transaction
  // callback would wait for that transaction forever. Fail loudly instead of hanging.
  const inTx = new AsyncLocalStorage<boolean>();
  const notInTx = () => {
    if (inTx.getStore()) throw new Error('query on the database handle inside a transaction (use the tx argument): it would deadlock PGlite');
  };

  /**
   * Statements outside a transaction callback (a query, or a batch as one pipeline): refused
   * inside one (deadlock), after a crash, or below the disk reserve for a write; run under the
   * transaction mutex, counted, errors mapped, and a write scheduled for the flush.
   */
  const statements = async <T>(read: boolean, run: (inst: PGlite) => Promise<T>): Promise<T> => {
    notInTx();
    if (crashed) throw crashedError();
    if (!read) checkWrite();
    let out: T;
    try {
      const inst = pg;
      out = await counted(inst._runExclusiveTransaction(() => run(inst)));
    } catch (e) {
      throw mapError(e);
    }
    if (!read) await wrote();
    return out;
  };

  const db: PgliteDb = {
    kind: 'pglite',
    query: (text, params) => statements(isReadText(text), (inst) => runPrepared(inst, text, params)),
    async exec(text) {
      notInTx();
      checkWrite();
      try {
        await counted(pg.exec(text));
      } catch (e) {
        throw mapError(e);
      }
      await wrote();
    },
    async transaction(fn, o) {
      notInTx();
      if (crashed) throw crashedError();
      stats.transactions_in_flight++;
      try {
        const inst = pg;
        const result = await inst.transaction(async (t) => {
          if (o?.isolation || o?.readOnly) {
            await t.query(`set transaction ${o.isolation ? `isolation level ${o.isolation}` : ''} ${o.readOnly ? 'read only' : ''}`);
          }
          return inTx.run(true, () => fn(wrap(inst, t)));
        });
        if (!o?.readOnly) await wrote();
        return result;
      } catch (e) {
        throw mapError(e);
      } finally {
        stats.transactions_in_flight--;
        lastActivity = performance.now();
      }
    },
    async batch(list) {
      assertPlainParams(list);
      if (!list.length) return [];
      stats.transactions_in_flight++;
      stats.queries_total += list.length - 1; // counted() adds one
      try {
        return await statements(
          list.every((s) => isReadText(s.text)),
          (inst) => runPipeline(inst, list),
        );
      } finally {
        stats.transactions_in_flight--;
      }
    },
    flush: async () => {
      if (timer) clearTimeout(timer);
      timer = undefined;
      await flush();
    },
    diskFull: () => (crashed ? crashed.full : belowReserve()),
    stats: () => ({ ...stats, unflushed_age_seconds: pendingSince ? (Date.now() - pendingSince) / 1000 : 0 }),
    dump: () => pg.dumpDataDir('gzip') as Promise<Blob>,
    dataDir: opts.dataDir,
    async hold(fn) {
      notInTx();
      if (crashed) throw crashedError();
      const inst = pg;
      try {
        return await inst._runExclusiveTransaction(() => fn((text, params) => counted(runPrepared(inst, text, params))));
      } catch (e) {
        throw mapError(e);
      }
    },
    async close() {
      closing = true;
      if (analyzeTimer) clearTimeout(analyzeTimer);
      if (timer) clearTimeout(timer);
      timer = undefined;
      // A crashed instance is not closed: closing runs statements in it (they would spin).
      if (!crashed) await pg.close();
      await durable?.flush().catch(() => {});
    },
  };

  // Statistics upkeep. PostgreSQL's autovacuum daemon runs ANALYZE as tables change; PGlite has
  // no such process, so tables filled after the first boot were never analyzed and the planner
  // guessed from the empty tables of the template: a history page in a 100,000-post channel then
  // came from a bitmap scan of every post before the cursor plus a sort (60–70 ms) instead of 61
  // rows of the (channel_id, seq) index backwards (0.2 ms) — docs/benchmarks.md, "Embedded reads
  // at size". Here: every `everyMs`, if something was written and no statement ran for `idleMs`,
  // the out-of-date tables are analyzed one at a time, smallest first, stopping as soon as other
  // statements arrive (each then waits at most for one ANALYZE: ~0.2 s for 100,000 posts).
  let analyzeTimer: NodeJS.Timeout | undefined;
  if (opts.autoAnalyze) {
    const a = opts.autoAnalyze;
    const every = a.everyMs ?? 30_000;
    const idleMs = a.idleMs ?? 2_000;
    const idle = () => !stats.queries_in_flight && !stats.transactions_in_flight && performance.now() - lastActivity >= idleMs;
    /** Whether any statement but ours ran since `total` (our own reset the idle clock). */
    const othersSince = (total: number) => stats.queries_total !== total || stats.queries_in_flight > 0 || stats.transactions_in_flight > 0;
    const schedule = (ms: number) => {
      if (!closing) analyzeTimer = setTimeout(() => void look(), ms).unref();
    };
    /**
     * ANALYZE reads a sample of up to 30,000 rows (at the default statistics target) and its cost
     * grows with the columns it examines: posts at 100,000 rows takes 160–390 ms in one statement,
     * its tsvector and message columns ~50 ms each. So a large table is analyzed a few columns
     * per statement (the same statistics, each statement ~50–100 ms), and other statements get
     * their turn in between; what is left waits here for the next quiet moment.
     */
    const pending: { table: string; columns: string[] | null; pages: number }[] = [];
    const q = (name: string) => `"${name.replace(/"/g, '""')}"`;
    const plan = async (t: { name: string; pages: number }) => {
      if (pending.some((p) => p.table === t.name)) return;
      if (t.pages < (a.splitPages ?? SPLIT_ANALYZE_PAGES)) return void pending.push({ table: t.name, columns: null, pages: t.pages });
      const cols = await db.query<{ attname: string }>(
        `select a.attname from pg_attribute a join pg_class c on c.oid = a.attrelid join pg_namespace n on n.oid = c.relnamespace
          where c.relname = $1 and n.nspname = current_schema() and a.attnum > 0 and not a.attisdropped order by a.attnum`,
        [t.name],
      );
      for (let i = 0; i < cols.length; i += ANALYZE_COLUMNS_PER_STATEMENT) {
        pending.push({ table: t.name, columns: cols.slice(i, i + ANALYZE_COLUMNS_PER_STATEMENT).map((c) => c.attname), pages: t.pages });
      }
    };
    const look = async () => {
      analyzeTimer = undefined;
      if (crashed || (!writesSinceLook && !pending.length)) return schedule(every);
      if (!idle()) return schedule(Math.min(every, idleMs));
      const writes = writesSinceLook;
      try {
        if (writes) {
          for (const t of staleTables(await db.query(STALE_STATISTICS_SQL))) await plan(t);
          writesSinceLook = Math.max(0, writesSinceLook - writes);
        }
        let total = stats.queries_total;
        while (pending.length) {
          if (closing || crashed) return;
          if (othersSince(total)) return schedule(Math.min(every, idleMs)); // the rest later, when quiet again
          const job = pending[0]!;
          const started = performance.now();
          await db.exec(`analyze ${q(job.table)}${job.columns ? ` (${job.columns.map(q).join(', ')})` : ''}`);
          pending.shift();
          writesSinceLook = Math.max(0, writesSinceLook - 1); // the ANALYZE itself counts as a write
          total = stats.queries_total;
          a.onAnalyze?.(job.columns ? `${job.table} (${job.columns.join(', ')})` : job.table, performance.now() - started, job.pages);
        }
      } catch (e) {
        pending.length = 0;
        a.onError?.(e);
      }
      schedule(every);
    };
    schedule(Math.min(every, 5_000));
  }
  return db;
}
