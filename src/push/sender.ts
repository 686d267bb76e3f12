import type { Deps } from '../deps.ts';
import type { PushJob, PushSender, PushStats } from '../services.ts';
import { newId } from '../ids.ts';
import { removeDevice } from '../store/push.ts';
import { pushKeys } from './keys.ts';
import { proxyClient, ProxyUnreachable, signPush, splitDeviceId, type PushMessage, type ProxyClient } from './proxy.ts';

export type { PushJob, PushSender, PushStats };

/** Pushes sent to the proxy at once by one process. */
export const PUSH_CONCURRENCY = 8;
/** Pushes waiting in one process; more are dropped (counted in rustchat_push_dropped_total). */
export const PUSH_QUEUE_MAX = 10_000;
/** Tries per push when the proxy cannot be reached (connection, timeout, 429, 5xx); a proxy's FAIL is not retried. */
export const PUSH_MAX_ATTEMPTS = 3;
const RETRY_DELAYS_MS = [1000, 5000];
/** The proxy's limit (it cuts longer messages); cut here so a long post does not travel in full. */
export const PUSH_MESSAGE_MAX = 2000;

/**
 * The process's push queue: pushes go to the push proxy in the background, PUSH_CONCURRENCY at a
 * time, each signed and given its own ack id (as Mattermost does per session). A proxy that
 * cannot be reached is tried again after 1 s and 5 s; after that the push is given up (logged,
 * counted). A proxy answer REMOVE (the app was uninstalled or the token expired) takes the device
 * off its session. The queue lives in memory like Mattermost's: a push is a hint that something
 * arrived, and a crash loses at most the pushes waiting at that moment.
 */
export function createPushSender(deps: Deps, client: ProxyClient | undefined = deps.config.push.proxy_url ? proxyClient(deps.config.push.proxy_url) : undefined): PushSender {
  const log = deps.log.child({ component: 'push' });
  const queue: { job: PushJob; attempt: number }[] = [];
  const timers = new Set<NodeJS.Timeout>();
  let inFlight = 0;
  let waitingRetry = 0;
  let deciding = 0;
  let stopped = false;
  let idleWaiters: (() => void)[] = [];
  const stats: PushStats = { sent: new Map(), failed: new Map(), removed: 0, retried: 0, dropped: 0 };
  const count = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);

  const checkIdle = () => {
    if (queue.length || inFlight || waitingRetry || deciding) return;
    const w = idleWaiters;
    idleWaiters = [];
    for (const f of w) f();
  };

  const pump = () => {
    while (!stopped && inFlight < PUSH_CONCURRENCY && queue.length) {
      const item = queue.shift()!;
      inFlight++;
      void deliver(item.job, item.attempt).finally(() => {
        inFlight--;
        pump();
        checkIdle();
      });
    }
  };

  async function deliver(job: PushJob, attempt: number): Promise<void> {
    const type = job.content.type ?? 'message';
    const dev = splitDeviceId(job.deviceId);
    if (!client || !dev) {
      count(stats.failed, dev ? 'disabled' : 'bad_device');
      return;
    }
    let msg: PushMessage;
    try {
      const keys = await pushKeys(deps);
      const ackId = newId();
      msg = { ...job.content, post_id: job.content.post_id ?? '', ack_id: ackId, platform: dev.platform, device_id: dev.token, server_id: keys.serverId, signature: signPush(keys.key, ackId, dev.token) };
    } catch (e) {
      count(stats.failed, 'internal');
      log.error('push not sent: could not prepare it', { err: e, user_id: job.userId });
      return;
    }
    const fields = { ack_id: msg.ack_id, push_type: type, user_id: job.userId, post_id: msg.post_id || undefined, platform: dev.platform };
    try {
      const answer = await client.send(msg);
      if (answer.status === 'OK') {
        count(stats.sent, type);
        log.debug('push sent', fields);
      } else if (answer.status === 'REMOVE') {
        count(stats.failed, 'device_removed');
        stats.removed++;
        await removeDevice(deps.db, job.sessionId, job.deviceId).catch((e) => log.warn('removing a device failed', { err: e, session_id: job.sessionId }));
        log.info('push device removed: the push proxy reported it gone', { ...fields, session_id: job.sessionId });
      } else {
        count(stats.failed, 'proxy_error');
        log.warn('push refused by the push proxy', { ...fields, error: answer.error });
      }
    } catch (e) {
      const retryable = e instanceof ProxyUnreachable ? e.retryable : true;
      if (retryable && attempt < PUSH_MAX_ATTEMPTS && !stopped) {
        stats.retried++;
        waitingRetry++;
        const t = setTimeout(() => {
          timers.delete(t);
          waitingRetry--;
          if (stopped) return checkIdle();
          queue.unshift({ job, attempt: attempt + 1 });
          pump();
        }, RETRY_DELAYS_MS[attempt - 1] ?? RETRY_DELAYS_MS.at(-1));
        t.unref();
        timers.add(t);
        return;
      }
      count(stats.failed, 'unreachable');
      log.warn('push not sent: the push proxy could not be reached', { ...fields, attempts: attempt, error: (e as Error).message });
    }
  }

  return {
    enqueue(jobs) {
      if (stopped) return;
      for (const job of jobs) {
        if (queue.length >= PUSH_QUEUE_MAX) {
          stats.dropped++;
          continue;
        }
        queue.push({ job, attempt: 1 });
      }
      if (stats.dropped) log.warn('push queue full: pushes dropped', { dropped_total: stats.dropped });
      pump();
    },
    run(what, task) {
      if (stopped) return;
      deciding++;
      void task()
        .catch((e) => log.error(`push: ${what} failed`, { err: e }))
        .finally(() => {
          deciding--;
          checkIdle();
        });
    },
    idle() {
      return new Promise((resolve) => {
        idleWaiters.push(resolve);
        checkIdle();
      });
    },
    stats,
    async stop() {
      if (stopped) return;
      stopped = true;
      for (const t of timers) clearTimeout(t);
      timers.clear();
      waitingRetry = 0;
      stats.dropped += queue.length;
      queue.length = 0;
      // In-flight sends end within their timeout, decisions within a few queries; wait a little
      // for them (the database closes after this), not for the full timeout.
      if (inFlight || deciding) await Promise.race([new Promise<void>((r) => idleWaiters.push(r)), new Promise((r) => setTimeout(r, 2000).unref())]);
      checkIdle();
    },
  };
}
