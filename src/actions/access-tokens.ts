import { createHash } from 'node:crypto';
import type { Deps } from '../deps.ts';
import type { AccessTokenCache } from '../services.ts';
import { AppError, badRequest, forbidden, notFound, unauthorized } from '../errors.ts';
import { isId, newId } from '../ids.ts';
import { isControl } from '../contract/events.ts';
import { inTx } from './tx.ts';
import { audit, type Actor } from './audit.ts';
import { integrationSettings } from './integration-settings.ts';
import { authSettings, mfaEnrolmentDue } from './auth-settings.ts';
import type { Auth, AuthUser } from '../auth.ts';
import type { SessionRow } from '../store/sessions.ts';
import * as store from '../store/access-tokens.ts';
import type { AccessTokenRow } from '../store/access-tokens.ts';

/**
 * Personal access tokens (Mattermost's "user access tokens"): long-lived bearer tokens for
 * scripts and bots, usable on both APIs and the WebSockets. A token is 26 characters of
 * Mattermost's id alphabet (130 random bits), so clients that check the shape accept it; session
 * tokens are JWTs, which always contain dots, so the two never collide. Only the SHA-256 of a
 * token is stored; it is shown once, at creation.
 *
 * Revocation and disabling reach every process within a second, like session revocation: the
 * per-process cache keeps an entry at most 1 s, and the `sessions_revoked` control (with the
 * token's id as the session id) clears caches and closes the token's sockets at once.
 */
export const isAccessTokenShape = (token: string) => isId(token);

const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

export const MAX_DESCRIPTION = 255;
export const TOKEN_PAGE_MAX = 200;

const CACHE_MS = 1000;
const TOUCH_MS = 60_000;

export type { AccessTokenCache };

/** The process's access-token cache, cleared by `sessions_revoked` on the bus (made once, by boot.ts). */
export function createAccessTokenCache(deps: Pick<Deps, 'bus'>): AccessTokenCache {
  const cache: AccessTokenCache = new Map();
  deps.bus.subscribe((m) => {
    if (!isControl(m) || m.control !== 'sessions_revoked') return;
    const ids = new Set(m.session_ids);
    for (const [k, e] of cache) if (ids.has(e.auth.session.id) || e.auth.user.id === m.user_id) cache.delete(k);
  });
  return cache;
}

const tokenCache = (deps: Deps): AccessTokenCache => deps.services.accessTokens;

/** The fields of a session an access token stands in for (no expiry; id = the token's id). */
function tokenSession(row: AccessTokenRow): SessionRow {
  return {
    id: row.id,
    user_id: row.user_id,
    create_at: row.create_at,
    expires_at: Number.MAX_SAFE_INTEGER,
    last_activity_at: row.last_used_at,
    revoked_at: 0,
    ip: '',
    user_agent: '',
    device_id: '',
    props: { type: 'access_token' },
  };
}

/**
 * Resolves a personal access token to its user, or throws 401. Refused: unknown or disabled
 * tokens, tokens of deactivated users, every token while access tokens are off, and bots'
 * tokens while bot accounts are off.
 */
export async function authenticateAccessToken(deps: Deps, token: string): Promise<Auth> {
  const hash = hashToken(token);
  const cache = tokenCache(deps);
  const now = deps.now();
  // The switch is read before the cache, so turning tokens off takes effect at once here.
  const settings = await integrationSettings(deps);
  if (settings.personal_access_tokens === 'off') throw unauthorized('access_tokens_disabled', 'Personal access tokens are turned off on this server');
  const hit = cache.get(hash);
  if (hit && now - hit.at < CACHE_MS) {
    if (hit.auth.isBot && !settings.enable_bot_accounts) throw unauthorized('bots_disabled', 'Bot accounts are turned off on this server');
    return withMfaHold(deps, hit.auth, hit.mfaExempt);
  }
  cache.delete(hash);
  const invalid = () => unauthorized('invalid_token', 'Invalid or expired session, please login again.');
  const row = await store.getAccessTokenByHash(deps.db, hash);
  if (!row || !row.is_active) throw invalid();
  const users = await deps.db.query<AuthUser & { is_bot: boolean; auth_service: string }>('select id, username, email, roles, delete_at, mfa_active, is_bot, auth_service from users where id = $1', [row.user_id]);
  const u = users[0];
  if (!u || Number(u.delete_at) !== 0) throw unauthorized('user_inactive', 'This account is deactivated');
  if (u.is_bot && !settings.enable_bot_accounts) throw unauthorized('bots_disabled', 'Bot accounts are turned off on this server');
  if (now - row.last_used_at > TOUCH_MS) await store.touchAccessToken(deps.db, row.id, now);
  const { is_bot: _bot, auth_service: authService, ...user } = u;
  const auth: Auth = { user, session: tokenSession(row), isSystemAdmin: user.roles.split(' ').includes('system_admin'), accessTokenId: row.id, ...(u.is_bot ? { isBot: true } : {}) };
  // Bots have no second factor; SSO accounts rely on their identity provider's (as their sessions).
  const mfaExempt = u.is_bot || authService !== '';
  if (cache.size >= 1000) for (const [k, e] of cache) if (now - e.at >= CACHE_MS) cache.delete(k);
  cache.set(hash, { auth, at: now, mfaExempt });
  return withMfaHold(deps, auth, mfaExempt);
}

