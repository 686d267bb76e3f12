import type { Auth } from './auth.ts';
import type { StatusName, Status } from './contract/objects.ts';
import type { PushContent } from './push/proxy.ts';

/**
 * What each of the process's services (deps.ts `Services`) offers its callers: the shapes, not
 * the implementations. The services themselves take `Deps`, so deps.ts names them through this
 * module, which imports nothing that knows Deps; each implementation is checked against its
 * interface where it is made (`implements`, or the factory's return type). The hub is the
 * exception: realtime/hub.ts imports nothing above it, so deps.ts names the class itself.
 */

/**
 * A check's state. Anything but 'ok' is reported as degraded (200) unless the check throws ('down'):
 * 'degraded' a dependency is away but the node serves (Redis reconnecting), 'full' writes fail
 * for want of disk space (reads work), 'isolated' the bus reaches no other process sharing the
 * database (events of other servers are missed).
 */
export type CheckState = 'ok' | 'degraded' | 'full' | 'isolated';

/** What `/health/ready` checks besides the database; subsystems register here at start (readiness.ts). */
export interface ReadinessCheck {
  name: string;
  /** Resolves its state, or throws when the component is down. */
  check(): Promise<CheckState>;
  /** A failing required check makes /ready answer 503; optional ones only report. */
  required: boolean;
}

export interface HttpStats {
  inFlight: number;
  byClass: Map<string, { count: number; sum: number; buckets: number[] }>;
}

/** A subsystem's own metric lines (already formatted, with HELP/TYPE), added to the output. */
export type MetricsSource = () => string;

/** A process's metrics (deps.services.metrics; http/metrics.ts). */
export interface MetricsRegistry {
  http: HttpStats;
  /** Metric sources registered by subsystems (e.g. the WebSocket hub's connection count). */
  sources: MetricsSource[];
}

/** A verified session or access token, as the caches hold it. */
export interface CachedAuth {
  auth: Auth;
  at: number;
}

/** Verified sessions of this process, by session id (actions/tokens.ts). */
export interface SessionCache {
  get(sid: string): CachedAuth | undefined;
  set(sid: string, e: CachedAuth): void;
  delete(sid: string): void;
  close(): void;
}

/** Verified personal access tokens of this process, by token hash (actions/access-tokens.ts). */
export type AccessTokenCache = Map<
  string,
  CachedAuth & {
    /** A bot's or an SSO account's token: never held for MFA enrolment. */
    mfaExempt: boolean;
  }
>;

export interface WindowState {
  /** Hits inside the window (including the one just recorded, for `hit`). */
  count: number;
  /** Time of the oldest hit inside the window, ms; 0 when there is none. */
  oldest: number;
}

/** Sliding-window counters for rate limits: in-process, or Redis when configured (actions/rate-limit.ts). */
export interface RateLimitStore {
  readonly kind: 'memory' | 'redis';
  peek(key: string, windowMs: number, now: number): Promise<WindowState>;
  hit(key: string, windowMs: number, now: number): Promise<WindowState>;
  reset(key: string): Promise<void>;
  close(): Promise<void>;
}

/** Who is online, across processes (actions/presence.ts). */
export interface Presence {
  /** Whether the user has a socket on this or (as last announced) another process. */
  isOnline(userId: string): boolean;
  /** Client activity (typing, actions): ends automatic away. */
  activity(userId: string): void;
  /** Sets a user's status; `manual` keeps it until the user sets online. */
  set(userId: string, status: StatusName, manual: boolean): Promise<Status>;
  close(): void;
}

/** The email outbox sender (mail/worker.ts). */
export interface OutboxWorker {
  /** Looks at the outbox now (called after a transaction that queued email commits). */
  kick(): void;
  /** One pass over due emails; resolves with how many it tried. */
  runOnce(): Promise<number>;
  /** Deletes sent and dead emails older than smtp.outbox_retention_days (the hourly cleanup); resolves with how many. */
  prune(): Promise<number>;
  stop(): Promise<void>;
}

/** The offline-notification email sender (actions/notification-sender.ts). */
export interface NotificationSender {
  /** Looks for due batches soon (after a post queued a notification): at once, or when the gap since the last pass is over. */
  kick(): void;
  /** One pass; resolves with the number of emails queued. */
  runOnce(): Promise<number>;
  stop(): Promise<void>;
}

/** One push to one device. */
export interface PushJob {
  userId: string;
  sessionId: string;
  /** The session's device id, "platform:token". */
  deviceId: string;
  content: PushContent;
}

export interface PushStats {
  sent: Map<string, number>;
  failed: Map<string, number>;
  removed: number;
  retried: number;
  dropped: number;
}

/** The queue of pushes to the push proxy (push/sender.ts). */
export interface PushSender {
  /** Queues pushes; returns at once (never waits for the proxy). Jobs beyond the queue's bound are dropped and counted. */
  enqueue(jobs: PushJob[]): void;
  /** Runs work that decides and queues pushes, in the background (errors are logged); idle() waits for it too. */
  run(what: string, task: () => Promise<void>): void;
  /** Resolves once nothing is being decided, queued, waiting for a retry or in flight (tests, shutdown). */
  idle(): Promise<void>;
  readonly stats: PushStats;
  stop(): Promise<void>;
}

/** PostgreSQL mode: the heartbeat that finds servers on this database this bus does not reach (actions/peers.ts). */
export interface PeerWatch {
  /** 'isolated' while some live process on the database cannot be heard over the bus. */
  state(): 'ok' | 'isolated';
  /** Live server processes on this database, this one included (as of the last heartbeat). */
  nodes(): number;
  /** One heartbeat now (tests); resolves when its checks are done. */
  beat(): Promise<void>;
  /** Stops the heartbeats and removes this process's row. */
  stop(): Promise<void>;
}
