/**
 * Socket caps (issue 11 item 8): websocket.max_sockets_per_user live sockets per user and
 * process — one more closes the user's oldest with 4008 — and
 * websocket.max_unauthenticated_per_address sockets waiting to authenticate per client address
 * (shared by both endpoints; more are refused with HTTP 429 and Retry-After). Real server, real
 * `ws` clients; the client address comes through a trusted proxy (127.0.0.2) with X-Forwarded-For.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { serve } from '@hono/node-server';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import WebSocket from 'ws';
import { testApp, type TestContext } from '../app.ts';
import { fxUser, type FxUser } from '../fixtures.ts';
import { WsClient } from '../realtime.ts';
import { CLOSE } from '../../src/realtime/hub.ts';

const PER_USER = 3;
const UNAUTH = 4;
const PROXY = '127.0.0.2';

let t: TestContext;
let server: Server;
let base = '';
let alice: FxUser;
let bob: FxUser;
const clients: WsClient[] = [];

test.before(async () => {
  t = await testApp({ config: { 'websocket.max_sockets_per_user': PER_USER, 'websocket.max_unauthenticated_per_address': UNAUTH, 'server.trusted_proxies': PROXY } });
  alice = await fxUser(t.deps);
  bob = await fxUser(t.deps);
  server = await new Promise<Server>((resolve) => {
    const s = serve({ fetch: t.server.app.fetch, hostname: '127.0.0.1', port: 0 }, () => resolve(s as Server)) as Server;
  });
  t.server.injectWebSocket(server);
  base = `ws://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
test.after(async () => {
  for (const c of clients) c.ws.terminate();
  t.server.closeSockets();
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  await t.close();
});

function client(path: string, o: { token?: string; from?: string; xff?: string } = {}): WsClient {
  const c = new WsClient(`${base}${path}`, { token: o.token, headers: o.xff ? { 'x-forwarded-for': o.xff } : {}, ws: { localAddress: o.from ?? '127.0.0.1' } });
  clients.push(c);
  return c;
}

/** An upgrade's outcome: 101 when it opened, else the HTTP status with its headers and body. */
function upgrade(path: string, from: string, xff: string): Promise<{ status: number; retryAfter?: string; body?: any }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${base}${path}`, { headers: { 'x-forwarded-for': xff }, localAddress: from });
    ws.once('open', () => {
      ws.terminate();
      resolve({ status: 101 });
    });
    ws.once('unexpected-response', (_req, res) => {
      let text = '';
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, retryAfter: res.headers['retry-after'], body: JSON.parse(text) }));
    });
    ws.once('error', reject);
  });
}

test('one socket over the per-user cap closes that user\'s oldest with 4008; others stay', async () => {
  const mine: WsClient[] = [];
  for (let i = 0; i < PER_USER; i++) {
    const c = client(i % 2 ? '/api/v4/websocket' : '/api/v1/ws', { token: alice.token });
    await c.opened;
    await c.nextEvent('hello');
    mine.push(c);
  }
  const bobs = client('/api/v1/ws', { token: bob.token });
  await bobs.nextEvent('hello');
  const newest = client('/api/v4/websocket', { token: alice.token });
  await newest.nextEvent('hello');
  const closed = await mine[0].closed;
  assert.is(closed.code, CLOSE.tooManySockets);
  assert.is(closed.code, 4008);
  assert.is(closed.reason, 'too many connections for this user');
  // The rest of alice's sockets and bob's still work, and the hub holds exactly the cap for her.
  for (const c of [...mine.slice(1), newest, bobs]) assert.is((await c.request('ping')).status, 'OK');
  assert.is(t.deps.services.hub.stats.evicted, 1);
  const live = [...mine, newest].filter((c) => c.ws.readyState === WebSocket.OPEN);
  assert.is(live.length, PER_USER);
  // An authenticate action counts the same as a header.
  const late = client('/api/v1/ws');
  await late.opened;
  assert.is((await late.request('authenticate', { token: alice.token })).status, 'OK');
  assert.is((await mine[1].closed).code, 4008);
});

test('sockets waiting to authenticate are capped per client address, across both endpoints', async () => {
  const waiting: WsClient[] = [];
  for (let i = 0; i < UNAUTH; i++) {
    const c = client(i % 2 ? '/api/v4/websocket' : '/api/v1/ws', { from: PROXY, xff: '6.6.6.6, 198.51.100.7' });
    await c.opened;
    waiting.push(c);
  }
  // The next one from that address is refused, whichever endpoint and whatever it forges.
  const v1 = await upgrade('/api/v1/ws', PROXY, '198.51.100.7');
  assert.is(v1.status, 429);
  assert.is(v1.retryAfter, '5');
  assert.is(v1.body.error.code, 'too_many_unauthenticated_sockets');
  const v4 = await upgrade('/api/v4/websocket', PROXY, '1.2.3.4, 198.51.100.7');
  assert.is(v4.status, 429);
  assert.is(v4.body.id, 'api.web_socket.connect.too_many_unauthenticated.app_error');
  assert.is(v4.body.status_code, 429);
  // Another address is not affected; token upgrades are not counted.
  assert.is((await upgrade('/api/v1/ws', PROXY, '198.51.100.8')).status, 101);
  const withToken = client('/api/v1/ws', { token: bob.token, from: PROXY, xff: '198.51.100.7' });
  await withToken.nextEvent('hello');
  // One authenticates, one closes: two places free up.
  assert.is((await waiting[0].request('authenticate', { token: bob.token })).status, 'OK');
  await waiting[1].close();
  assert.is((await upgrade('/api/v1/ws', PROXY, '198.51.100.7')).status, 101);
  const again = client('/api/v4/websocket', { from: PROXY, xff: '198.51.100.7' });
  await again.opened;
  // (The terminated probe above released its place as well.)
  await new Promise((r) => setTimeout(r, 100));
  const next = client('/api/v1/ws', { from: PROXY, xff: '198.51.100.7' });
  await next.opened;
  assert.is((await upgrade('/api/v1/ws', PROXY, '198.51.100.7')).status, 429);
});

test('sockets waiting for authentication time out (4001) and free their place', async () => {
  const c = client('/api/v1/ws', { from: PROXY, xff: '198.51.100.9' });
  await c.opened;
  for (let i = 1; i < UNAUTH; i++) await client('/api/v1/ws', { from: PROXY, xff: '198.51.100.9' }).opened;
  assert.is((await upgrade('/api/v1/ws', PROXY, '198.51.100.9')).status, 429);
  assert.is((await c.closed).code, CLOSE.authFailed);
  await new Promise((r) => setTimeout(r, 100));
  assert.is((await upgrade('/api/v1/ws', PROXY, '198.51.100.9')).status, 101);
});

test('loopback addresses are not counted (a proxy that is not trusted would make every client one)', async () => {
  for (let i = 0; i < UNAUTH + 2; i++) await client('/api/v1/ws', { from: '127.0.0.3', xff: '198.51.100.10' }).opened;
});

test.run();
