import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Hono } from 'hono';
import { brotliCompressSync, brotliDecompressSync, gunzipSync, gzipSync } from 'node:zlib';
import { assembleWebAssets, serveWeb, CSP, type WebAssets } from './static.ts';

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

const js = 'export const words = ' + JSON.stringify(Array.from({ length: 300 }, (_, i) => `word${i % 17}`)) + ';';
const packed = assembleWebAssets([
  ['/assets/app-ABCDEFGH.js.br', brotliCompressSync(js)],
  ['/assets/app-ABCDEFGH.js', enc(js)],
  ['/assets/app-ABCDEFGH.js.gz', gzipSync(js)],
  ['/index.html', enc('<!doctype html>')],
]);
const packedApp = new Hono();
packedApp.use('*', serveWeb(packed) as any);

test('precompressed siblings become encodings of their file, not paths of their own', () => {
  assert.equal([...packed.keys()].sort(), ['/assets/app-ABCDEFGH.js', '/index.html']);
  assert.ok(packed.get('/assets/app-ABCDEFGH.js')!.br && packed.get('/assets/app-ABCDEFGH.js')!.gz);
  assert.is(packed.get('/assets/app-ABCDEFGH.js')!.type, 'text/javascript; charset=utf-8');
});

test('a precompressed asset is sent in the encoding the browser accepts, with Vary', async () => {
  const br = await packedApp.request('/assets/app-ABCDEFGH.js', { headers: { 'accept-encoding': 'gzip, deflate, br, zstd' } });
  assert.is(br.headers.get('content-encoding'), 'br');
  assert.is(br.headers.get('vary'), 'Accept-Encoding');
  const brBytes = Buffer.from(await br.arrayBuffer());
  assert.is(Number(br.headers.get('content-length')), brBytes.length);
  assert.is(brotliDecompressSync(brBytes).toString(), js);
  const gz = await packedApp.request('/assets/app-ABCDEFGH.js', { headers: { 'accept-encoding': 'gzip' } });
  assert.is(gz.headers.get('content-encoding'), 'gzip');
  assert.is(gunzipSync(Buffer.from(await gz.arrayBuffer())).toString(), js);
  const plain = await packedApp.request('/assets/app-ABCDEFGH.js');
  assert.is(plain.headers.get('content-encoding'), null);
  assert.is(plain.headers.get('vary'), 'Accept-Encoding');
  assert.is(await plain.text(), js);
  const head = await packedApp.request('/assets/app-ABCDEFGH.js', { method: 'HEAD', headers: { 'accept-encoding': 'br' } });
  assert.is(head.headers.get('content-length'), String(brBytes.length));
  const index = await packedApp.request('/', { headers: { 'accept-encoding': 'br' } });
  assert.is(index.headers.get('content-encoding'), null, 'no variant: the identity, and no Vary needed');
  assert.is(await index.text(), '<!doctype html>');
});

test.run();
