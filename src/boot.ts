import { join } from 'node:path';
import type { Config } from './config.ts';
import { resolveJwtSecret } from './config.ts';
import type { Deps } from './deps.ts';
import type { Db } from './db/driver.ts';
import { openPglite } from './db/pglite.ts';
import { openPostgres } from './db/postgres.ts';
import { lockDataDir, type DataDirLock } from './db/lock.ts';
import { createMemoryBus, type Bus } from './realtime/bus.ts';
import { readinessChecks } from './readiness.ts';
import { createLogger, type Logger } from './log.ts';
import { openStorage } from './files/storage.ts';
import { registerStorageCheck } from './files/readiness.ts';

export interface Opened {
  deps: Deps;
  /** Releases everything in reverse order of opening. */
  close(): Promise<void>;
}

/** Opens the database named by the config: PostgreSQL when database.url is set, else PGlite in <data_dir>/pg (under the data-directory lock). */
export async function openDatabase(config: Config, log: Logger): Promise<{ db: Db; lock?: DataDirLock }> {
  if (config.database.url) {
    const db = await openPostgres(config.database.url, { poolSize: config.database.pool_size, preparedStatements: config.database.prepared_statements });
    return { db };
  }
  const lock = lockDataDir(config.server.data_dir);
  try {
    const db = await openPglite({
      dataDir: join(config.server.data_dir, 'pg'),
      flushIntervalMs: config.database.flush_interval_ms,
      onFlushError: (err) => log.error('flushing the embedded database to disk failed', { err }),
    });
    return { db, lock };
  } catch (e) {
    lock.release();
    throw e;
  }
}

export interface OpenOptions {
  log?: Logger;
  /** Replace the bus (tests); default is in-process, or Redis when redis.url is set. */
  bus?: Bus;
}

/** Builds Deps for a command or the server from a loaded config. */
export async function openDeps(config: Config, opts: OpenOptions = {}): Promise<Opened> {
  const log = opts.log ?? createLogger(config.log.level);
  const jwtKey = new TextEncoder().encode(resolveJwtSecret(config));
  const { db, lock } = await openDatabase(config, log);
  const storage = await openStorage(config).catch(async (e) => {
    await db.close();
    lock?.release();
    throw e;
  });
  // Loaded only when configured: node-redis alone adds ~30 MB to every process's RSS.
  const bus = opts.bus ?? (config.redis.url ? await (await import('./realtime/redis-bus.ts')).createRedisBus({ url: config.redis.url, prefix: config.redis.channel_prefix, log }) : createMemoryBus());
  const deps: Deps = { config, db, bus, log, now: Date.now, jwtKey, local: new Map(), storage };
  registerStorageCheck(deps);
  // Redis down is not fatal: each process serves its own sockets meanwhile ('degraded').
  if (config.redis.url && !opts.bus) readinessChecks(deps.local).push({ name: 'redis', required: false, check: async () => bus.status() });
  return {
    deps,
    async close() {
      await bus.close().catch(() => {});
      await storage.close().catch(() => {});
      await db.close();
      lock?.release();
    },
  };
}
