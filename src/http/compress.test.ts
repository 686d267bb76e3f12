import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Hono } from 'hono';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { compressJson, pickEncoding } from './compress.ts';
import { testApp, type TestContext } from '../../test/app.ts';
import { fxChannel, fxTeam, fxUser, type FxUser } from '../../test/fixtures.ts';

test('Accept-Encoding: q-values, refusals, wildcard, Brotli wins a tie', () => {
  assert.is(pickEncoding(undefined), null);
  assert.is(pickEncoding(''), null);
  assert.is(pickEncoding('identity'), null);
  assert.is(pickEncoding('gzip, deflate, br'), 'br');
  assert.is(pickEncoding('gzip'), 'gz');
  assert.is(pickEncoding('br;q=0, gzip'), 'gz');
  assert.is(pickEncoding('br;q=0.5, gzip;q=0.8'), 'gz');
  assert.is(pickEncoding('gzip;q=0, br;q=0'), null);
  assert.is(pickEncoding('*'), 'br');
  assert.is(pickEncoding('*;q=0'), null);
  assert.is(pickEncoding('*, br;q=0'), 'gz');
  assert.is(pickEncoding('BR'), 'br', 'codings are case-insensitive');
  assert.is(pickEncoding('br', false, true), null, 'an asset without a Brotli form');
  assert.is(pickEncoding('gzip, br', false, true), 'gz');
});

const big = { items: Array.from({ length: 200 }, (_, i) => ({ id: `id${i}`, message: `message number ${i} with some repeated text` })) };
const app = new Hono();
app.use('*', compressJson() as any);
app.get('/big', (c) => c.json(big));
app.get('/small', (c) => c.json({ ok: true }));
app.get('/file', (c) => {
  c.header('Content-Disposition', 'attachment; filename="data.json"');
  return c.json(big);
});
app.get('/text', (c) => c.text('x'.repeat(5000)));
app.get('/error', (c) => c.json({ ...big, id: 'not_found' }, 404));

test('JSON above the threshold is compressed to what the client accepts and decodes to the same bytes', async () => {
  const plain = await (await app.request('/big')).text();
  assert.is(plain, JSON.stringify(big));
  const br = await app.request('/big', { headers: { 'accept-encoding': 'gzip, deflate, br' } });
  assert.is(br.headers.get('content-encoding'), 'br');
  assert.is(br.headers.get('vary'), 'Accept-Encoding');
  assert.is(br.headers.get('content-type'), 'application/json');
  const brBytes = Buffer.from(await br.arrayBuffer());
  assert.is(Number(br.headers.get('content-length')), brBytes.length);
  assert.ok(brBytes.length < plain.length / 5, `${brBytes.length} bytes of ${plain.length}`);
  assert.is(brotliDecompressSync(brBytes).toString(), plain);

  const gz = await app.request('/big', { headers: { 'accept-encoding': 'gzip' } });
  assert.is(gz.headers.get('content-encoding'), 'gzip');
  assert.is(gunzipSync(Buffer.from(await gz.arrayBuffer())).toString(), plain);

  const err = await app.request('/error', { headers: { 'accept-encoding': 'br' } });
  assert.is(err.status, 404, 'the status is kept');
  assert.is(JSON.parse(brotliDecompressSync(Buffer.from(await err.arrayBuffer())).toString()).id, 'not_found');
});

test('small bodies, file downloads, non-JSON, HEAD and clients without Accept-Encoding get the identity', async () => {
  const none = await app.request('/big');
  assert.is(none.headers.get('content-encoding'), null);
  assert.is(none.headers.get('vary'), 'Accept-Encoding', 'caches still learn the answer varies');
  const small = await app.request('/small', { headers: { 'accept-encoding': 'br' } });
  assert.is(small.headers.get('content-encoding'), null);
  assert.equal(await small.json(), { ok: true });
  const file = await app.request('/file', { headers: { 'accept-encoding': 'br' } });
  assert.is(file.headers.get('content-encoding'), null);
  assert.is(await file.text(), JSON.stringify(big));
  const text = await app.request('/text', { headers: { 'accept-encoding': 'br' } });
  assert.is(text.headers.get('content-encoding'), null);
  const refused = await app.request('/big', { headers: { 'accept-encoding': 'br;q=0, gzip;q=0' } });
  assert.is(refused.headers.get('content-encoding'), null);
  assert.is(await refused.text(), JSON.stringify(big));
});

let tRef: TestContext | undefined;
let alice: FxUser;
test.after(async () => {
  await tRef?.close();
});
test('a real page of 50 posts: compressed on both APIs, identical once decoded', async () => {
  const t = await testApp();
  tRef = t;
  alice = await fxUser(t.deps);
  const team = await fxTeam(t.deps, alice);
  const chan = await fxChannel(t.deps, team.id, alice);
  for (let i = 0; i < 50; i++) {
    const r = await t.req('POST', `/api/v1/channels/${chan.id}/posts`, { token: alice.token, body: { message: `post ${i}: the quick brown fox jumps over the lazy dog` } });
    assert.is(r.status, 201, JSON.stringify(r.body));
  }
  for (const path of [`/api/v1/channels/${chan.id}/posts?limit=50`, `/api/v4/channels/${chan.id}/posts?per_page=50`]) {
    const headers = { authorization: `Bearer ${alice.token}` };
    const plain = await t.server.app.request(path, { headers });
    assert.is(plain.status, 200);
    const plainText = await plain.text();
    const packed = await t.server.app.request(path, { headers: { ...headers, 'accept-encoding': 'gzip, deflate, br' } });
    assert.is(packed.status, 200);
    assert.is(packed.headers.get('content-encoding'), 'br', path);
    const bytes = Buffer.from(await packed.arrayBuffer());
    assert.ok(bytes.length * 4 < plainText.length, `${path}: ${bytes.length} of ${plainText.length} bytes`);
    assert.equal(JSON.parse(brotliDecompressSync(bytes).toString()), JSON.parse(plainText), path);
  }
});

test.run();
