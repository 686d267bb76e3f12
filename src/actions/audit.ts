import type { Queryable } from '../db/driver.ts';
import { insertAudit, listAudit, type AuditRow } from '../store/audit.ts';

/**
 * The audit trail of security-relevant events, one row each. Actions are stable names:
 * `login` (success or failure, with IP), `logout`, `register`, `user_create`, `role_change`,
 * `user_deactivate`, `user_activate`, `user_delete`, `password_change`, `password_reset`,
 * `sessions_revoke`, `settings_update`. Writers pass their transaction so the entry commits with
 * the change it records (login failures are written on their own).
 */
export interface Actor {
  /** The acting user's id; '' for the local command line. */
  id: string;
  ip: string;
  via: 'api' | 'cli';
}

export const CLI_ACTOR: Actor = { id: '', ip: 'local', via: 'cli' };

export async function audit(
  q: Queryable,
  now: number,
  actor: Actor,
  action: string,
  o: { target_type?: string; target_id?: string; success?: boolean; details?: Record<string, unknown> } = {},
): Promise<void> {
  await insertAudit(q, {
    create_at: now,
    actor_id: actor.id,
    action,
    target_type: o.target_type ?? '',
    target_id: o.target_id ?? '',
    ip: actor.ip,
    success: o.success ?? true,
    details: { ...(actor.via === 'cli' ? { via: 'cli' } : {}), ...o.details },
  });
}

export function presentAudit(r: AuditRow) {
  return {
    id: String(r.id),
    create_at: Number(r.create_at),
    actor_id: r.actor_id,
    action: r.action,
    target_type: r.target_type,
    target_id: r.target_id,
    ip: r.ip,
    success: r.success,
    details: r.details ?? {},
  };
}

export { listAudit };
