import type { Deps } from '../deps.ts';
import type { Queryable } from '../db/driver.ts';
import { newId } from '../ids.ts';
import { notFound } from '../errors.ts';
import { forgetSessions, signSessionToken, type Auth } from './tokens.ts';
import { getSession, insertSession, listUserSessions, revokeSession, revokeUserSessions, type SessionRow } from '../store/sessions.ts';
import { inTx } from './tx.ts';
import { detachDeviceElsewhere } from '../store/push.ts';
import { DEVICE_ID_MAX } from '../push/proxy.ts';
import { audit, type Actor } from './audit.ts';
import { authSettings, sessionLifetimeMs } from './auth-settings.ts';

/** Where a login came from; stored on the session row. */
export interface ClientMeta {
  ip: string;
  user_agent: string;
  device_id?: string;
  /** A mobile app's session (Mattermost's apps send a device id; mobile SSO says so): the mobile lifetime, no idle timeout. */
  mobile?: boolean;
}

/** How the session was established, kept in its props. */
export interface SessionOrigin {
  via: 'password' | 'openid';
  /** The provider's ID token, for RP-initiated logout. */
  id_token?: string;
}

/** Inserts a session row (sliding lifetime from the auth settings) and signs its token. */
export async function startSession(deps: Deps, q: Queryable, userId: string, meta: ClientMeta, origin: SessionOrigin = { via: 'password' }): Promise<{ session: SessionRow; token: string }> {
  const now = deps.now();
  const mobile = meta.mobile ?? !!meta.device_id;
  const session = await insertSession(q, {
    id: newId(),
    user_id: userId,
    create_at: now,
    expires_at: now + sessionLifetimeMs(await authSettings(deps, q), mobile),
    last_activity_at: now,
    ip: meta.ip.slice(0, 64),
    user_agent: meta.user_agent.slice(0, 512),
    device_id: (meta.device_id ?? '').slice(0, DEVICE_ID_MAX),
    props: { ...origin, ...(mobile ? { mobile: true } : {}) },
  });
  // A device logging in again (another account, or the same after a reinstall) gets this session's pushes only.
  if (session.device_id) await detachDeviceElsewhere(q, session.device_id, session.id);
  return { session, token: await signSessionToken(deps, session.id, userId, now) };
}

/**
 * Tells every process that sessions are gone: clears this process's cache at once and publishes
 * `sessions_revoked` (other processes clear their caches; the hub closes those sessions' sockets).
 * Call after the revoking transaction committed. Without a bus, the 1 s cache bounds the delay.
 */
export function announceRevoked(deps: Deps, userId: string, sessionIds: string[]): void {
  if (!sessionIds.length) return;
  forgetSessions(deps, sessionIds);
  deps.bus.publish({ control: 'sessions_revoked', session_ids: sessionIds, user_id: userId });
}

export function presentSession(s: SessionRow, currentId?: string) {
  return {
    id: s.id,
    create_at: Number(s.create_at),
    last_activity_at: Number(s.last_activity_at),
    expires_at: Number(s.expires_at),
    ip: s.ip,
    user_agent: s.user_agent,
    device_id: s.device_id,
    current: s.id === currentId,
  };
}

export async function listOwnSessions(deps: Deps, auth: Auth) {
  const rows = await listUserSessions(deps.db, auth.user.id, deps.now());
  return rows.map((s) => presentSession(s, auth.session.id));
}

/** Logout: revokes the caller's session on every process. */
export async function logout(deps: Deps, auth: Auth, ip: string): Promise<void> {
  await inTx(deps, async (tx) => {
    await revokeSession(tx, auth.session.id, deps.now());
    await audit(tx, deps.now(), { id: auth.user.id, ip, via: 'api' }, 'logout', { target_type: 'session', target_id: auth.session.id });
  });
  announceRevoked(deps, auth.user.id, [auth.session.id]);
}

/** Revokes one of the caller's own sessions (404 for anyone else's, so ids are not probed). */
export async function revokeOwnSession(deps: Deps, auth: Auth, sessionId: string, ip: string): Promise<void> {
  const revoked = await inTx(deps, async (tx) => {
    const s = await getSession(tx, sessionId);
    if (!s || s.user_id !== auth.user.id || s.revoked_at !== 0 || s.expires_at <= deps.now()) throw notFound('session_not_found', 'Session not found');
    await revokeSession(tx, sessionId, deps.now());
    await audit(tx, deps.now(), { id: auth.user.id, ip, via: 'api' }, 'sessions_revoke', { target_type: 'session', target_id: sessionId });
    return true;
  });
  if (revoked) announceRevoked(deps, auth.user.id, [sessionId]);
}

/** Revokes every session of a user (admin action); returns how many were live. */
export async function revokeAllSessions(deps: Deps, actor: Actor, userId: string): Promise<number> {
  const ids = await inTx(deps, async (tx) => {
    const ids = await revokeUserSessions(tx, userId, deps.now());
    await audit(tx, deps.now(), actor, 'sessions_revoke', { target_type: 'user', target_id: userId, details: { count: ids.length } });
    return ids;
  });
  announceRevoked(deps, userId, ids);
  return ids.length;
}
