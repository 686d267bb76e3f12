import type { Context } from 'hono';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { AppEnv } from './env.ts';
import { parseAddressList } from '../cidr.ts';
import { forbidden } from '../errors.ts';
import { bearerToken, clientIp } from './middleware.ts';
import { renderMetrics } from './metrics.ts';

const sha256 = (s: string) => createHash('sha256').update(s).digest();

/**
 * GET /metrics (where Prometheus looks by default) and /api/v1/health/metrics: the exposition,
 * for clients in `metrics.allow_from` or bearing `metrics.token`; anyone else gets 403
 * metrics_forbidden. The client address is the one the request middleware resolved (the proxy's
 * forwarded address where the proxy is trusted).
 */
export async function metricsEndpoint(c: Context<AppEnv>): Promise<Response> {
  const deps = c.get('deps');
  const { allow, tokenHash } = (deps.services.caches.metricsAccess ??= {
    allow: parseAddressList(deps.config.metrics.allow_from),
    tokenHash: deps.config.metrics.token ? sha256(deps.config.metrics.token) : undefined,
  });
  const token = bearerToken(c.req.header('authorization'));
  // Compared as digests: equal length, constant time whatever the guess.
  const tokenOk = !!tokenHash && !!token && timingSafeEqual(sha256(token), tokenHash);
  if (!tokenOk && !allow.has(clientIp(c))) {
    throw forbidden('metrics_forbidden', 'Metrics are served to addresses in metrics.allow_from, or with the metrics.token bearer token');
  }
  return c.body(await renderMetrics(deps), 200, { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8', 'Cache-Control': 'no-store' });
}
