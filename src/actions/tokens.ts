import { createHmac, createSecretKey, timingSafeEqual, type KeyObject } from 'node:crypto';
import { SignJWT } from 'jose';
import type { Deps } from '../deps.ts';
import type { CachedAuth, SessionCache } from '../services.ts';
import { forbidden, unauthorized } from '../errors.ts';
import { authSettings, mfaEnrolmentDue, sessionLifetimeMs } from './auth-settings.ts';
import { getSession, touchSession } from '../store/sessions.ts';
import type { Auth, AuthUser } from '../auth.ts';
import { isControl } from '../contract/events.ts';
import { authenticateAccessToken, isAccessTokenShape } from './access-tokens.ts';

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

export type { Auth, AuthUser } from '../auth.ts';
export type { SessionCache };

export interface AuthenticateOptions {
  /** The route is one a session waiting for MFA enrolment may use. */
  allowMfaSetup?: boolean;
}

/** What a session waiting for MFA enrolment gets everywhere else (403). */
export const mfaSetupRequiredError = () => forbidden('mfa_setup_required', 'This server requires multi-factor authentication: set it up before continuing');

// Sessions are cached for at most this long; revocation also clears the cache on every process
// through the bus, so a revoked token stops working within this bound even if the bus is down.
const CACHE_MS = 1000;
// Sliding expiry is written back at most this often per session.
const TOUCH_MS = 60_000;

/**
 * The session cache. Entries older than CACHE_MS are useless, so they go soon after: the map is
 * kept in insertion order (an entry is re-inserted when refreshed), so expired entries are at its
 * front; each insert drops them, and a timer empties the map a little after the last insert. (It
 * used to keep up to 10,000 stale entries, ~0.7 KB each — after a reconnect storm, one per
 * connected socket for as long as the process lived.)
 */
class ExpiringSessionCache implements SessionCache {
  readonly map = new Map<string, CachedAuth>();
  private timer: NodeJS.Timeout | undefined;
  unsubscribe: (() => void) | undefined;
  constructor(private now: () => number) {}

  get(sid: string): CachedAuth | undefined {
    return this.map.get(sid);
  }
  delete(sid: string) {
    this.map.delete(sid);
  }
  set(sid: string, e: CachedAuth) {
    this.map.delete(sid);
    this.map.set(sid, e);
    this.sweep();
    if (!this.timer) {
      this.timer = setTimeout(() => this.tick(), CACHE_MS);
      this.timer.unref();
    }
  }
  private sweep() {
    const cutoff = this.now() - CACHE_MS;
    for (const [id, e] of this.map) {
      if (e.at > cutoff) break;
      this.map.delete(id);
    }
  }
  close() {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.unsubscribe?.();
    this.map.clear();
  }
  private tick() {
    this.timer = undefined;
    this.sweep();
    if (this.map.size) {
      this.timer = setTimeout(() => this.tick(), CACHE_MS);
      this.timer.unref();
    }
  }
}

/** The process's session cache (deps.services.sessions), cleared by `sessions_revoked` on the bus. */
export function createSessionCache(deps: Deps): SessionCache {
  const cache = new ExpiringSessionCache(deps.now);
  cache.unsubscribe = deps.bus.subscribe((m) => {
    if (isControl(m) && m.control === 'sessions_revoked') for (const id of m.session_ids) cache.delete(id);
  });
  return cache;
}

const sessionCache = (deps: Deps): SessionCache => deps.services.sessions;

/** Drops sessions from this process's cache at once (the bus does it for the others). */
export function forgetSessions(deps: Deps, ids: string[]) {
  const cache = sessionCache(deps);
  for (const id of ids) cache.delete(id);
}

const BASE64URL = /^[A-Za-z0-9_-]+$/;

/**
 * The signing key as a KeyObject, made once per key: createHmac with raw bytes makes and checks a
 * new secret key object on every call (about a third of a token's verification CPU).
 */
const hmacKeys = new WeakMap<Uint8Array, KeyObject>();
function hmacKey(raw: Uint8Array): KeyObject {
  let key = hmacKeys.get(raw);
  if (!key) hmacKeys.set(raw, (key = createSecretKey(raw)));
  return key;
}
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Verifies a session token (a JWT we signed with HS256) synchronously, with node:crypto. jose's
 * verification goes through WebCrypto, whose HMAC runs as a job on libuv's thread pool: ~70 µs of
 * CPU per token (the raw key is re-imported each time) and, in a reconnect storm, memory the
 * worker threads' malloc arenas keep (measured: 4-12 KiB of RSS per connection after 3,000
 * connects). This is ~5 µs on the calling thread in isolation (more on a busy server: see the cache
 * below), and a token already verified is not MACed again. The checks are jose's, for our tokens:
 * - the algorithm is pinned: alg:none, RS and ES (key confusion), HS384/512 are all rejected, and
 *   so is any critical header extension (`crit`, `b64`: RFC 7515 §4.1.11, RFC 7797);
 * - the signature must be the canonical base64url of the right MAC (compared in constant time);
 * - `sid`, `sub` strings, `exp`, `iat` numbers; `exp` in the past → session_expired; `nbf`, when
 *   present, not in the future.
 */
