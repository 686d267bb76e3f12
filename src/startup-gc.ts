import { setFlagsFromString } from 'node:v8';
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
