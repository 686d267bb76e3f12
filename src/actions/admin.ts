import type { Deps } from '../deps.ts';
import type { Auth } from './tokens.ts';
import { badRequest, forbidden, notFound } from '../errors.ts';
import { getUser, listUsers } from '../store/users.ts';
import { listUserSessions } from '../store/sessions.ts';
import { listAudit } from '../store/audit.ts';
import { presentAudit, audit, type Actor } from './audit.ts';
import { presentUser } from './users.ts';
import { presentSession, revokeAllSessions } from './sessions.ts';
import { createUser, resetPassword, setActive, setRole, type SystemRole } from './accounts.ts';
import { readSiteSettings, updateSiteSettings, type SettingsPatch } from './settings.ts';
import { settingsChanged } from './settings-changes.ts';
import { inTx } from './tx.ts';
import { authSettingsForConsole, changeAuthSettings, type AuthSettingsPatch } from './auth-settings.ts';
import { resetMfa } from './mfa.ts';
import { ssoStatus } from './oidc-config.ts';
import { buildInfo } from '../version.ts';
import { allReadinessChecks, runReadiness } from '../readiness.ts';

/** System admins only; everyone else gets 403. */
export function assertSystemAdmin(auth: Auth): void {
  if (!auth.isSystemAdmin) throw forbidden('forbidden', 'System admin only');
}

export const actorOf = (auth: Auth, ip: string): Actor => ({ id: auth.user.id, ip, via: 'api' });

export interface AdminUserQuery {
  q?: string;
  role?: SystemRole;
  active?: boolean;
  cursor?: string;
  limit: number;
}

/** Every account (active, deactivated or both), with emails, by username. */
export async function adminListUsers(deps: Deps, auth: Auth, query: AdminUserQuery) {
  assertSystemAdmin(auth);
  const rows = await listUsers(deps.db, {
    q: query.q,
    searchEmail: true,
    role: query.role,
    state: query.active === undefined ? 'all' : query.active ? 'active' : 'inactive',
    after: query.cursor,
    limit: query.limit + 1,
  });
  const page = rows.slice(0, query.limit);
  return { items: page.map((r) => presentUser(r, auth)), next_cursor: rows.length > query.limit ? page[page.length - 1].username : null };
}

export async function adminGetUser(deps: Deps, auth: Auth, id: string) {
  assertSystemAdmin(auth);
  const row = await getUser(deps.db, id);
  if (!row) throw notFound('user_not_found', 'User not found');
  const sessions = await listUserSessions(deps.db, id, deps.now());
  return { ...presentUser(row, auth), sessions: sessions.map((s) => presentSession(s, auth.session.id)) };
}

/** Role change and/or (de)activation in one PATCH; each part is audited on its own. */
export async function adminPatchUser(deps: Deps, auth: Auth, id: string, patch: { role?: SystemRole; active?: boolean }, ip: string) {
  assertSystemAdmin(auth);
  if (patch.role === undefined && patch.active === undefined) throw badRequest('invalid_input', 'Nothing to change: send role and/or active');
  if (!(await getUser(deps.db, id))) throw notFound('user_not_found', 'User not found');
  const actor = actorOf(auth, ip);
  if (patch.role !== undefined) await setRole(deps, actor, id, patch.role);
  if (patch.active !== undefined) await setActive(deps, actor, id, patch.active);
  return presentUser((await getUser(deps.db, id))!, auth);
}

/**
 * Creates an account (the console's "Create user"). Without a password one is generated and
 * returned once, here only; with one, the password policy applies. Audit: `user_create`.
 */
export async function adminCreateUser(deps: Deps, auth: Auth, input: { email: string; username: string; password?: string; display_name?: string; role?: SystemRole }, ip: string) {
  assertSystemAdmin(auth);
  const { user, password } = await createUser(deps, actorOf(auth, ip), { ...input, system_admin: input.role === 'system_admin' });
  return { user: presentUser(user, auth), ...(password ? { password } : {}) };
}

/**
 * Sets a new password for someone (given, or generated and returned once) and ends every session
 * of theirs. Audit: `password_reset`.
 */
export async function adminResetPassword(deps: Deps, auth: Auth, id: string, input: { password?: string }, ip: string) {
  assertSystemAdmin(auth);
  if (!(await getUser(deps.db, id))) throw notFound('user_not_found', 'User not found');
  const r = await resetPassword(deps, actorOf(auth, ip), id, input.password);
  return { revoked: r.revoked, ...(r.password ? { password: r.password } : {}) };
}

export async function adminRevokeSessions(deps: Deps, auth: Auth, id: string, ip: string) {
  assertSystemAdmin(auth);
  if (!(await getUser(deps.db, id))) throw notFound('user_not_found', 'User not found');
  return { revoked: await revokeAllSessions(deps, actorOf(auth, ip), id) };
}

export async function adminGetConfig(deps: Deps, auth: Auth) {
  assertSystemAdmin(auth);
  return readSiteSettings(deps);
}

