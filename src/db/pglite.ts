import { PGlite, types } from '@electric-sql/pglite';
import { execFile } from 'node:child_process';
import { mkdirSync, readdirSync, existsSync } from 'node:fs';
import type { Db, Tx } from './driver.ts';

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

/**
 * `syncfs(2)` on the filesystem holding `dir`, through coreutils `sync -f`. PGlite itself never
 * calls fsync, so without this a power loss could lose any amount of committed data.
 */
export function syncDir(dir: string): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile('sync', ['-f', dir], (err) => (err ? reject(err) : resolve()));
  });
}

/** PGlite through its own API (not a socket server). One connection; queries are serialised by PGlite. */
export interface PgliteDb extends Db {
  /** The data directory as a gzipped tarball (used to make the first-boot template). */
  dump(): Promise<Blob>;
}

export async function openPglite(opts: PgliteOptions = {}): Promise<PgliteDb> {
  const assets: PgliteAssets = assetsProvider ? await assetsProvider() : {};
  const fresh = opts.dataDir ? !existsSync(opts.dataDir) || readdirSync(opts.dataDir).length === 0 : true;
  if (opts.dataDir) mkdirSync(opts.dataDir, { recursive: true, mode: 0o700 });
  const template = opts.template ?? assets.template;
  const pg = await PGlite.create({
    dataDir: opts.dataDir,
    pgliteWasmModule: assets.pgliteWasmModule,
    initdbWasmModule: assets.initdbWasmModule,
    fsBundle: assets.fsBundle,
    loadDataDir: fresh && template ? template : undefined,
    parsers: { [types.INT8]: (x: string) => Number(x) },
  } as any);

  // Durability: flush after commits, at most `interval` ms late (see docs/admin.md).
  const interval = opts.flushIntervalMs ?? 1000;
  let dirty = false;
  let timer: NodeJS.Timeout | undefined;
  let flushing: Promise<void> | undefined;
  const flush = async () => {
    if (!opts.dataDir) return;
    dirty = false;
    flushing = syncDir(opts.dataDir).catch((e) => opts.onFlushError?.(e));
    await flushing;
    flushing = undefined;
  };
  const wrote = async () => {
    if (!opts.dataDir) return;
    if (interval === 0) return flush();
    dirty = true;
    timer ??= setTimeout(() => {
      timer = undefined;
      if (dirty) void flush();
    }, interval);
  };

  const wrap = (q: { query: PGlite['query']; exec: PGlite['exec'] }): Tx => ({
    inTransaction: true,
    query: async (text, params) => (await q.query(text, params as any[])).rows as any[],
    exec: async (text) => {
      await q.exec(text);
    },
  });

  return {
    kind: 'pglite',
    async query(text, params) {
      const rows = (await pg.query(text, params as any[])).rows as any[];
      if (!/^\s*select\b/i.test(text)) await wrote();
      return rows;
    },
    async exec(text) {
      await pg.exec(text);
      await wrote();
    },
    async transaction(fn, o) {
      const result = await pg.transaction(async (t) => {
        if (o?.isolation || o?.readOnly) {
          await t.query(`set transaction ${o.isolation ? `isolation level ${o.isolation}` : ''} ${o.readOnly ? 'read only' : ''}`);
        }
        return fn(wrap(t));
      });
      if (!o?.readOnly) await wrote();
      return result;
    },
    flush,
    dump: () => pg.dumpDataDir('gzip') as Promise<Blob>,
    async close() {
      if (timer) clearTimeout(timer);
      timer = undefined;
      await pg.close();
      if (opts.dataDir) await syncDir(opts.dataDir).catch(() => {});
    },
  };
}

