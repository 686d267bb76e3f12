import { join } from 'node:path';
import type { Config } from './config.ts';
import { resolveJwtSecret } from './config.ts';
import type { Deps, DepsBase, ProcessCaches, Services } from './deps.ts';
import type { Db } from './db/driver.ts';
import { openPglite } from './db/pglite.ts';
import { startVacuum } from './db/pglite-vacuum.ts';
import { openPostgres } from './db/postgres.ts';
import { lockDataDir, type DataDirLock } from './db/lock.ts';
import { createMemoryBus, type Bus } from './realtime/bus.ts';
import { Hub } from './realtime/hub.ts';
import { PresenceTracker } from './actions/presence.ts';
import { createRateLimitStore } from './actions/rate-limit.ts';
import { createSessionCache } from './actions/tokens.ts';
import { createAccessTokenCache } from './actions/access-tokens.ts';
import { createMetricsRegistry } from './http/metrics.ts';
import { createLogger, type Logger } from './log.ts';
import { openStorage } from './files/open.ts';
import { registerStorageCheck } from './files/readiness.ts';
import { createPushSender } from './push/sender.ts';
import type { AccessTokenCache, Presence, PushSender, RateLimitStore, SessionCache } from './services.ts';

export interface Opened {
  deps: Deps;
  /** Releases everything in reverse order of opening. */
  close(): Promise<void>;
}

/** Opens the database named by the config: PostgreSQL when database.url is set, else PGlite in <data_dir>/pg (under the data-directory lock). */
export async function openDatabase(config: Config, log: Logger): Promise<{ db: Db; lock?: DataDirLock }> {
  if (config.database.url) {
    const db = await openPostgres(config.database.url, {
      poolSize: config.database.pool_size,
      preparedStatements: config.database.prepared_statements,
      onDown: (err) => log.error('database unavailable: requests answer 503 database_unavailable until it answers again', { err }),
      onUp: (downMs) => log.info('database available again', { down_ms: downMs }),
      onFull: (err) => log.error('database out of disk space: writes answer 507 storage_full until one succeeds again', { err }),
      onSpace: () => log.info('database writes succeed again after running out of disk space'),
    });
    return { db };
  }
  const lock = lockDataDir(config.server.data_dir);
  try {
    const db = await openPglite({
      dataDir: join(config.server.data_dir, 'pg'),
      flushIntervalMs: config.database.flush_interval_ms,
      onFlushError: (err) => log.error('flushing the embedded database to disk failed', { err }),
      minFreeBytes: config.server.min_free_disk_mb * 1024 * 1024,
      onFull: (free) =>
        log.error('data directory almost full: writes answer 507 storage_full until space is freed (server.min_free_disk_mb)', { free_bytes: free, min_free_bytes: config.server.min_free_disk_mb * 1024 * 1024, data_dir: config.server.data_dir }),
      onSpace: (free) => log.info('data directory has free space again: writes accepted', { free_bytes: free }),
      onCrash: (err) => log.error('embedded database stopped: requests answer 503 database_unavailable until it is reopened (when enough disk space is free)', { err }),
      onReopen: (downMs) => log.info('embedded database reopened', { down_ms: downMs }),
      onReopenFailed: (err) => log.warn('reopening the embedded database failed; trying again', { err }),
      // PGlite has no autovacuum: the planner's statistics are kept current here (src/db/pglite.ts).
      autoAnalyze: {
        onAnalyze: (table, ms, pages) => (ms >= 50 ? log.info : log.debug)('embedded database: statistics updated', { table, ms: Math.round(ms), pages }),
        onError: (err) => log.warn('embedded database: updating statistics failed', { err }),
      },
    });
    return { db, lock };
  } catch (e) {
    lock.release();
    throw e;
  }
}

/**
 * Embedded mode: starts the periodic VACUUM (db/pglite-vacuum.ts) as `deps.services.vacuum`, a
 * minute after start and then every database.vacuum_interval_minutes; services.close() stops it
 * before the database closes. PostgreSQL has its own autovacuum: nothing is started there, nor
 * when the interval is 0.
 */
