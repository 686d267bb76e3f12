import { randomBytes } from 'node:crypto';
import type { createClient } from 'redis';
import type { Deps } from '../deps.ts';
import { tooMany } from '../errors.ts';
import type { Logger } from '../log.ts';
import type { RateLimitStore, WindowState } from '../services.ts';

export type { RateLimitStore, WindowState };

/**
 * Sliding-window counters for rate limits (login failures per account and per address).
 * In-process by default; kept in Redis when `redis.url` is set so every process sees the same
 * counts. Both implementations keep the timestamps of the hits inside the window, so "10 failures
 * in 15 minutes" means exactly that, and Retry-After is when the oldest hit leaves the window.
 */
export function createMemoryRateLimitStore(): RateLimitStore {
  const buckets = new Map<string, { windowMs: number; hits: number[] }>();
  const prune = (key: string, windowMs: number, now: number) => {
    const b = buckets.get(key);
    if (!b) return undefined;
    const from = now - windowMs;
    while (b.hits.length && b.hits[0] <= from) b.hits.shift();
    if (!b.hits.length) {
      buckets.delete(key);
      return undefined;
    }
    return b;
  };
  const sweep = (now: number) => {
    for (const [key, b] of buckets) prune(key, b.windowMs, now);
  };
  const state = (b?: { hits: number[] }): WindowState => ({ count: b?.hits.length ?? 0, oldest: b?.hits[0] ?? 0 });
  return {
    kind: 'memory',
    async peek(key, windowMs, now) {
      return state(prune(key, windowMs, now));
    },
    async hit(key, windowMs, now) {
      if (buckets.size > 50_000) sweep(now);
      let b = prune(key, windowMs, now);
      if (!b) buckets.set(key, (b = { windowMs, hits: [] }));
      b.hits.push(now);
      return state(b);
    },
    async reset(key) {
      buckets.delete(key);
    },
    async close() {
      buckets.clear();
    },
  };
}

// One round trip, atomic: drop hits that left the window, optionally add one, report count and oldest.
const WINDOW_SCRIPT = `
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if ARGV[3] ~= '' then
  redis.call('ZADD', KEYS[1], now, ARGV[3])
  redis.call('PEXPIRE', KEYS[1], window)
end
local n = redis.call('ZCARD', KEYS[1])
local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
local oldest = '0'
if first[2] then oldest = first[2] end
return {n, oldest}`;

const REDIS_OP_TIMEOUT_MS = 1000;

/**
 * Redis implementation. When Redis does not answer within a second, the operation falls back to
 * an in-process twin (logged once per outage): login must keep working, and limits still hold per
 * process while Redis is away.
 */
