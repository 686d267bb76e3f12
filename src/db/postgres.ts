import postgres from 'postgres';
import { databaseUnavailable, storageFull, type AppError } from '../errors.ts';
import { UNPREPARED, assertPlainParams, isConnectFailure, isDatabaseUnavailable, isDiskFull, type Db, type DbStats, type Statement, type Tx } from './driver.ts';

/** Host, port and database of a URL, for messages that must never show the password. */
export function describeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname || 'localhost'}:${u.port || '5432'}${u.pathname}`;
  } catch {
    return '(unparseable url)';
  }
}

export interface PostgresOptions {
  poolSize?: number;
  /** Named prepared statements (default true); off for poolers in transaction mode that cannot keep them. */
  preparedStatements?: boolean;
  /**
   * How long opening a pooled connection may take (default 3): with the database gone, a request
   * waits at most about this long before it answers 503 database_unavailable.
   */
  connectTimeoutSeconds?: number;
  /** The database was marked down: a connection could not be opened (requests answer 503 until onUp). */
  onDown?: (err: unknown) => void;
  /** The database answers again after `downMs`. */
  onUp?: (downMs: number) => void;
  /** A write failed for want of disk space on the database server (disk_full): answered 507. */
  onFull?: (err: unknown) => void;
  /** A write succeeded after onFull. */
  onSpace?: () => void;
}

/** A statement or transaction under way, which fail() answers 503 when the database went down meanwhile. */
interface Waiting {
  fail: () => void;
  timer?: NodeJS.Timeout;
}

/** While the database is down, how often a probe asks whether it is back. */
const PROBE_MS = 250;

/** The pool's connect timeout: the bound on how long a request waits for a database that is gone. */
export const CONNECT_TIMEOUT_SECONDS = 3;

const PREPARE = { prepare: true } as const;

/** A COMMIT that PostgreSQL answered with ROLLBACK (the transaction had failed) is an error. */
function checkCommitted(result: { command?: string }): void {
  if (result.command === 'ROLLBACK') throw Object.assign(new Error('transaction was rolled back at COMMIT'), { code: '40000' });
}
const MAX_PREPARED = 512;

/** postgres.js driver. int8 is parsed to Number (ids are text; counters and ms times fit in 2^53). */
export async function openPostgres(url: string, opts: PostgresOptions = {}): Promise<Db> {
  const sql = postgres(url, {
    max: opts.poolSize ?? 10,
    // Short enough that `serve` with an unreachable database fails within 10 s, and that requests
    // during an outage answer 503 within it rather than hang.
    connect_timeout: opts.connectTimeoutSeconds ?? CONNECT_TIMEOUT_SECONDS,
    idle_timeout: 60,
    onnotice: () => {},
    types: {
      bigint: { to: 20, from: [20], parse: (x: string) => Number(x), serialize: (x: number | bigint) => String(x) },
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- postgres.js types `types` as its own generic map; a custom bigint parser does not fit it
    } as any,
    connection: { application_name: 'rustchat' },
    // postgres.js waits up to 20 s between reconnect attempts after repeated failures (3^n/100 s);
    // queued statements waited with it. At most half a second, so the pool is back within a
    // second of the database.
    backoff: (retries: number) => Math.min(0.05 * 2 ** retries, 0.5) * (0.5 + Math.random() / 2),
  });
  // postgres.js's connect_timeout covers the TCP connect only: a peer that accepts the connection
  // and never answers the startup message (a proxy, a firewall) would hang it forever.
  const limitMs = (opts.connectTimeoutSeconds ?? CONNECT_TIMEOUT_SECONDS) * 1000 + 2000;
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      sql`select 1`,
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(Object.assign(new Error('timeout'), { code: `no answer within ${limitMs / 1000} s` })), limitMs);
      }),
    ]);
  } catch (e) {
    void sql.end({ timeout: 0 }).catch(() => {});
    const err = e as NodeJS.ErrnoException;
    const reason = String(err.code ?? err.message).split(url).join('<url>');
    throw new Error(`cannot connect to PostgreSQL at ${describeUrl(url)}: ${reason}`);
  } finally {
    clearTimeout(timer);
  }
  // Named prepared statements (postgres.js caches them per connection, keyed by the text): parsing
  // and planning the post-insert CTE costs more than running it (measured with pgbench: 922 vs
  // 1,850 transactions/s). unsafe() defaults to unprepared. Texts never carry literals, so they
  // are a bounded set — except shapes built from user input (search): those say UNPREPARED, and
  // at most MAX_PREPARED distinct texts are ever prepared, so no input can grow the cache.
  // Parameterless texts keep the simple protocol (DDL, scripts).
  const prepared = new Set<string>();
  const shouldPrepare = (text: string, params: readonly unknown[]) => {
    if (!params.length || text.startsWith(UNPREPARED) || opts.preparedStatements === false) return false;
    if (prepared.has(text)) return true;
    if (prepared.size >= MAX_PREPARED) return false;
    prepared.add(text);
    return true;
  };
  const stats: DbStats = { kind: 'postgres', pool_max: opts.poolSize ?? 10, queries_total: 0, query_errors_total: 0, unavailable_total: 0, queries_in_flight: 0, transactions_in_flight: 0 };
  /**
   * A lost or refused connection becomes 503 database_unavailable (an AppError both APIs render;
   * the driver's error is its cause): the request failed because the database is away, not
   * because of a bug. Any other error passes through unchanged (callers match SQLSTATEs).
   *
   * When a connection cannot even be opened (refused, timed out, the server starting or shutting
   * down) the database is marked down: from then on requests answer 503 at once instead of
   * queueing behind reconnect attempts (which is how requests hung for 5-17 s), and a probe
   * (`select 1` every PROBE_MS) marks it up again as soon as it answers — no restart needed.
   * What was already waiting in the driver's queue when the database went down gets the connect
   * timeout to finish; after that it answers 503 too (its statement may still run if the database
   * returns: the caller was told it failed, never that it succeeded).
   */
  let down: { since: number } | null = null;
  let closing = false;
  const waiting = new Set<Waiting>();
  const connectTimeoutMs = (opts.connectTimeoutSeconds ?? CONNECT_TIMEOUT_SECONDS) * 1000;
  const markDown = (e: unknown) => {
    if (down || closing) return;
    down = { since: Date.now() };
    opts.onDown?.(e);
    for (const w of waiting) w.timer ??= setTimeout(() => w.fail(), connectTimeoutMs);
    void probe();
  };
  const probe = async () => {
    while (down && !closing) {
      await new Promise((r) => setTimeout(r, PROBE_MS).unref());
      if (closing) return;
      try {
        await sql`select 1`.execute();
        const since: number = down.since;
        down = null;
        opts.onUp?.(Date.now() - since);
      } catch {
        /* still down */
      }
    }
  };
  // Out of disk space on the database server ("could not extend file", SQLSTATE 53100): the
  // statement's transaction was rolled back, so the request answers 507 storage_full, and the
  // database counts as full until a write succeeds again (readiness `database: full`). PostgreSQL
  // itself resumes as soon as space is freed; a PANIC under its write-ahead log restarts it, which
  // is a database outage like any other (503, marked down, probed).
  let full = false;
  const wroteOk = () => {
    if (!full) return;
    full = false;
    opts.onSpace?.();
  };
  const unavailable = (e: unknown): unknown => {
    if (isDiskFull(e)) {
      if (!full) {
        full = true;
        opts.onFull?.(e);
      }
      return storageFull('The database server is out of disk space: messages and changes cannot be saved until an administrator frees some; reading works', e);
    }
    if (!isDatabaseUnavailable(e)) return e;
    stats.unavailable_total!++;
    if (isConnectFailure(e)) markDown(e);
    return databaseUnavailable(e);
  };
  const guard = async <T>(p: () => Promise<T>): Promise<T> => {
    if (down) {
      stats.unavailable_total!++;
      throw databaseUnavailable(new Error(`the database has not answered since ${new Date(down.since).toISOString()}`));
    }
    const w: Waiting = { fail: () => {} };
    try {
      return await new Promise<T>((resolve, reject) => {
        w.fail = () => reject(databaseUnavailable(new Error(`no answer within ${connectTimeoutMs} ms of the database going down`)));
        waiting.add(w);
        p().then(resolve, reject);
      });
    } catch (e) {
      if (w.timer && (e as AppError).code === 'database_unavailable') {
        stats.unavailable_total!++;
        throw e;
      }
      throw unavailable(e);
    } finally {
      waiting.delete(w);
      clearTimeout(w.timer);
    }
  };
  const run = async (q: postgres.Sql | postgres.TransactionSql, text: string, params: readonly unknown[] = []) => {
    stats.queries_total++;
    stats.queries_in_flight++;
    try {
      // execute() now: postgres.js sends a query when it is first handled, and `await` on its
      // Promise subclass would handle it a microtask later — after queries issued after this one
      // (batch relies on the order of issue being the order on the wire).
      // eslint-disable-next-line @typescript-eslint/no-explicit-any -- postgres.js's unsafe() takes any[] params and returns untyped rows
      return (await q.unsafe(text, params as any[], shouldPrepare(text, params) ? PREPARE : undefined).execute()) as unknown as any[];
    } catch (e) {
      stats.query_errors_total++;
      throw e;
    } finally {
      stats.queries_in_flight--;
    }
  };
  const isRead = (text: string) => /^\s*(select|with|show)\b/i.test(text) && !/\b(insert|update|delete|merge)\b/i.test(text);
  return {
    kind: 'postgres',
    query: async (text, params) => {
      const rows = await guard(() => run(sql, text, params));
      if (full && !isRead(text)) wroteOk();
      return rows;
    },
    exec: async (text) => {
      await guard(async () => {
        await sql.unsafe(text);
      });
      wroteOk();
    },
    async transaction(fn, o) {
      const mode = [o?.isolation ? `isolation level ${o.isolation}` : '', o?.readOnly ? 'read only' : ''].filter(Boolean).join(' ');
      stats.transactions_in_flight++;
      try {
        const result = await guard(() => transact(mode, fn));
        if (!o?.readOnly) wroteOk();
        return result;
      } finally {
        stats.transactions_in_flight--;
      }
    },
    batch: async (statements) => {
      const results = await guard(() => batch(statements));
      wroteOk();
      return results;
    },
    diskFull: () => full,
    flush: async () => {},
    stats: () => ({ ...stats }),
    close: () => {
      closing = true;
      return sql.end({ timeout: 5 });
    },
  };

  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- rows as postgres.js returns them (Queryable.batch)
  async function batch(statements: readonly Statement[]): Promise<any[][]> {
    assertPlainParams(statements);
    stats.transactions_in_flight++;
    let c: postgres.ReservedSql | undefined;
    try {
      const r = (c = await sql.reserve());
      // Written together: postgres.js pipelines a connection's queries. A failed statement
      // aborts the transaction, and PostgreSQL answers the COMMIT with ROLLBACK.
      // postgres.js queries are lazy: each is sent when first awaited or handled, so every one
      // is handled here, in order, before anything is awaited.
      const begin = r.unsafe('begin').execute() as unknown as Promise<unknown>;
      const results = statements.map((s) => run(r, s.text, s.params ?? []));
      const commit = r.unsafe('commit').execute() as unknown as Promise<{ command?: string }>;
      const settled = await Promise.allSettled([begin, ...results, commit]);
      const failed = settled.find((r) => r.status === 'rejected') as PromiseRejectedResult | undefined;
      // The first error is the cause; the ones after it are "current transaction is aborted".
      // PostgreSQL has already ended the transaction: the COMMIT behind them became a ROLLBACK.
      if (failed) throw failed.reason;
      checkCommitted((settled.at(-1) as PromiseFulfilledResult<{ command?: string }>).value);
      // eslint-disable-next-line @typescript-eslint/no-explicit-any -- rows as postgres.js returns them
      return settled.slice(1, -1).map((r) => (r as PromiseFulfilledResult<any[]>).value);
    } finally {
      c?.release();
      stats.transactions_in_flight--;
    }
  }

  /**
   * A transaction on a reserved connection, with BEGIN sent unawaited so that it travels in the
   * same write as the first statements (postgres.js pipelines a connection's queries): statements
   * that fn issues together cost one round trip, BEGIN included. As with sql.begin(), an error of
   * any statement fails the whole transaction even if fn caught it, and a COMMIT that PostgreSQL
   * turned into a ROLLBACK is an error, never a silent success.
   */
  async function transact<T>(mode: string, fn: (tx: Tx) => Promise<T>): Promise<T> {
    const c = await sql.reserve();
    let failure: unknown;
    const track = <R>(p: Promise<R>) =>
      p.catch((e) => {
        failure ??= e;
        throw e;
      });
    const begin = track(c.unsafe(mode ? `begin ${mode}` : 'begin') as unknown as Promise<unknown>);
    begin.catch(() => {});
    try {
      const tx: Tx = {
        inTransaction: true,
        query: (text, params) => track(run(c, text, params)),
        exec: async (text) => {
          await track(c.unsafe(text) as unknown as Promise<unknown>);
        },
      };
      const result = await fn(tx);
      await begin;
      if (failure) throw failure;
      checkCommitted((await c.unsafe('commit')) as unknown as { command?: string });
      return result;
    } catch (e) {
      await (c.unsafe('rollback') as unknown as Promise<unknown>).catch(() => {});
      // "current transaction is aborted" hides the statement error that caused it.
      throw (e as { code?: string })?.code === '25P02' && failure ? failure : e;
    } finally {
      c.release();
    }
  }
}