export function startEmbeddedVacuum(deps: Deps, opts: { firstAfterMs?: number } = {}): void {
  const minutes = deps.config.database.vacuum_interval_minutes;
  if (deps.db.kind !== 'pglite' || minutes <= 0 || deps.services.vacuum) return;
  const log = deps.log.child({ component: 'vacuum' });
  deps.services.vacuum = startVacuum(deps.db, {
    everyMs: minutes * 60_000,
    firstAfterMs: opts.firstAfterMs,
    onVacuum: (table, ms, dead) => (ms >= 50 ? log.info : log.debug)('embedded database: table vacuumed', { table, ms: Math.round(ms), ...(dead >= 0 ? { dead_rows: dead } : {}) }),
    onError: (err) => log.warn('embedded database: VACUUM failed; trying again at the next run', { err }),
  });
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
  const deps = withServices({ config, db, bus, log, now: Date.now, jwtKey, storage });
  registerStorageCheck(deps);
  // Redis down is not fatal: each process serves its own sockets meanwhile ('degraded').
  if (config.redis.url && !opts.bus) deps.services.readiness.push({ name: 'redis', required: false, check: async () => bus.status() });
  return {
    deps,
    async close() {
      await deps.services.close();
      await bus.close().catch(() => {});
      await storage.close().catch(() => {});
      await db.close();
      lock?.release();
    },
  };
}

/**
 * Deps with this process's services. Start order — plain state first, then each service when
 * first used, after the ones it needs (one-shot commands thus start only what they use):
 *   1. readiness checks, metrics registry, caches (plain objects, made here);
 *   2. sessions and access tokens (subscribe to the bus for revocations);
 *   3. rateLimits (connects to Redis when redis.url is set);
 *   4. hub (subscribes to the bus, starts its heartbeat);
 *   5. presence (listens to the hub, announces itself on the bus).
 * The server starts 4 and 5 together (`startRealtime`, from createServer), and `serve` starts the
 * email outbox sender (mail/worker.ts) and the notification email sender (actions/notification-sender.ts).
 * In PostgreSQL mode `serve` also starts the peer heartbeat (actions/peers.ts); in embedded mode
 * the periodic VACUUM (`startEmbeddedVacuum`, db/pglite-vacuum.ts).
 * The push queue (push/sender.ts) is made on first use. Shutdown runs the other way:
 * VACUUM (waits for a table in progress), peer heartbeat, notification sender, outbox sender, push queue, presence, hub, rate limits, sessions, lazily opened storage; then `openDeps`'
 * close() shuts the bus, the storage, the database and the data-directory lock.
 */
export function withServices(base: DepsBase): Deps {
  const deps: Deps = { ...base, services: createServices(() => deps) };
  return deps;
}

function createServices(deps: () => Deps): Services {
  const caches: ProcessCaches = { typing: new Map(), warnedLoopbackLimits: false, settings: {} };
  let sessions: SessionCache | undefined;
  let accessTokens: AccessTokenCache | undefined;
  let rateLimits: RateLimitStore | undefined;
  let hub: Hub | undefined;
  let presence: Presence | undefined;
  let push: PushSender | undefined;
  const services: Services = {
    readiness: [],
    metrics: createMetricsRegistry(),
    caches,
    get sessions() {
      return (sessions ??= createSessionCache(deps()));
    },
    get accessTokens() {
      return (accessTokens ??= createAccessTokenCache(deps()));
    },
    get rateLimits() {
      return (rateLimits ??= createRateLimitStore(deps()));
    },
    get hub() {
      return (hub ??= new Hub(deps()));
    },
    get presence() {
      return (presence ??= new PresenceTracker(deps(), services.hub));
    },
    get push() {
      return (push ??= createPushSender(deps()));
    },
    outbox: undefined,
    notifications: undefined,
    peers: undefined,
    vacuum: undefined,
    startRealtime() {
      void services.presence;
    },
    async close() {
      await services.vacuum?.stop();
      services.vacuum = undefined;
      await services.peers?.stop();
      await services.notifications?.stop();
      await services.outbox?.stop();
      await push?.stop();
      presence?.close();
      hub?.close();
      await rateLimits?.close().catch(() => {});
      sessions?.close();
      caches.settingsWatch?.();
      caches.settingsWatch = undefined;
      caches.imageRenderer?.close();
      const files = caches.filesStorage;
      caches.filesStorage = undefined;
      await files?.then((s) => s.close()).catch(() => {});
    },
  };
  return services;
}
