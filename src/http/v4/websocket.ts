import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Deps } from '../../deps.ts';
import { authenticate, type Auth } from '../../actions/tokens.ts';
import { AppError } from '../../errors.ts';
import { CLOSE, getHub, type Conn, type Hub } from '../../realtime/hub.ts';
import { mmSerializer } from './ws-serializer.ts';
import { rejectUpgrade, resumeParams, type UpgradeHandler } from '../v1/ws.ts';
import { getPresence } from '../../actions/presence.ts';
import { AUTH_COOKIE } from './auth.ts';
import { versionId } from './respond.ts';
import { mmClientAction } from './websocket-actions.ts';

/** Sockets that have not authenticated by then are closed. */
export const AUTH_TIMEOUT_MS = 5000;

/** The session token of an upgrade request: `Authorization` (bearer/token, any case) or the MMAUTHTOKEN cookie. */
function upgradeToken(req: IncomingMessage): string | undefined {
  const h = req.headers.authorization;
  if (h) {
    const m = /^(bearer|token)\s+(\S+)\s*$/i.exec(h.trim());
    if (m) return m[2];
  }
  const cookie = req.headers.cookie ?? '';
  for (const part of cookie.split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === AUTH_COOKIE && v.length) return decodeURIComponent(v.join('='));
  }
  return undefined;
}

/**
 * `/api/v4/websocket`: Mattermost's socket over the shared hub (same recipients, same replay
 * rings as `/api/v1/ws`; http/v4/ws-serializer.ts writes the frames). Authentication by the
 * session token at the upgrade (header or cookie) or by a first `authentication_challenge`.
 * Resume: `?connection_id=…&sequence_number=…` (the next seq the client expects) replays the
 * missed events from the ring without a new hello; when the ring cannot, a new stream starts
 * with a fresh hello and the client refetches.
 */
export function wsMmUpgrade(deps: Deps, opts: { maxPayload: number }): UpgradeHandler {
  const hub = getHub(deps);
  getPresence(deps);
  const wss = new WebSocketServer({ noServer: true, maxPayload: opts.maxPayload, clientTracking: false, perMessageDeflate: false });
  return (req, socket, head) => {
    socket.on('error', () => socket.destroy());
    const url = new URL(req.url ?? '/', 'http://localhost');
    const resume = resumeParams(url);
    const token = upgradeToken(req);
    if (!token) return wss.handleUpgrade(req, socket, head, (ws) => new MmSocket(deps, hub, ws, undefined, resume));
    authenticate(deps, token).then(
      (auth) => wss.handleUpgrade(req, socket, head, (ws) => new MmSocket(deps, hub, ws, auth, resume)),
      (e) => {
        const id = 'api.web_socket.connect.upgrade.app_error';
        const message = e instanceof AppError ? e.message : 'Authentication failed';
        rejectUpgrade(socket as Duplex, 401, 'Unauthorized', JSON.stringify({ id, message, detailed_error: '', request_id: '', status_code: 401 }));
      },
    );
  };
}

interface Action {
  action: string;
  seq: number | null;
  data: Record<string, unknown>;
}

class MmSocket {
  private timer: NodeJS.Timeout | undefined;
  private authenticating = false;
  private pending: Buffer[] = [];

  constructor(
    private deps: Deps,
    private hub: Hub,
    private ws: WebSocket,
    auth: Auth | undefined,
    private resume: { connectionId: string; nextSeq: number } | undefined,
  ) {
    ws.on('error', () => {});
    ws.on('message', (data, isBinary) => this.onMessage(data as Buffer, isBinary));
    if (auth) this.start(auth);
    else {
      this.timer = setTimeout(() => ws.close(CLOSE.authFailed, 'authentication timeout'), AUTH_TIMEOUT_MS);
      ws.once('close', () => clearTimeout(this.timer));
    }
  }

  private get conn(): Conn | undefined {
    return this.hub.connOf(this.ws);
  }

  private start(auth: Auth) {
    clearTimeout(this.timer);
    if (this.ws.readyState !== this.ws.OPEN) return;
    this.hub.attach(this.ws, { userId: auth.user.id, sessionId: auth.session.id, sessionExpiresAt: auth.session.expires_at, serializer: mmSerializer, resume: this.resume });
  }

  private reply(a: { seq: number | null }, ok: boolean, body?: Record<string, unknown>, error?: { code: string; message: string }) {
    const frame = mmSerializer.reply(a.seq, ok, body, error);
    const c = this.conn;
    if (c) this.hub.send(c, frame);
    else if (this.ws.readyState === this.ws.OPEN) this.ws.send(frame);
  }

  private onMessage(data: Buffer, isBinary: boolean) {
    let msg: any;
    try {
      if (isBinary) throw new Error('binary');
      msg = JSON.parse(data.toString('utf8'));
    } catch {
      return this.reply({ seq: null }, false, undefined, { code: 'invalid_json', message: 'Frame is not a JSON text message' });
    }
    const a: Action = {
      action: typeof msg?.action === 'string' ? msg.action : '',
      seq: Number.isSafeInteger(msg?.seq) ? msg.seq : null,
      data: msg?.data && typeof msg.data === 'object' && !Array.isArray(msg.data) ? msg.data : {},
    };
    const conn = this.conn;
    if (!conn) {
      // The client sends a ping right behind its challenge: hold frames until the answer.
      if (this.authenticating) {
        if (this.pending.length < 16) this.pending.push(data);
        return;
      }
      return this.unauthenticated(a);
    }
    if (!this.hub.takeToken(conn)) return this.reply(a, false, undefined, { code: 'rate_limited', message: 'Too many actions on this socket; slow down' });
    if (a.action === 'authentication_challenge') return this.reply(a, true);
    if (a.action === 'ping') return this.reply(a, true, { text: 'pong', version: versionId(), server_time: this.deps.now(), node_id: '' });
    void mmClientAction(this.deps, conn.userId, a.action, a.data).then(
      (r) => this.reply(a, r.ok, r.data, r.error),
      (e) => {
        if (e instanceof AppError) this.reply(a, false, undefined, { code: e.code, message: e.message });
        else {
          this.deps.log.error('websocket action failed', { err: e, action: a.action });
          this.reply(a, false, undefined, { code: 'internal_error', message: 'Internal server error' });
        }
      },
    );
  }

  /** Before authentication only `authentication_challenge` is accepted; a bad token closes the socket. */
  private unauthenticated(a: Action) {
    const token = a.data.token;
    if (a.action !== 'authentication_challenge' || typeof token !== 'string' || !token) {
      this.reply(a, false, undefined, { code: 'no_auth', message: 'Send authentication_challenge first' });
      return;
    }
    if (this.authenticating) return;
    this.authenticating = true;
    authenticate(this.deps, token).then(
      (auth) => {
        this.authenticating = false;
        // Mattermost order: the hello (seq 0) first, then the reply to the challenge.
        this.start(auth);
        this.reply(a, true);
        for (const f of this.pending.splice(0)) this.onMessage(f, false);
      },
      () => {
        this.authenticating = false;
        this.reply(a, false, undefined, { code: 'authentication_failed', message: 'Authentication failed' });
        this.ws.close(CLOSE.authFailed, 'authentication failed');
      },
    );
  }
}