export function createRedisRateLimitStore(url: string, opts: { prefix?: string; log?: Logger } = {}): RateLimitStore {
  const prefix = opts.prefix ?? 'rustchat:rl:';
  const fallback = createMemoryRateLimitStore();
  let client: ReturnType<typeof createClient> | undefined;
  let degraded = false;
  let closed = false;
  // node-redis is loaded when a Redis-backed store is made, not at start: most installations never
  // need it (in the single executable it is a separate chunk; docs/benchmarks.md, Startup).
  const connected = import('redis').then(({ createClient }) => {
    if (closed) return;
    const c = (client = createClient({ url, disableOfflineQueue: true, socket: { reconnectStrategy: (n) => Math.min(n * 200, 5000) } }));
    c.on('error', (err) => {
      if (!degraded) opts.log?.warn('rate-limit redis error; using in-process limits until it recovers', { err });
      degraded = true;
    });
    c.on('ready', () => (degraded = false));
    return c.connect().then(
      () => void c.unref(),
      () => undefined,
    );
  });
  const run = async <T>(op: () => Promise<T>, alt: () => Promise<T>): Promise<T> => {
    // During an outage, do not make every request wait for the timeout.
    if (degraded && !client?.isReady) return alt();
    try {
      return await withTimeout(
        connected.then(() => {
          if (!client) throw new Error('rate-limit store closed');
          return op();
        }),
        REDIS_OP_TIMEOUT_MS,
      );
    } catch (err) {
      if (!degraded) opts.log?.warn('rate-limit redis unavailable; using in-process limits', { err });
      degraded = true;
      return alt();
    }
  };
  const windowOp = async (key: string, windowMs: number, now: number, member: string): Promise<WindowState> => {
    const reply = (await client!.eval(WINDOW_SCRIPT, { keys: [prefix + key], arguments: [String(now), String(windowMs), member] })) as [number, string];
    return { count: Number(reply[0]), oldest: Number(reply[1]) };
  };
  return {
    kind: 'redis',
    peek: (key, windowMs, now) => run(() => windowOp(key, windowMs, now, ''), () => fallback.peek(key, windowMs, now)),
    hit: (key, windowMs, now) =>
      run(
        () => windowOp(key, windowMs, now, `${now}:${randomBytes(6).toString('hex')}`),
        () => fallback.hit(key, windowMs, now),
      ),
    reset: (key) =>
      run(
        async () => void (await client!.del(prefix + key)),
        () => fallback.reset(key),
      ),
    async close() {
      // destroy, not close: close would wait for a connection that may never come.
      closed = true;
      try {
        client?.destroy();
      } catch {
        /* already closed */
      }
      await fallback.close();
    },
  };
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`redis did not answer within ${ms} ms`)), ms);
    p.then(
      (v) => (clearTimeout(t), resolve(v)),
      (e) => (clearTimeout(t), reject(e)),
    );
  });
}

/** The process's rate-limit store (made once, by boot.ts): Redis when configured, else in-process. */
export function createRateLimitStore(deps: Pick<Deps, 'config' | 'log'>): RateLimitStore {
  return deps.config.redis.url
    ? // Same prefix as the bus channel, so installations sharing one Redis keep separate counts.
      createRedisRateLimitStore(deps.config.redis.url, { log: deps.log, prefix: `${deps.config.redis.channel_prefix || 'rustchat'}:rl:` })
    : createMemoryRateLimitStore();
}

/** The process's rate-limit store. */
export const rateLimitStore = (deps: Deps): RateLimitStore => deps.services.rateLimits;

export interface Limit {
  /** Hits allowed inside the window; the next one is refused. */
  max: number;
  windowMs: number;
}

/** Seconds until a full window admits another hit (at least 1). */
export function retryAfterSeconds(s: WindowState, limit: Limit, now: number): number {
  return Math.max(1, Math.ceil((s.oldest + limit.windowMs - now) / 1000));
}

/** Throws 429 rate_limited (with Retry-After) when key has used up its window. */
export async function assertUnderLimit(store: RateLimitStore, key: string, limit: Limit, now: number, message: string): Promise<void> {
  const s = await store.peek(key, limit.windowMs, now);
  if (s.count >= limit.max) throw tooMany(message, retryAfterSeconds(s, limit, now));
}

/**
 * The rate-limit bucket of a client address: IPv4 as is (IPv4-mapped IPv6 unwrapped), IPv6 by
 * its /64 — one subscriber usually holds a whole /64, so per-address limits on IPv6 would be free
 * to dodge.
 */
export function addressBucket(ip: string): string {
  const a = ip.trim().toLowerCase().replace(/%.*$/, '');
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(a);
  if (mapped) return mapped[1];
  if (!a.includes(':')) return a || 'unknown';
  const [head, tail = ''] = a.split('::');
  const h = head ? head.split(':') : [];
  const t = a.includes('::') ? (tail ? tail.split(':') : []) : [];
  const groups = a.includes('::') ? [...h, ...Array(Math.max(0, 8 - h.length - t.length)).fill('0'), ...t] : h;
  if (groups.length !== 8 || groups.some((g) => !/^[0-9a-f]{1,4}$/.test(g))) return a; // not an address we understand: keep it whole
  return `${groups.slice(0, 4).map((g) => g.replace(/^0+(?=.)/, '')).join(':')}::/64`;
}
