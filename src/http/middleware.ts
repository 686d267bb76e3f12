import type { Context, MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { AppEnv } from './env.ts';
import type { Deps } from '../deps.ts';
import { AppError, badRequest, tooLarge, unauthorized } from '../errors.ts';
import { newId } from '../ids.ts';
import { authenticate } from '../actions/tokens.ts';
import { startRequest } from './metrics.ts';

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
    c.header('X-Request-Id', requestId);
    const status = c.res.status;
    const ms = performance.now() - start;
    done(status, ms / 1000);
    deps.log[status >= 500 ? 'error' : 'info']('request', {
      method: c.req.method,
      path: c.req.path,
      status,
      duration_ms: Math.round(ms * 10) / 10,
      request_id: requestId,
      user_id: (c.get('auth') as any)?.user?.id,
    });
  };
}

/** Renders an error in the native API shape. Unknown errors are logged and shown as internal_error. */
export function renderError(err: unknown, c: Context<AppEnv>): Response {
  const requestId = c.get('requestId') ?? '';
  if (err instanceof AppError) {
    if (err.status === 429) {
      const retry = (err.details as { retry_after?: number } | undefined)?.retry_after;
      if (retry) c.header('Retry-After', String(retry));
    }
    return c.json({ error: { code: err.code, message: err.message, details: err.details ?? null, request_id: requestId } }, err.status as any);
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

/** Requires a live session; sets `auth`. */
export const requireAuth = requireSession(false);
/** The same for the few routes a session waiting for MFA enrolment may use (me, logout, MFA). */
export const requireAuthDuringMfaSetup = requireSession(true);

/** The client address: the socket's, or X-Forwarded-For's first hop when trust_proxy is on. */
export function clientIp(c: Context<AppEnv>): string {
  const deps = c.get('deps');
  if (deps.config.server.trust_proxy) {
    const fwd = c.req.header('x-forwarded-for');
    if (fwd) return fwd.split(',')[0].trim();
  }
  const incoming = (c.env as any)?.incoming;
  return incoming?.socket?.remoteAddress ?? '';
}