/**
 * auth.mfa = required holds a person's token like their sessions until they enrol (Mattermost
 * holds every non-bot, non-SSO session of a user without MFA, tokens' included): `authenticate`
 * then answers mfa_setup_required except on the enrolment routes.
 */
async function withMfaHold(deps: Deps, auth: Auth, exempt: boolean): Promise<Auth> {
  if (exempt || auth.user.mfa_active) return auth;
  return mfaEnrolmentDue(await authSettings(deps), false) ? { ...auth, mfaSetupRequired: true } : auth;
}

/** Drops tokens from this process's cache and tells the others (and the hubs, which close their sockets). */
export function announceTokensRevoked(deps: Deps, userId: string, tokenIds: string[]) {
  if (!tokenIds.length) return;
  const ids = new Set(tokenIds);
  const cache = tokenCache(deps);
  for (const [k, e] of cache) if (ids.has(e.auth.session.id)) cache.delete(k);
  deps.bus.publish({ control: 'sessions_revoked', session_ids: tokenIds, user_id: userId });
}

// ---------------------------------------------------------------- presenters

/** A token as listed: never the token itself. */
export function presentAccessToken(row: AccessTokenRow) {
  return { id: row.id, user_id: row.user_id, description: row.description, is_active: row.is_active, create_at: Number(row.create_at), last_used_at: Number(row.last_used_at) };
}
export type PresentedAccessToken = ReturnType<typeof presentAccessToken>;

// ---------------------------------------------------------------- authorization

interface TargetUser {
  id: string;
  delete_at: number;
  is_bot: boolean;
  bot_owner_id: string | null;
}

async function loadTarget(deps: Deps, userId: string): Promise<TargetUser> {
  if (!isId(userId)) throw badRequest('invalid_id', 'user id is not a valid id');
  const rows = await deps.db.query<TargetUser>('select u.id, u.delete_at, u.is_bot, b.owner_id as bot_owner_id from users u left join bots b on b.user_id = u.id where u.id = $1', [userId]);
  if (!rows[0]) throw notFound('user_not_found', 'User not found');
  return rows[0];
}

/**
 * Who manages a user's tokens: system admins (anyone's, while tokens are not off), the user
 * themself (when tokens are for everyone, or they are a system admin), and a bot's owner.
 */
async function assertManage(deps: Deps, auth: Auth, target: TargetUser): Promise<void> {
  const s = await integrationSettings(deps);
  if (s.personal_access_tokens === 'off') throw new AppError(501, 'access_tokens_disabled', 'Personal access tokens are turned off on this server');
  if (auth.isSystemAdmin) return;
  if (target.id === auth.user.id && s.personal_access_tokens === 'everyone') return;
  if (target.is_bot && target.bot_owner_id === auth.user.id) return;
  throw forbidden('forbidden', 'You may not manage access tokens of this user');
}

const actorOf = (auth: Auth, ip: string): Actor => ({ id: auth.user.id, ip, via: 'api' });

// ---------------------------------------------------------------- actions

/** Creates a token for a user; the answer is the only time the token is shown. */
export async function createAccessToken(deps: Deps, auth: Auth, userId: string, description: unknown, ip: string) {
  const text = checkDescription(description);
  // A token cannot mint tokens: that would let a leaked token outlive its own revocation.
  if (auth.accessTokenId) throw forbidden('session_required', 'Create access tokens from a logged-in session, not with another access token');
  const target = await loadTarget(deps, userId);
  await assertManage(deps, auth, target);
  return mintAccessToken(deps, actorOf(auth, ip), target, text);
}

function checkDescription(description: unknown): string {
  if (typeof description !== 'string' || !description.trim()) throw badRequest('invalid_description', 'description is required');
  if (description.length > MAX_DESCRIPTION || description.includes('\u0000')) throw badRequest('invalid_description', `description must be at most ${MAX_DESCRIPTION} characters`);
  return description.trim();
}

