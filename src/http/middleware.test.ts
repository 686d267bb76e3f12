import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { testApp, type TestContext } from '../../test/app.ts';
import { fxUser, type FxUser } from '../../test/fixtures.ts';

let t: TestContext;
let u: FxUser;

test.before(async () => {
  t = await testApp();
  u = await fxUser(t.deps);
});
test.after(() => t.close());

test('a NUL in the query string is 400 invalid_characters on every route, not a 500', async () => {
  for (const path of ['/api/v1/users?q=%00', '/api/v1/teams/public?q=a%00b', '/api/v1/search?q=%00']) {
    const r = await t.req('GET', path, { token: u.token });
    assert.is(r.status, 400, path);
    assert.is(r.body.error.code, 'invalid_characters', path);
  }
});

test('the Mattermost API renders the same rejection in its own error shape', async () => {
  const r = await t.req('GET', '/api/v4/users/autocomplete?name=%00', { token: u.token });
  assert.is(r.status, 400);
  assert.type(r.body.id, 'string');
  assert.is(r.body.status_code, 400);
});

test('an encoded percent sign followed by 00 is not a NUL', async () => {
  const r = await t.req('GET', '/api/v1/users?q=%2500', { token: u.token });
  assert.is(r.status, 200);
});

test('every response carries X-Request-Id, and a safe incoming one is kept', async () => {
  const r = await t.req('GET', '/api/v1/health/live', { headers: { 'x-request-id': 'abc-123' } });
  assert.is(r.headers.get('x-request-id'), 'abc-123');
  const bad = await t.req('GET', '/api/v1/health/live', { headers: { 'x-request-id': 'a b<script>' } });
  assert.match(bad.headers.get('x-request-id') ?? '', /^[a-z0-9]{26}$/);
});


test('a JSON answer is written in one piece through Node, with every header set after the handler (X-Request-Id does not rebuild it)', async () => {
  // @hono/node-server writes its lightweight responses with writeHead + end and names the length
  // `Content-Length`; a response rebuilt from its body (what c.header() after the handler did) goes
  // through a web stream reader and gets a lower-case `content-length` instead.
  const { serve } = await import('@hono/node-server');
  const { request } = await import('node:http');
  const server = serve({ fetch: t.server.app.fetch, port: 0, hostname: '127.0.0.1' });
  await new Promise<void>((r) => server.once('listening', () => r()));
  try {
    const port = (server.address() as { port: number }).port;
    const raw = await new Promise<string[]>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path: '/api/v1/users/me', headers: { authorization: `Bearer ${u.token}`, 'x-request-id': 'one-piece' } }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.rawHeaders));
      });
      req.on('error', reject);
      req.end();
    });
    const names = raw.filter((_, i) => i % 2 === 0);
    assert.ok(names.includes('Content-Length'), names.join(', '));
    // The rebuilt response also lost headers set on the lightweight one after the handler (the
    // compression middleware's Vary: a shared cache could serve a compressed copy to anyone).
    assert.is(raw[raw.findIndex((h, i) => i % 2 === 0 && h.toLowerCase() === 'vary') + 1], 'Accept-Encoding');
    assert.is(raw[raw.findIndex((h, i) => i % 2 === 0 && h.toLowerCase() === 'x-request-id') + 1], 'one-piece');
  } finally {
    await new Promise<void>((r) => server.close(() => r()));
  }
});

test.run();
