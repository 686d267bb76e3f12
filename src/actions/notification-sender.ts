import type { Deps } from '../deps.ts';
import type { NotificationSender } from '../services.ts';
import { notificationEmailPass, USERS_PER_PASS, type NotificationPassResult } from './notification-emails.ts';
import { nextNotificationDue } from '../store/notifications.ts';

export type { NotificationSender };

export interface NotificationSenderOptions {
  /** Longest sleep between looks (rows written by other processes are found on the next one). */
  pollMs?: number;
  /**
   * Shortest time between the starts of two passes. A kick after a quiet spell starts a pass at
   * once; kicks within this time of the last pass's start share the next pass, so a burst of
   * mentions costs one pass (and one email per recipient), not one per post. An "immediately"
   * notification therefore waits at most this long (plus the pass before it).
   */
  minGapMs?: number;
  /** The pass (tests wrap it to count passes). */
  pass?: (deps: Deps) => Promise<NotificationPassResult>;
}

/** Default minGapMs: "immediately" means within about a second. */
export const NOTIFICATION_PASS_GAP_MS = 1000;

/**
 * Turns waiting offline notifications into emails when their batch is due (actions/
 * notification-emails.ts). Every serving process runs one; they share the rows through the
 * database (SKIP LOCKED), like the outbox sender. It sleeps until the next batch is due, at most
 * `pollMs`, and passes start at most one per `minGapMs`.
 */
export function startNotificationSender(deps: Deps, opts: NotificationSenderOptions = {}): NotificationSender {
  const pollMs = opts.pollMs ?? 10_000;
  const gapMs = opts.minGapMs ?? NOTIFICATION_PASS_GAP_MS;
  const pass = opts.pass ?? notificationEmailPass;
  const log = deps.log.child({ component: 'notification-email' });
  let timer: NodeJS.Timeout | undefined;
  /** When the timer fires (performance.now() clock); Infinity when none is set. */
  let timerAt = Infinity;
  let lastStart = -Infinity;
  let stopped = false;
  let running: Promise<void> | undefined;
  let again = false;

  /** Runs a pass at `at` (performance.now() clock), or earlier if one is already set for earlier. */
  const wakeAt = (at: number) => {
    if (stopped || at >= timerAt) return;
    clearTimeout(timer);
    timerAt = at;
    timer = setTimeout(tick, Math.max(0, at - performance.now()));
    timer.unref();
  };
  /** Never sooner than `gapMs` after the last pass began. */
  const notBeforeGap = (at: number) => Math.max(at, lastStart + gapMs);

  function tick() {
    clearTimeout(timer);
    timer = undefined;
    timerAt = Infinity;
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    running = (async () => {
      again = false;
      try {
        // A full pass (as many recipients due as one pass takes) goes on at once: a backlog is
        // not held to one pass per gap.
        for (;;) {
          lastStart = performance.now();
          const r = await pass(deps);
          if (stopped || r.due < USERS_PER_PASS) break;
        }
      } catch (e) {
        log.warn('notification email pass failed', { error: String((e as Error)?.message ?? e) });
      }
      if (stopped) return void (running = undefined);
      let next = performance.now() + pollMs;
      try {
        const due = await nextNotificationDue(deps.db);
        if (due !== undefined) next = Math.min(next, performance.now() + Math.max(0, due - deps.now()));
      } catch {
        /* the next poll tries again */
      }
      // From here on synchronous, so no kick falls between the flag and the timer. Kicked while
      // this ran: the due time above may have been read before that row was written.
      running = undefined;
      if (again) next = performance.now();
      wakeAt(notBeforeGap(next));
    })();
  }

  const sender: NotificationSender = {
    kick: () => {
      if (running) again = true;
      else wakeAt(notBeforeGap(performance.now()));
    },
    runOnce: async () => (await pass(deps)).queued,
    async stop() {
      if (stopped) return;
      stopped = true;
      clearTimeout(timer);
      if (running) await Promise.race([running, new Promise((r) => setTimeout(r, 3000).unref())]);
      if (deps.services.notifications === sender) deps.services.notifications = undefined;
    },
  };
  deps.services.notifications = sender;
  wakeAt(performance.now());
  return sender;
}

/** Wakes this process's notification sender, if it runs one. */
export function kickNotifications(deps: Deps): void {
  deps.services.notifications?.kick();
}
