import type { Deps } from '../deps.ts';
import type { Tx, TxOptions } from '../db/driver.ts';
import type { AppEvent } from '../contract/events.ts';

export type Emit = (event: AppEvent) => void;

/**
 * Runs fn in a transaction and publishes the events it emitted only after COMMIT.
 * A transaction that throws (and so rolls back) publishes nothing.
 */
export async function inTx<T>(deps: Deps, fn: (tx: Tx, emit: Emit) => Promise<T>, opts?: TxOptions): Promise<T> {
  const events: AppEvent[] = [];
  const result = await deps.db.transaction((tx) => fn(tx, (e) => events.push(e)), opts);
  for (const e of events) deps.bus.publish(e);
  return result;
}
