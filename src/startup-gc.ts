import { performance, type EventLoopUtilization } from 'node:perf_hooks';
import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/**
 * One memory-reducing garbage collection, run by `serve` a second after it starts listening.
 *
 * Start-up (evaluating the bundle, building the routes and schemas, the first queries) allocates
 * far more than stays alive, and V8 grows its young generation to match: 16 MB, all of it touched.
 * An idle server allocates almost nothing, so no further GC comes and that memory stays resident
 * for good. The "last-resort" flavour is the collection V8 itself runs under memory pressure: it
 * frees the start-up garbage, shrinks the young generation back to its minimum (it grows again
 * under load) and drops bytecode not needed since start-up (recompiled from the source if it ever
 * runs again). Measured on the executable in PostgreSQL mode (docs/benchmarks.md, "Startup"):
 * about 9 MB less idle RSS for 40-60 ms of main-thread time, once.
 *
 * V8 hands out its `gc` function only to contexts created while --expose-gc is set, so the flag is
 * set for the moment it takes to make one (a throwaway vm context) and cleared again.
 * Returns how long the collection took, in ms.
 */
export function collectStartupGarbage(): number {
  setFlagsFromString('--expose-gc');
  let gc: (options?: object) => unknown;
  try {
    gc = runInNewContext('gc') as typeof gc;
  } finally {
    setFlagsFromString('--no-expose-gc');
  }
  const started = performance.now();
  gc({ type: 'major', execution: 'sync', flavor: 'last-resort' });
  return performance.now() - started;
}

export interface IdleCollectorOptions {
  /** How often the collector looks (ms). */
  intervalMs?: number;
  /** Event-loop utilisation under which the process counts as idle, over two intervals. */
  idleUtilization?: number;
  /** How far V8's heap must have grown since the last collection (bytes). */
  growthBytes?: number;
  /** Never more often than this (ms). */
  minGapMs?: number;
  onCollect?: (info: { gc_ms: number; heap_before_mb: number; heap_after_mb: number }) => void;
}

/**
 * The same collection after a burst, once the server has gone idle: a reconnect storm (every
 * client authenticating, presence writes, replays) allocates ~90 KB per connection, V8 grows its
 * heap to hold that, and an idle server then never collects again — RSS stays at the storm's
 * high-water mark for good (measured at 10,000 connections: 18 KiB per connection with the heap
 * V8 kept, 6 KiB once collected; docs/benchmarks.md, "Real time"). V8's own memory reducer does
 * not return those pages. So when the heap has grown by `growthBytes` since the last collection
 * and the event loop has been nearly idle (utilisation under `idleUtilization`) for two intervals,
 * it runs one memory-reducing collection. It never runs under load (that is what the utilisation
 * test is for), costs one pause of tens of ms (~100 ms at 10,000 sockets) while nothing much is
 * happening, and at most once per `minGapMs`. Returns a function that stops it.
 */
export function startIdleCollector(opts: IdleCollectorOptions = {}): () => void {
  const intervalMs = opts.intervalMs ?? 1000;
  const idleUtilization = opts.idleUtilization ?? 0.1;
  const growthBytes = opts.growthBytes ?? 32 * 2 ** 20;
  const minGapMs = opts.minGapMs ?? 30_000;
  let baseline = getHeapStatistics().total_heap_size;
  let lastAt = 0;
  let last: EventLoopUtilization = performance.eventLoopUtilization();
  let idleIntervals = 0;
  const timer = setInterval(() => {
    const now = performance.eventLoopUtilization();
    const elu = performance.eventLoopUtilization(now, last).utilization;
    last = now;
    idleIntervals = elu < idleUtilization ? idleIntervals + 1 : 0;
    const heap = getHeapStatistics().total_heap_size;
    // The baseline follows the heap down, so growth is measured from the lowest point since.
    if (heap < baseline) baseline = heap;
    if (idleIntervals < 2 || heap - baseline < growthBytes || Date.now() - lastAt < minGapMs) return;
    const ms = collectStartupGarbage();
    lastAt = Date.now();
    baseline = getHeapStatistics().total_heap_size;
    idleIntervals = 0;
    opts.onCollect?.({ gc_ms: Math.round(ms), heap_before_mb: Math.round(heap / 2 ** 20), heap_after_mb: Math.round(baseline / 2 ** 20) });
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
