import { Hono } from 'hono';
import type { AppEnv } from '../env.ts';
import { metricsEndpoint } from '../metrics-endpoint.ts';
import { allReadinessChecks, runReadiness } from '../../readiness.ts';

export { readinessChecks, type ReadinessCheck } from '../../readiness.ts';

export function healthRoutes() {
  const r = new Hono<AppEnv>();
  r.get('/live', (c) => c.json({ status: 'ok' }));
  r.get('/metrics', metricsEndpoint);
  r.get('/ready', async (c) => {
    const deps = c.get('deps');
    const { ok, checks } = await runReadiness(allReadinessChecks(deps), (check, err) => deps.log.warn('readiness check failed', { check, err }));
    return c.json({ status: ok ? 'ok' : 'unavailable', checks }, ok ? 200 : 503);
  });
  return r;
}
