import type { Deps } from '../deps.ts';
import type { Auth } from './tokens.ts';
import { badRequest, forbidden, notFound } from '../errors.ts';
import { getUser, listUsers } from '../store/users.ts';
import { listUserSessions } from '../store/sessions.ts';
import { listAudit } from '../store/audit.ts';
import { presentAudit, audit, type Actor } from './audit.ts';
import { presentUser } from './users.ts';
import { presentSession, revokeAllSessions } from './sessions.ts';
import { setActive, setRole, type SystemRole } from './accounts.ts';
import { siteSettings, updateSiteSettings, type SettingsPatch } from './settings.ts';
import { inTx } from './tx.ts';
import { configAuthSettings, forgetAuthSettings, readAuthSettings, updateAuthSettings, type AuthSettingsPatch } from './auth-settings.ts';
import { resetMfa } from './mfa.ts';
import { ssoStatus } from './oidc-config.ts';

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

export async function adminRevokeSessions(deps: Deps, auth: Auth, id: string, ip: string) {
  assertSystemAdmin(auth);
  if (!(await getUser(deps.db, id))) throw notFound('user_not_found', 'User not found');
  return { revoked: await revokeAllSessions(deps, actorOf(auth, ip), id) };
}

export async function adminGetConfig(deps: Deps, auth: Auth) {
  assertSystemAdmin(auth);
  return siteSettings(deps);
}

export async function adminPatchConfig(deps: Deps, auth: Auth, patch: SettingsPatch, ip: string) {
  assertSystemAdmin(auth);
  return inTx(deps, async (tx) => {
    const { settings } = await updateSiteSettings(deps, tx, patch);
    await audit(tx, deps.now(), actorOf(auth, ip), 'settings_update', { target_type: 'site', details: { changes: patch } });
    return settings;
  });
}

/** The authentication settings in force, which of them override the file, the file's values, and the SSO set-up (read-only). */
export async function adminGetAuthSettings(deps: Deps, auth: Auth) {
  assertSystemAdmin(auth);
  const { overridden, ...settings } = await readAuthSettings(deps);
  return { settings, overridden, defaults: configAuthSettings(deps.config), sso: ssoStatus(deps.config) };
}

/** Changes authentication settings (null resets one to the file's value); audited with old and new values. */
export async function adminPatchAuthSettings(deps: Deps, auth: Auth, patch: AuthSettingsPatch, ip: string) {
  assertSystemAdmin(auth);
  await inTx(deps, async (tx) => {
    const { changes } = await updateAuthSettings(deps, tx, patch);
    await audit(tx, deps.now(), actorOf(auth, ip), 'settings_update', { target_type: 'auth', details: { changes } });
  });
  forgetAuthSettings(deps);
  return adminGetAuthSettings(deps, auth);
}

export async function adminResetMfa(deps: Deps, auth: Auth, id: string, ip: string) {
  assertSystemAdmin(auth);
  const r = await resetMfa(deps, actorOf(auth, ip), id);
  return presentUser(r.user, auth);
}

/** The live WebSocket connection count, from the hub the realtime subsystem registers on deps.local. */
export function liveConnections(deps: Deps): number {
  return (deps.local.get('hub') as { connectionCount(): number } | undefined)?.connectionCount() ?? 0;
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

export interface AuditQuery {
  action?: string;
  actor_id?: string;
  target_id?: string;
  cursor?: string;
  limit: number;
}

export async function adminAudit(deps: Deps, auth: Auth, query: AuditQuery) {
  assertSystemAdmin(auth);
  const before = query.cursor !== undefined ? Number(query.cursor) : undefined;
  if (before !== undefined && (!Number.isSafeInteger(before) || before < 0)) throw badRequest('invalid_cursor', 'cursor is not valid');
  const rows = await listAudit(deps.db, { action: query.action, actorId: query.actor_id, targetId: query.target_id, before, limit: query.limit + 1 });
  const page = rows.slice(0, query.limit);
  return { items: page.map(presentAudit), next_cursor: rows.length > query.limit ? String(page[page.length - 1].id) : null };
}
