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
