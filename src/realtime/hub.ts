import type { WebSocket } from 'ws';
import type { Config } from '../config.ts';
import type { Queryable } from '../db/driver.ts';
import type { Logger } from '../log.ts';
import type { Bus } from './bus.ts';
import { newId } from '../ids.ts';
import { isControl, type AppEvent, type BusMessage } from '../contract/events.ts';
import type { Prepared, Serializer } from './serializer.ts';
import { ReplayRing, RING_MAX_AGE_MS } from './ring.ts';
import { canWriteRaw, writeRaw } from './frame.ts';
import { buildInfo } from '../version.ts';

/** Close codes the hub uses (documented in docs/realtime.md). */
export const CLOSE = {
  goingAway: 1001,
  authFailed: 4001,
  sessionRevoked: 4003,
  /** The user opened more sockets than websocket.max_sockets_per_user: their oldest is closed. */
  tooManySockets: 4008,
  rateLimited: 4029,
} as const;

/**
 * What the hub uses of Deps. The hub takes no services, so it names these instead of Deps and
 * imports nothing above it: deps.ts can then name the Hub class itself without an import loop.
 */
export interface HubDeps {
  config: Config;
  db: Queryable;
  bus: Bus;
  log: Logger;
  now: () => number;
}

export interface HubOptions {
  /** Ping period; a socket that has not answered the previous ping is dropped. */
  heartbeatMs?: number;
  /** A socket whose unsent data exceeds this is dropped (its client resumes). */
  maxBufferedBytes?: number;
  /** Detached connections kept for resume at most this long. */
  resumeWindowMs?: number;
}

/**
 * A logical connection: survives its socket for `resumeWindowMs` so a client that reconnects
 * with `connection_id` + `sequence_number` gets exactly what it missed.
 */
export class Conn {
  readonly id: string;
  ws: WebSocket | null = null;
  /** Seq of the last sequenced event (hello is 0). */
  seq = 0;
  ring = new ReplayRing();
  alive = true;
  detachedAt = 0;
  /** Order in which the socket was bound (the per-user cap closes the lowest). */
  boundOrder = 0;
  /** Action rate limit: token bucket (refilledAt 0: full, the first action refills it). */
  tokens = ACTION_BURST;
  refilledAt = 0;
  /** Users whose presence this connection watches (presence_subscribe), or null for none. */
  watching: Set<string> | null = null;
  /** Whether events go to the socket as prepared frame bytes (frame.ts) rather than ws.send. */
  raw = false;
  constructor(
    readonly hub: Hub,
    readonly userId: string,
    public sessionId: string,
    readonly serializer: Serializer,
    public sessionExpiresAt: number,
    /** Which tick of the heartbeat period checks this connection (see HEARTBEAT_SLICES). */
    readonly slot: number,
  ) {
    this.id = newId();
  }
}

/**
 * The heartbeat period is cut into this many ticks, and each tick pings (and checks) only the
 * connections of its slot: every connection is still pinged once per period, at the same phase,
 * but 10,000 sockets no longer mean 10,000 pings in one synchronous loop (~300 ms during which no
 * event was delivered).
 */
export const HEARTBEAT_SLICES = 100;

/** The socket's current Conn, stored on the socket itself (cheaper than a WeakMap per socket). */
const CONN = Symbol('hub.conn');
type Tagged = WebSocket & { [CONN]?: Conn | null };

// A socket's listeners, bound once per socket. Shared functions called with `this` = the socket
// (no closure per socket); they find the socket's current Conn (restartStreams swaps it).
function onPong(this: Tagged) {
  const cur = this[CONN];
  if (cur) cur.alive = true;
}
function onClose(this: Tagged) {
  const cur = this[CONN];
  if (cur && cur.ws === this) cur.hub.detach(cur);
}

export const ACTION_BURST = 40;
/** Connections (attached or awaiting resume) kept per user on one process before the oldest detached one goes. */
export const MAX_CONNS_PER_USER = 32;
export const ACTIONS_PER_SECOND = 20;

export interface HubListener {
  /** The user's first attached socket on this process. */
  userAttached?(userId: string): void;
  /** The user's last attached socket on this process went away. */
  userDetached?(userId: string): void;
}

