import postgres from 'postgres';
import type { Db, Tx } from './driver.ts';

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
  connectTimeoutSeconds?: number;
}

/** postgres.js driver. int8 is parsed to Number (ids are text; counters and ms times fit in 2^53). */
export async function openPostgres(url: string, opts: PostgresOptions = {}): Promise<Db> {
  const sql = postgres(url, {
    max: opts.poolSize ?? 10,
    connect_timeout: opts.connectTimeoutSeconds ?? 8,
    idle_timeout: 60,
    onnotice: () => {},
    types: {
      bigint: { to: 20, from: [20], parse: (x: string) => Number(x), serialize: (x: number | bigint) => String(x) },
    } as any,
    connection: { application_name: 'rustchat' },
  });
  try {
    await sql`select 1`;
  } catch (e) {
    await sql.end({ timeout: 0 }).catch(() => {});
    const err = e as NodeJS.ErrnoException;
    const reason = String(err.code ?? err.message).split(url).join('<url>');
    throw new Error(`cannot connect to PostgreSQL at ${describeUrl(url)}: ${reason}`);
  }
  const run = (q: postgres.Sql | postgres.TransactionSql, text: string, params: readonly unknown[] = []) =>
    q.unsafe(text, params as any[]).then((rows) => rows as unknown as any[]);
  return {
    kind: 'postgres',
    query: (text, params) => run(sql, text, params),
    exec: async (text) => {
      await sql.unsafe(text);
    },
    async transaction(fn, o) {
      const mode = [o?.isolation ? `isolation level ${o.isolation}` : '', o?.readOnly ? 'read only' : ''].filter(Boolean).join(' ');
      return (await sql.begin(mode, async (t) => {
        const tx: Tx = {
          inTransaction: true,
          query: (text, params) => run(t, text, params),
          exec: async (text) => {
            await t.unsafe(text);
          },
        };
        return fn(tx);
      })) as any;
    },
    flush: async () => {},
    close: () => sql.end({ timeout: 5 }),
  };
}
