/**
 * X-Forwarded-For (issue 11 item 4): a proxy appends the address it saw after whatever the client
 * sent, so the server believes the header only from `server.trusted_proxies` and takes the
 * rightmost hop that is not a trusted proxy. Forged first hops must neither escape the per-address
 * login limit, nor lock a victim's address out, nor reach the audit log.
 *
 * A real listening server; the test's connections come from chosen loopback addresses
 * (127.0.0.2 and 127.0.0.4 are the trusted proxies, 127.0.0.3 is not), so the server sees real
 * socket peers.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { request } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { testApp, type TestContext } from '../app.ts';

const EDGE = '127.0.0.2';
const NGINX = '127.0.0.4';
const STRANGER = '127.0.0.3';
const LIMIT = 5;

let t: TestContext;
let server: Server;
let port = 0;
let admin = '';

test.before(async () => {
  t = await testApp({ config: { 'server.trusted_proxies': `${EDGE}, ${NGINX}/32`, 'auth.lockout_address_attempts': LIMIT } });
  server = await new Promise<Server>((resolve) => {
    const s = serve({ fetch: t.server.app.fetch, hostname: '127.0.0.1', port: 0 }, () => resolve(s as Server)) as Server;
  });
  port = (server.address() as AddressInfo).port;
  const reg = await call(EDGE, 'POST', '/api/v1/auth/register', { body: { email: 'root@example.com', username: 'root', password: 'root password' }, xff: '203.0.113.1' });
  assert.is(reg.status, 201, JSON.stringify(reg.body));
  admin = reg.body.token;
  for (const name of ['alice', 'victim']) {
    const r = await call(EDGE, 'POST', '/api/v1/auth/register', { body: { email: `${name}@example.com`, username: name, password: `${name} password` }, xff: '203.0.113.1' });
    assert.is(r.status, 201, JSON.stringify(r.body));
  }
});
test.after(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  await t.close();
});

/** An HTTP request whose TCP connection comes from `from`. */
function call(from: string, method: string, path: string, o: { body?: unknown; xff?: string; token?: string } = {}): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (o.xff !== undefined) headers['x-forwarded-for'] = o.xff;
    if (o.token) headers.authorization = `Bearer ${o.token}`;
    const req = request({ host: '127.0.0.1', port, method, path, localAddress: from, headers, agent: false }, (res) => {
      let text = '';
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : null }));
    });
    req.on('error', reject);
    req.end(o.body === undefined ? undefined : JSON.stringify(o.body));
  });
}

const login = (from: string, xff: string | undefined, login_id: string, password: string) => call(from, 'POST', '/api/v1/auth/login', { body: { login_id, password }, xff });

/** The address the server recorded for a fresh login (its session, and the login audit row). */
async function seenAs(from: string, xff?: string): Promise<string> {
  const r = await login(from, xff, 'alice', 'alice password');
  assert.is(r.status, 200, JSON.stringify(r.body));
  const sessions = await call(STRANGER, 'GET', '/api/v1/auth/sessions', { token: r.body.token });
  const ip = sessions.body.items.find((s: { current: boolean }) => s.current).ip;
  const audit = await call(STRANGER, 'GET', `/api/v1/admin/audit?action=login&actor_id=${r.body.user.id}`, { token: admin });
  assert.is(audit.body.items[0].ip, ip, 'the audit log records the same address');
  return ip;
}

test('forged hops are ignored: the rightmost address that is not a trusted proxy is the client', async () => {
  assert.is(await seenAs(EDGE, '6.6.6.6, 203.0.113.9'), '203.0.113.9');
  assert.is(await seenAs(EDGE, '6.6.6.6, 7.7.7.7, 203.0.113.9'), '203.0.113.9');
  // Two proxies in a row (an edge proxy, then nginx): both are skipped.
  assert.is(await seenAs(NGINX, `6.6.6.6, 203.0.113.10, ${EDGE}`), '203.0.113.10');
  // A trusted proxy without the header: its own address.
  assert.is(await seenAs(EDGE), EDGE);
});

test('an untrusted peer cannot claim another address', async () => {
  assert.is(await seenAs(STRANGER, '203.0.113.11'), STRANGER);
  assert.is(await seenAs(STRANGER, `203.0.113.11, ${EDGE}`), STRANGER);
});

test('the per-address login limit cannot be escaped with a new forged first hop per attempt', async () => {
  const attacker = '198.51.100.66';
  for (let i = 0; i < LIMIT; i++) {
    const r = await login(EDGE, `10.0.${i}.${i + 1}, ${attacker}`, `nobody${i}`, 'guess');
    assert.is(r.status, 401, `attempt ${i}`);
  }
  const r = await login(EDGE, `10.9.9.9, ${attacker}`, 'alice', 'alice password');
  assert.is(r.status, 429, 'locked by the real address, whatever the first hop says');
});

test("forging a victim's address as the first hop does not lock the victim out", async () => {
  const victimAddr = '192.0.2.44';
  for (let i = 0; i < LIMIT + 2; i++) await login(EDGE, `${victimAddr}, 198.51.100.77`, `ghost${i}`, 'guess');
  const r = await login(EDGE, victimAddr, 'victim', 'victim password');
  assert.is(r.status, 200, JSON.stringify(r.body));
});

test.run();
