import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { Context, MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { AppEnv } from './env.ts';
import type { Deps } from '../deps.ts';
import { AppError, badRequest, tooLarge, unauthorized } from '../errors.ts';
import { newId } from '../ids.ts';
import { authenticate } from '../actions/tokens.ts';
import { takeApiToken, type ApiLimitCategory } from '../actions/api-rate-limit.ts';
import { startRequest } from './metrics.ts';
import { logLineLimiter } from '../log.ts';
import { resolveClientAddress, trustedProxies } from '../client-address.ts';

const SAFE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,64}$/;

/** Sets deps and the request id, writes one JSON log line per request. */
export function requestContext(deps: Deps): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const incoming = c.req.header('x-request-id');
    const requestId = incoming && SAFE_REQUEST_ID.test(incoming) ? incoming : newId();
    c.set('deps', deps);
    c.set('requestId', requestId);
    const start = performance.now();
    const done = startRequest(deps);
    await next();
    // Through the response's own headers, not c.header(): once a handler has answered,
    // c.header() rebuilds the response from its body, which on @hono/node-server's lightweight
    // Response builds a full fetch Response that is then written through a web stream instead
    // of in one piece (docs/benchmarks.md, "Embedded posting: the response path").
    // (A response with immutable headers — Response.redirect(), a fetched one — is rebuilt.)
    try {
      c.res.headers.set('X-Request-Id', requestId);
    } catch {
      c.header('X-Request-Id', requestId);
    }
    const status = c.res.status;
    const ms = performance.now() - start;
    done(status, ms / 1000);
    if (c.res.headers.get('content-type')?.startsWith('application/json')) jsonHeaders(c.res.headers);
    const line = {
      method: c.req.method,
      path: c.req.path,
      status,
      duration_ms: Math.round(ms * 10) / 10,
      request_id: requestId,
      user_id: (c.get('auth') as { user?: { id?: string } } | undefined)?.user?.id,
    };
    const err = c.error;
    const dependency = err instanceof AppError && DEPENDENCY_CODES.has(err.code) ? err.code : status >= 500 ? c.get('dependencyAnswer') : undefined;
    if (dependency) {
      // A dependency away (database down, storage down or full) answers every request 503/507
      // for as long as it lasts; the outage itself is logged once at error level where it is
      // noticed (the driver, the storage, readiness). Per request: warn, at most
      // DEPENDENCY_LOG_LINES lines a minute, the next line counting the dropped ones.
      const suppressed = (deps.services.caches.dependencyLog ??= logLineLimiter(DEPENDENCY_LOG_LINES)).take(deps.now());
      if (suppressed !== null) deps.log.warn('request', { ...line, code: dependency, ...(suppressed ? { suppressed } : {}) });
    } else if (status !== 501) deps.log[status >= 500 ? 'error' : 'info']('request', line);
    else {
      // A route RustChat does not have is the client's business, not a fault: warn, and at most
      // UNKNOWN_ROUTE_LOG_LINES lines a minute (a scanner or a newer app could flood the log).
      const suppressed = (deps.services.caches.unknownRouteLog ??= logLineLimiter(UNKNOWN_ROUTE_LOG_LINES)).take(deps.now());
      if (suppressed !== null) deps.log.warn('request', suppressed ? { ...line, suppressed } : line);
    }
  };
}

/** Log lines a minute for requests answered 501 (routes RustChat does not implement). */
export const UNKNOWN_ROUTE_LOG_LINES = 10;

/** Answers that mean a dependency is away or full, not a fault of the request or of the code. */
const DEPENDENCY_CODES = new Set(['database_unavailable', 'storage_unavailable', 'storage_full']);
/** Log lines a minute for requests answered with one of DEPENDENCY_CODES. */
export const DEPENDENCY_LOG_LINES = 10;

/**
 * JSON answers are data, never to be sniffed into HTML or kept by a shared cache (they carry one
 * user's private channels): nosniff, and no-store unless the route chose its own caching.
 */
function jsonHeaders(h: Headers) {
  h.set('X-Content-Type-Options', 'nosniff');
  if (!h.has('cache-control')) h.set('Cache-Control', 'no-store');
}

