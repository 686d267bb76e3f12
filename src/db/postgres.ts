import postgres from 'postgres';
import { UNPREPARED, assertPlainParams, type Db, type DbStats, type Tx } from './driver.ts';

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
  connectTimeoutSeconds?: number;
}

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
    // Short enough that `serve` with an unreachable database fails within 10 s.
    connect_timeout: opts.connectTimeoutSeconds ?? 5,
    idle_timeout: 60,
    onnotice: () => {},
    types: {
      bigint: { to: 20, from: [20], parse: (x: string) => Number(x), serialize: (x: number | bigint) => String(x) },
    } as any,
    connection: { application_name: 'rustchat' },
  });
  // postgres.js's connect_timeout covers the TCP connect only: a peer that accepts the connection
  // and never answers the startup message (a proxy, a firewall) would hang it forever.
  const limitMs = (opts.connectTimeoutSeconds ?? 5) * 1000 + 2000;
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
  const stats: DbStats = { kind: 'postgres', pool_max: opts.poolSize ?? 10, queries_total: 0, query_errors_total: 0, queries_in_flight: 0, transactions_in_flight: 0 };
  const run = async (q: postgres.Sql | postgres.TransactionSql, text: string, params: readonly unknown[] = []) => {
    stats.queries_total++;
    stats.queries_in_flight++;
    try {
      // execute() now: postgres.js sends a query when it is first handled, and `await` on its
      // Promise subclass would handle it a microtask later — after queries issued after this one
      // (batch relies on the order of issue being the order on the wire).
      return (await q.unsafe(text, params as any[], shouldPrepare(text, params) ? PREPARE : undefined).execute()) as unknown as any[];
    } catch (e) {
      stats.query_errors_total++;
      throw e;
    } finally {
      stats.queries_in_flight--;
    }
  };
  return {
    kind: 'postgres',
    query: (text, params) => run(sql, text, params),
    exec: async (text) => {
      await sql.unsafe(text);
    },
    async transaction(fn, o) {
      const mode = [o?.isolation ? `isolation level ${o.isolation}` : '', o?.readOnly ? 'read only' : ''].filter(Boolean).join(' ');
      stats.transactions_in_flight++;
      try {
        return await transact(mode, fn);
      } finally {
        stats.transactions_in_flight--;
      }
    },
    async batch(statements) {
      assertPlainParams(statements);
      stats.transactions_in_flight++;
      const c = await sql.reserve();
      try {
        // Written together: postgres.js pipelines a connection's queries. A failed statement
        // aborts the transaction, and PostgreSQL answers the COMMIT with ROLLBACK.
        // postgres.js queries are lazy: each is sent when first awaited or handled, so every one
        // is handled here, in order, before anything is awaited.
        const begin = c.unsafe('begin').execute() as unknown as Promise<unknown>;
        const results = statements.map((s) => run(c, s.text, s.params ?? []));
        const commit = c.unsafe('commit').execute() as unknown as Promise<{ command?: string }>;
        const settled = await Promise.allSettled([begin, ...results, commit]);
        const failed = settled.find((r) => r.status === 'rejected') as PromiseRejectedResult | undefined;
        // The first error is the cause; the ones after it are "current transaction is aborted".
        // PostgreSQL has already ended the transaction: the COMMIT behind them became a ROLLBACK.
        if (failed) throw failed.reason;
        checkCommitted((settled.at(-1) as PromiseFulfilledResult<{ command?: string }>).value);
        return settled.slice(1, -1).map((r) => (r as PromiseFulfilledResult<any[]>).value);
      } finally {
        c.release();
        stats.transactions_in_flight--;
      }
    },
    flush: async () => {},
    stats: () => ({ ...stats }),
    close: () => sql.end({ timeout: 5 }),
  };
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
