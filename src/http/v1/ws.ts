import { WebSocketServer } from 'ws';
import type { Deps } from '../../deps.ts';
import { authenticate } from '../../actions/tokens.ts';
import { HubSocket, UNAUTHENTICATED_RETRY_AFTER_S, destroyOnError, rejectUpgrade, resumeParams, upgradeOpener, type ClientAction, type UpgradeHandler } from '../ws-socket.ts';
import { bearerToken } from '../middleware.ts';
import { AppError } from '../../errors.ts';
import { getHub, type Conn } from '../../realtime/hub.ts';
import { v1Serializer, type Serializer } from '../../realtime/serializer.ts';
import { userTyping } from '../../actions/typing.ts';
import { setStatusFromSocket, getPresence, subscribePresence } from '../../actions/presence.ts';
import { family, metricsSources } from '../metrics.ts';
import { monitorEventLoopDelay } from 'node:perf_hooks';

export { AUTH_TIMEOUT_MS } from '../ws-socket.ts';

/** Query parameters that would carry a credential; refused so tokens never land in access logs. */
const TOKEN_PARAMS = ['token', 'access_token', 'auth', 'authorization'];

/**
 * `/api/v1/ws`: a raw `ws` server (no per-socket framework objects, so an idle socket costs
 * little) over the shared hub. Auth by `Authorization` header at upgrade, or a first
 * `authenticate` action within AUTH_TIMEOUT_MS.
 */
export function wsV1Upgrade(deps: Deps, opts: { maxPayload: number; serializer?: Serializer }): UpgradeHandler {
  const hub = getHub(deps);
  const serializer = opts.serializer ?? v1Serializer;
  const wss = new WebSocketServer({ noServer: true, maxPayload: opts.maxPayload, clientTracking: false, perMessageDeflate: false });
  const open = upgradeOpener(
    deps,
    wss,
    (ws, auth, resume, release) => new V1Socket(deps, hub, serializer, ws, auth, resume, release),
    (socket) => rejectUpgrade(socket, 429, 'Too Many Requests', JSON.stringify({ error: { code: 'too_many_unauthenticated_sockets', message: 'Too many connections from this address are waiting to authenticate; authenticate the open ones or retry later', details: null, request_id: '' } }), { 'Retry-After': String(UNAUTHENTICATED_RETRY_AFTER_S) }),
  );
  // Nothing created here outlives the upgrade (see destroyOnError).
  return (req, socket, head) => {
    socket.on('error', destroyOnError);
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (hasTokenParam(url)) {
      return rejectUpgrade(socket, 400, 'Bad Request', JSON.stringify({ error: { code: 'token_in_query', message: 'Send the token in the Authorization header or an authenticate action, never in the URL', details: null, request_id: '' } }));
    }
    const resume = resumeParams(url);
    const token = bearerToken(req.headers.authorization);
    if (!token) return open(req, socket, head, undefined, resume);
    authenticate(deps, token).then(
      (auth) => open(req, socket, head, auth, resume),
      (e) => {
        const code = e instanceof AppError ? e.code : 'unauthorized';
        rejectUpgrade(socket, 401, 'Unauthorized', JSON.stringify({ error: { code, message: 'Authentication failed', details: null, request_id: '' } }));
      },
    );
  };
}

function hasTokenParam(url: URL): boolean {
  for (const p of TOKEN_PARAMS) if (url.searchParams.has(p)) return true;
  return false;
}

/** One native socket: the `authenticate`, `ping`, `typing`, `set_status` and `presence_subscribe` actions (src/contract/actions.ts). */
class V1Socket extends HubSocket {
  protected onAction(a: ClientAction) {
    if (!a.action) return this.fail(a, { code: 'invalid_action', message: 'Expected {"action": string, "seq": number, "data": object}' });
    const conn = this.conn;
    if (!conn) return this.unauthenticated(a);
    if (!this.hub.takeToken(conn)) return this.fail(a, { code: 'rate_limited', message: 'Too many actions on this socket; slow down' });
    this.run(a, this.act(conn, a));
  }

