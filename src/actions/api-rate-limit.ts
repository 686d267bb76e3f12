import type { Deps } from '../deps.ts';
import { tooMany } from '../errors.ts';

/** What the per-user API limits count separately (docs/admin.md "Security notes"). */
export type ApiLimitCategory = 'posts' | 'reactions' | 'searches' | 'uploads';

/** Above this many tracked buckets, buckets that are full again are dropped before adding one. */
const SWEEP_ABOVE = 50_000;

/**
 * Per-user API rate limits: a token bucket per user and category, `rate_limit.per_second`
 * tokens a second up to `rate_limit.burst` (Mattermost's RateLimitSettings, 10/s with bursts of
 * 100 by default). Kept as GCRA (one "theoretical arrival time" per bucket, no timers) in this
 * process's memory, as Mattermost keeps its limiter per node: with several processes behind a
 * load balancer a user's effective limit is at most the number of processes times this. Throws
 * 429 `rate_limited` with the seconds until the next request would be accepted.
 */
export function takeApiToken(deps: Deps, userId: string, category: ApiLimitCategory): void {
  const { per_second: perSecond, burst } = deps.config.rate_limit;
  if (perSecond <= 0) return;
  const buckets = (deps.services.caches.apiLimits ??= new Map<string, number>());
  const now = deps.now();
  const interval = 1000 / perSecond;
  const window = burst * interval;
  const key = `${category}:${userId}`;
  const tat = Math.max(buckets.get(key) ?? now, now);
  const next = tat + interval;
  if (next - now > window) {
    const waitMs = next - now - window;
    throw tooMany(`Too many ${category} requests; at most ${perSecond} a second (bursts of ${burst}). Retry in ${Math.ceil(waitMs / 1000)} s`, Math.max(1, Math.ceil(waitMs / 1000)));
  }
  if (buckets.size >= SWEEP_ABOVE && !buckets.has(key)) {
    for (const [k, t] of buckets) if (t <= now) buckets.delete(k);
  }
  buckets.set(key, next);
}
