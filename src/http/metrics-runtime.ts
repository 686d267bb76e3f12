import { readdirSync, readFileSync } from 'node:fs';
import { statfs } from 'node:fs/promises';
import type { Deps } from '../deps.ts';
import { allReadinessChecks, runReadiness } from '../readiness.ts';
import { family } from './exposition.ts';

/**
 * Process and dependency series of the metrics: CPU, memory and descriptors under the names
 * Prometheus' own client libraries use (so stock dashboards work), and the state of the database,
 * Redis bus and file storage as the readiness checks see them at scrape time.
 */

/** The soft limit on open files, read once (it does not change under a running process). */
let maxFds: number | undefined;
function readMaxFds(): number | undefined {
  if (maxFds !== undefined) return maxFds;
  try {
    const m = /^Max open files\s+(\d+)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
    if (m) maxFds = Number(m[1]);
  } catch {
    /* not Linux */
  }
  return maxFds;
}

function openFds(): number | undefined {
  try {
    return readdirSync('/proc/self/fd').length - 1; // less the descriptor readdir itself held
  } catch {
    return undefined;
  }
}

export function processFamilies(): string[] {
  const cpu = process.cpuUsage();
  const mem = process.memoryUsage();
  const out = [
    family('process_cpu_user_seconds_total', 'counter', 'User CPU time spent, in seconds.', [[{}, cpu.user / 1e6]]),
    family('process_cpu_system_seconds_total', 'counter', 'System CPU time spent, in seconds.', [[{}, cpu.system / 1e6]]),
    family('process_cpu_seconds_total', 'counter', 'User and system CPU time spent, in seconds.', [[{}, (cpu.user + cpu.system) / 1e6]]),
    family('process_resident_memory_bytes', 'gauge', 'Resident set size in bytes.', [[{}, mem.rss]]),
    family('nodejs_heap_used_bytes', 'gauge', 'V8 heap in use, in bytes.', [[{}, mem.heapUsed]]),
    family('nodejs_heap_total_bytes', 'gauge', 'V8 heap reserved, in bytes.', [[{}, mem.heapTotal]]),
    family('nodejs_external_memory_bytes', 'gauge', 'Memory of C++ objects bound to JavaScript (includes WebAssembly), in bytes.', [[{}, mem.external + mem.arrayBuffers]]),
    family('process_start_time_seconds', 'gauge', 'Start time of the process since the Unix epoch, in seconds.', [[{}, Math.floor((Date.now() - process.uptime() * 1000) / 1000)]]),
  ];
  const fds = openFds();
  const max = readMaxFds();
  if (fds !== undefined) out.push(family('process_open_fds', 'gauge', 'Open file descriptors (sockets included).', [[{}, fds]]));
  if (max !== undefined) out.push(family('process_max_fds', 'gauge', 'Limit on open file descriptors.', [[{}, max]]));
  return out;
}

/**
 * Readiness and dependency state (one run of the /health/ready checks), bus and storage
 * counters, and the free space of the data directory's filesystem.
 */
export async function dependencyFamilies(deps: Deps): Promise<string[]> {
  const ready = await runReadiness(allReadinessChecks(deps));
  const out = [
    family('rustchat_ready', 'gauge', 'Whether /api/v1/health/ready answers 200 (every required dependency answers).', [[{}, ready.ok ? 1 : 0]]),
    family(
      'rustchat_dependency_up',
      'gauge',
      'Whether a dependency answers its readiness check now (0 when down, or degraded as the Redis bus is while it reconnects).',
      Object.entries(ready.checks).map(([name, state]) => [{ dependency: name }, state === 'ok' ? 1 : 0]),
    ),
  ];
  const bus = deps.bus.stats;
  out.push(family('rustchat_bus_info', 'gauge', 'Which bus carries events between processes (always 1).', [[{ bus: deps.config.redis.url ? 'redis' : 'memory' }, 1]]));
  if (bus) {
    out.push(
      family('rustchat_bus_published_total', 'counter', 'Events published to the Redis bus.', [[{}, bus.published]]),
      family('rustchat_bus_dropped_total', 'counter', 'Events that could not be published to Redis (other processes missed them; their clients resync).', [[{}, bus.dropped]]),
      family('rustchat_bus_received_total', 'counter', 'Events received from other processes through Redis.', [[{}, bus.received]]),
    );
  }
  const storage = deps.storage?.stats?.();
  if (storage && deps.storage) {
    const l = { backend: deps.storage.kind };
    out.push(
      family('rustchat_storage_requests_total', 'counter', 'Requests to the file storage backend.', [[l, storage.requests]]),
      family('rustchat_storage_errors_total', 'counter', 'Requests to the file storage backend that failed (not counting "not found").', [[l, storage.errors]]),
    );
  }
  try {
    const fs = await statfs(deps.config.server.data_dir);
    out.push(
      family('rustchat_data_dir_free_bytes', 'gauge', 'Space available to the server on the filesystem of its data directory.', [[{}, fs.bavail * fs.bsize]]),
      family('rustchat_data_dir_size_bytes', 'gauge', 'Size of the filesystem of the data directory.', [[{}, fs.blocks * fs.bsize]]),
    );
  } catch {
    /* no data directory (tests, or PostgreSQL and S3 with nothing local yet) */
  }
  return out;
}
