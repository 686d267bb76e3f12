import type { Config } from './config.ts';
import type { Db } from './db/driver.ts';
import type { Bus } from './realtime/bus.ts';
import type { Logger } from './log.ts';
import type { Storage } from './files/storage.ts';

/**
 * Everything the application needs from the outside, passed explicitly (never module globals),
 * so a test builds an isolated server in a few lines. Optional members are filled in by the
 * subsystems that own them (files, mail, hub).
 */
export interface Deps {
  config: Config;
  db: Db;
  bus: Bus;
  log: Logger;
  /** Milliseconds since the epoch; tests may pin it. */
  now: () => number;
  /** HS256 key for session tokens. */
  jwtKey: Uint8Array;
  /** File storage (local or S3), opened by boot; when absent, `<data_dir>/files` is opened on first use. */
  storage?: Storage;
  /** Process-local caches and counters that subsystems register (session cache, rate limits). */
  local: Map<string, unknown>;
}

/** A process-local singleton stored on deps (e.g. a cache), created on first use. */
export function localState<T>(deps: Deps, key: string, make: () => T): T {
  let v = deps.local.get(key) as T | undefined;
  if (v === undefined) {
    v = make();
    deps.local.set(key, v);
  }
  return v;
}
