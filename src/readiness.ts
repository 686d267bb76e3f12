import type { Deps } from './deps.ts';
import type { CheckState, ReadinessCheck } from './services.ts';

export type { CheckState, ReadinessCheck };

/** The database check, then whatever subsystems registered: what /health/ready runs. */
export function allReadinessChecks(deps: Deps): ReadinessCheck[] {
  const database: ReadinessCheck = {
    name: 'database',
    required: true,
    check: async () => {
      await deps.db.query('select 1');
      // Out of disk space: reads work, writes answer 507 (still 200: every node shares the disk).
      return deps.db.diskFull?.() ? 'full' : 'ok';
    },
  };
  return [database, ...deps.services.readiness];
}

/** Longest a single check may take before it counts as down. */
export const CHECK_TIMEOUT_MS = 3000;

export interface Readiness {
  /** Every required check passed. */
  ok: boolean;
  /** Some check is not 'ok' (an optional one down, or degraded): the node serves, with less. */
  degraded: boolean;
  /** Each check's state: a CheckState, or 'down'. */
  checks: Record<string, CheckState | 'down'>;
}

/**
 * Runs the checks at once (each under CHECK_TIMEOUT_MS), as /health/ready and the metrics'
 * dependency gauges report them. `onDown` hears each failure.
 */
export async function runReadiness(checks: ReadinessCheck[], onDown?: (name: string, err: unknown) => void): Promise<Readiness> {
  const out: Readiness = { ok: true, degraded: false, checks: {} };
  await Promise.all(
    checks.map(async (ch) => {
      try {
        out.checks[ch.name] = await withTimeout(ch.check(), CHECK_TIMEOUT_MS);
      } catch (e) {
        out.checks[ch.name] = 'down';
        if (ch.required) out.ok = false;
        onDown?.(ch.name, e);
      }
    }),
  );
  out.degraded = Object.values(out.checks).some((s) => s !== 'ok');
  return out;
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
