import { Hono } from 'hono';
import type { AppEnv } from '../env.ts';
import { renderMetrics } from '../metrics.ts';

export { readinessChecks, type ReadinessCheck } from '../../readiness.ts';
import { readinessChecks, type ReadinessCheck } from '../../readiness.ts';

export function healthRoutes() {
  const r = new Hono<AppEnv>();
  r.get('/live', (c) => c.json({ status: 'ok' }));
  r.get('/metrics', (c) => c.body(renderMetrics(c.get('deps')), 200, { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8', 'Cache-Control': 'no-store' }));
  r.get('/ready', async (c) => {
    const deps = c.get('deps');
    const checks: ReadinessCheck[] = [
      {
        name: 'database',
        required: true,
        check: async () => {
          await deps.db.query('select 1');
          return 'ok';
        },
      },
      ...readinessChecks(deps.local),
    ];
    const results: Record<string, string> = {};
    let ok = true;
    await Promise.all(
      checks.map(async (ch) => {
        try {
          results[ch.name] = await withTimeout(ch.check(), 3000);
        } catch (e) {
          results[ch.name] = 'down';
          if (ch.required) ok = false;
          deps.log.warn('readiness check failed', { check: ch.name, err: e });
        }
      }),
    );
    return c.json({ status: ok ? 'ok' : 'unavailable', checks: results }, ok ? 200 : 503);
  });
  return r;
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
    p.then(
      (v) => (clearTimeout(t), resolve(v)),
      (e) => (clearTimeout(t), reject(e)),
    );
  });
}
