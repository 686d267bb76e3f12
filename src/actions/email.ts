import type { Deps } from '../deps.ts';
import type { Queryable } from '../db/driver.ts';
import { newId } from '../ids.ts';
import { countEmailsByStatus, insertEmail, listEmails, requeueEmail } from '../store/outbox.ts';
import { badRequest, notFound } from '../errors.ts';
import { audit, type Actor } from './audit.ts';
import { inTx } from './tx.ts';
import { kickOutbox } from '../mail/worker.ts';
import type { Rendered, Site } from '../mail/templates.ts';
import { siteSettings } from './settings.ts';

export type EmailKind = 'password_reset' | 'invite' | 'notification' | 'test';

/**
 * Queues an email in the outbox. Call it with the transaction of the change that causes the
 * email: if that change rolls back, nothing is sent. After the commit, `kickOutbox(deps)` lets
 * this process's worker send it at once (workers in other processes find it on their next poll).
 */
export async function queueEmail(deps: Deps, q: Queryable, kind: EmailKind, to: string, m: Rendered): Promise<string> {
  const id = newId();
  await insertEmail(q, { id, kind, to_address: to, subject: m.subject, text_body: m.text, html_body: m.html, now: deps.now() });
  return id;
}

/**
 * The site as emails name it: the runtime site name, and server.site_url, else the origin the
 * request came in on (links in a reset email must reach this server); '' when neither is known.
 */
export async function mailSite(deps: Deps, q: Queryable = deps.db, requestOrigin = ''): Promise<Site> {
  const { site_name } = await siteSettings(deps, q);
  return { name: site_name, url: (deps.config.server.site_url || requestOrigin).replace(/\/+$/, '') };
}

/** The system console's view of the outbox: counts by status and a page of rows (no bodies), newest first. */
export async function adminListOutbox(deps: Deps, o: { status?: 'pending' | 'sent' | 'dead'; limit: number; cursor?: string }) {
  let before: { create_at: number; id: string } | undefined;
  if (o.cursor) {
    const m = /^(\d{1,16})_([a-z0-9]{26})$/.exec(o.cursor);
    if (!m) throw badRequest('invalid_cursor', 'cursor: not a cursor from this list');
    before = { create_at: Number(m[1]), id: m[2] };
  }
  const rows = await listEmails(deps.db, { status: o.status, limit: o.limit + 1, before });
  const more = rows.length > o.limit;
  const items = rows.slice(0, o.limit).map((r) => ({
    id: r.id,
    kind: r.kind,
    to: r.to_address,
    subject: r.subject,
    status: r.status,
    attempts: Number(r.attempts),
    next_attempt_at: r.status === 'pending' ? Number(r.next_attempt_at) : 0,
    last_error: r.last_error,
    create_at: Number(r.create_at),
    sent_at: Number(r.sent_at),
  }));
  const last = items.at(-1);
  return {
    counts: { pending: 0, sent: 0, dead: 0, ...(await countEmailsByStatus(deps.db)) },
    transport: deps.config.smtp.host ? 'smtp' : 'log',
    items,
    next_cursor: more && last ? `${last.create_at}_${last.id}` : null,
  };
}

/** Puts a dead email back in the queue (system console "Retry"). */
export async function adminRetryEmail(deps: Deps, actor: Actor, id: string): Promise<void> {
  const ok = await inTx(deps, async (tx) => {
    const ok = await requeueEmail(tx, id, deps.now());
    if (ok) await audit(tx, deps.now(), actor, 'email_retry', { target_type: 'email', target_id: id });
    return ok;
  });
  if (!ok) throw notFound('email_not_found', 'No dead email with that id');
  kickOutbox(deps);
}
