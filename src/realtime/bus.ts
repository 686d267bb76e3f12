import type { BusMessage } from '../contract/events.ts';

/**
 * Fan-out of events and control messages to every process. In-process by default; Redis
 * pub/sub when configured (see redis-bus.ts). Publishing never throws: a bus outage must not
 * fail a request whose transaction already committed.
 */
export interface Bus {
  publish(msg: BusMessage): void;
  subscribe(fn: (msg: BusMessage) => void): () => void;
  /** 'ok', or 'degraded' while a remote bus is unreachable (local delivery continues). */
  status(): 'ok' | 'degraded';
  close(): Promise<void>;
  /** Message counters of a remote bus (the in-process bus has none), exported as metrics. */
  readonly stats?: { readonly published: number; readonly dropped: number; readonly received: number };
}

export function createMemoryBus(): Bus {
  const subs = new Set<(msg: BusMessage) => void>();
  return {
    publish(msg) {
      for (const fn of subs) {
        try {
          fn(msg);
        } catch {
          /* a faulty subscriber must not stop delivery to the others */
        }
      }
    },
    subscribe(fn) {
      subs.add(fn);
      return () => subs.delete(fn);
    },
    status: () => 'ok',
    close: async () => subs.clear(),
  };
}
