import type { IncomingMessage } from 'node:http';
import { WebSocketServer } from 'ws';
import type { Deps } from '../../deps.ts';
import { authenticate } from '../../actions/tokens.ts';
import { HubSocket, UNAUTHENTICATED_RETRY_AFTER_S, destroyOnError, rejectUpgrade, resumeParams, upgradeOpener, type ClientAction, type UpgradeHandler } from '../ws-socket.ts';
import { AppError } from '../../errors.ts';
import { getHub } from '../../realtime/hub.ts';
import { mmSerializer } from './ws-serializer.ts';
import { AUTH_COOKIE } from './auth.ts';
import { versionId } from './respond.ts';
import { mmClientAction } from './websocket-actions.ts';
import { upgradeOriginAllowed } from '../ws-origin.ts';


/** The session token of an upgrade request: `Authorization` (bearer/token, any case) or the MMAUTHTOKEN cookie. */
function upgradeToken(req: IncomingMessage): { token: string; fromCookie: boolean } | undefined {
  const h = req.headers.authorization;
  if (h) {
    const m = /^(bearer|token)\s+(\S+)\s*$/i.exec(h.trim());
    if (m) return { token: m[2], fromCookie: false };
  }
  const cookie = req.headers.cookie ?? '';
  for (const part of cookie.split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === AUTH_COOKIE && v.length) {
      try {
        return { token: decodeURIComponent(v.join('=')), fromCookie: true };
      } catch {
        return undefined; // malformed escape: no usable cookie
      }
    }
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
  const wss = new WebSocketServer({ noServer: true, maxPayload: opts.maxPayload, clientTracking: false, perMessageDeflate: false });
  const open = upgradeOpener(
    deps,
    wss,
    (ws, auth, resume, release) => new MmSocket(deps, hub, mmSerializer, ws, auth, resume, release),
    (socket) => {
      const body = { id: 'api.web_socket.connect.too_many_unauthenticated.app_error', message: 'Too many connections from this address are waiting to authenticate; retry later', detailed_error: '', request_id: '', status_code: 429 };
      rejectUpgrade(socket, 429, 'Too Many Requests', JSON.stringify(body), { 'Retry-After': String(UNAUTHENTICATED_RETRY_AFTER_S) });
    },
  );
  // Nothing created here outlives the upgrade (see destroyOnError).
  return (req, socket, head) => {
    socket.on('error', destroyOnError);
    const resume = resumeParams(new URL(req.url ?? '/', 'http://localhost'));
    const found = upgradeToken(req);
    if (!found) return open(req, socket, head, undefined, resume);
    // A socket the cookie alone would authenticate must be opened by a page of this site
    // (cross-site WebSocket hijacking; http/ws-origin.ts). Token upgrades are not affected.
    if (found.fromCookie && !upgradeOriginAllowed(req, deps.config.server.site_url)) {
      const body = { id: 'api.web_socket.connect.origin.app_error', message: 'WebSocket connections authenticated by the session cookie must come from a page of this site (Origin does not match server.site_url)', detailed_error: '', request_id: '', status_code: 403 };
      return rejectUpgrade(socket, 403, 'Forbidden', JSON.stringify(body));
    }
    authenticate(deps, found.token).then(
      (auth) => open(req, socket, head, auth, resume),
      (e) => {
        const id = 'api.web_socket.connect.upgrade.app_error';
        const message = e instanceof AppError ? e.message : 'Authentication failed';
        rejectUpgrade(socket, 401, 'Unauthorized', JSON.stringify({ id, message, detailed_error: '', request_id: '', status_code: 401 }));
      },
    );
  };
}

/** One Mattermost socket: `authentication_challenge`, `ping` and the actions of websocket-actions.ts. */
class MmSocket extends HubSocket {
  /** Frames that arrived while the challenge was being checked (allocated only then). */
  private pending: Buffer[] | undefined;

  protected onAction(a: ClientAction, raw: Buffer) {
    const conn = this.conn;
    if (!conn) {
      // The client sends a ping right behind its challenge: hold frames until the answer.
      if (this.authenticating) {
        this.pending ??= [];
        if (this.pending.length < 16) this.pending.push(raw);
        return;
      }
      return this.unauthenticated(a);
    }
    if (!this.hub.takeToken(conn)) return this.fail(a, { code: 'rate_limited', message: 'Too many actions on this socket; slow down' });
    if (a.action === 'authentication_challenge') return this.reply(a, true);
    if (a.action === 'ping') return this.reply(a, true, { text: 'pong', version: versionId(), server_time: this.deps.now(), node_id: '' });
    this.run(a, mmClientAction(this.deps, conn.userId, a.action, a.data).then((r) => this.reply(a, r.ok, r.data, r.error)));
  }

  /** Before authentication only `authentication_challenge` is accepted; a bad token closes the socket. */
  private unauthenticated(a: ClientAction) {
    const token = a.data.token;
    if (a.action !== 'authentication_challenge' || typeof token !== 'string' || !token) {
      return this.fail(a, { code: 'no_auth', message: 'Send authentication_challenge first' });
    }
    this.authenticateWith(a, token, () => 'authentication_failed', (auth) => {
      // Mattermost order: the hello (seq 0) first, then the reply to the challenge.
      this.start(auth);
      this.reply(a, true);
      const held = this.pending ?? [];
      this.pending = undefined;
      for (const f of held) this.ws.emit('message', f, false);
    });
  }
}
