/**
 * Graceful shutdown of the HTTP server under keep-alive traffic. `server.close()` alone stops
 * new connections but lets every open keep-alive connection go on sending requests until it is
 * idle at the right moment — under steady traffic, the whole shutdown window. Draining:
 * - stops accepting connections;
 * - answers requests in flight, and any that still arrive on open connections, with
 *   `Connection: close`, so Node closes each connection after its answer and clients reconnect
 *   elsewhere;
 * - closes idle keep-alive connections now and as connections become idle;
 * - refuses new WebSocket upgrades (503), and after `wsGraceMs` destroys upgraded sockets that
 *   did not finish their close handshake (the hub sends 1001 first; `closeAllConnections()`
 *   does not reach upgraded sockets).
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';

export interface Drain {
  /** True once start() ran. */
  readonly draining: boolean;
  /** Begins draining; resolves when the server has closed (every connection ended). */
  start(): Promise<void>;
  /** Ends whatever is still open (the shutdown timeout passed). */
  force(): void;
}

/** How often idle keep-alive connections are closed while draining. */
const IDLE_SWEEP_MS = 50;

export function createDrain(server: Server, opts: { wsGraceMs?: number } = {}): Drain {
  let draining = false;
  const inFlight = new Set<ServerResponse>();
  const upgraded = new Set<Duplex>();
  const closeAfter = (res: ServerResponse) => {
    if (!res.headersSent) res.setHeader('Connection', 'close');
  };
  // Before the application's listeners, so the header is set before anything is written.
  server.prependListener('request', (_req: IncomingMessage, res: ServerResponse) => {
    if (draining) return closeAfter(res);
    inFlight.add(res);
    res.once('close', () => inFlight.delete(res));
  });
  server.prependListener('upgrade', (_req: IncomingMessage, socket: Duplex) => {
    upgraded.add(socket);
    socket.once('close', () => upgraded.delete(socket));
  });
  let sweep: NodeJS.Timeout | undefined;
  let wsTimer: NodeJS.Timeout | undefined;
  const destroyUpgraded = () => {
    for (const s of upgraded) s.destroy();
  };
  return {
    get draining() {
      return draining;
    },
    start() {
      draining = true;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const res of inFlight) closeAfter(res);
      server.closeIdleConnections();
      // A connection whose answer was already under way when draining began becomes idle after it.
      sweep = setInterval(() => server.closeIdleConnections(), IDLE_SWEEP_MS);
      wsTimer = setTimeout(destroyUpgraded, opts.wsGraceMs ?? 2000);
      return closed.finally(() => {
        clearInterval(sweep);
        clearTimeout(wsTimer);
      });
    },
    force() {
      server.closeAllConnections();
      destroyUpgraded();
    },
  };
}
