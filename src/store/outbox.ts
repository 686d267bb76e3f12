import type { Queryable } from '../db/driver.ts';

export interface OutboxRow {
  id: string;
  kind: string;
  to_address: string;
  subject: string;
  text_body: string;
  html_body: string;
  status: 'pending' | 'sent' | 'dead';
  attempts: number;
  next_attempt_at: number;
  locked_until: number;
  lease: string;
  last_error: string;
  create_at: number;
  sent_at: number;
}

export interface NewEmail {
  id: string;
  kind: string;
  to_address: string;
  subject: string;
  text_body: string;
  html_body: string;
  now: number;
}

/** Queues one email (call inside the transaction of the change that causes it). */
export async function insertEmail(q: Queryable, e: NewEmail): Promise<void> {
  await q.query(
    `insert into email_outbox (id, kind, to_address, subject, text_body, html_body, next_attempt_at, create_at)
     values ($1, $2, $3, $4, $5, $6, $7, $7)`,
    [e.id, e.kind, e.to_address, e.subject, e.text_body, e.html_body, e.now],
  );
}

/**
 * Claims up to `limit` due emails for one worker: each gets a lease until `leaseUntil` and one
 * more attempt counted. SKIP LOCKED lets workers in other processes claim other rows at the same
 * time instead of waiting; the lease keeps a claimed row from being claimed again while it is
 * being sent (the claiming transaction is short, so no connection is held during SMTP).
 */
export async function claimDueEmails(q: Queryable, now: number, lease: string, leaseUntil: number, limit: number): Promise<OutboxRow[]> {
  return q.query<OutboxRow>(
    `update email_outbox set locked_until = $2, lease = $4, attempts = attempts + 1
     where id in (
       select id from email_outbox
       where status = 'pending' and next_attempt_at <= $1 and locked_until <= $1
       order by next_attempt_at, id
       limit $3
       for update skip locked)
     returning *`,
    [now, leaseUntil, limit, lease],
  );
}

/** Marks a claimed email sent (only while this worker's lease holds it). */
export async function markEmailSent(q: Queryable, id: string, lease: string, now: number): Promise<boolean> {
  const rows = await q.query(`update email_outbox set status = 'sent', sent_at = $3, locked_until = 0, last_error = '' where id = $1 and lease = $2 and status = 'pending' returning id`, [id, lease, now]);
  return rows.length > 0;
}

/** Records a failed try: due again at `nextAttemptAt`, or dead when `dead`. */
export async function markEmailFailed(q: Queryable, id: string, lease: string, error: string, nextAttemptAt: number, dead: boolean): Promise<void> {
  await q.query(
    `update email_outbox set status = $5, last_error = $3, next_attempt_at = $4, locked_until = 0
     where id = $1 and lease = $2 and status = 'pending'`,
    [id, lease, error.slice(0, 1000), nextAttemptAt, dead ? 'dead' : 'pending'],
  );
}

/** The earliest due time of a pending email, if any (the worker sleeps until then). */
export async function nextDueAt(q: Queryable): Promise<number | undefined> {
  const [row] = await q.query<{ at: number | null }>(`select min(greatest(next_attempt_at, locked_until))::bigint as at from email_outbox where status = 'pending'`);
  return row?.at == null ? undefined : Number(row.at);
}

/**
 * Deletes up to `limit` emails in `status` that are older than `before`, returning how many:
 * sent ones by sent_at, dead ones by next_attempt_at (the failure that gave up set it to the
 * time it would have retried, at most an hour after giving up; an admin retry resets it, so a
 * retried email that dies again is kept a full period). Pending emails are never touched.
 * `skip locked`: two processes deleting at once skip each other's rows instead of waiting, and a
 * dead row an admin is requeueing at that moment is left to the requeue.
 */
export async function deleteOldEmails(q: Queryable, status: 'sent' | 'dead', before: number, limit: number): Promise<number> {
  const at = status === 'sent' ? 'sent_at' : 'next_attempt_at';
  const rows = await q.query(
    `delete from email_outbox where id in (
       select id from email_outbox where status = $1 and ${at} < $2 order by ${at} limit $3 for update skip locked
     ) and status = $1
     returning id`,
    [status, before, limit],
  );
  return rows.length;
}

export interface OutboxQuery {
  status?: 'pending' | 'sent' | 'dead';
  limit: number;
  /** Rows created before this (create_at, id) cursor. */
  before?: { create_at: number; id: string };
}

/** Outbox rows, newest first, without bodies (the admin view). */
export async function listEmails(q: Queryable, o: OutboxQuery): Promise<Omit<OutboxRow, 'text_body' | 'html_body'>[]> {
  return q.query(
    `select id, kind, to_address, subject, status, attempts, next_attempt_at, locked_until, last_error, create_at, sent_at
     from email_outbox
     where ($1::text is null or status = $1)
       and ($2::bigint is null or (create_at, id) < ($2::bigint, $3::text))
     order by create_at desc, id desc
     limit $4`,
    [o.status ?? null, o.before?.create_at ?? null, o.before?.id ?? '', o.limit],
  );
}

export async function countEmailsByStatus(q: Queryable): Promise<Record<string, number>> {
  const rows = await q.query<{ status: string; n: number }>('select status, count(*)::int as n from email_outbox group by status');
  return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
}

/** Puts a dead email back in the queue (admin retry). */
export async function requeueEmail(q: Queryable, id: string, now: number): Promise<boolean> {
  const rows = await q.query(`update email_outbox set status = 'pending', attempts = 0, next_attempt_at = $2, locked_until = 0 where id = $1 and status = 'dead' returning id`, [id, now]);
  return rows.length > 0;
}