export class Hub {
  /** A user's connections on this process (an array: almost always one, and cheaper than a Set). */
  private byUser = new Map<string, Conn[]>();
  private byId = new Map<string, Conn>();
  /** Connections on this process watching a user's presence, by that user's id. */
  private watchers = new Map<string, Set<Conn>>();
  private attached = 0;
  private listeners: HubListener[] = [];
  private timer: NodeJS.Timeout;
  private tick = 0;
  private nextSlot = 0;
  private bindCount = 0;
  private unsubscribe: () => void;
  readonly heartbeatMs: number;
  readonly maxBufferedBytes: number;
  readonly resumeWindowMs: number;
  /** Counters for /admin/stats and the benchmark. */
  readonly stats = { delivered: 0, slowDropped: 0, resumed: 0, resumeFailed: 0, reaped: 0, evicted: 0 };

  constructor(
    private deps: HubDeps,
    opts: HubOptions = {},
  ) {
    this.heartbeatMs = opts.heartbeatMs ?? 30_000;
    this.maxBufferedBytes = opts.maxBufferedBytes ?? 1 << 20;
    this.resumeWindowMs = opts.resumeWindowMs ?? RING_MAX_AGE_MS;
    this.unsubscribe = deps.bus.subscribe((m) => this.onBus(m));
    this.timer = setInterval(() => void this.heartbeat(this.tick++ % HEARTBEAT_SLICES), this.heartbeatMs / HEARTBEAT_SLICES);
    this.timer.unref();
  }

  listen(l: HubListener) {
    this.listeners.push(l);
  }

  /** Attached sockets on this process. */
  connectionCount(): number {
    return this.attached;
  }

  /** Whether the user has an attached socket on this process. */
  hasLocalSockets(userId: string): boolean {
    for (const c of this.byUser.get(userId) ?? []) if (c.ws) return true;
    return false;
  }

  /** Users with an attached socket on this process. */
  *localUserIds(): Iterable<string> {
    for (const [uid, set] of this.byUser) {
      for (const c of set) {
        if (c.ws) {
          yield uid;
          break;
        }
      }
    }
  }

  private onBus(m: BusMessage) {
    if (!isControl(m)) return this.dispatch(m);
    if (m.control === 'sessions_revoked') return this.revokeSessions(m.session_ids, m.user_id);
    if (m.control === 'bus_reconnected') return this.restartStreams();
  }

  /** Delivers an event to the local connections of its recipients. Synchronous: no interleaving. */
  dispatch(ev: AppEvent) {
    const now = this.deps.now();
    const omit = ev.broadcast.omit_user_id;
    // Each protocol's frame is built once per event, when first needed; most deployments have one
    // serializer, which needs no map.
    let single: Serializer | undefined;
    let singlePrepared: Prepared | null = null;
    let others: Map<Serializer, Prepared | null> | undefined;
    const prepared = (s: Serializer): Prepared | null => {
      if (single === undefined) {
        single = s;
        return (singlePrepared = s.prepare(ev, now));
      }
      if (s === single) return singlePrepared;
      others ??= new Map();
      if (!others.has(s)) others.set(s, s.prepare(ev, now));
      return others.get(s)!;
    };
    for (const uid of ev.broadcast.user_ids) {
      if (uid === omit) continue;
      const conns = this.byUser.get(uid);
      if (!conns) continue;
      for (const c of conns) {
        const p = prepared(c.serializer);
        if (p) this.deliver(c, p);
      }
    }
    const of = ev.broadcast.presence_of;
    const watching = of ? this.watchers.get(of) : undefined;
    // Watchers that are not recipients already (nor left out) get it once each.
    if (watching) {
      for (const c of watching) {
        if (c.userId === omit || ev.broadcast.user_ids.includes(c.userId)) continue;
        const p = prepared(c.serializer);
        if (p) this.deliver(c, p);
      }
    }
    // The frame bytes built for this dispatch are not kept (the rings keep the Prepared).
    (singlePrepared as Prepared | null)?.release();
    if (others) for (const p of (others as Map<Serializer, Prepared | null>).values()) p?.release();
  }

