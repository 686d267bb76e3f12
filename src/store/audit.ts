import type { Queryable } from '../db/driver.ts';

export interface AuditRow {
  id: number;
  create_at: number;
  actor_id: string;
  action: string;
  target_type: string;
  target_id: string;
  ip: string;
  success: boolean;
  details: Record<string, unknown>;
}

export type NewAudit = Omit<AuditRow, 'id' | 'details' | 'target_type' | 'target_id' | 'ip' | 'success'> &
  Partial<Pick<AuditRow, 'target_type' | 'target_id' | 'ip' | 'success' | 'details'>>;

export async function insertAudit(q: Queryable, a: NewAudit): Promise<void> {
  await q.query(
    `insert into audit_log (create_at, actor_id, action, target_type, target_id, ip, success, details)
     values ($1, $2, $3, $4, $5, $6, $7, $8::text::jsonb)`,
    [a.create_at, a.actor_id, a.action, a.target_type ?? '', a.target_id ?? '', a.ip ?? '', a.success ?? true, JSON.stringify(a.details ?? {})],
  );
}

export interface AuditFilter {
  action?: string;
  actorId?: string;
  targetId?: string;
  /** Time range (ms since the epoch): create_at >= since, create_at < until. */
  since?: number;
  until?: number;
  /** Keyset cursor: entries with id below this one. */
  before?: number;
  limit: number;
}

/** Newest first. */
export async function listAudit(q: Queryable, f: AuditFilter): Promise<AuditRow[]> {
  const where: string[] = [];
  const params: unknown[] = [];
  const p = (v: unknown) => {
    params.push(v);
    return `$${params.length}`;
  };
  if (f.action) where.push(`action = ${p(f.action)}`);
  if (f.actorId) where.push(`actor_id = ${p(f.actorId)}`);
  if (f.targetId) where.push(`target_id = ${p(f.targetId)}`);
  if (f.since !== undefined) where.push(`create_at >= ${p(f.since)}`);
  if (f.until !== undefined) where.push(`create_at < ${p(f.until)}`);
  if (f.before !== undefined) where.push(`id < ${p(f.before)}`);
  return q.query<AuditRow>(`select * from audit_log ${where.length ? `where ${where.join(' and ')}` : ''} order by id desc limit ${p(f.limit)}`, params);
}