/**
 * Creates a token for a user on behalf of an authorized actor (the caller checked who may; here
 * only the target's state). The local command line uses it directly: it acts as the server's
 * owner, like a system admin, while tokens are not turned off.
 */
export async function mintAccessToken(deps: Deps, by: Actor, target: { id: string; delete_at: number }, description: unknown) {
  const text = checkDescription(description);
  if (Number(target.delete_at) !== 0) throw badRequest('user_inactive', 'This account is deactivated');
  const token = newId();
  const row = await inTx(deps, async (tx) => {
    const row = await store.insertAccessToken(tx, { id: newId(), user_id: target.id, token_hash: hashToken(token), description: text, create_at: deps.now() });
    await audit(tx, deps.now(), by, 'token_create', { target_type: 'user', target_id: target.id, details: { token_id: row.id } });
    return row;
  });
  return { ...presentAccessToken(row), token };
}

/** A user's tokens, newest first (page from 0). */
export async function listAccessTokens(deps: Deps, auth: Auth, userId: string, page = 0, perPage = 60): Promise<PresentedAccessToken[]> {
  const target = await loadTarget(deps, userId);
  await assertManage(deps, auth, target);
  const limit = Math.min(Math.max(perPage, 1), TOKEN_PAGE_MAX);
  return (await store.listUserAccessTokens(deps.db, target.id, limit, page * limit)).map(presentAccessToken);
}

/** Every token on the server (system admins). */
export async function listAllAccessTokens(deps: Deps, auth: Auth, o: { page?: number; perPage?: number; term?: string } = {}): Promise<PresentedAccessToken[]> {
  if (!auth.isSystemAdmin) throw forbidden('forbidden', 'System admin only');
  const limit = Math.min(Math.max(o.perPage ?? 60, 1), TOKEN_PAGE_MAX);
  return (await store.listAllAccessTokens(deps.db, { limit, offset: (o.page ?? 0) * limit, term: o.term?.slice(0, 64) || undefined })).map(presentAccessToken);
}

/** Loads a token the caller may manage; 404 for tokens they may not see (ids are not probed). */
async function accessToken(deps: Deps, auth: Auth, tokenId: string): Promise<AccessTokenRow> {
  if (!isId(tokenId)) throw badRequest('invalid_id', 'token id is not a valid id');
  const row = await store.getAccessToken(deps.db, tokenId);
  if (!row) throw notFound('token_not_found', 'Access token not found');
  try {
    await assertManage(deps, auth, await loadTarget(deps, row.user_id));
  } catch (e) {
    if (e instanceof AppError && e.status === 403) throw notFound('token_not_found', 'Access token not found');
    throw e;
  }
  return row;
}

export async function getAccessTokenInfo(deps: Deps, auth: Auth, tokenId: string): Promise<PresentedAccessToken> {
  return presentAccessToken(await accessToken(deps, auth, tokenId));
}

/** Revokes (deletes) a token; it stops working on every process within a second. */
export async function revokeAccessToken(deps: Deps, auth: Auth, tokenId: string, ip: string): Promise<void> {
  await deleteAccessToken(deps, actorOf(auth, ip), await accessToken(deps, auth, tokenId));
}

/** Deletes a token the actor may manage (the caller checked) and ends it on every process. */
export async function deleteAccessToken(deps: Deps, by: Actor, row: AccessTokenRow): Promise<void> {
  await inTx(deps, async (tx) => {
    if (!(await store.deleteAccessToken(tx, row.id))) throw notFound('token_not_found', 'Access token not found');
    await audit(tx, deps.now(), by, 'token_revoke', { target_type: 'user', target_id: row.user_id, details: { token_id: row.id } });
  });
  announceTokensRevoked(deps, row.user_id, [row.id]);
}

/** Disables or re-enables a token (disabled tokens are refused like revoked ones). */
export async function setAccessTokenActive(deps: Deps, auth: Auth, tokenId: string, active: boolean, ip: string): Promise<PresentedAccessToken> {
  const row = await accessToken(deps, auth, tokenId);
  const updated = await inTx(deps, async (tx) => {
    const r = await store.setAccessTokenActive(tx, row.id, active);
    if (!r) throw notFound('token_not_found', 'Access token not found');
    await audit(tx, deps.now(), actorOf(auth, ip), active ? 'token_enable' : 'token_disable', { target_type: 'user', target_id: row.user_id, details: { token_id: row.id } });
    return r;
  });
  if (!active) announceTokensRevoked(deps, row.user_id, [row.id]);
  return presentAccessToken(updated);
}