  /**
   * Delivers a frame to every connection of one protocol on this process, attached or awaiting
   * resume (numbered and kept in its ring like any event). For events that are for everyone and
   * that the caller encodes per protocol (`config_changed`, http/config-changed.ts); releases `p`.
   */
  broadcast(serializer: Serializer, p: Prepared) {
    // detach() (a slow socket) keeps the connection in byId: the iteration is not disturbed.
    for (const c of this.byId.values()) if (c.serializer === serializer) this.deliver(c, p);
    p.release();
  }

  /** Whether this process has a connection (attached or awaiting resume) of this protocol. */
  hasConnections(serializer: Serializer): boolean {
    for (const c of this.byId.values()) if (c.serializer === serializer) return true;
    return false;
  }

  /**
   * Replaces the users whose presence a connection watches (the caller bounds the list). Their
   * `status_change` events then reach it from every process: they cross the bus anyway, and each
   * process delivers to its own watchers.
   */
  watchPresence(c: Conn, userIds: Iterable<string>) {
    this.unwatchAll(c);
    const next = new Set(userIds);
    if (!next.size || !this.byId.has(c.id)) return;
    c.watching = next;
    for (const uid of next) {
      let set = this.watchers.get(uid);
      if (!set) this.watchers.set(uid, (set = new Set()));
      set.add(c);
    }
  }

  private unwatchAll(c: Conn) {
    if (!c.watching) return;
    for (const uid of c.watching) {
      const set = this.watchers.get(uid);
      if (!set) continue;
      set.delete(c);
      if (set.size === 0) this.watchers.delete(uid);
    }
    c.watching = null;
  }

  /** How many connections on this process watch the user's presence (tests, stats). */
  watcherCount(userId: string): number {
    return this.watchers.get(userId)?.size ?? 0;
  }

  private deliver(c: Conn, p: Prepared) {
    let seq: number | undefined;
    if (!p.ephemeral || c.serializer.sequenceEphemeral) {
      seq = ++c.seq;
      c.ring.push(seq, p);
    } else if (!c.ws) {
      return; // ephemeral and nobody listening: dropped, never replayed
    }
    if (c.ws) this.sendPrepared(c, p, seq);
  }

  /**
   * Sends an event with the connection's seq: its prepared frame bytes written straight to the
   * socket when the socket allows it (frame.ts), else ws.send of its text.
   */
  private sendPrepared(c: Conn, p: Prepared, seq: number | undefined) {
    const ws = c.ws;
    if (!ws || this.dropIfSlow(c, ws)) return;
    this.stats.delivered++;
    if (c.raw) {
      if (ws.readyState !== ws.OPEN) return; // as ws.send: nothing is sent on a closing socket
      if (writeRaw(ws, p.wire(seq))) return;
    }
    ws.send(p.frame(seq));
  }

  /** Sends a frame; a socket that cannot keep up is dropped and resumes from its ring. */
  send(c: Conn, frame: string) {
    const ws = c.ws;
    if (!ws || this.dropIfSlow(c, ws)) return;
    this.stats.delivered++;
    ws.send(frame);
  }

  /** A socket whose unsent data is over maxBufferedBytes is dropped (true); its client resumes from the ring. */
  private dropIfSlow(c: Conn, ws: WebSocket): boolean {
    if (ws.bufferedAmount <= this.maxBufferedBytes) return false;
    this.stats.slowDropped++;
    this.deps.log.warn('dropping slow websocket', { connection_id: c.id, user_id: c.userId, buffered: ws.bufferedAmount });
    this.detach(c);
    ws.terminate();
    return true;
  }

