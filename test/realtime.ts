/**
 * Helpers for real-time tests: a WebSocket client that records frames and lets a test await the
 * next one matching a predicate, a small REST client, and a private redis-server.
 */
import WebSocket from 'ws';
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { existsSync } from 'node:fs';

export interface Frame {
  event?: string;
  data?: any;
  seq?: number;
  status?: 'OK' | 'FAIL';
  seq_reply?: number | null;
  error?: { code: string; message: string };
}

export class WsClient {
  readonly frames: Frame[] = [];
  private waiters: { pred: (f: Frame) => boolean; from: number; resolve: (f: Frame) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }[] = [];
  /** Index of the first frame `next()` looks at. */
  private cursor = 0;
  private actionSeq = 0;
  readonly opened: Promise<void>;
  readonly closed: Promise<{ code: number; reason: string; at: number }>;
  readonly ws: WebSocket;

  constructor(url: string, opts: { token?: string; headers?: Record<string, string>; ws?: WebSocket.ClientOptions } = {}) {
    const headers: Record<string, string> = { ...opts.headers };
    if (opts.token) headers.authorization = `Bearer ${opts.token}`;
    // opts.ws: TLS trust (ca, servername) or a local address, for tests through a proxy.
    this.ws = new WebSocket(url, { ...opts.ws, headers });
    this.ws.on('message', (d) => {
      const f = JSON.parse(String(d)) as Frame;
      this.frames.push(f);
      this.wake();
    });
    this.opened = new Promise((resolve, reject) => {
      this.ws.once('open', () => resolve());
      this.ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
      this.ws.once('error', reject);
    });
    this.opened.catch(() => {});
    this.closed = new Promise((resolve) => this.ws.once('close', (code, reason) => resolve({ code, reason: String(reason), at: Date.now() })));
  }

  private wake() {
    for (const w of [...this.waiters]) {
      const i = this.frames.findIndex((f, idx) => idx >= w.from && w.pred(f));
      if (i >= 0) {
        clearTimeout(w.timer);
        this.waiters.splice(this.waiters.indexOf(w), 1);
        w.resolve(this.frames[i]);
      }
    }
  }

  /** The next frame (after earlier `next` results) matching pred; advances the cursor past it. */
  async next(pred: (f: Frame) => boolean = () => true, timeoutMs = 10_000): Promise<Frame> {
    const from = this.cursor;
    const f = await new Promise<Frame>((resolve, reject) => {
      const i = this.frames.findIndex((fr, idx) => idx >= from && pred(fr));
      if (i >= 0) return resolve(this.frames[i]);
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w.timer !== timer);
        reject(new Error(`no matching frame within ${timeoutMs} ms; frames: ${JSON.stringify(this.frames.slice(from)).slice(0, 1500)}`));
      }, timeoutMs);
      this.waiters.push({ pred, from, resolve, reject, timer });
    });
    this.cursor = this.frames.indexOf(f, from) + 1;
    return f;
  }

  nextEvent(name: string, pred: (f: Frame) => boolean = () => true, timeoutMs?: number) {
    return this.next((f) => f.event === name && pred(f), timeoutMs);
  }

  /** Sends an action and resolves with its reply. */
  async request(action: string, data: Record<string, unknown> = {}): Promise<Frame> {
    const seq = ++this.actionSeq;
    this.ws.send(JSON.stringify({ action, seq, data }));
    return this.next((f) => f.seq_reply === seq);
  }

  sendRaw(s: string | Buffer) {
    this.ws.send(s);
  }

  /** Frames after the cursor. */
  rest(): Frame[] {
    return this.frames.slice(this.cursor);
  }

  /** Highest seq seen. */
  lastSeq(): number {
    let s = -1;
    for (const f of this.frames) if (typeof f.seq === 'number' && f.seq > s) s = f.seq;
    return s;
  }

  close() {
    this.ws.close();
    return this.closed;
  }

  /** Drops the TCP connection without a close handshake (a network failure). */
  kill() {
    this.ws.terminate();
    return this.closed;
  }
}

/** Connects with the Authorization header and waits for hello. */
export async function connect(base: string, token: string, query = ''): Promise<{ c: WsClient; hello: Frame }> {
  const c = new WsClient(`${base.replace(/^http/, 'ws')}/api/v1/ws${query}`, { token });
  await c.opened;
  const hello = await c.next((f) => f.event === 'hello' || typeof f.seq === 'number');
  return { c, hello };
}

export interface Api {
  (method: string, path: string, body?: unknown, token?: string): Promise<{ status: number; body: any }>;
}

export function api(base: string): Api {
  return async (method, path, body, token) => {
    const headers: Record<string, string> = {};
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (token) headers.authorization = `Bearer ${token}`;
    const res = await fetch(`${base}/api/v1${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    let parsed: any = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      /* not JSON */
    }
    return { status: res.status, body: parsed };
  };
}

/** Calls api and fails unless the status is 2xx. */
export async function ok(call: Promise<{ status: number; body: any }>): Promise<any> {
  const r = await call;
  if (r.status < 200 || r.status > 299) throw new Error(`HTTP ${r.status}: ${JSON.stringify(r.body)}`);
  return r.body;
}

export interface TestUser {
  id: string;
  username: string;
  token: string;
}

let n = 0;
/** Registers a user through the API (the first one on a fresh server is system admin). */
export async function registerUser(a: Api, prefix = 'u'): Promise<TestUser> {
  const username = `${prefix}${Date.now().toString(36)}${(n++).toString(36)}`.slice(0, 22);
  const body = await ok(a('POST', '/auth/register', { email: `${username}@example.com`, username, password: 'correct horse battery' }));
  return { id: body.user.id, username, token: body.token };
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

export const REDIS_SERVER = ['/usr/bin/redis-server', '/usr/local/bin/redis-server'].find((p) => existsSync(p));

/** A private redis-server (never the shared one): start, kill, restart on the same port. */
export class PrivateRedis {
  proc: ChildProcess | null = null;
  constructor(readonly port: number) {}
  get url() {
    return `redis://127.0.0.1:${this.port}`;
  }
  async start() {
    if (!REDIS_SERVER) throw new Error('redis-server not installed');
    const p = spawn(REDIS_SERVER, ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.proc = p;
    await new Promise<void>((resolve, reject) => {
      let out = '';
      const t = setTimeout(() => reject(new Error(`redis-server did not start: ${out}`)), 10_000);
      p.stdout!.on('data', (d) => {
        out += d;
        if (/Ready to accept connections/.test(out)) {
          clearTimeout(t);
          resolve();
        }
      });
      p.on('exit', (code) => {
        clearTimeout(t);
        reject(new Error(`redis-server exited ${code}: ${out}`));
      });
    });
  }
  async kill() {
    const p = this.proc;
    if (!p || p.exitCode !== null) return;
    const exited = new Promise((r) => p.once('exit', r));
    p.kill('SIGKILL');
    await exited;
    this.proc = null;
  }
}

/** Polls until fn returns a truthy value (for conditions that have no event, like health). */
export async function until<T>(fn: () => Promise<T>, what: string, timeoutMs = 15_000, everyMs = 100): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${last ? `: ${last}` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