/** Renders an error in the native API shape. Unknown errors are logged and shown as internal_error. */
export function renderError(err: unknown, c: Context<AppEnv>): Response {
  const requestId = c.get('requestId') ?? '';
  if (err instanceof AppError) {
    if (err.status === 429) {
      const retry = (err.details as { retry_after?: number } | undefined)?.retry_after;
      if (retry) c.header('Retry-After', String(retry));
    }
    return c.json({ error: { code: err.code, message: err.message, details: err.details ?? null, request_id: requestId } }, err.status as ContentfulStatusCode);
  }
  c.get('deps')?.log.error('unhandled error', { err, request_id: requestId, path: c.req.path });
  return c.json({ error: { code: 'internal_error', message: 'Internal server error', details: null, request_id: requestId } }, 500);
}

/**
 * Rejects a NUL character anywhere in the decoded path or query string with 400
 * invalid_characters. PostgreSQL text cannot hold NUL, so without this a `?q=%00` reaching a
 * query parameter would surface as a 500 from the driver.
 */
export const rejectNulInUrl: MiddlewareHandler<AppEnv> = async (c, next) => {
  const url = c.req.url;
  if (url.includes('%00') || url.includes('\u0000')) {
    let decoded = '';
    try {
      decoded = decodeURIComponent(url);
    } catch {
      throw badRequest('invalid_url', 'The request URL is not valid percent-encoding');
    }
    if (decoded.includes('\u0000')) throw badRequest('invalid_characters', 'The request URL contains a NUL character');
  }
  await next();
};

/**
 * Limits request bodies; answers 413 body_too_large without reading the rest. A body with a
 * Content-Length is judged by the header alone (Node's parser holds the body to it, and rejects
 * a request that has both it and Transfer-Encoding); a request with neither has no body. Only a
 * chunked (or fetch-style streamed) body goes through Hono's counting limiter — which wraps the request in a WHATWG
 * stream, a cost the common case need not pay.
 */
export function limitBody(maxSize: number): MiddlewareHandler<AppEnv> {
  const tooBig = () => tooLarge('body_too_large', `Request body exceeds ${maxSize} bytes`);
  const chunked = bodyLimit({
    maxSize,
    onError: () => {
      throw tooBig();
    },
  });
  return async (c, next) => {
    const length = c.req.header('content-length');
    if (length !== undefined) {
      if (Number(length) > maxSize) throw tooBig();
      return next();
    }
    // Through Node without either header there is no body; a fetch-style caller (app.request)
    // may still stream one, so that is counted too.
    if (c.req.header('transfer-encoding') === undefined && (c.env as { incoming?: unknown } | undefined)?.incoming) return next();
    return chunked(c, next);
  };
}

/** The bearer token of a request, from `Authorization: Bearer …` (any case). */
export function bearerToken(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const m = /^(bearer|token)\s+(\S+)$/i.exec(header.trim());
  return m ? m[2] : undefined;
}

function requireSession(allowMfaSetup: boolean): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const token = bearerToken(c.req.header('authorization'));
    if (!token) throw unauthorized('unauthorized', 'Authentication required');
    c.set('auth', await authenticate(c.get('deps'), token, { allowMfaSetup }));
    await next();
  };
}

/**
 * The per-user API rate limit of a category (actions/api-rate-limit.ts), after authentication:
 * over it the request answers 429 with Retry-After before its body is read.
 */
export function apiRateLimit(category: ApiLimitCategory): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const auth = c.get('auth');
    if (auth) takeApiToken(c.get('deps'), auth.user.id, category);
    await next();
  };
}

/** Requires a live session; sets `auth`. */
export const requireAuth = requireSession(false);
/** The same for the few routes a session waiting for MFA enrolment may use (me, logout, MFA). */
export const requireAuthDuringMfaSetup = requireSession(true);

/** The socket's peer address of a request ('' when there is no socket, as in app.request). */
export function peerAddress(c: Context<AppEnv>): string {
  return (c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)?.incoming?.socket?.remoteAddress ?? '';
}

/**
 * The client address: the socket's, or, when that is a trusted proxy, the rightmost
 * X-Forwarded-For hop that is not (http/client-address.ts).
 */
export function clientIp(c: Context<AppEnv>): string {
  const deps = c.get('deps');
  return resolveClientAddress(peerAddress(c), c.req.header('x-forwarded-for'), trustedProxies(deps));
}
