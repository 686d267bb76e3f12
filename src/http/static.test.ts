import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Hono } from 'hono';
import { serveWeb, CSP, type WebAssets } from './static.ts';

const enc = (s: string) => new TextEncoder().encode(s);
const assets: WebAssets = new Map([
  ['/index.html', { body: enc('<!doctype html><title>app</title>'), type: 'text/html; charset=utf-8' }],
  ['/assets/app-3F2A1B9C.js', { body: enc('console.log(1)'), type: 'text/javascript; charset=utf-8' }],
  ['/favicon.ico', { body: enc('ico'), type: 'image/x-icon' }],
]);
const app = new Hono();
app.use('*', serveWeb(assets) as any);
app.all('*', (c) => c.text('fell through', 404));

test('hashed assets are cached for a year, immutable', async () => {
  const r = await app.request('/assets/app-3F2A1B9C.js');
  assert.is(r.status, 200);
  assert.is(r.headers.get('cache-control'), 'public, max-age=31536000, immutable');
  assert.is(r.headers.get('content-type'), 'text/javascript; charset=utf-8');
  assert.is(r.headers.get('x-content-type-options'), 'nosniff');
  assert.is(await r.text(), 'console.log(1)');
});

test('index.html and unhashed files are revalidated; the page carries the CSP', async () => {
  const index = await app.request('/');
  assert.is(index.status, 200);
  assert.is(index.headers.get('cache-control'), 'no-cache');
  assert.is(index.headers.get('content-security-policy'), CSP);
  assert.is(index.headers.get('x-frame-options'), 'DENY');
  assert.is((await app.request('/favicon.ico')).headers.get('cache-control'), 'no-cache');
});

test('client routes fall back to index.html; missing files and API paths do not', async () => {
  const route = await app.request('/myteam/channels/town-square');
  assert.is(route.status, 200);
  assert.match(await route.text(), '<!doctype html>');
  assert.is((await app.request('/assets/app-MISSING1.js')).status, 404, 'a missing asset is not answered with HTML');
  assert.is(await (await app.request('/api/v1/nothing')).text(), 'fell through');
  assert.is((await app.request('/', { method: 'POST' })).status, 404);
  const head = await app.request('/', { method: 'HEAD' });
  assert.is(head.status, 200);
  assert.is(await head.text(), '');
});

test.run();
