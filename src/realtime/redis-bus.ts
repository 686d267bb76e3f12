import { createClient } from 'redis';
import type { Logger } from '../log.ts';
import { newId } from '../ids.ts';
import type { Bus } from './bus.ts';
import type { BusMessage } from '../contract/events.ts';

export interface RedisBusOptions {
  url: string;
  /** Channel name prefix, so several installations (or test suites) can share one Redis. */
  prefix: string;
  log: Logger;
  /** How long start waits for Redis before serving degraded (it keeps reconnecting). */
  connectWaitMs?: number;
}

/**
 * Redis pub/sub fan-out (node-redis: one publisher, one subscriber connection). Every message is
 * delivered to this process's subscribers at once, without a round trip, and published to Redis
 * tagged with this process's id; copies that come back from Redis are ignored. So local
 * delivery never depends on Redis: while it is down, each process keeps serving its own
 * sockets, publishes are dropped (counted), `status()` says 'degraded', and the clients keep
 * reconnecting. When the subscriber is back, subscribers get a local `bus_reconnected` control
 * message so the hub can restart streams that may have a gap (docs/realtime.md); when the
 * publisher is back after dropping messages, it sends `bus_reconnected` to the other processes,
 * whose streams may have a gap their own (healthy) subscriber cannot see.
 */
export async function createRedisBus(o: RedisBusOptions): Promise<Bus & { stats: { published: number; dropped: number; received: number } }> {
  const node = newId();
  const channel = `${o.prefix}:events`;
  const subs = new Set<(msg: BusMessage) => void>();
  const stats = { published: 0, dropped: 0, received: 0 };
  const local = (msg: BusMessage) => {
    for (const fn of subs) {
      try {
        fn(msg);
      } catch (e) {
        o.log.error('bus subscriber failed', { err: e });
      }
    }
  };
  const socket = { connectTimeout: 2000, reconnectStrategy: (retries: number) => Math.min(50 + retries * 100, 1000) };
  // No offline queue: a publish while Redis is down fails at once instead of piling up in memory.
  // No per-command timeout (node-redis defaults to 5 s): it arms an AbortSignal.timeout for every
  // command, whose timer fires 5 s later even when the reply came at once and builds a
  // DOMException with a stack trace — for every event published (measured: bursts of 10-15 ms of
  // such timers on the event loop 5 s after a reconnect storm). A publish whose reply is late is
  // not lost anyway (it is already written to the socket); a dead connection rejects its pending
  // commands when it closes, and those count as dropped.
  const pub = createClient({ url: o.url, socket, disableOfflineQueue: true, commandOptions: { timeout: 0 } });
  const sub = pub.duplicate();
  let closing = false;
  /** The subscription is confirmed live: a probe we published came back to us. */
  let subscribed = false;
  let lostSubscriber = false;
  let lastError = 0;
  const onError = (which: string) => (err: Error) => {
    const now = Date.now();
    if (now - lastError > 5000) o.log.warn('redis bus error', { connection: which, err: err.message });
    lastError = now;
  };
  const lost = () => {
    if (closing) return;
    subscribed = false;
    lostSubscriber = true;
  };
  // Messages this process could not publish: the other processes' streams have a gap they
  // cannot see, so once the publisher is back they are told to restart them.
  let droppedSinceReady = false;
  pub.on('ready', () => {
    if (!droppedSinceReady || closing) return;
    droppedSinceReady = false;
    pub.publish(channel, JSON.stringify({ n: node, m: { control: 'bus_reconnected' } })).catch(() => (droppedSinceReady = true));
  });
  pub.on('error', onError('publisher'));
  sub.on('error', onError('subscriber'));
  sub.on('end', lost);
  sub.on('reconnecting', lost);

  const listener = (raw: string) => {
    let env: { n: string; m?: BusMessage; probe?: true };
    try {
      env = JSON.parse(raw);
    } catch {
      return;
    }
    if (env.n === node) {
      if (env.probe && !subscribed) {
        subscribed = true;
        if (lostSubscriber) {
          // Only now (the subscription is proven) is it safe to tell the hub to restart streams.
          lostSubscriber = false;
          o.log.info('redis bus reconnected');
          local({ control: 'bus_reconnected' });
        }
      }
      return;
    }
    if (!env.m) return;
    stats.received++;
    local(env.m);
  };
  // Until a probe comes back, publish one every 200 ms (node-redis resubscribes by itself on reconnect).
  const prober = setInterval(() => {
    if (subscribed || closing || !pub.isReady || !sub.isReady) return;
    pub.publish(channel, JSON.stringify({ n: node, probe: true })).catch(() => {});
  }, 200);
  prober.unref();

  const start = (async () => {
    await Promise.all([pub.connect(), sub.connect()]);
    await sub.subscribe(channel, listener);
  })();
  start.catch((e) => o.log.warn('redis bus not connected yet; serving this process only until it is', { err: (e as Error).message }));
  const waitUntil = Date.now() + (o.connectWaitMs ?? 3000);
  while (!subscribed && Date.now() < waitUntil) await new Promise((r) => setTimeout(r, 20));

  return {
    stats,
    publish(msg) {
      local(msg);
      if ('control' in msg && msg.control === 'bus_reconnected') return;
      if (!pub.isReady) {
        stats.dropped++;
        droppedSinceReady = true;
        return;
      }
      stats.published++;
      pub.publish(channel, JSON.stringify({ n: node, m: msg })).catch(() => {
        stats.dropped++;
        droppedSinceReady = true;
      });
    },
    subscribe(fn) {
      subs.add(fn);
      return () => subs.delete(fn);
    },
    status: () => (pub.isReady && sub.isReady && subscribed ? 'ok' : 'degraded'),
    async close() {
      closing = true;
      clearInterval(prober);
      subs.clear();
      for (const c of [pub, sub]) {
        // close() waits for pending replies; destroy() ends a client that is still reconnecting.
        if (c.isReady) await c.close().catch(() => {});
        if (c.isOpen) c.destroy();
      }
    },
  };
}
