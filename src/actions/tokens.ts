import { SignJWT, jwtVerify, errors as joseErrors } from 'jose';
import type { Deps } from '../deps.ts';
import { localState } from '../deps.ts';
import { AppError, unauthorized } from '../errors.ts';
import { getSession, touchSession, type SessionRow } from '../store/sessions.ts';
import { isControl } from '../realtime/protocol.ts';

/** Absolute cap on a token's age, whatever the sliding idle lifetime does. */
export const TOKEN_MAX_AGE_SECONDS = 365 * 24 * 3600;

export async function signSessionToken(deps: Deps, sessionId: string, userId: string, issuedAtMs: number): Promise<string> {
  const iat = Math.floor(issuedAtMs / 1000);
  return new SignJWT({ sid: sessionId })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(userId)
    .setIssuedAt(iat)
    .setExpirationTime(iat + TOKEN_MAX_AGE_SECONDS)
    .sign(deps.jwtKey);
}

export interface AuthUser {
  id: string;
  username: string;
  email: string;
  roles: string;
  delete_at: number;
}

export interface Auth {
  user: AuthUser;
  session: SessionRow;
  isSystemAdmin: boolean;
}

interface CacheEntry {
  auth: Auth;
  at: number;
}

// Sessions are cached for at most this long; revocation also clears the cache on every process
// through the bus, so a revoked token stops working within this bound even if the bus is down.
const CACHE_MS = 1000;
// Sliding expiry is written back at most this often per session.
const TOUCH_MS = 60_000;

// Entries older than CACHE_MS are useless; sweep them when the map grows past this size.
const CACHE_SWEEP_AT = 10_000;

function sessionCache(deps: Deps): Map<string, CacheEntry> {
  return localState(deps, 'session-cache', () => {
    const cache = new Map<string, CacheEntry>();
    deps.bus.subscribe((m) => {
      if (isControl(m) && m.control === 'sessions_revoked') for (const id of m.session_ids) cache.delete(id);
    });
    return cache;
  });
}

/** Drops sessions from this process's cache at once (the bus does it for the others). */
export function forgetSessions(deps: Deps, ids: string[]) {
  const cache = sessionCache(deps);
  for (const id of ids) cache.delete(id);
}

interface VerifiedToken {
  sid: string;
  sub: string;
  /** The token's `exp`, in ms. */
  expMs: number;
}

/**
 * Tokens whose signature and claims were verified, by token text. Verifying an HS256 signature
 * through WebCrypto (key import, a thread-pool job, a promise) was 15 % of the server's CPU per
 * post; a token seen before needs none of it, and only the key holder can produce a token that
 * matches an entry. Bounded: the oldest entry goes when it is full. Expiry is re-checked on every
 * hit; revocation is the session check's job (below), which this cache does not skip.
 */
const VERIFIED_MAX = 1000;

function verifiedTokens(deps: Deps): Map<string, VerifiedToken> {
  return localState(deps, 'verified-tokens', () => new Map<string, VerifiedToken>());
}

/** The signing key as a WebCrypto key, imported once per process (jose would import it per call). */
function hmacKey(deps: Deps): Promise<CryptoKey> {
  return localState(deps, 'jwt-crypto-key', () =>
    crypto.subtle.importKey('raw', deps.jwtKey as Uint8Array<ArrayBuffer>, { name: 'HMAC', hash: 'SHA-256' }, false, ['verify']),
  );
}

async function verifyToken(deps: Deps, token: string): Promise<{ sid: string; sub: string }> {
  const cache = verifiedTokens(deps);
  const hit = cache.get(token);
  if (hit) {
    if (hit.expMs > deps.now()) return hit;
    cache.delete(token);
  }
  try {
    // The algorithm is pinned: alg:none, RS*/ES* (key confusion) and HS384/512 are all rejected.
    const { payload } = await jwtVerify(token, await hmacKey(deps), {
      algorithms: ['HS256'],
      requiredClaims: ['sid', 'sub', 'exp', 'iat'],
      currentDate: new Date(deps.now()),
    });
    if (typeof payload.sid !== 'string' || typeof payload.sub !== 'string') throw unauthorized('invalid_token', 'Invalid session token');
    const verified = { sid: payload.sid, sub: payload.sub, expMs: payload.exp! * 1000 };
    if (cache.size >= VERIFIED_MAX) cache.delete(cache.keys().next().value!);
    cache.set(token, verified);
    return verified;
  } catch (e) {
    if (e instanceof AppError) throw e;
    if (e instanceof joseErrors.JWTExpired) throw unauthorized('session_expired', 'Session expired; log in again');
    throw unauthorized('invalid_token', 'Invalid session token');
  }
}

/** Resolves a bearer token to a live session and an active user, or throws 401. */
export async function authenticate(deps: Deps, token: string): Promise<Auth> {
  const { sid, sub } = await verifyToken(deps, token);
  const now = deps.now();
  const cache = sessionCache(deps);
  const hit = cache.get(sid);
  if (hit && now - hit.at < CACHE_MS && hit.auth.session.expires_at > now) return hit.auth;

  const session = await getSession(deps.db, sid);
  if (!session || session.user_id !== sub || session.revoked_at !== 0) {
    cache.delete(sid);
    throw unauthorized('session_revoked', 'Session is no longer valid; log in again');
  }
  if (session.expires_at <= now) {
    cache.delete(sid);
    throw unauthorized('session_expired', 'Session expired; log in again');
  }
  const users = await deps.db.query<AuthUser>('select id, username, email, roles, delete_at from users where id = $1', [sub]);
  const user = users[0];
  if (!user || Number(user.delete_at) !== 0) throw unauthorized('user_inactive', 'This account is deactivated');
  if (now - session.last_activity_at > TOUCH_MS) {
    const lifetime = deps.config.auth.session_lifetime_days * 86_400_000;
    session.last_activity_at = now;
    session.expires_at = now + lifetime;
    await touchSession(deps.db, sid, now, session.expires_at);
  }
  const auth: Auth = { user, session, isSystemAdmin: user.roles.split(' ').includes('system_admin') };
  if (cache.size >= CACHE_SWEEP_AT) {
    for (const [id, e] of cache) if (now - e.at >= CACHE_MS) cache.delete(id);
  }
  cache.set(sid, { auth, at: now });
  return auth;
}