  /**
   * Starts a connection for an authenticated socket: resumes `resume.connectionId` when its ring
   * still holds everything from `resume.nextSeq`, otherwise starts a new stream with `hello`.
   * Returns the connection and whether it resumed.
   */
  attach(ws: WebSocket, a: { userId: string; sessionId: string; sessionExpiresAt: number; serializer: Serializer; resume?: { connectionId: string; nextSeq: number } }): { conn: Conn; resumed: boolean } {
    if (a.resume) {
      const old = this.byId.get(a.resume.connectionId);
      if (old && old.userId === a.userId && old.serializer === a.serializer) {
        const missed = old.ring.since(a.resume.nextSeq, old.seq);
        if (missed) {
          if (old.ws) {
            // The client saw a drop the server has not noticed yet (half-open socket): take over.
            const prev = old.ws;
            this.detach(old);
            prev.terminate();
          }
          old.sessionId = a.sessionId;
          old.sessionExpiresAt = a.sessionExpiresAt;
          this.bindSocket(old, ws);
          let seq = a.resume.nextSeq;
          for (const p of missed) {
            this.sendPrepared(old, p, seq++);
            p.release();
          }
          this.stats.resumed++;
          return { conn: old, resumed: true };
        }
        // Cannot resume: the old connection is of no further use.
        if (!old.ws) this.remove(old);
      }
      this.stats.resumeFailed++;
    }
    const conn = new Conn(this, a.userId, a.sessionId, a.serializer, a.sessionExpiresAt, this.nextSlot++ % HEARTBEAT_SLICES);
    this.byId.set(conn.id, conn);
    const list = this.byUser.get(a.userId);
    if (list && list.length >= MAX_CONNS_PER_USER) {
      // Memory stays bounded however often a client reconnects without resuming.
      const oldest = list.filter((c) => !c.ws).sort((x, y) => x.detachedAt - y.detachedAt)[0];
      if (oldest) this.remove(oldest);
    }
    const conns = this.byUser.get(a.userId);
    if (conns) conns.push(conn);
    else this.byUser.set(a.userId, [conn]);
    this.bindSocket(conn, ws);
    this.send(conn, conn.serializer.hello({ connection_id: conn.id, user_id: a.userId, server_version: buildInfo().version }));
    return { conn, resumed: false };
  }

  /** The connection a socket currently carries (changes on restartStreams). */
  connOf(ws: WebSocket): Conn | undefined {
    return (ws as Tagged)[CONN] ?? undefined;
  }

  private bindSocket(c: Conn, ws: WebSocket) {
    this.makeRoom(c);
    const firstForUser = !this.hasLocalSockets(c.userId);
    const t = ws as Tagged;
    const known = CONN in t;
    c.ws = ws;
    c.raw = canWriteRaw(ws);
    c.alive = true;
    c.detachedAt = 0;
    c.boundOrder = ++this.bindCount;
    this.attached++;
    t[CONN] = c;
    if (!known) {
      // Bound once per socket; they find the socket's current Conn (restartStreams swaps it).
      ws.on('pong', onPong);
      ws.on('close', onClose);
    }
    if (firstForUser) for (const l of this.listeners) l.userAttached?.(c.userId);
  }

  /**
   * websocket.max_sockets_per_user: before `c` gets a socket, the user's oldest attached
   * connections on this process are closed (4008) and forgotten until there is room for it.
   */
  private makeRoom(c: Conn) {
    const max = this.deps.config.websocket.max_sockets_per_user;
    const list = this.byUser.get(c.userId);
    if (!list) return;
    let live = list.filter((x) => x.ws && x !== c);
    while (live.length >= max) {
      const oldest = live.reduce((a, b) => (b.boundOrder < a.boundOrder ? b : a));
      const ws = oldest.ws!;
      this.remove(oldest);
      ws.close(CLOSE.tooManySockets, 'too many connections for this user');
      this.stats.evicted++;
      live = live.filter((x) => x !== oldest);
    }
  }

  /** The socket is gone; the connection stays for resume. */
  detach(c: Conn) {
    if (!c.ws) return;
    (c.ws as Tagged)[CONN] = null;
    c.ws = null;
    c.detachedAt = this.deps.now();
    this.attached--;
    if (!this.hasLocalSockets(c.userId)) for (const l of this.listeners) l.userDetached?.(c.userId);
  }

  private remove(c: Conn) {
    this.detach(c);
    this.unwatchAll(c);
    this.byId.delete(c.id);
    const list = this.byUser.get(c.userId);
    const i = list ? list.indexOf(c) : -1;
    if (i >= 0) {
      list!.splice(i, 1);
      if (list!.length === 0) this.byUser.delete(c.userId);
    }
  }

