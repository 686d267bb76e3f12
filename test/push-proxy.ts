import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A small push proxy for tests: a real HTTP server speaking mattermost-push-proxy's protocol
 * (`POST /api/v1/send_push`, `POST /api/v1/ack`) that records every request. Device tokens
 * choose the answer: "gone…" → {"status":"REMOVE"}, "fail…" → HTTP 500 {"status":"FAIL"} (as
 * the proxy answers an unknown platform); `down` answers 503 to everything for a while.
 */
export interface RecordedPush {
  path: string;
  headers: Record<string, string | string[] | undefined>;
  /** The raw JSON text (to check what was NOT sent). */
  raw: string;
  body: any;
  at: number;
}

export interface TestPushProxy {
  url: string;
  pushes: RecordedPush[];
  acks: RecordedPush[];
  /** The next `n` send_push requests answer 503 (counted in `refused`). */
  failNext(n: number): void;
  refused: number;
  /** Pushes of one type to one device token. */
  to(token: string, type?: string): RecordedPush[];
  close(): Promise<void>;
}

export async function startPushProxy(): Promise<TestPushProxy> {
  let failing = 0;
  const proxy: TestPushProxy = {
    url: '',
    pushes: [],
    acks: [],
    refused: 0,
    failNext(n) {
      failing = n;
    },
    to: (token, type = 'message') => proxy.pushes.filter((p) => p.body.device_id === token && (p.body.type ?? '') === type),
    close: () => new Promise((r) => server.close(() => r())),
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      let body: any;
      try {
        body = JSON.parse(raw);
      } catch {
        body = undefined;
      }
      const rec: RecordedPush = { path: req.url ?? '', headers: req.headers, raw, body, at: Date.now() };
      const answer = (status: number, json: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(json));
      };
      if (req.method !== 'POST') return answer(405, { status: 'FAIL', error: 'method' });
      if (req.url === '/api/v1/ack') {
        proxy.acks.push(rec);
        return answer(200, { status: 'OK' });
      }
      if (req.url !== '/api/v1/send_push') return answer(404, { status: 'FAIL', error: 'not found' });
      if (failing > 0) {
        failing--;
        proxy.refused++;
        res.writeHead(503);
        return res.end('unavailable');
      }
      if (!body?.server_id || !body?.device_id) return answer(400, { status: 'FAIL', error: 'missing server or device id' });
      proxy.pushes.push(rec);
      const token = String(body.device_id);
      if (token.startsWith('gone')) return answer(200, { status: 'REMOVE' });
      if (token.startsWith('fail')) return answer(500, { status: 'FAIL', error: 'Did not send message because of missing platform property' });
      answer(200, { status: 'OK' });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  proxy.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return proxy;
}