  private unauthenticated(a: ClientAction) {
    if (a.action !== 'authenticate') return this.fail(a, { code: 'unauthenticated', message: 'Send the authenticate action first' });
    if (this.authenticating) return this.fail(a, { code: 'authentication_in_progress', message: 'Already authenticating' });
    const token = a.data.token;
    if (typeof token !== 'string' || !token) return this.fail(a, { code: 'invalid_token', message: 'data.token is required' });
    this.authenticateWith(a, token, (e) => (e instanceof AppError ? e.code : 'unauthorized'), (auth) => {
      this.reply(a, true);
      this.start(auth);
    });
  }

  private async act(conn: Conn, a: ClientAction) {
    switch (a.action) {
      case 'ping':
        return this.reply(a, true, { text: 'pong', server_time: this.deps.now() });
      case 'typing':
        await userTyping(this.deps, conn.userId, a.data);
        getPresence(this.deps).activity(conn.userId);
        return this.reply(a, true);
      case 'set_status': {
        const st = await setStatusFromSocket(this.deps, conn.userId, a.data);
        return this.reply(a, true, st as unknown as Record<string, unknown>);
      }
      case 'presence_subscribe':
        return this.reply(a, true, (await subscribePresence(this.deps, conn, a.data)) as unknown as Record<string, unknown>);
      case 'authenticate':
        return this.fail(a, { code: 'already_authenticated', message: 'This socket is already authenticated' });
      default:
        return this.fail(a, { code: 'unknown_action', message: `Unknown action ${JSON.stringify(a.action.slice(0, 64))}` });
    }
  }
}

/**
 * The hub's counters and the event-loop delay as metrics: registered once per process, by
 * createServer.
 */
export function registerHubMetrics(deps: Deps): void {
  const hub = getHub(deps);
  const resolutionMs = 10;
  const loop = monitorEventLoopDelay({ resolution: resolutionMs });
  loop.enable();
  const sources = metricsSources(deps);
  sources.push(() => {
    const s = hub.stats;
    // Event-loop delay since the previous scrape (the histogram restarts on every scrape). The
    // histogram holds the intervals between ticks of a `resolutionMs` timer, so an idle loop
    // records ~resolutionMs; the delay is how much later than that the tick came.
    const late = (ms: number) => Math.max(0, ms - resolutionMs);
    const p99 = loop.count ? late(loop.percentile(99) / 1e6) : 0;
    const max = loop.count ? late(loop.max / 1e6) : 0;
    loop.reset();
    // (rustchat_websocket_connections is registered by server.ts.)
    return [
      family('rustchat_websocket_frames_sent_total', 'counter', 'Frames sent to WebSocket clients (events, replies, hellos).', [[{}, s.delivered]]),
      family('rustchat_websocket_slow_dropped_total', 'counter', 'Sockets dropped because their send buffer was full.', [[{}, s.slowDropped]]),
      family('rustchat_websocket_resumed_total', 'counter', 'Reconnects that resumed their stream from the replay ring.', [[{}, s.resumed]]),
      family('rustchat_websocket_resume_failed_total', 'counter', 'Reconnects that asked to resume but got a fresh hello.', [[{}, s.resumeFailed]]),
      family('rustchat_websocket_reaped_total', 'counter', 'Sockets closed for not answering heartbeat pings.', [[{}, s.reaped]]),
      family('rustchat_websocket_evicted_total', 'counter', 'Sockets closed (4008) because their user opened more than websocket.max_sockets_per_user on this process.', [[{}, s.evicted]]),
      family('nodejs_eventloop_delay_p99_seconds', 'gauge', 'Event-loop delay p99 since the previous scrape (how late a 10 ms timer fired).', [[{}, p99 / 1000]]),
      family('nodejs_eventloop_delay_max_seconds', 'gauge', 'Event-loop delay maximum since the previous scrape (how late a 10 ms timer fired).', [[{}, max / 1000]]),
    ].join('\n');
  });
}
