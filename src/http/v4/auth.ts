import type { Context, MiddlewareHandler } from 'hono';
import { getCookie } from 'hono/cookie';
import type { AppEnv } from '../env.ts';
import { AppError, unauthorized } from '../../errors.ts';
import { authenticate } from '../../actions/tokens.ts';
import type { Auth } from '../../auth.ts';

import { AUTH_COOKIE, CSRF_COOKIE } from '../session-cookies.ts';

export { AUTH_COOKIE, CSRF_COOKIE, USER_COOKIE } from '../session-cookies.ts';

export interface FoundToken {
  token: string;
  /** Cookie sessions must pass the CSRF rule on state-changing requests. */
  fromCookie: boolean;
}

/**
 * Where the Mattermost apps put the session token: `Authorization: BEARER <t>` (any case, or
 * `token <t>`), a bare `Token` header, or the `MMAUTHTOKEN` cookie (web and desktop app).
 */
export function findToken(c: Context<AppEnv>): FoundToken | undefined {
  const header = c.req.header('authorization');
  if (header) {
    const m = /^(bearer|token)\s+(\S+)\s*$/i.exec(header.trim());
    if (m) return { token: m[2], fromCookie: false };
  }
  const bare = c.req.header('token');
  if (bare && /^\S+$/.test(bare.trim())) return { token: bare.trim(), fromCookie: false };
  const cookie = getCookie(c, AUTH_COOKIE);
  if (cookie) return { token: cookie, fromCookie: true };
  return undefined;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Mattermost's CSRF rule for cookie sessions: a state-changing request must send `X-CSRF-Token`
 * equal to the `MMCSRF` cookie, or `X-Requested-With: XMLHttpRequest` (which a cross-site form
 * cannot set without a CORS preflight).
 */
export function csrfOk(c: Context<AppEnv>): boolean {
  if (SAFE_METHODS.has(c.req.method)) return true;
  if (c.req.header('x-requested-with') === 'XMLHttpRequest') return true;
  const sent = c.req.header('x-csrf-token');
  const expected = getCookie(c, CSRF_COOKIE);
  return !!sent && !!expected && sent === expected;
}

// What a session that must enrol in MFA first may still call (Mattermost's list: the user
// themself, MFA set-up, logout).
const MFA_SETUP_PATHS = /^\/api\/v4\/users\/(me|logout|[a-z0-9]{26}\/mfa(\/generate)?|me\/mfa(\/generate)?)$/;

/** Requires a live session from any of the places above; sets `auth`. */
export const mmRequireAuth: MiddlewareHandler<AppEnv> = async (c, next) => {
  const found = findToken(c);
  if (!found) throw unauthorized('unauthorized', 'Invalid or expired session, please login again.');
  const auth = await authenticate(c.get('deps'), found.token, { allowMfaSetup: MFA_SETUP_PATHS.test(c.req.path) });
  if (found.fromCookie && !csrfOk(c)) throw new AppError(401, 'csrf_failed', 'Token mismatch: missing or wrong X-CSRF-Token');
  c.set('auth', auth);
  await next();
};

/**
 * The caller's session on a route that needs none (the client config): the session when the
 * request carries a live one, else undefined — a missing, expired or refused token is not an
 * error there, as in Mattermost. A session that must still enrol in MFA counts (Mattermost does
 * not require MFA on these routes); a failure that is not the token's (the database) still throws.
 */
export async function optionalAuth(c: Context<AppEnv>): Promise<Auth | undefined> {
  const found = findToken(c);
  if (!found || (found.fromCookie && !csrfOk(c))) return undefined;
  try {
    return await authenticate(c.get('deps'), found.token, { allowMfaSetup: true });
  } catch (e) {
    if (e instanceof AppError && (e.status === 401 || e.status === 403)) return undefined;
    throw e;
  }
}