export async function adminPatchConfig(deps: Deps, auth: Auth, patch: SettingsPatch, ip: string) {
  assertSystemAdmin(auth);
  const settings = await inTx(deps, async (tx) => {
    const { settings } = await updateSiteSettings(deps, tx, patch);
    await audit(tx, deps.now(), actorOf(auth, ip), 'settings_update', { target_type: 'site', details: { changes: patch } });
    return settings;
  });
  settingsChanged(deps, 'site');
  return settings;
}

/** The authentication settings in force, which of them override the file, the file's values, and the SSO set-up (read-only). */
export async function adminGetAuthSettings(deps: Deps, auth: Auth) {
  assertSystemAdmin(auth);
  return { ...(await authSettingsForConsole(deps)), sso: ssoStatus(deps.config) };
}

/** Changes authentication settings (null resets one to the file's value); audited with old and new values. */
export async function adminPatchAuthSettings(deps: Deps, auth: Auth, patch: AuthSettingsPatch, ip: string) {
  assertSystemAdmin(auth);
  await changeAuthSettings(deps, actorOf(auth, ip), patch);
  return adminGetAuthSettings(deps, auth);
}

export async function adminResetMfa(deps: Deps, auth: Auth, id: string, ip: string) {
  assertSystemAdmin(auth);
  const r = await resetMfa(deps, actorOf(auth, ip), id);
  return presentUser(r.user, auth);
}

/** This process's live WebSocket connections. */
export function liveConnections(deps: Deps): number {
  return deps.services.hub.connectionCount();
}

export async function adminStats(deps: Deps, auth: Auth) {
  assertSystemAdmin(auth);
  const [row] = await deps.db.query<Record<string, number>>(
    `select
       (select count(*)::int from users) as users_total,
       (select count(*)::int from users where delete_at = 0) as users_active,
       (select count(*)::int from users where delete_at = 0 and ' ' || roles || ' ' like '% system_admin %') as system_admins,
       (select count(*)::int from posts where delete_at = 0) as posts,
       (select count(*)::int from channels where delete_at = 0) as channels,
       (select count(*)::int from teams where delete_at = 0) as teams,
       (select count(*)::int from sessions where revoked_at = 0 and expires_at > $1) as sessions`,
    [deps.now()],
  );
  return {
    users: { total: row.users_total, active: row.users_active, inactive: row.users_total - row.users_active, system_admins: row.system_admins },
    posts: row.posts,
    channels: row.channels,
    teams: row.teams,
    sessions: row.sessions,
    connections: liveConnections(deps),
  };
}

/**
 * What the console's "Server" page shows: build, database kind, each readiness check as
 * /health/ready runs it (Redis, S3 or the files directory, …), uptime and this process's live
 * WebSocket connections.
 */
export async function adminServerInfo(deps: Deps, auth: Auth) {
  assertSystemAdmin(auth);
  const b = buildInfo();
  const ready = await runReadiness(allReadinessChecks(deps), (check, err) => deps.log.warn('readiness check failed', { check, err }));
  const uptime = process.uptime();
  return {
    version: b.version,
    commit: b.commit,
    build_date: b.build_date,
    node: b.node,
    database: deps.db.kind === 'postgres' ? 'postgresql' : 'embedded',
    storage: deps.config.s3.bucket ? 's3' : 'local',
    redis: !!deps.config.redis.url,
    /** 'smtp' sends; 'log' (no smtp.host) writes each email to the server log instead. */
    email: deps.config.smtp.host ? 'smtp' : 'log',
    status: ready.ok ? (ready.degraded ? 'degraded' : 'ok') : 'unavailable',
    checks: ready.checks,
    uptime_seconds: Math.floor(uptime),
    started_at: Math.round(Date.now() - uptime * 1000),
    connections: liveConnections(deps),
  };
}

export interface AuditQuery {
  action?: string;
  actor_id?: string;
  target_id?: string;
  /** ms since the epoch: entries at or after since, before until. */
  since?: number;
  until?: number;
  cursor?: string;
  limit: number;
}

export async function adminAudit(deps: Deps, auth: Auth, query: AuditQuery) {
  assertSystemAdmin(auth);
  const before = query.cursor !== undefined ? Number(query.cursor) : undefined;
  if (before !== undefined && (!Number.isSafeInteger(before) || before < 0)) throw badRequest('invalid_cursor', 'cursor is not valid');
  if (query.since !== undefined && query.until !== undefined && query.since >= query.until) throw badRequest('invalid_input', 'since must be before until');
  const rows = await listAudit(deps.db, { action: query.action, actorId: query.actor_id, targetId: query.target_id, since: query.since, until: query.until, before, limit: query.limit + 1 });
  const page = rows.slice(0, query.limit);
  return { items: page.map(presentAudit), next_cursor: rows.length > query.limit ? String(page[page.length - 1].id) : null };
}
