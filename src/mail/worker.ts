import { randomBytes } from 'node:crypto';
import type { Deps } from '../deps.ts';
import type { Mailer } from './mailer.ts';
import type { OutboxWorker } from '../services.ts';
import { claimDueEmails, deleteOldEmails, markEmailFailed, markEmailSent, nextDueAt, type OutboxRow } from '../store/outbox.ts';

export interface OutboxWorkerOptions {
  mailer: Mailer;
  /** Longest sleep between looks at the outbox (rows queued by other processes). */
  pollMs?: number;
  /** First retry delay; doubles per try up to retryMaxMs. */
  retryBaseMs?: number;
  retryMaxMs?: number;
  /** How long a claimed email stays reserved for this worker (longer than any SMTP send). */
  leaseMs?: number;
  /** Emails claimed per pass. */
  batch?: number;
  /** Retention: first deletion of old sent and dead emails this long after start, then every pruneEveryMs. */
  pruneFirstMs?: number;
  pruneEveryMs?: number;
  /** Rows deleted per statement. */
  pruneBatch?: number;
}

export type { OutboxWorker };

/** The backoff before try number `attempts + 1`: base, 2×base, 4×base… capped at max. */
export function retryDelay(attempts: number, baseMs: number, maxMs: number): number {
  return Math.min(maxMs, baseMs * 2 ** Math.max(0, Math.min(30, attempts - 1)));
}

/**
 * Sends what the outbox holds. Every process that serves runs one; they share the work through
 * the database (claimDueEmails: SKIP LOCKED plus a lease), so a row is sent by one worker only.
 * A failed send is retried with backoff; after smtp.max_attempts tries the row is dead and shows
 * in the system console with its last error. The only way an email goes out twice is a process
 * that dies between the SMTP server's "250" and recording it, which no SMTP client can avoid;
 * the stable Message-ID lets the receiving side recognise that repeat.
 *
 * Retention: a minute after start and then hourly, sent and dead emails older than
 * smtp.outbox_retention_days are deleted (0 keeps them), pruneBatch rows a statement, so the
 * embedded database's one connection serves other queries between batches. Every process does
 * it; the deletes skip rows another process holds.
 */
export function startOutboxWorker(deps: Deps, opts: OutboxWorkerOptions): OutboxWorker {
  const pollMs = opts.pollMs ?? 5000;
  const baseMs = opts.retryBaseMs ?? 10_000;
  const maxMs = opts.retryMaxMs ?? 3_600_000;
  const leaseMs = opts.leaseMs ?? 300_000;
  const batch = opts.batch ?? 20;
  const maxAttempts = deps.config.smtp.max_attempts;
  const retentionDays = deps.config.smtp.outbox_retention_days;
  const pruneBatch = opts.pruneBatch ?? 200;
  const log = deps.log.child({ component: 'outbox' });
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let running: Promise<void> | undefined;
  let again = false;

  const sendOne = async (row: OutboxRow, lease: string) => {
    try {
      const r = await opts.mailer.send({ to: row.to_address, subject: row.subject, text: row.text_body, html: row.html_body, messageId: row.id });
      await markEmailSent(deps.db, row.id, lease, deps.now());
      log.info('email sent', { email_id: row.id, kind: row.kind, attempt: row.attempts, response: r.response.slice(0, 200) });
    } catch (e) {
      const error = String((e as Error)?.message ?? e).replace(/\s+/g, ' ').trim() || 'unknown error';
      const dead = row.attempts >= maxAttempts;
      const next = deps.now() + retryDelay(row.attempts, baseMs, maxMs);
      await markEmailFailed(deps.db, row.id, lease, error, next, dead);
      if (dead) log.error('email given up after repeated failures', { email_id: row.id, kind: row.kind, attempts: row.attempts, error });
      else log.warn('sending email failed; will retry', { email_id: row.id, kind: row.kind, attempt: row.attempts, retry_in_ms: next - deps.now(), error });
    }
  };

  const pass = async (): Promise<number> => {
    const now = deps.now();
    const lease = randomBytes(12).toString('hex');
    const rows = await claimDueEmails(deps.db, now, lease, now + leaseMs, batch);
    for (const row of rows) {
      if (stopped) break;
      await sendOne(row, lease);
    }
    return rows.length;
  };

  const schedule = (ms: number) => {
    if (stopped) return;
    clearTimeout(timer);
    timer = setTimeout(tick, Math.max(0, ms));
    timer.unref();
  };

  async function tick() {
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    running = (async () => {
      try {
        let n: number;
        do {
          again = false;
          n = await pass();
        } while (!stopped && (n === batch || again));
      } catch (e) {
        log.warn('outbox pass failed', { error: String((e as Error)?.message ?? e) });
      }
    })();
    await running;
    running = undefined;
    if (stopped) return;
    let delay = pollMs;
    try {
      const due = await nextDueAt(deps.db);
      if (due !== undefined) delay = Math.min(pollMs, Math.max(0, due - deps.now()));
    } catch {
      /* the next poll tries again */
    }
    schedule(delay);
  }

  let pruning: Promise<number> | undefined;
  const prune = async (): Promise<number> => {
    if (!retentionDays) return 0;
    const before = deps.now() - retentionDays * 86_400_000;
    let deleted = 0;
    for (const status of ['sent', 'dead'] as const) {
      if (stopped) break;
      for (;;) {
        const n = await deleteOldEmails(deps.db, status, before, pruneBatch);
        deleted += n;
        if (n < pruneBatch || stopped) break;
      }
    }
    if (deleted) log.info('old emails deleted from the outbox', { emails: deleted, older_than_days: retentionDays });
    return deleted;
  };
  const pruneOnce = () => {
    pruning ??= prune().finally(() => (pruning = undefined));
    return pruning;
  };
  const pruneTick = () => {
    pruneOnce().catch((e) => log.warn('outbox cleanup failed', { error: String((e as Error)?.message ?? e) }));
  };
  const pruneFirst = retentionDays ? setTimeout(pruneTick, opts.pruneFirstMs ?? 60_000) : undefined;
  const pruneEvery = retentionDays ? setInterval(pruneTick, opts.pruneEveryMs ?? 3_600_000) : undefined;
  pruneFirst?.unref();
  pruneEvery?.unref();

  const worker: OutboxWorker = {
    kick: () => (running ? (again = true) : schedule(0)),
    async runOnce() {
      return pass();
    },
    prune: pruneOnce,
    async stop() {
      if (stopped) return;
      stopped = true;
      clearTimeout(timer);
      clearTimeout(pruneFirst);
      clearInterval(pruneEvery);
      // An SMTP send in flight may take up to its timeouts; shutdown waits a little, not that long
      // (its lease then expires and another worker sends it).
      if (running) await Promise.race([running, new Promise((r) => setTimeout(r, 3000).unref())]);
      // A cleanup stops after its current batch (one short statement).
      await pruning?.catch(() => {});
      if (deps.services.outbox === worker) deps.services.outbox = undefined;
      opts.mailer.close();
    },
  };
  deps.services.outbox = worker;
  schedule(0);
  return worker;
}

/** Wakes this process's outbox worker, if it runs one (after a commit that queued email). */
export function kickOutbox(deps: Deps): void {
  deps.services.outbox?.kick();
}

/** Whether this process sends email (for readiness and the admin view). */
export function outboxWorkerRunning(deps: Deps): boolean {
  return deps.services.outbox !== undefined;
}
