import type { Duplex } from 'node:stream';
import type { IncomingMessage } from 'node:http';
import type { WebSocket, WebSocketServer } from 'ws';
import type { Deps } from '../deps.ts';
import { authenticate, type Auth } from '../actions/tokens.ts';
import { AppError } from '../errors.ts';
import { CLOSE, type Conn, type Hub } from '../realtime/hub.ts';
import type { Serializer } from '../realtime/serializer.ts';
import { requestClientAddress } from '../client-address.ts';
import { addressBucket } from '../actions/rate-limit.ts';

export type UpgradeHandler = (req: IncomingMessage, socket: Duplex, head: Buffer) => void;

/** Writes a plain HTTP error on a socket that asked to upgrade, then closes it. */
export function rejectUpgrade(socket: Duplex, status: number, reason: string, body = '', headers: Record<string, string> = {}) {
  const extra = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('');
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\n${extra}Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
}

/** Seconds a client refused for too many unauthenticated sockets is told to wait (the auth deadline). */
export const UNAUTHENTICATED_RETRY_AFTER_S = 5;

/** Resume parameters from the upgrade URL (`connection_id`, `sequence_number` = next seq expected). */
export interface ResumeParams {
  connectionId: string;
  nextSeq: number;
}

export function resumeParams(url: URL): ResumeParams | undefined {
  const connectionId = url.searchParams.get('connection_id');
  const seq = url.searchParams.get('sequence_number');
  if (!connectionId || seq === null || !/^\d{1,15}$/.test(seq)) return undefined;
  return { connectionId, nextSeq: Number(seq) };
}

/**
 * The 'error' listener of a socket being upgraded. A shared function rather than a closure: a
 * closure made in the upgrade handler would keep that handler's scope — the request with its
 * headers and token, the `head` buffer and the whole read buffer behind it — reachable from the
 * socket for as long as the socket lives (about 3 KB per idle connection, measured).
 */
export function destroyOnError(this: Duplex) {
  this.destroy();
}

/**
 * Completes upgrades on `wss`: the socket's own error handling takes over from destroyOnError,
 * then `make` wraps the WebSocket (both endpoints, /api/v1/ws and /api/v4/websocket, use it).
 *
 * A socket that opens without authentication counts against its client address (IPv6: the /64)
 * until it authenticates or closes; at websocket.max_unauthenticated_per_address the upgrade is
 * refused through `tooMany` (HTTP 429 in the endpoint's error shape). The count is shared by both
 * endpoints and kept per process. Loopback and unknown addresses are not counted, as for the
 * login limits: behind a proxy that is not trusted every client would share them.
 */
export function upgradeOpener(
  deps: Deps,
  wss: WebSocketServer,
  make: (ws: WebSocket, auth: Auth | undefined, resume: ResumeParams | undefined, release: (() => void) | undefined) => void,
  tooMany: (socket: Duplex) => void,
) {
  const open = deps.services.caches.wsUnauthenticated ??= new Map<string, number>();
  return (req: IncomingMessage, socket: Duplex, head: Buffer, auth: Auth | undefined, resume: ResumeParams | undefined) => {
    let bucket: string | undefined;
    if (!auth) {
      bucket = countedAddress(requestClientAddress(deps, req));
      if (bucket && (open.get(bucket) ?? 0) >= deps.config.websocket.max_unauthenticated_per_address) return tooMany(socket);
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      socket.off('error', destroyOnError); // `ws` has its own from now on
      let release: (() => void) | undefined;
      if (bucket) {
        const key = bucket;
        open.set(key, (open.get(key) ?? 0) + 1);
        release = () => {
          const n = (open.get(key) ?? 1) - 1;
          if (n > 0) open.set(key, n);
          else open.delete(key);
        };
      }
      make(ws, auth, resume, release);
    });
  };
}

/** The address bucket an unauthenticated socket counts against; undefined for loopback and unknown. */
function countedAddress(ip: string): string | undefined {
  const bucket = addressBucket(ip);
  if (bucket === 'unknown' || /^127\./.test(bucket) || bucket === '0:0:0:0::/64') return undefined;
  return bucket;
}

/** The socket's listener that ignores errors ('error' from `ws` is followed by 'close'). */
function ignore() {}

/** Unauthenticated sockets are closed after this long. */
export const AUTH_TIMEOUT_MS = 5000;

export interface ClientAction {
  /** '' when the frame named none. */
  action: string;
  seq: number | null;
  data: Record<string, unknown>;
}

export interface ActionError {
  code: string;
  message: string;
}

