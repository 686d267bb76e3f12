import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A real HTTP server standing in for a remote endpoint (an outgoing webhook's receiver, a slash
 * command's URL): records every request and answers with the handler's reply.
 */
export interface Received {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

export interface Receiver {
  port: number;
  url: string;
  requests: Received[];
  /** The next answer; default 200 with an empty body. */
  handler: (req: Received, res: ServerResponse) => void;
  close(): Promise<void>;
}

export async function startReceiver(host = '127.0.0.1'): Promise<Receiver> {
  const requests: Received[] = [];
  const rec: Receiver = {
    port: 0,
    url: '',
    requests,
    handler: (_req, res) => res.end(),
    close: () => new Promise((r) => server.close(() => r())),
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const r = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      requests.push(r);
      rec.handler(r, res);
    });
  });
  await new Promise<void>((r) => server.listen(0, host, () => r()));
  rec.port = (server.address() as AddressInfo).port;
  rec.url = `http://${host.includes(':') ? `[${host}]` : host}:${rec.port}`;
  server.closeAllConnections?.();
  return rec;
}

/** Waits until `check` returns a truthy value (polling), or fails after `ms`. */
export async function waitFor<T>(check: () => T | Promise<T>, what: string, ms = 10_000): Promise<NonNullable<T>> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v) return v as NonNullable<T>;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
