import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { serve } from '@hono/node-server';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import WebSocket from 'ws';
import { testApp, type TestContext } from '../test/app.ts';
import { fxUser } from '../test/fixtures.ts';
import { connect } from '../test/realtime.ts';

let t: TestContext;
let server: Server;
let base: string;

test.before(async () => {
  t = await testApp();
  server = await new Promise<Server>((resolve) => {
    const s = serve({ fetch: t.server.app.fetch, hostname: '127.0.0.1', port: 0 }, () => resolve(s as Server)) as Server;
  });
  t.server.injectWebSocket(server);
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

test.after(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  await t.close();
});

/** The status line and body a refused upgrade answers with. */
function refusedUpgrade(path: string): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${base.replace('http', 'ws')}${path}`);
    ws.once('open', () => reject(new Error(`${path} was upgraded`)));
    ws.once('error', () => {});
    ws.once('unexpected-response', (_req, res) => {
      let text = '';
      res.on('data', (d) => (text += d));
      res.on('end', () => { _req.destroy(); resolve({ status: res.statusCode!, body: text ? JSON.parse(text) : null }); });
    });
  });
}

test('an upgrade to a path without a WebSocket endpoint is 404 route_not_found', async () => {
  for (const path of ['/api/v1/nothing', '/', '/api/v4/websockets']) {
    const r = await refusedUpgrade(path);
    assert.is(r.status, 404, path);
    assert.is(r.body.error.code, 'route_not_found', path);
  }
});

test('both WebSocket endpoints upgrade; closeSockets ends them with 1001', async () => {
  const u = await fxUser(t.deps);
  const { c } = await connect(base, u.token);
  const mm = new WebSocket(`${base.replace('http', 'ws')}/api/v4/websocket`, { headers: { authorization: `Bearer ${u.token}` } });
  const hello = await new Promise<any>((resolve, reject) => {
    mm.once('message', (d) => resolve(JSON.parse(String(d))));
    mm.once('error', reject);
  });
  assert.is(hello.event, 'hello');
  const mmClosed = new Promise<number>((resolve) => mm.once('close', (code) => resolve(code)));
  t.server.closeSockets();
  assert.is((await c.closed).code, 1001);
  assert.is(await mmClosed, 1001);
});

test.run();
