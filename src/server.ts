import { Hono } from 'hono';
import type { Server as HttpServer } from 'node:http';
import type { Deps } from './deps.ts';
import type { AppEnv } from './http/env.ts';
import { limitBody, rejectNulInUrl, renderError, requestContext } from './http/middleware.ts';
import { v1Routes } from './http/v1/index.ts';
import { isUploadRequest } from './http/uploads.ts';
import { v4Routes } from './http/v4/index.ts';
import { ssoRoutes } from './http/sso.ts';
import { hookRoutes } from './http/v4/hooks.ts';
import { renderMmError } from './http/v4/errors.ts';
import { wsMmUpgrade } from './http/v4/websocket.ts';
import { serveWeb, type WebAssets } from './http/static.ts';
import { compressJson } from './http/compress.ts';
import { registerHubMetrics, wsV1Upgrade } from './http/v1/ws.ts';
import { destroyOnError, rejectUpgrade, type UpgradeHandler } from './http/ws-socket.ts';
import { notFound } from './errors.ts';
import { family, metricsSources } from './http/metrics.ts';
import { pushMetrics } from './http/push-metrics.ts';
import { metricsEndpoint } from './http/metrics-endpoint.ts';
import { announceConfigChanges } from './http/config-changed.ts';

/** Largest inbound WebSocket frame (`ws` defaults to 100 MiB). */
export const WS_MAX_PAYLOAD = 8 * 1024;

export interface AppServer {
  app: Hono<AppEnv>;
  /** Attaches the WebSocket upgrade handler to a listening node server; `refuse()` true answers upgrades 503 shutting_down. */
  injectWebSocket(server: HttpServer, opts?: { refuse?: () => boolean }): void;
  /** Closes every WebSocket with 1001 (going away). */
  closeSockets(): void;
}

/** Builds the whole HTTP + WebSocket application over deps; used by `serve` and by tests. */
export function createServer(deps: Deps, opts: { web?: WebAssets } = {}): AppServer {
  const app = new Hono<AppEnv>();

  app.use('*', requestContext(deps));
  // /api/v4 errors thrown by the shared middleware (body limit) still get Mattermost's shape.
  app.onError((err, c) => (c.req.path.startsWith('/api/v4/') || c.req.path.startsWith('/hooks/') ? renderMmError(err, c) : renderError(err, c)));
  // Uploads stream to storage under files.max_upload_bytes instead (http/v1/files.ts).
  const jsonLimit = limitBody(deps.config.server.body_limit_bytes);
  app.use('/api/*', compressJson());
  app.use('/api/*', rejectNulInUrl);
  app.use('/api/*', (c, next) => (isUploadRequest(c.req.method, c.req.path) ? next() : jsonLimit(c, next)));
  // Hub and presence start now (presence listens to the hub from the first socket on).
  deps.services.startRealtime();
  registerHubMetrics(deps);
  // An admin's settings change (on any process) reaches the sockets as config_changed.
  const stopConfigChanges = announceConfigChanges(deps);
  // The WebSocket endpoints: raw `ws` servers over the realtime hub, taken from the node
  // server's 'upgrade' event before Hono sees the request (docs/realtime.md says why).
  const upgrades = new Map<string, UpgradeHandler>([
    ['/api/v1/ws', wsV1Upgrade(deps, { maxPayload: WS_MAX_PAYLOAD })],
    ['/api/v4/websocket', wsMmUpgrade(deps, { maxPayload: WS_MAX_PAYLOAD })],
  ]);
  app.route('/api/v1', v1Routes());
  app.route('/api/v4', v4Routes());
  // Incoming webhooks at Mattermost's path, with the JSON body limit.
  app.use('/hooks/*', jsonLimit, rejectNulInUrl);
  app.route('/', hookRoutes());
  // Single sign-on pages (Mattermost's paths), before the web client's catch-all.
  app.route('/', ssoRoutes());
  // Prometheus' default path (the web client would otherwise answer it with its page).
  app.get('/metrics', metricsEndpoint);
  if (opts.web) app.use('*', serveWeb(opts.web));
  app.notFound((c) => renderError(notFound('route_not_found', `No route for ${c.req.method} ${c.req.path}`), c));
  metricsSources(deps).push(() => pushMetrics(deps.services.push.stats));
  metricsSources(deps).push(() => family('rustchat_websocket_connections', 'gauge', 'Authenticated WebSocket connections on this process.', [[{}, deps.services.hub.connectionCount()]]));

  return {
    app,
    injectWebSocket(server, o = {}) {
      server.on('upgrade', (req, socket, head) => {
        if (o.refuse?.()) {
          socket.on('error', destroyOnError);
          return rejectUpgrade(socket, 503, 'Service Unavailable', JSON.stringify({ error: { code: 'shutting_down', message: 'The server is shutting down', details: null, request_id: '' } }));
        }
        const path = (req.url ?? '/').split('?')[0];
        const handler = upgrades.get(path);
        if (handler) return handler(req, socket, head);
        socket.on('error', destroyOnError);
        rejectUpgrade(socket, 404, 'Not Found', JSON.stringify({ error: { code: 'route_not_found', message: `No WebSocket endpoint at ${path}`, details: null, request_id: '' } }));
      });
    },
    closeSockets() {
      stopConfigChanges();
      deps.services.hub.close();
    },
  };
}