function verifyToken(deps: Deps, token: string): { sid: string; sub: string } {
  // A token this process has verified with this key is the same token now: only the clock checks
  // are made again. The MAC itself is the expensive part: OpenSSL 3 looks up the digest and
  // builds an HMAC context per call (~80 µs per request under perf, 2.8 % of an embedded post).
  const cache = verifiedCache(deps.jwtKey);
  const known = cache.get(token);
  if (known) {
    cache.delete(token); // re-inserted: the Map's order is the recency order
    cache.set(token, known);
    checkClock(deps, known);
    return known;
  }
  const claims = verifySignedToken(deps, token);
  checkClock(deps, claims);
  if (cache.size >= VERIFIED_TOKENS_MAX) cache.delete(cache.keys().next().value!);
  cache.set(token, claims);
  return claims;
}

/**
 * Tokens verified by this process, per signing key, with their claims: at most
 * VERIFIED_TOKENS_MAX (least recently used dropped; ~250 bytes each). Only tokens whose MAC and
 * claims passed are kept, so a forged or altered token is never answered from here; a session
 * revoked, expired in the database or belonging to a deactivated user is still refused by
 * resolveSession, which looks at the session after this.
 */
export const VERIFIED_TOKENS_MAX = 10_000;
interface TokenClaims {
  sid: string;
  sub: string;
  exp: number;
  nbf: number | undefined;
}
const verifiedTokens = new WeakMap<Uint8Array, Map<string, TokenClaims>>();
function verifiedCache(key: Uint8Array): Map<string, TokenClaims> {
  let cache = verifiedTokens.get(key);
  if (!cache) verifiedTokens.set(key, (cache = new Map()));
  return cache;
}
/** How many verified tokens this process keeps for a key (tests). */
export const verifiedTokenCount = (deps: Pick<Deps, 'jwtKey'>) => verifiedTokens.get(deps.jwtKey)?.size ?? 0;

function checkClock(deps: Deps, claims: TokenClaims) {
  const now = Math.floor(deps.now() / 1000);
  if (claims.nbf !== undefined && claims.nbf > now) throw unauthorized('invalid_token', 'Invalid session token');
  if (claims.exp <= now) throw unauthorized('session_expired', 'Session expired; log in again');
}

/** The signature and the claims' shapes (the clock is checked by the caller). */
function verifySignedToken(deps: Deps, token: string): TokenClaims {
  const invalid = () => unauthorized('invalid_token', 'Invalid session token');
  const parts = token.split('.');
  if (parts.length !== 3) throw invalid();
  const [h, p, sig] = parts as [string, string, string];
  if (!BASE64URL.test(h) || !BASE64URL.test(p) || !BASE64URL.test(sig)) throw invalid();
  const json = (part: string): unknown => {
    try {
      return JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    } catch {
      throw invalid();
    }
  };
  const header = json(h);
  if (!isObject(header) || header.alg !== 'HS256' || 'crit' in header || 'b64' in header) throw invalid();
  const expected = Buffer.from(createHmac('sha256', hmacKey(deps.jwtKey)).update(`${h}.${p}`).digest('base64url'));
  const given = Buffer.from(sig);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw invalid();
  const payload = json(p);
  if (!isObject(payload)) throw invalid();
  const { sid, sub, exp, iat, nbf } = payload;
  if (typeof sid !== 'string' || typeof sub !== 'string' || typeof exp !== 'number' || typeof iat !== 'number') throw invalid();
  if (nbf !== undefined && typeof nbf !== 'number') throw invalid();
  return { sid, sub, exp, nbf };
}

/**
 * Resolves a bearer token to a live session and an active user, or throws 401 (403
 * mfa_setup_required for a session that must enrol first, unless the route allows it).
 */
export async function authenticate(deps: Deps, token: string, opts: AuthenticateOptions = {}): Promise<Auth> {
  // Personal access tokens have no dots; session tokens are JWTs (access-tokens.ts).
  const auth = isAccessTokenShape(token) ? await authenticateAccessToken(deps, token) : await resolveSession(deps, token);
  if (auth.mfaSetupRequired && !opts.allowMfaSetup) throw mfaSetupRequiredError();
  return auth;
}

async function resolveSession(deps: Deps, token: string): Promise<Auth> {
  const { sid, sub } = verifyToken(deps, token);
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
  const settings = await authSettings(deps);
  const mobile = session.props?.mobile === true;
  // The idle timeout (web and desktop only) is judged by the last recorded use, which is written
  // back at most once a minute; the setting is at least 5 minutes.
  const idleMs = settings.session_idle_timeout_minutes * 60_000;
  if (!mobile && idleMs > 0 && now - session.last_activity_at > idleMs) {
    cache.delete(sid);
    throw unauthorized('session_expired', 'Session ended after a period of inactivity; log in again');
  }
  const users = await deps.db.query<AuthUser>('select id, username, email, roles, delete_at, mfa_active from users where id = $1', [sub]);
  const user = users[0];
  if (!user || Number(user.delete_at) !== 0) throw unauthorized('user_inactive', 'This account is deactivated');
  if (now - session.last_activity_at > TOUCH_MS) {
    session.last_activity_at = now;
    session.expires_at = now + sessionLifetimeMs(settings, mobile);
    await touchSession(deps.db, sid, now, session.expires_at);
  }
  const auth: Auth = {
    user,
    session,
    isSystemAdmin: user.roles.split(' ').includes('system_admin'),
    // SSO sessions are exempt: the identity provider does its own second factor.
    mfaSetupRequired: mfaEnrolmentDue(settings, user.mfa_active, session.props?.via === 'openid'),
  };
  cache.set(sid, { auth, at: now });
  return auth;
}
