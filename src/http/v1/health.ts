import { Hono } from 'hono';
import type { AppEnv } from '../env.ts';
import { metricsEndpoint } from '../metrics-endpoint.ts';
import { allReadinessChecks, runReadiness } from '../../readiness.ts';
import { logLineLimiter } from '../../log.ts';

/** Lines a minute of "readiness check failed" (each names the check and the error). */
const READINESS_LOG_LINES = 6;

export type { ReadinessCheck } from '../../readiness.ts';

export function healthRoutes() {
  const r = new Hono<AppEnv>();
  r.get('/live', (c) => c.json({ status: 'ok' }));
  r.get('/metrics', metricsEndpoint);
  r.get('/ready', async (c) => {
    const deps = c.get('deps');
    const limiter = (deps.services.caches.readinessLog ??= logLineLimiter(READINESS_LOG_LINES));
    const { ok, degraded, checks } = await runReadiness(allReadinessChecks(deps), (check, err) => {
      // A load balancer probes every few seconds: during an outage, a few lines a minute say why.
      const suppressed = limiter.take(deps.now());
      if (suppressed !== null) deps.log.warn('readiness check failed', suppressed ? { check, err, suppressed } : { check, err });
    });
    // 'degraded' is still 200: a load balancer keeps a node whose chat works (S3 or Redis away).
    if (!ok) c.set('dependencyAnswer', 'not_ready');
    return c.json({ status: ok ? (degraded ? 'degraded' : 'ok') : 'unavailable', checks }, ok ? 200 : 503);
  });
  return r;
}
