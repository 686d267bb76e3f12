/**
 * The /api/v1/ws client. Authenticates with a first `authenticate` action (the token never goes
 * in the URL), resumes with ?connection_id=&sequence_number= after a drop, and reports a fresh
 * `hello` (new connection id: the server could not replay) so the app refetches over REST.
 * Events are checked for gaps: a skipped seq is treated like a fresh hello, never ignored.
 */
import type { ClientEvent } from '../../src/contract/events.ts';

export interface SocketHandlers {
  token(): string;
  onEvent(ev: ClientEvent): void;
  /** A new connection id: state may have missed events; refetch. `first` is the very first hello. */
  onFresh(first: boolean): void;
  onStatus(s: 'connecting' | 'online' | 'reconnecting'): void;
  /** Authentication was refused (closed with 4001). */
  onAuthFailed(): void;
}

const PING_MS = 30_000;

/** A frame from /api/v1/ws as parsed: an event, a hello or a reply (fields are checked before use). */
interface Frame {
  event?: unknown;
  data?: Record<string, unknown>;
  seq?: unknown;
  seq_reply?: number;
  status?: string;
  error?: { message?: string };
}

export class ChatSocket {
  private ws: WebSocket | null = null;
  private connectionId = '';
  private lastSeq = -1;
  private actionSeq = 1;
  private replies = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private retry = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private ping: ReturnType<typeof setInterval> | undefined;
  private stopped = true;
  private helloSeen = false;

  constructor(private h: SocketHandlers) {}

  start() {
    this.stopped = false;
    this.open();
    addEventListener('online', this.kick);
  }

  stop() {
    this.stopped = true;
    removeEventListener('online', this.kick);
    clearTimeout(this.timer);
    clearInterval(this.ping);
    this.ws?.close(1000);
    this.ws = null;
    this.connectionId = '';
    this.lastSeq = -1;
    this.helloSeen = false;
  }

  /** Reconnect now (the browser says it is back online). */
  private kick = () => {
    if (this.stopped || (this.ws && this.ws.readyState <= 1)) return;
    clearTimeout(this.timer);
    this.open();
  };

  /** Sends a client action; resolves with the reply (or rejects on FAIL / disconnect). */
  send(action: string, data: Record<string, unknown> = {}): Promise<unknown> {
    const ws = this.ws;
    if (!ws || ws.readyState !== WebSocket.OPEN) return Promise.reject(new Error('not connected'));
    const seq = this.actionSeq++;
    ws.send(JSON.stringify({ action, seq, data }));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        if (this.replies.delete(seq)) reject(new Error('no reply'));
      }, 10_000);
      const done = <V,>(f: (v: V) => void) => (v: V) => {
        clearTimeout(timer);
        f(v);
      };
      this.replies.set(seq, { resolve: done(resolve), reject: done(reject) });
    });
  }

  private url() {
    const base = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/api/v1/ws`;
    if (!this.connectionId) return base;
    // sequence_number is the next seq expected; the server replays from there (no hello) or
    // starts a new stream with a fresh hello.
    return `${base}?connection_id=${encodeURIComponent(this.connectionId)}&sequence_number=${this.lastSeq + 1}`;
  }

  private open() {
    if (this.stopped) return;
    this.h.onStatus(this.helloSeen ? 'reconnecting' : 'connecting');
    const ws = new WebSocket(this.url());
    this.ws = ws;
    this.actionSeq = 1;
    ws.onopen = () => {
      const seq = this.actionSeq++;
      ws.send(JSON.stringify({ action: 'authenticate', seq, data: { token: this.h.token() } }));
      // A resumed stream sends no hello: the OK to authenticate is the sign we are back.
      this.replies.set(seq, {
        resolve: () => {
          if (ws !== this.ws) return;
          this.retry = 0;
          this.startPing();
          if (this.helloSeen) this.h.onStatus('online');
        },
        reject: () => {},
      });
    };
    ws.onmessage = (m) => {
      if (ws !== this.ws) return;
      let msg: Frame;
      try {
        msg = JSON.parse(String(m.data)) as Frame;
      } catch {
        return;
      }
      if (typeof msg.seq_reply === 'number' || msg.status) {
        const r = this.replies.get(msg.seq_reply!);
        if (r) {
          this.replies.delete(msg.seq_reply!);
          if (msg.status === 'OK') r.resolve(msg.data ?? msg);
          else r.reject(new Error(msg.error?.message ?? 'action failed'));
        }
        return;
      }
      if (typeof msg.event !== 'string') return;
      if (msg.event === 'hello') return this.onHello(msg);
      if (typeof msg.seq === 'number') {
        if (msg.seq <= this.lastSeq) return; // replayed twice: already applied
        if (this.lastSeq >= 0 && msg.seq !== this.lastSeq + 1) {
          // A gap means lost events: start over with a fresh connection and refetch.
          this.connectionId = '';
          this.lastSeq = -1;
          ws.close(4000, 'sequence gap');
          return;
        }
        this.lastSeq = msg.seq;
      }
      // Frames come from our server: `data` is of the type its event name says
      // (src/contract/events.ts). A name this version does not know changes nothing downstream.
      this.h.onEvent({ event: msg.event, data: msg.data ?? {}, seq: msg.seq } as ClientEvent);
    };
    ws.onclose = (e) => {
      if (ws !== this.ws) return;
      clearInterval(this.ping);
      for (const r of this.replies.values()) r.reject(new Error('disconnected'));
      this.replies.clear();
      this.ws = null;
      if (this.stopped) return;
      if (e.code === 4001 || e.code === 4003) {
        // Refused or revoked: the app checks the session and signs out if it is gone.
        this.connectionId = '';
        this.lastSeq = -1;
        this.h.onAuthFailed();
      }
      this.h.onStatus('reconnecting');
      const delay = Math.min(10_000, 250 * 2 ** this.retry++) * (0.75 + Math.random() / 2);
      this.timer = setTimeout(() => this.open(), delay);
    };
  }

  private startPing() {
    clearInterval(this.ping);
    this.ping = setInterval(() => void this.send('ping').catch(() => {}), PING_MS);
  }

  private onHello(msg: Frame) {
    const id = typeof msg.data?.connection_id === 'string' ? msg.data.connection_id : '';
    const fresh = id !== this.connectionId;
    const first = !this.helloSeen;
    this.connectionId = id;
    if (fresh) this.lastSeq = typeof msg.seq === 'number' ? msg.seq : 0;
    this.helloSeen = true;
    this.retry = 0;
    this.startPing();
    this.h.onStatus('online');
    if (fresh) this.h.onFresh(first);
  }
}
