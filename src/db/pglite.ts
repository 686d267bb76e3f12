import type { PGlite } from '@electric-sql/pglite';
import { AsyncLocalStorage } from 'node:async_hooks';
import { mkdirSync, readdirSync, existsSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { assertPlainParams, type Db, type DbStats, type Tx } from './driver.ts';
import { durableDir } from './durable-dir.ts';

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
  /** Overrides the template from the assets provider (tests pass a prepared one). */
  template?: Blob;
  onFlushError?: (err: unknown) => void;
}

/** PGlite through its own API (not a socket server). One connection; queries are serialised by PGlite. */
export interface PgliteDb extends Db {
  /** The data directory as a gzipped tarball (used to make the first-boot template). */
  dump(): Promise<Blob>;
}

const isEmptyDir = (dir: string) => !existsSync(dir) || readdirSync(dir).length === 0;

export async function openPglite(opts: PgliteOptions = {}): Promise<PgliteDb> {
  // Loaded here, not at the top: PostgreSQL mode never needs PGlite's JavaScript (in the single
  // executable it is a separate chunk, evaluated on first use; docs/benchmarks.md, Startup).
  const { PGlite, types } = await import('@electric-sql/pglite');
  const assets: PgliteAssets = assetsProvider ? await assetsProvider() : {};
  const template = opts.template ?? assets.template;
  const base = {
    pgliteWasmModule: assets.pgliteWasmModule,
    initdbWasmModule: assets.initdbWasmModule,
    fsBundle: assets.fsBundle,
    parsers: { [types.INT8]: (x: string) => Number(x) },
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
  const pg = await PGlite.create({ ...base, dataDir: opts.dataDir, loadDataDir: fresh || !opts.dataDir ? template : undefined } as any);
  // Flushes with fdatasync/fsync from Node (durable-dir.ts); the first flush covers the whole tree.
  const durable = opts.dataDir ? durableDir(opts.dataDir, (pg as unknown as { Module?: unknown }).Module) : undefined;
  if (fresh) {
    await durable!.flush().catch(() => {});
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
  const wrote = async () => {
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
    }
  };

  const wrap = (q: { query: PGlite['query']; exec: PGlite['exec'] }): Tx => ({
    inTransaction: true,
    query: async (text, params) => (await counted(q.query(text, params as any[]))).rows as any[],
    exec: async (text) => {
      await counted(q.exec(text));
    },
  });

  // PGlite has one connection: a query on the database handle issued from inside a transaction
  // callback would wait for that transaction forever. Fail loudly instead of hanging.
  const inTx = new AsyncLocalStorage<boolean>();
  const notInTx = () => {
    if (inTx.getStore()) throw new Error('query on the database handle inside a transaction (use the tx argument): it would deadlock PGlite');
  };

  const db: PgliteDb = {
    kind: 'pglite',
    async query(text, params) {
      notInTx();
      const rows = (await counted(pg.query(text, params as any[]))).rows as any[];
      if (!/^\s*select\b/i.test(text)) await wrote();
      return rows;
    },
    async exec(text) {
      notInTx();
      await counted(pg.exec(text));
      await wrote();
    },
    async transaction(fn, o) {
      notInTx();
      stats.transactions_in_flight++;
      try {
        const result = await pg.transaction(async (t) => {
          if (o?.isolation || o?.readOnly) {
            await t.query(`set transaction ${o.isolation ? `isolation level ${o.isolation}` : ''} ${o.readOnly ? 'read only' : ''}`);
          }
          return inTx.run(true, () => fn(wrap(t)));
        });
        if (!o?.readOnly) await wrote();
        return result;
      } finally {
        stats.transactions_in_flight--;
      }
    },
    async batch(statements) {
      assertPlainParams(statements);
      return db.transaction(async (t) => {
        const out: any[][] = [];
        for (const st of statements) out.push(await t.query(st.text, st.params));
        return out;
      });
    },
    flush: async () => {
      if (timer) clearTimeout(timer);
      timer = undefined;
      await flush();
    },
    stats: () => ({ ...stats, unflushed_age_seconds: pendingSince ? (Date.now() - pendingSince) / 1000 : 0 }),
    dump: () => pg.dumpDataDir('gzip') as Promise<Blob>,
    async close() {
      if (timer) clearTimeout(timer);
      timer = undefined;
      await pg.close();
      await durable?.flush().catch(() => {});
    },
  };
  return db;
}