/**
 * What both socket endpoints (`/api/v1/ws`, `/api/v4/websocket`) share: the 5 s authentication
 * deadline, frame decoding, replies through the protocol's serializer (and the hub once the socket
 * is attached, so replies and events stay in one ordered stream), attaching an authenticated
 * socket to the hub, and turning a failed action into a FAIL reply. Subclasses decide which
 * actions exist and how authentication is answered.
 */
export abstract class HubSocket {
  private timer: NodeJS.Timeout | undefined;
  protected authenticating = false;

  constructor(
    protected deps: Deps,
    protected hub: Hub,
    protected serializer: Serializer,
    protected ws: WebSocket,
    auth: Auth | undefined,
    private resume: { connectionId: string; nextSeq: number } | undefined,
    /** Ends this socket's count as unauthenticated (upgradeOpener); called once. */
    private release?: () => void,
  ) {
    // 'error' (e.g. a frame over maxPayload) is followed by 'close'; ws closes with 1009 itself.
    ws.on('error', ignore);
    if (release) ws.once('close', () => this.released());
    ws.on('message', (data, isBinary) => this.onFrame(data as Buffer, isBinary));
    if (auth) this.start(auth);
    // (Closing a socket that is already closed does nothing, so the timer needs no 'close' listener.)
    else {
      this.timer = setTimeout(() => ws.close(CLOSE.authFailed, 'authentication timeout'), AUTH_TIMEOUT_MS);
      this.timer.unref();
    }
  }

  private released() {
    const r = this.release;
    this.release = undefined;
    r?.();
  }

  /** Handles one decoded frame. */
  protected abstract onAction(a: ClientAction, raw: Buffer): void;

  protected get conn(): Conn | undefined {
    return this.hub.connOf(this.ws);
  }

  /** Attaches the socket to the hub (which sends hello or replays a resumed stream). */
  protected start(auth: Auth) {
    clearTimeout(this.timer);
    this.released();
    if (this.ws.readyState !== this.ws.OPEN) return;
    this.hub.attach(this.ws, {
      userId: auth.user.id,
      sessionId: auth.session.id,
      sessionExpiresAt: auth.session.expires_at,
      serializer: this.serializer,
      resume: this.resume,
    });
  }

  protected reply(a: { seq: number | null }, ok: boolean, body?: Record<string, unknown>, error?: ActionError) {
    const frame = this.serializer.reply(a.seq, ok, body, error);
    const c = this.conn;
    if (c) this.hub.send(c, frame);
    else if (this.ws.readyState === this.ws.OPEN) this.ws.send(frame);
  }

  protected fail(a: ClientAction, error: ActionError) {
    this.reply(a, false, undefined, error);
  }

  /** Runs an action's work; an AppError becomes its FAIL reply, anything else is logged as internal_error. */
  protected run(a: ClientAction, work: Promise<unknown>) {
    void work.catch((e) => {
      if (e instanceof AppError) this.fail(a, { code: e.code, message: e.message });
      else {
        this.deps.log.error('websocket action failed', { err: e, action: a.action });
        this.fail(a, { code: 'internal_error', message: 'Internal server error' });
      }
    });
  }

  /** Verifies a token sent in a frame; on failure replies, then closes with 4001. */
  protected authenticateWith(a: ClientAction, token: string, failCode: (e: unknown) => string, onOk: (auth: Auth) => void) {
    this.authenticating = true;
    authenticate(this.deps, token).then(
      (auth) => {
        this.authenticating = false;
        onOk(auth);
      },
      (e) => {
        this.authenticating = false;
        this.fail(a, { code: failCode(e), message: 'Authentication failed' });
        this.ws.close(CLOSE.authFailed, 'authentication failed');
      },
    );
  }

  private onFrame(data: Buffer, isBinary: boolean) {
    let msg: { action?: unknown; seq?: unknown; data?: unknown } | null;
    try {
      if (isBinary) throw new Error('binary');
      msg = JSON.parse(data.toString('utf8'));
    } catch {
      return this.fail({ seq: null } as ClientAction, { code: 'invalid_json', message: 'Frames must be JSON text' });
    }
    const a: ClientAction = {
      action: typeof msg?.action === 'string' ? msg.action : '',
      seq: Number.isSafeInteger(msg?.seq) ? (msg!.seq as number) : null,
      data: msg?.data && typeof msg.data === 'object' && !Array.isArray(msg.data) ? (msg.data as Record<string, unknown>) : {},
    };
    if (!msg || typeof msg !== 'object' || Array.isArray(msg)) {
      return this.fail(a, { code: 'invalid_action', message: 'Expected {"action": string, "seq": number, "data": object}' });
    }
    this.onAction(a, data);
  }
}
