import type { Db } from './driver.ts';

/**
 * VACUUM for the embedded database. PostgreSQL's autovacuum daemon reclaims the rows that
 * deletes and updates leave behind; PGlite has no such process, so tables that are written and
 * emptied again (offline-notification rows, sessions touched on every use, channel counters,
 * memberships, reactions, the email outbox, password-reset and invite tokens, command response
 * URLs) kept every dead row and their files only grew. Here a plain VACUUM (not FULL: it frees
 * the space for reuse inside the file and truncates empty pages at its end, without rewriting
 * the table or taking the table away for long) runs one table at a time.
 *
 * Which tables: PGlite keeps pg_stat_user_tables while it runs but forgets it when closed
 * (measured: n_dead_tup 10,000 before a close, 0 after the reopen), so the first run after
 * start vacuums every table; later runs take the tables whose dead rows pass autovacuum's
 * default threshold (50 + 20 % of the live rows).
 *
 * VACUUM holds the single connection while it runs, so each table is its own step, taken when
 * no statement is in flight (waiting at most `maxWaitMs`), and other statements get their turn
 * between steps. Measured (docs/admin.md, "Embedded database upkeep"): about 0.1 s for a table
 * with 100,000 dead rows.
 */

export interface VacuumOptions {
  /** Time between runs (the server's database.vacuum_interval_minutes). */
  everyMs: number;
  /** The first run, which vacuums every table (default 60 s: after the start-up reconnects). */
  firstAfterMs?: number;
  /** Longest wait for a moment with no statement in flight before a table's VACUUM (default 5 s). */
  maxWaitMs?: number;
  onVacuum?: (table: string, ms: number, deadRows: number) => void;
  onError?: (err: unknown) => void;
}

export interface VacuumResult {
  table: string;
  /** Dead rows the statistics counted before (-1 when unknown: the first run after start). */
  dead: number;
  ms: number;
}

export interface VacuumJob {
  /** One run now: every table with `all`, else those over the threshold. Resolves with what it vacuumed. */
  runOnce(opts?: { all?: boolean }): Promise<VacuumResult[]>;
  /** Stops the timer and waits for a VACUUM in progress (the database is closed after this). */
  stop(): Promise<void>;
}

/** Dead and live rows per table; the flush first makes this backend's latest counts visible. */
const DEAD_ROWS_SQL = `select relname as name, n_dead_tup::int8 as dead, n_live_tup::int8 as live
  from pg_stat_user_tables where schemaname = current_schema()`;
const ALL_TABLES_SQL = `select c.relname as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
  where c.relkind = 'r' and n.nspname = current_schema() order by pg_relation_size(c.oid), c.relname`;

/** Autovacuum's default rule (autovacuum_vacuum_threshold 50, autovacuum_vacuum_scale_factor 0.2); most dead rows first. */
export function tablesOverThreshold(rows: readonly { name: string; dead: number; live: number }[]): { name: string; dead: number }[] {
  return rows
    .filter((r) => Number(r.dead) > 50 + 0.2 * Number(r.live))
    .map((r) => ({ name: r.name, dead: Number(r.dead) }))
    .sort((a, b) => b.dead - a.dead || a.name.localeCompare(b.name));
}

const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;

export function startVacuum(db: Db, opts: VacuumOptions): VacuumJob {
  const maxWaitMs = opts.maxWaitMs ?? 5_000;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let running: Promise<VacuumResult[]> | undefined;
  let first = true;

  const busy = () => {
    const s = db.stats?.();
    return !!s && (s.queries_in_flight > 0 || s.transactions_in_flight > 0);
  };
  const quiet = async () => {
    const until = performance.now() + maxWaitMs;
    while (busy() && !stopped && performance.now() < until) await new Promise((r) => setTimeout(r, 20));
  };

  const run = async (all: boolean): Promise<VacuumResult[]> => {
    let tables: { name: string; dead: number }[];
    if (all) {
      tables = (await db.query<{ name: string }>(ALL_TABLES_SQL)).map((r) => ({ name: r.name, dead: -1 }));
    } else {
      await db.query('select pg_stat_force_next_flush()');
      tables = tablesOverThreshold(await db.query<{ name: string; dead: number; live: number }>(DEAD_ROWS_SQL));
    }
    const done: VacuumResult[] = [];
    for (const t of tables) {
      await quiet();
      if (stopped) break;
      const started = performance.now();
      await db.exec(`vacuum ${quote(t.name)}`);
      const ms = performance.now() - started;
      done.push({ table: t.name, dead: t.dead, ms });
      opts.onVacuum?.(t.name, ms, t.dead);
    }
    return done;
  };

  const runOnce = async (o: { all?: boolean } = {}): Promise<VacuumResult[]> => {
    while (running) await running.catch(() => {});
    if (stopped) return [];
    running = run(!!o.all);
    try {
      return await running;
    } finally {
      running = undefined;
    }
  };

  const schedule = (ms: number) => {
    if (stopped) return;
    timer = setTimeout(() => {
      timer = undefined;
      const all = first;
      first = false;
      runOnce({ all })
        .catch((e) => opts.onError?.(e))
        .finally(() => schedule(opts.everyMs));
    }, ms);
    timer.unref();
  };
  schedule(opts.firstAfterMs ?? 60_000);

  return {
    runOnce,
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      timer = undefined;
      await running?.catch(() => {});
    },
  };
}
