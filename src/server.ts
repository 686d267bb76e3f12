import { Hono } from 'hono';
import { createNodeWebSocket } from '@hono/node-ws';
import type { Server as HttpServer } from 'node:http';
import type { Deps } from './deps.ts';
import type { AppEnv } from './http/env.ts';
import { limitBody, rejectNulInUrl, renderError, requestContext } from './http/middleware.ts';
import { v1Routes } from './http/v1/index.ts';
import { isUploadRequest } from './http/v1/files.ts';
import { v4Routes } from './http/v4/index.ts';
import { ssoRoutes } from './http/sso.ts';
import { renderMmError } from './http/v4/errors.ts';
import { wsMmUpgrade } from './http/v4/websocket.ts';
import { serveWeb, type WebAssets } from './http/static.ts';
import { wsV1Upgrade, type UpgradeHandler } from './http/v1/ws.ts';
import { getHub } from './realtime/hub.ts';
import { notFound } from './errors.ts';
import { family, metricsSources } from './http/metrics.ts';
import { metricsEndpoint } from './http/metrics-endpoint.ts';

/** Largest inbound WebSocket frame (`ws` defaults to 100 MiB). */
export const WS_MAX_PAYLOAD = 8 * 1024;

export interface AppServer {
  app: Hono<AppEnv>;
  /** Attaches the WebSocket upgrade handler to a listening node server. */
  injectWebSocket(server: HttpServer): void;
  /** Closes every WebSocket with 1001 (going away). */
  closeSockets(): void;
}

/** Builds the whole HTTP + WebSocket application over deps; used by `serve` and by tests. */
export function createServer(deps: Deps, opts: { web?: WebAssets } = {}): AppServer {
  const app = new Hono<AppEnv>();
  const { injectWebSocket, upgradeWebSocket, wss } = createNodeWebSocket({ app });
  (wss.options as { maxPayload?: number }).maxPayload = WS_MAX_PAYLOAD;

  app.use('*', requestContext(deps));
  // /api/v4 errors thrown by the shared middleware (body limit) still get Mattermost's shape.
  app.onError((err, c) => (c.req.path.startsWith('/api/v4/') ? renderMmError(err, c) : renderError(err, c)));
  // Uploads stream to storage under files.max_upload_bytes instead (http/v1/files.ts).
  const jsonLimit = limitBody(deps.config.server.body_limit_bytes);
  app.use('/api/*', rejectNulInUrl);
  app.use('/api/*', (c, next) => (isUploadRequest(c.req.method, c.req.path) ? next() : jsonLimit(c, next)));
  // WebSocket endpoints served by the realtime hub on raw `ws` (http/v1/ws.ts); other
  // upgrade paths still go through Hono's helper.
  const upgrades = new Map<string, UpgradeHandler>([
    ['/api/v1/ws', wsV1Upgrade(deps, { maxPayload: WS_MAX_PAYLOAD })],
    ['/api/v4/websocket', wsMmUpgrade(deps, { maxPayload: WS_MAX_PAYLOAD })],
  ]);
  app.route('/api/v1', v1Routes());
  app.route('/api/v4', v4Routes());
  // Single sign-on pages (Mattermost's paths), before the web client's catch-all.
  app.route('/', ssoRoutes());
  // Prometheus' default path (the web client would otherwise answer it with its page).
  app.get('/metrics', metricsEndpoint);
  if (opts.web) app.use('*', serveWeb(opts.web));
  app.notFound((c) => renderError(notFound('route_not_found', `No route for ${c.req.method} ${c.req.path}`), c));
  metricsSources(deps).push(() => family('rustchat_websocket_connections', 'gauge', 'Authenticated WebSocket connections on this process.', [[{}, getHub(deps).connectionCount()]]));

  return {
    app,
    injectWebSocket(server) {
      let honoUpgrade: ((req: unknown, socket: unknown, head: unknown) => void) | undefined;
      injectWebSocket({ on: (_event: string, fn: typeof honoUpgrade) => (honoUpgrade = fn) } as unknown as HttpServer);
      server.on('upgrade', (req, socket, head) => {
        const handler = upgrades.get((req.url ?? '/').split('?')[0]);
        if (handler) handler(req, socket, head);
        else honoUpgrade?.(req, socket, head);
      });
    },
    closeSockets() {
      getHub(deps).close();
      for (const ws of wss.clients) ws.close(1001, 'server shutting down');
    },
  };
}
