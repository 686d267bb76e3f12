/**
 * The database seam: one small interface, two drivers (PGlite embedded, postgres.js).
 * SQL is written once, with $1..$n parameters, and runs on both. Integer columns (int8, count(*))
 * come back as JavaScript numbers from both drivers; numeric comes back as a string from both.
 */
export interface Queryable {
  /** Runs one statement and returns its rows. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- rows are whatever the SQL selects (the drivers type them any); callers name their row type
  query<T = Record<string, any>>(sql: string, params?: readonly unknown[]): Promise<T[]>;
  /** Runs a script of several statements without parameters (migrations). */
  exec(sql: string): Promise<void>;
}

/**
 * A query text that starts with this comment is never prepared (postgres.js keeps named prepared
 * statements per connection): for texts whose shape comes from user input, such as search, and
 * whose best plan depends on the values.
 */
export const UNPREPARED = '/* unprepared */ ';

export interface Tx extends Queryable {
  readonly inTransaction: true;
}

export interface Statement {
  text: string;
  params?: readonly unknown[];
}

/**
 * Db.batch takes only plain values as parameters (strings, numbers, booleans, null), on both
 * drivers: on PostgreSQL the COMMIT is already on the wire behind the statements, so a statement
 * that failed in the client itself (never sent) would leave it to commit the others.
 */
export function assertPlainParams(statements: readonly Statement[]): void {
  for (const st of statements) {
    for (const v of st.params ?? []) {
      if (v !== null && typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') {
        throw new TypeError(`batch: parameter of type ${typeof v} (only strings, numbers, booleans and null)`);
      }
    }
  }
}

export interface TxOptions {
  isolation?: 'repeatable read' | 'serializable';
  readOnly?: boolean;
}

export interface Db extends Queryable {
  readonly kind: 'pglite' | 'postgres';
  /** Runs fn in one transaction (READ COMMITTED unless `isolation` says otherwise); commits when it resolves, rolls back when it throws. */
  transaction<T>(fn: (tx: Tx) => Promise<T>, opts?: TxOptions): Promise<T>;
  /**
   * Runs statements in order in ONE transaction and commits, sending them all at once: on
   * PostgreSQL the whole transaction, BEGIN and COMMIT included, is one round trip. If any
   * statement fails, nothing is committed and the first error is thrown. For transactions that
   * need no decision in JavaScript between their statements (the hot path of posting).
   */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- rows of each statement, untyped as the drivers return them
  batch(statements: readonly Statement[]): Promise<any[][]>;
  /** Forces committed data to stable storage now (embedded mode; a no-op on PostgreSQL). */
  flush(): Promise<void>;
  /**
   * Whether writes fail for want of disk space now: embedded, the data directory's filesystem has
   * less free space than the reserve (server.min_free_disk_mb); PostgreSQL, the last write
   * failed with disk_full and none has succeeded since. Readiness reports it as `database: full`.
   */
  diskFull?(): boolean;
  /** Counters for /health/metrics (optional so test doubles need not provide them). */
  stats?(): DbStats;
  close(): Promise<void>;
}

/** Driver counters, exported as Prometheus metrics. Flush fields exist in embedded mode only. */
export interface DbStats {
  kind: 'pglite' | 'postgres';
  /** Connections the pool may open (1 for PGlite). */
  pool_max: number;
  /** Connections open now (PostgreSQL). */
  pool_open?: number;
  queries_total: number;
  query_errors_total: number;
  /** Statements and transactions that failed because the database could not be reached (answered 503). */
  unavailable_total?: number;
  queries_in_flight: number;
  transactions_in_flight: number;
  flushes_total?: number;
  flush_errors_total?: number;
  flush_seconds_total?: number;
  flush_seconds_max?: number;
  /** Age of the oldest commit not yet flushed to disk. */
  unflushed_age_seconds?: number;
  /** Largest such age seen when a flush completed: the measured power-loss window. */
  unflushed_age_seconds_max?: number;
}

/** Driver error codes (postgres.js, Node sockets) that mean the database could not be reached or went away. */
const CONNECTION_CODES = new Set([
  'CONNECTION_CLOSED',
  'CONNECTION_DESTROYED',
  'CONNECTION_ENDED',
  'CONNECT_TIMEOUT',
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/**
 * Whether an error means the database is unreachable or went away (as opposed to a statement
 * that failed): connection errors, SQLSTATE class 08, 57P01-57P03 (the server shutting down,
 * crashed, or still starting) and 53300 (too many connections).
 */
export function isDatabaseUnavailable(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return false;
  return CONNECTION_CODES.has(code) || code.startsWith('08') || code === '57P01' || code === '57P02' || code === '57P03' || code === '53300';
}

/**
 * Whether an error means the database ran out of disk space: SQLSTATE 53100 (disk_full: "could
 * not extend file", "could not write to file ... No space left on device"), or the errno of a
 * write that failed for it.
 */
export function isDiskFull(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown } | null;
  if (!e) return false;
  if (e.code === '53100' || e.code === 'ENOSPC' || e.code === 'EDQUOT') return true;
  return typeof e.message === 'string' && /No space left on device|Disk quota exceeded/.test(e.message);
}

/** Codes that say a connection could not be opened at all (the database is down, not one connection lost). */
const CONNECT_FAILURE_CODES = new Set(['ECONNREFUSED', 'CONNECT_TIMEOUT', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', '57P03']);

/** Whether an error means no connection could be opened (refused, timed out, the server not accepting yet). */
export function isConnectFailure(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && CONNECT_FAILURE_CODES.has(code);
}
