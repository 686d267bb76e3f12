import type { Deps } from './deps.ts';

/** What `/health/ready` checks besides the database; subsystems register here at start. */
export interface ReadinessCheck {
  name: string;
  /** Resolves 'ok' or 'degraded', or throws when the component is down. */
  check(): Promise<'ok' | 'degraded'>;
  /** A failing required check makes /ready answer 503; optional ones only report. */
  required: boolean;
}

const checksKey = 'readiness-checks';

/** Subsystems (Redis bus, S3 storage) register what /health/ready reports. */
export function readinessChecks(local: Map<string, unknown>): ReadinessCheck[] {
  let v = local.get(checksKey) as ReadinessCheck[] | undefined;
  if (!v) local.set(checksKey, (v = []));
  return v;
}

/** The database check, then whatever subsystems registered: what /health/ready runs. */
export function allReadinessChecks(deps: Deps): ReadinessCheck[] {
  const database: ReadinessCheck = {
    name: 'database',
    required: true,
    check: async () => {
      await deps.db.query('select 1');
      return 'ok';
    },
  };
  return [database, ...readinessChecks(deps.local)];
}

/** Longest a single check may take before it counts as down. */
export const CHECK_TIMEOUT_MS = 3000;

export interface Readiness {
  /** Every required check passed. */
  ok: boolean;
  /** Each check's state: 'ok', 'degraded' or 'down'. */
  checks: Record<string, 'ok' | 'degraded' | 'down'>;
}

/**
 * Runs the checks at once (each under CHECK_TIMEOUT_MS), as /health/ready and the metrics'
 * dependency gauges report them. `onDown` hears each failure.
 */
export async function runReadiness(checks: ReadinessCheck[], onDown?: (name: string, err: unknown) => void): Promise<Readiness> {
  const out: Readiness = { ok: true, checks: {} };
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