  /** Closes (and forgets) every connection of the given sessions: they cannot resume. */
  revokeSessions(sessionIds: string[], userId?: string) {
    const ids = new Set(sessionIds);
    const scan = userId ? [this.byUser.get(userId) ?? []] : this.byUser.values();
    for (const set of scan) {
      for (const c of [...set]) {
        if (!ids.has(c.sessionId)) continue;
        const ws = c.ws;
        this.remove(c);
        ws?.close(CLOSE.sessionRevoked, 'session revoked');
      }
    }
  }

  /**
   * The bus lost messages (a Redis outage): every stream on this process may have a gap the
   * client cannot see, so each attached socket gets a fresh hello (the client refetches) and
   * detached connections are dropped (their resume gets a fresh hello too). Never a silent gap.
   */
  restartStreams() {
    for (const c of [...this.byId.values()]) {
      const ws = c.ws;
      const { userId, sessionId, serializer, sessionExpiresAt } = c;
      this.remove(c);
      if (ws && ws.readyState === ws.OPEN) this.attach(ws, { userId, sessionId, sessionExpiresAt, serializer });
    }
  }

  /**
   * Pings, reaps dead sockets, drops expired detached connections, closes expired/revoked
   * sessions: for the connections of one slot (the timer's ticks), or all of them.
   */
  async heartbeat(slot?: number) {
    const now = this.deps.now();
    const sessionIds = new Set<string>();
    // (Deleting from a Map while iterating it is safe; nothing here adds to it.)
    for (const c of this.byId.values()) {
      if (slot !== undefined && c.slot !== slot) continue;
      if (!c.ws) {
        if (now - c.detachedAt > this.resumeWindowMs) this.remove(c);
        continue;
      }
      if (c.sessionExpiresAt <= now) {
        const ws = c.ws;
        this.remove(c);
        ws.close(CLOSE.sessionRevoked, 'session expired');
        continue;
      }
      if (!c.alive) {
        this.stats.reaped++;
        const ws = c.ws;
        this.detach(c);
        ws.terminate();
        continue;
      }
      c.alive = false;
      c.ws.ping();
      sessionIds.add(c.sessionId);
    }
    // Revocations normally arrive on the bus within milliseconds; this catches any the bus lost.
    // A socket opened with a personal access token has the token's id as its session id: it ends
    // when the token was deleted (an id in neither table) or disabled, or its user deactivated.
    if (sessionIds.size) {
      try {
        const rows = await this.deps.db.query<{ id: string }>(
          `select x.id from unnest($1::text[]) x(id)
             left join sessions s on s.id = x.id
             left join access_tokens t on s.id is null and t.id = x.id
             left join users u on u.id = t.user_id
            where case when s.id is not null then s.revoked_at <> 0 or s.expires_at <= $2
                       else t.id is null or not t.is_active or u.delete_at is distinct from 0 end`,
          [[...sessionIds], now],
        );
        if (rows.length) this.revokeSessions(rows.map((r) => r.id));
      } catch (e) {
        this.deps.log.warn('websocket session check failed', { err: e });
      }
    }
  }

  /** Takes an action token; false when the socket is over its rate. */
  takeToken(c: Conn): boolean {
    const now = this.deps.now();
    c.tokens = Math.min(ACTION_BURST, c.tokens + ((now - c.refilledAt) / 1000) * ACTIONS_PER_SECOND);
    c.refilledAt = now;
    if (c.tokens < 1) return false;
    c.tokens -= 1;
    return true;
  }

  /** Closes every socket (server shutdown). */
  close(code: number = CLOSE.goingAway, reason = 'server shutting down') {
    clearInterval(this.timer);
    this.unsubscribe();
    for (const c of [...this.byId.values()]) {
      const ws = c.ws;
      this.remove(c);
      ws?.close(code, reason);
    }
  }
}

/** The process's hub (deps.services.hub; any Deps will do). */
export const getHub = (deps: { services: { hub: Hub } }): Hub => deps.services.hub;
