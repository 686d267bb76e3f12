/**
 * Cross-site WebSocket hijacking (issue 11 item 3): an upgrade that only the session cookie would
 * authenticate must come from a page of this site (Origin against server.site_url, or the
 * request's own Host when it is empty). Token upgrades — the Authorization header or the
 * authentication_challenge / authenticate action — work from anywhere, as native apps need.
 * Real HTTP server, real `ws` client.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { serve } from '@hono/node-server';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import WebSocket from 'ws';
import { testApp, testConfig, type TestContext } from '../app.ts';
import { fxChannel, fxTeam, fxUser, type FxUser } from '../fixtures.ts';
import { WsClient } from '../realtime.ts';
import { withServices } from '../../src/boot.ts';
import { createServer } from '../../src/server.ts';
import type { Deps } from '../../src/deps.ts';
import { upgradeOriginAllowed } from '../../src/http/ws-origin.ts';

let t: TestContext;
let alice: FxUser;
let bob: FxUser;
let secret: { id: string };
const servers: { http: Server; app: ReturnType<typeof createServer> }[] = [];
let base = '';
let siteBase = '';
let siteDeps: Deps;
const SITE = 'https://chat.example.com';

async function listen(deps: Deps, server = createServer(deps)): Promise<string> {
  const s = await new Promise<Server>((resolve) => {
    const h = serve({ fetch: server.app.fetch, hostname: '127.0.0.1', port: 0 }, () => resolve(h as Server)) as Server;
  });
  server.injectWebSocket(s);
  servers.push({ http: s, app: server });
  return `127.0.0.1:${(s.address() as AddressInfo).port}`;
}

test.before(async () => {
  t = await testApp();
  alice = await fxUser(t.deps);
  bob = await fxUser(t.deps);
  const team = await fxTeam(t.deps, alice, { members: [bob] });
  secret = await fxChannel(t.deps, team.id, alice, { type: 'P', members: [bob] });
  base = await listen(t.deps, t.server);
  // The same database served with server.site_url set.
  siteDeps = withServices({ ...t.deps, config: testConfig({ 'server.site_url': SITE }) });
  siteBase = await listen(siteDeps);
});
test.after(async () => {
  for (const s of servers) {
    s.app.closeSockets(); // upgraded sockets are no longer the HTTP server's to close
    s.http.closeAllConnections();
    await new Promise((r) => s.http.close(r));
  }
  await siteDeps.services.close();
  await t.close();
});

/** The status an upgrade is answered with: 101 when it opened, else the HTTP status. */
function upgradeStatus(url: string, headers: Record<string, string>): Promise<{ status: number; body: string; ws?: WebSocket }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.once('open', () => resolve({ status: 101, body: '', ws }));
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    ws.once('error', reject);
  });
}

const cookie = (u: FxUser) => `MMAUTHTOKEN=${u.token}`;

test('v4: a cookie-only upgrade from a foreign Origin is refused with 403 and streams nothing', async () => {
  for (const origin of ['https://evil.example', 'null', `http://${base}.evil.example`, 'http://127.0.0.1:1']) {
    const r = await upgradeStatus(`ws://${base}/api/v4/websocket`, { cookie: cookie(bob), origin });
    r.ws?.terminate();
    assert.is(r.status, 403, origin);
    const body = JSON.parse(r.body);
    assert.is(body.id, 'api.web_socket.connect.origin.app_error');
    assert.is(body.status_code, 403);
  }
  // With site_url set, the Host the request was sent to does not make it same-origin.
  const r = await upgradeStatus(`ws://${siteBase}/api/v4/websocket`, { cookie: cookie(bob), origin: `http://${siteBase}` });
  r.ws?.terminate();
  assert.is(r.status, 403);
});

test('v4: a cookie upgrade from this site opens and receives private-channel posts', async () => {
  // No site_url: the request's own host.
  const c = new WsClient(`ws://${base}/api/v4/websocket`, { headers: { cookie: cookie(bob), origin: `http://${base}` } });
  await c.opened;
  await c.nextEvent('hello');
  const posted = await t.req('POST', `/api/v1/channels/${secret.id}/posts`, { token: alice.token, body: { message: 'private words' } });
  assert.is(posted.status, 201);
  const ev = await c.nextEvent('posted');
  assert.is(JSON.parse(ev.data.post).message, 'private words');
  await c.close();
  // site_url set: its origin (scheme, host, port), whatever the Host header says.
  const s = await upgradeStatus(`ws://${siteBase}/api/v4/websocket`, { cookie: cookie(bob), origin: SITE });
  assert.is(s.status, 101);
  s.ws!.close();
  // A client that sends no Origin is not a browser page.
  const none = await upgradeStatus(`ws://${base}/api/v4/websocket`, { cookie: cookie(bob) });
  assert.is(none.status, 101);
  none.ws!.close();
});

test('v4: token upgrades work from a foreign Origin (header, and authentication_challenge with a cookie present)', async () => {
  const h = new WsClient(`ws://${base}/api/v4/websocket`, { token: bob.token, headers: { origin: 'https://evil.example', cookie: cookie(alice) } });
  await h.opened;
  const hello = await h.nextEvent('hello');
  assert.ok(hello);
  await h.close();
  const ch = new WsClient(`ws://${siteBase}/api/v4/websocket`, { headers: { origin: 'https://app.example.org' } });
  await ch.opened;
  const reply = await ch.request('authentication_challenge', { token: bob.token });
  assert.is(reply.status, 'OK');
  await ch.close();
});

test('v1: the cookie is never a credential, and token upgrades work from a foreign Origin', async () => {
  const c = new WsClient(`ws://${base}/api/v1/ws`, { headers: { cookie: cookie(bob), origin: 'https://evil.example' } });
  await c.opened;
  const r = await c.request('ping');
  assert.is(r.status, 'FAIL');
  assert.is(r.error?.code, 'unauthenticated');
  const auth = await c.request('authenticate', { token: bob.token });
  assert.is(auth.status, 'OK');
  await c.close();
  const h = new WsClient(`ws://${siteBase}/api/v1/ws`, { token: bob.token, headers: { origin: 'https://evil.example' } });
  await h.opened;
  assert.is((await h.request('ping')).status, 'OK');
  await h.close();
});

test('origin rule: scheme and port count with site_url; default ports and case fold without it', () => {
  const req = (origin: string | undefined, host = 'chat.example.com') => ({ headers: { origin, host } }) as never;
  assert.ok(upgradeOriginAllowed(req('https://chat.example.com'), 'https://chat.example.com/'));
  assert.ok(upgradeOriginAllowed(req('https://CHAT.example.com:443'), 'https://chat.example.com'));
  assert.not.ok(upgradeOriginAllowed(req('http://chat.example.com'), 'https://chat.example.com'));
  assert.not.ok(upgradeOriginAllowed(req('https://chat.example.com:8443'), 'https://chat.example.com'));
  assert.ok(upgradeOriginAllowed(req('https://chat.example.com', 'Chat.Example.com:443'), ''));
  assert.ok(upgradeOriginAllowed(req('http://chat.example.com', 'chat.example.com:80'), ''));
  assert.not.ok(upgradeOriginAllowed(req('http://chat.example.com:8080', 'chat.example.com'), ''));
  assert.not.ok(upgradeOriginAllowed(req('https://chat.example.com.evil.example'), ''));
  assert.not.ok(upgradeOriginAllowed(req('chrome-extension://abc'), ''));
  assert.ok(upgradeOriginAllowed(req(undefined), ''));
});

test.run();
