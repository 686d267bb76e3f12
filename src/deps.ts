import type { Config } from './config.ts';
import type { Db } from './db/driver.ts';
import type { VacuumJob } from './db/pglite-vacuum.ts';
import type { Bus } from './realtime/bus.ts';
import type { Hub } from './realtime/hub.ts';
import type { Logger } from './log.ts';
import type { Storage } from './files/storage.ts';
import type { RuntimeSettings } from './runtime-settings.ts';
import type { AccessTokenCache, MetricsRegistry, NotificationSender, OutboxWorker, PeerWatch, Presence, PushSender, RateLimitStore, ReadinessCheck, SessionCache } from './services.ts';

/**
 * Everything the application needs from the outside, passed explicitly (never module globals),
 * so a test builds an isolated server in a few lines: `withServices(base)` in boot.ts adds the
 * process's services.
 */
export interface Deps {
  config: Config;
  db: Db;
  bus: Bus;
  log: Logger;
  /** Milliseconds since the epoch; tests may pin it. */
  now: () => number;
  /** HS256 key for session tokens. */
  jwtKey: Uint8Array;
  /** File storage (local or S3), opened by boot; when absent, `<data_dir>/files` is opened on first use. */
  storage?: Storage;
  /** This process's services (hub, presence, caches, rate limits, metrics), built by boot.ts. */
  services: Services;
}

/** Deps before boot.ts adds the services. */
export type DepsBase = Omit<Deps, 'services'>;

/**
 * The process's long-lived services, one typed field each, built in one place (boot.ts
 * `withServices`, which documents the start and shutdown order). Services are per process:
 * two Deps with their own Services behave like two server processes sharing db and bus.
 */
export interface Services {
  /** What /health/ready checks besides the database; subsystems push theirs at start. */
  readonly readiness: ReadinessCheck[];
  /** HTTP counters and the subsystems' metric sources for /metrics. */
  readonly metrics: MetricsRegistry;
  /** Small per-process caches owned by the actions that read them. */
  readonly caches: ProcessCaches;
  /** Verified sessions, cleared through the bus on revocation (actions/tokens.ts). */
  readonly sessions: SessionCache;
  /** Verified personal access tokens, cleared through the bus on revocation (actions/access-tokens.ts). */
  readonly accessTokens: AccessTokenCache;
  /** Login and MFA attempt windows: Redis when configured, else in-process. */
  readonly rateLimits: RateLimitStore;
  /** This process's WebSocket connections, sequence numbers and replay rings. */
  readonly hub: Hub;
  /** Who is online (listens to the hub; shares state with other processes over the bus). */
  readonly presence: Presence;
  /** The email outbox sender, when this process runs one (mail/worker.ts; `serve` starts it). */
  outbox: OutboxWorker | undefined;
  /** The offline-notification email sender, when this process runs one (actions/notification-sender.ts; `serve` starts it). */
  notifications: NotificationSender | undefined;
  /** Mobile push: the queue to the push proxy (push/sender.ts), made on first use. */
  readonly push: PushSender;
  /** PostgreSQL mode: the heartbeat that finds servers on this database this bus does not reach (actions/peers.ts; `serve` starts it). */
  peers: PeerWatch | undefined;
  /** Embedded mode: the periodic VACUUM of the embedded database, which has no autovacuum (db/pglite-vacuum.ts; `serve` starts it, boot.ts `startEmbeddedVacuum`). */
  vacuum: VacuumJob | undefined;
  /** Starts the hub and presence now (the server does, before its first socket). */
  startRealtime(): void;
  /** Stops what was started, in reverse order; boot.ts then closes bus, storage and database. */
  close(): Promise<void>;
}

/** Per-process caches; each field is read and written by the one module named beside it. */
export interface ProcessCaches {
  /** actions/setting-group.ts: each runtime settings group's effective values (auth.*, integrations.*, email.*), at most 5 s old. */
  settings: { [G in keyof RuntimeSettings]?: { at: number; value: Promise<RuntimeSettings[G]> } };
  /** actions/settings.ts: the stored site name and open sign-up overrides (site_settings), at most 5 s old. */
  siteSettings?: { at: number; value: Promise<{ site_name?: string; open_signup?: boolean }> };
  /** actions/settings-changes.ts: the bus subscription that drops the two above on an admin's change (its unsubscribe). */
  settingsWatch?: () => void;
  /** actions/oidc-config.ts: the provider's discovery document, at most an hour old. */
  oidcDiscovery?: { at: number; config: Promise<import('openid-client').Configuration> };
  /** actions/oidc-flow.ts: the key that seals the SSO login-flow cookie. */
  oidcFlowKey?: Uint8Array;
  /** actions/typing.ts: when each user last sent a typing event per channel and thread. */
  typing: Map<string, number>;
  /** http/middleware.ts: the rate limit of the log line of requests answered 501. */
  unknownRouteLog?: import('./log.ts').LogLineLimiter;
  /** http/middleware.ts: the rate limit of the log line of requests answered 503/507 for a dependency away or full. */
  dependencyLog?: import('./log.ts').LogLineLimiter;
  /** http/v1/health.ts: the rate limit of "readiness check failed" lines. */
  readinessLog?: import('./log.ts').LogLineLimiter;
  /** actions/accounts.ts: the loopback-address warning has been logged. */
  warnedLoopbackLimits: boolean;
  /** actions/files.ts: storage opened on first use for Deps built without `storage`. */
  filesStorage?: Promise<Storage>;
  /** actions/file-previews.ts: the image worker's queue, made on first use. */
  imageRenderer?: import('./files/image-renderer.ts').ImageRenderer;
  /** actions/file-previews.ts: previews of older images being rendered, by file id. */
  previewJobs?: Map<string, Promise<import('./store/files.ts').FileRow>>;
  /** http/metrics-endpoint.ts: metrics.allow_from parsed, metrics.token hashed. */
  metricsAccess?: { allow: import('./cidr.ts').AddressList; tokenHash: Buffer | undefined };
  /** actions/api-rate-limit.ts: per user and category, when the bucket is next full (GCRA). */
  apiLimits?: Map<string, number>;
  /** http/ws-socket.ts: unauthenticated WebSocket connections open per client address bucket. */
  wsUnauthenticated?: Map<string, number>;
  /** push/keys.ts: the server id and push signing key (stored once in site_settings). */
  pushKeys?: Promise<import('./push/proxy.ts').PushKeys>;
  /** actions/push-devices.ts: recent answers of the push proxy check per device (system/ping). */
  pushChecks?: { inFlight: number; answers: Map<string, { at: number; answer: Promise<string> }> };
  /** client-address.ts: server.trusted_proxies (plus loopback with trust_proxy) parsed. */
  trustedProxies?: import('./cidr.ts').AddressList;
}
