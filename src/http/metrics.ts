import type { Deps } from '../deps.ts';
import type { MetricsRegistry } from '../services.ts';
import { buildInfo } from '../version.ts';
import { family } from './exposition.ts';
import { dependencyFamilies, processFamilies } from './metrics-runtime.ts';

export { family };
export type { HttpStats, MetricsRegistry, MetricsSource } from '../services.ts';

/**
 * Prometheus metrics for /metrics and /api/v1/health/metrics (text exposition format 0.0.4;
 * docs/monitoring.md). Process-local: with several servers, scrape each. HTTP requests are
 * counted by status class only, so the series stay few whatever the paths.
 */

// Upper bounds of the request-duration histogram, in seconds.
const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const CLASSES = ['1xx', '2xx', '3xx', '4xx', '5xx'] as const;

export function createMetricsRegistry(): MetricsRegistry {
  return {
    http: { inFlight: 0, byClass: new Map(CLASSES.map((c) => [c, { count: 0, sum: 0, buckets: BUCKETS.map(() => 0) }])) },
    sources: [],
  };
}

const httpStats = (deps: Deps) => deps.services.metrics.http;

/** Metric sources registered by subsystems (e.g. the WebSocket hub's connection count). */
export const metricsSources = (deps: Deps) => deps.services.metrics.sources;

/** Called by the request middleware when a request starts; returns the function that ends it. */
export function startRequest(deps: Deps): (status: number, seconds: number) => void {
  const s = httpStats(deps);
  s.inFlight++;
  return (status, seconds) => {
    s.inFlight--;
    const c = s.byClass.get(`${Math.floor(status / 100)}xx`);
    if (!c) return;
    c.count++;
    c.sum += seconds;
    BUCKETS.forEach((le, i) => {
      if (seconds <= le) c.buckets[i]++;
    });
  };
}

/**
 * The whole exposition: process, HTTP, database, dependencies (runs the readiness checks, so a
 * scrape sees Redis/S3/database state as it is now), then the subsystems' own sources.
 */
export async function renderMetrics(deps: Deps): Promise<string> {
  const info = buildInfo();
  const out: string[] = [
    family('rustchat_build_info', 'gauge', 'Version of the running server (always 1).', [[{ version: info.version, commit: info.commit, node: info.node }, 1]]),
    ...processFamilies(),
    family('rustchat_uptime_seconds', 'gauge', 'Seconds since the process started.', [[{}, Math.round(process.uptime() * 1000) / 1000]]),
  ];

  const http = httpStats(deps);
  out.push(family('rustchat_http_requests_in_flight', 'gauge', 'HTTP requests being handled now.', [[{}, http.inFlight]]));
  out.push(family('rustchat_http_requests_total', 'counter', 'HTTP requests answered, by status class.', CLASSES.map((c) => [{ class: c }, http.byClass.get(c)!.count])));
  const hist: [Record<string, string>, number, string][] = [];
  for (const c of CLASSES) {
    const s = http.byClass.get(c)!;
    if (!s.count) continue;
    BUCKETS.forEach((le, i) => hist.push([{ class: c, le: String(le) }, s.buckets[i], '_bucket']));
    hist.push([{ class: c, le: '+Inf' }, s.count, '_bucket'], [{ class: c }, s.sum, '_sum'], [{ class: c }, s.count, '_count']);
  }
  out.push(family('rustchat_http_request_duration_seconds', 'histogram', 'Time to answer HTTP requests, by status class.', hist));

  const db = deps.db.stats?.();
  if (db) {
    const d = { driver: db.kind };
    out.push(
      family('rustchat_db_pool_max_connections', 'gauge', 'Database connections the pool may open (1 for the embedded database).', [[d, db.pool_max]]),
      family('rustchat_db_queries_total', 'counter', 'Database statements run.', [[d, db.queries_total]]),
      family('rustchat_db_query_errors_total', 'counter', 'Database statements that failed.', [[d, db.query_errors_total]]),
      family('rustchat_db_unavailable_total', 'counter', 'Requests to the database that failed because it could not be reached (answered 503 database_unavailable).', [[d, db.unavailable_total ?? 0]]),
      family('rustchat_db_queries_in_flight', 'gauge', 'Database statements running or queued now.', [[d, db.queries_in_flight]]),
      family('rustchat_db_transactions_in_flight', 'gauge', 'Database transactions open now.', [[d, db.transactions_in_flight]]),
    );
    if (db.flushes_total !== undefined) {
      out.push(
        family('rustchat_db_flushes_total', 'counter', 'Embedded database: flushes of committed data to disk (fdatasync/fsync of the files written).', [[{}, db.flushes_total]]),
        family('rustchat_db_flush_errors_total', 'counter', 'Embedded database: failed flushes.', [[{}, db.flush_errors_total ?? 0]]),
        family('rustchat_db_flush_seconds_total', 'counter', 'Embedded database: time spent flushing.', [[{}, db.flush_seconds_total ?? 0]]),
        family('rustchat_db_flush_seconds_max', 'gauge', 'Embedded database: longest flush since start.', [[{}, db.flush_seconds_max ?? 0]]),
        family('rustchat_db_unflushed_age_seconds', 'gauge', 'Embedded database: age of the oldest commit not yet on disk (0 = all flushed).', [[{}, db.unflushed_age_seconds ?? 0]]),
        family('rustchat_db_unflushed_age_seconds_max', 'gauge', 'Embedded database: longest a commit waited for its flush since start (the power-loss window).', [[{}, db.unflushed_age_seconds_max ?? 0]]),
      );
    }
  }
  out.push(...(await dependencyFamilies(deps)));
  for (const src of metricsSources(deps)) {
    try {
      const text = src().trim();
      if (text) out.push(text);
    } catch {
      /* a faulty source must not break the scrape */
    }
  }
  return out.join('\n') + '\n';
}
