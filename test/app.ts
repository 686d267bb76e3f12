import { randomBytes } from 'node:crypto';
import { loadConfig, type Config } from '../src/config.ts';
import type { Deps } from '../src/deps.ts';
import { withServices } from '../src/boot.ts';
import { createMemoryBus, type Bus } from '../src/realtime/bus.ts';
import { silentLogger, type Logger } from '../src/log.ts';
import { createServer, type AppServer } from '../src/server.ts';
import type { AppEvent, BusMessage, EventName } from '../src/contract/events.ts';
import { isControl } from '../src/contract/events.ts';
import { testDb, type TestDb } from './db.ts';

/** The socket address of a reverse proxy on the same machine (trusted with server.trust_proxy): `req(…, { ip: LOCAL_PROXY, headers: { 'x-forwarded-for': … } })`. */
export const LOCAL_PROXY = '127.0.0.1';

export interface TestContext {
  deps: Deps;
  server: AppServer;
  tdb: TestDb;
  /** Every client event published on the bus since the last `takeEvents()`. */
  events: RecordedEvent[];
  takeEvents(): RecordedEvent[];
  /** `app.request` with JSON and a bearer token. Returns status, parsed body and headers. */
  req(method: string, path: string, opts?: { token?: string; body?: unknown; raw?: BodyInit; headers?: Record<string, string>; ip?: string }): Promise<TestResponse>;
  close(): Promise<void>;
}

export interface TestResponse {
  status: number;
  body: any;
  headers: Headers;
}

/**
 * Test configuration: defaults with overrides by key path, no environment, no file. The per-user
 * API rate limits are off (tests post far faster than a person); test/security/api-rate-limit
 * turns them on.
 */
export function testConfig(flags: Record<string, unknown> = {}): Config {
  return loadConfig({ env: {}, flags: { 'server.data_dir': '/tmp/rustchat-test-unused', 'rate_limit.per_second': 0, ...flags }, warn: () => {} });
}

/** An isolated application over a fresh database: deps, the Hono app, and an event recorder. */
export async function testApp(opts: { config?: Record<string, unknown>; bus?: Bus; now?: () => number; log?: Logger } = {}): Promise<TestContext> {
  const tdb = await testDb();
  const bus = opts.bus ?? createMemoryBus();
  const deps = withServices({
    config: testConfig(opts.config),
    db: tdb.db,
    bus,
    log: opts.log ?? silentLogger,
    now: opts.now ?? Date.now,
    jwtKey: randomBytes(32),
  });
  const server = createServer(deps);
  let events: RecordedEvent[] = [];
  bus.subscribe((m: BusMessage) => {
    if (!isControl(m)) events.push(m);
  });
  const ctx: TestContext = {
    deps,
    server,
    tdb,
    get events() {
      return events;
    },
    takeEvents() {
      const e = events;
      events = [];
      return e;
    },
    async req(method, path, o = {}) {
      const headers: Record<string, string> = { ...o.headers };
      if (o.token) headers.authorization = `Bearer ${o.token}`;
      let body: BodyInit | undefined = o.raw;
      if (o.body !== undefined) {
        headers['content-type'] = 'application/json';
        body = JSON.stringify(o.body);
      }
      // `ip` stands in for the socket's peer address that @hono/node-server passes as env.incoming.
      const env = o.ip ? { incoming: { socket: { remoteAddress: o.ip } } } : undefined;
      const res = await server.app.request(path, { method, headers, body }, env);
      const text = await res.text();
      let parsed: any = text;
      try {
        parsed = text ? JSON.parse(text) : null;
      } catch {
        /* not JSON */
      }
      return { status: res.status, body: parsed, headers: res.headers };
    },
    async close() {
      await deps.services.close();
      await bus.close();
      await tdb.close();
    },
  };
  return ctx;
}

/**
 * An event as tests read it: the name is checked, the payload is read loosely (assertions probe
 * fields across events); the emitting side is what the compiler checks.
 */
// Distributive (one member per event name): a non-distributive Omit would make `event` a plain
// union of names, which TypeScript can no longer relate back to AppEvent past 25 event names.
export type RecordedEvent = { [K in EventName]: Omit<AppEvent<K>, 'data'> & { data: any } }[EventName];

/** The events of one name, typed (their `data` is that event's). */
export function only<K extends EventName>(events: readonly RecordedEvent[], name: K): AppEvent<K>[] {
  return events.filter((e) => e.event === name) as AppEvent<K>[];
}
