import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { testApp, testConfig, type TestContext } from '../../../test/app.ts';
import { authenticate } from '../../actions/tokens.ts';
import { uploadFiles } from '../../actions/files.ts';
import { fxUser, fxTeam, fxChannel, type FxUser } from '../../../test/fixtures.ts';
import { newId } from '../../ids.ts';
import { openLocalStorage } from '../../files/local.ts';
import { openS3Storage } from '../../files/s3.ts';
import { StorageError, type Storage } from '../../files/storage.ts';
import { registerStorageCheck } from '../../files/readiness.ts';
import { fakePng, multipart, startS3rver, type Part, type S3Server } from '../../../test/files.ts';

const LIMIT = 256 * 1024;
const dir = mkdtempSync(join(tmpdir(), 'rustchat-files-test-'));
let ctx: TestContext;
let alice: FxUser, bob: FxUser, carol: FxUser, dave: FxUser;
let channelId: string;
let local: Storage;
let s3: S3Server;

test.before(async () => {
  ctx = await testApp({ config: { 'files.max_upload_bytes': LIMIT, 'server.data_dir': dir } });
  local = await openLocalStorage(join(dir, 'files'));
  ctx.deps.storage = local;
  alice = await fxUser(ctx.deps);
  bob = await fxUser(ctx.deps);
  carol = await fxUser(ctx.deps);
  dave = await fxUser(ctx.deps);
  const team = await fxTeam(ctx.deps, alice, { members: [bob, carol] });
  channelId = (await fxChannel(ctx.deps, team.id, alice, { type: 'P', members: [bob] })).id;
  s3 = await startS3rver();
});

test.after(async () => {
  await ctx.close();
  await s3.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

async function upload(user: FxUser, parts: Part[], channel = channelId) {
  const { body, contentType } = multipart([{ name: 'channel_id', value: channel }, ...parts]);
  return ctx.req('POST', '/api/v1/files', { token: user.token, raw: new Uint8Array(body), headers: { "content-type": contentType } });
}

async function getBytes(user: FxUser, path: string, headers: Record<string, string> = {}) {
  const res = await ctx.server.app.request(path, { headers: { authorization: `Bearer ${user.token}`, ...headers } });
  return { status: res.status, headers: res.headers, bytes: Buffer.from(await res.arrayBuffer()) };
}

async function countRows() {
  return (await ctx.deps.db.query<{ n: number }>('select count(*)::int as n from files'))[0].n;
}

async function countObjects(storage: Storage) {
  let n = 0;
  for await (const _ of storage.list()) n++;
  return n;
}

/** Attaches a file to a fresh post by alice in the channel (direct SQL: posts are another suite's subject). */
async function attach(fileId: string) {
  const postId = newId();
  const now = Date.now();
  await ctx.deps.db.query(
    `insert into posts (id, channel_id, user_id, message, file_ids, create_at, update_at) values ($1, $2, $3, 'see file', $4, $5, $5)`,
    [postId, channelId, alice.id, JSON.stringify([fileId]), now],
  );
  await ctx.deps.db.query('update files set post_id = $1 where id = $2', [postId, fileId]);
  return postId;
}

/** The guarantees every storage must keep: bytes identical, ranges, access, limits. */
async function roundTrip(storage: Storage) {
  ctx.deps.storage = storage;
  const png = fakePng(640, 480, 100_000);
  const other = randomBytes(70_000);
  const up = await upload(alice, [
    { name: 'files', filename: 'photo.png', type: 'image/png', data: png },
    { name: 'files', filename: 'data.bin', type: 'application/octet-stream', data: other },
  ]);
  assert.is(up.status, 201, JSON.stringify(up.body));
  const [img, bin] = up.body.items;
  assert.is(img.mime_type, 'image/png');
  assert.is(img.width, 640);
  assert.is(img.height, 480);
  assert.is(img.size, png.length);
  // A PNG header over random bytes: recognised as an image, but it does not decode, so it has no
  // preview (real images: src/actions/file-previews.test.ts).
  assert.is(img.has_preview_image, false);
  assert.is(bin.size, other.length);
  assert.not.ok('storage_key' in img);

  const full = await getBytes(alice, `/api/v1/files/${img.id}`);
  assert.is(full.status, 200);
  assert.ok(full.bytes.equals(png), 'bytes identical');
  assert.is(full.headers.get('x-content-type-options'), 'nosniff');
  assert.match(full.headers.get('content-disposition')!, /^inline; filename="photo.png"/);
  const bin2 = await getBytes(alice, `/api/v1/files/${bin.id}`);
  assert.ok(bin2.bytes.equals(other));
  assert.match(bin2.headers.get('content-disposition')!, /^attachment;/);

  // Revalidation: the ETag (content sha256) answers 304 without a body.
  const etag = full.headers.get('etag')!;
  assert.match(etag, /^"[0-9a-f]{64}"$/);
  const cached = await getBytes(alice, `/api/v1/files/${img.id}`, { 'if-none-match': etag });
  assert.is(cached.status, 304);
  assert.is(cached.bytes.length, 0);
  assert.is((await getBytes(alice, `/api/v1/files/${img.id}`, { 'if-none-match': '"other"' })).status, 200);
  // The Mattermost route serves the same bytes through the same response code path, 304 included.
  const mm = await getBytes(alice, `/api/v4/files/${img.id}`);
  assert.is(mm.status, 200);
  assert.ok(mm.bytes.equals(png));
  assert.is(mm.headers.get('etag'), etag);
  assert.ok(mm.headers.get('x-version-id'));
  assert.is((await getBytes(alice, `/api/v4/files/${img.id}`, { 'if-none-match': etag })).status, 304);
  const part = await getBytes(alice, `/api/v1/files/${img.id}`, { range: 'bytes=100-1099' });
  assert.is(part.status, 206);
  assert.is(part.headers.get('content-range'), `bytes 100-1099/${png.length}`);
  assert.ok(part.bytes.equals(png.subarray(100, 1100)));
  const suffix = await getBytes(alice, `/api/v1/files/${img.id}`, { range: 'bytes=-500' });
  assert.is(suffix.status, 206);
  assert.ok(suffix.bytes.equals(png.subarray(png.length - 500)));
  const open = await getBytes(alice, `/api/v1/files/${img.id}`, { range: `bytes=${png.length - 10}-` });
  assert.ok(open.bytes.equals(png.subarray(png.length - 10)));
  const bad = await getBytes(alice, `/api/v1/files/${img.id}`, { range: `bytes=${png.length}-` });
  assert.is(bad.status, 416);
  assert.is(bad.headers.get('content-range'), `bytes */${png.length}`);

  // Before it is attached only the uploader sees it.
  for (const u of [bob, carol, dave]) {
    assert.is((await ctx.req('GET', `/api/v1/files/${img.id}/info`, { token: u.token })).status, 404);
    assert.is((await getBytes(u, `/api/v1/files/${img.id}`)).status, 404);
  }
  await attach(img.id);
  const info = await ctx.req('GET', `/api/v1/files/${img.id}/info`, { token: bob.token });
  assert.is(info.status, 200);
  assert.is(info.body.name, 'photo.png');
  assert.ok((await getBytes(bob, `/api/v1/files/${img.id}`)).bytes.equals(png));
  const thumb = await getBytes(bob, `/api/v1/files/${img.id}/thumbnail`);
  assert.is(thumb.status, 200);
  assert.ok(thumb.bytes.equals(png), 'the original stands in for a thumbnail that could not be rendered');
  assert.is(thumb.headers.get('cache-control'), 'private, no-cache');
  // carol is in the team but not in the private channel; dave is in neither.
  for (const u of [carol, dave]) {
    for (const p of [`/api/v1/files/${img.id}`, `/api/v1/files/${img.id}/info`, `/api/v1/files/${img.id}/thumbnail`]) {
      const r = await getBytes(u, p);
      assert.is(r.status, 403, `${p} for a non-member`);
      assert.not.ok(r.bytes.includes(png.subarray(0, 64)));
    }
  }
  assert.is((await ctx.req('GET', `/api/v1/files/${bin.id}/thumbnail`, { token: alice.token })).body.error.code, 'thumbnail_not_available');

  // Over the limit: 413, and neither an object nor a row remains, also for the file before it.
  const rows = await countRows();
  const objects = await countObjects(storage);
  const tooBig = await upload(alice, [
    { name: 'files', filename: 'ok.txt', type: 'text/plain', data: randomBytes(1000) },
    { name: 'files', filename: 'big.bin', data: randomBytes(LIMIT + 1) },
  ]);
  assert.is(tooBig.status, 413);
  assert.is(tooBig.body.error.code, 'file_too_large');
  assert.is(await countRows(), rows);
  assert.is(await countObjects(storage), objects);
  // A declared length that cannot fit is refused before the body is read.
  const huge = await ctx.server.app.request('/api/v1/files', {
    method: 'POST',
    headers: { authorization: `Bearer ${alice.token}`, 'content-type': 'multipart/form-data; boundary=x', 'content-length': String(LIMIT * 20) },
    body: new Uint8Array(10),
  });
  assert.is(huge.status, 413);
  // Exactly at the limit is fine.
  const exact = await upload(alice, [{ name: 'files', filename: 'exact.bin', data: randomBytes(LIMIT) }]);
  assert.is(exact.status, 201);
}

test('local storage: upload, download, ranges, access, 413', async () => {
  await roundTrip(local);
});

test('S3 storage (s3rver): upload, download, ranges, access, 413', async () => {
  const storage = await openS3Storage({ endpoint: s3.endpoint, bucket: 'rustchat-test', accessKey: 'S3RVER', secretKey: 'S3RVER', region: 'us-east-1', forcePathStyle: true, createBucket: true, partSize: 5 * 1024 * 1024 });
  try {
    await roundTrip(storage);
  } finally {
    ctx.deps.storage = local;
    await storage.close();
  }
});

test('S3 multipart: a file of several parts goes through the upload action intact', async () => {
  const storage = await openS3Storage({ endpoint: s3.endpoint, bucket: 'rustchat-test', accessKey: 'S3RVER', secretKey: 'S3RVER', region: 'us-east-1', forcePathStyle: true, createBucket: true, partSize: 5 * 1024 * 1024 });
  try {
    const deps = { ...ctx.deps, storage, config: testConfig({ 'files.max_upload_bytes': 64 * 1024 * 1024 }) };
    const big = randomBytes(12 * 1024 * 1024 + 123);
    const auth = await authenticate(ctx.deps, alice.token);
    async function* parts() {
      // Uneven chunks, like a network stream.
      const chunks = [];
      for (let i = 0; i < big.length; i += 777_777) chunks.push(big.subarray(i, i + 777_777));
      yield { filename: 'big.bin', mime: 'application/octet-stream', stream: Readable.from(chunks) };
    }
    const [row] = await uploadFiles(deps, auth, channelId, parts());
    assert.is(row.size, big.length);
    const got: Buffer[] = [];
    for await (const c of await storage.getStream(row.storage_key)) got.push(c as Buffer);
    assert.ok(Buffer.concat(got).equals(big));
  } finally {
    await storage.close();
  }
});

test('a missing bucket is a clear startup error unless create_bucket', async () => {
  const o = { endpoint: s3.endpoint, bucket: 'no-such-bucket', accessKey: 'S3RVER', secretKey: 'S3RVER', region: 'us-east-1', forcePathStyle: true, createBucket: false };
  try {
    await openS3Storage(o);
    assert.unreachable('should have thrown');
  } catch (e) {
    assert.match((e as Error).message, /does not exist.*s3\.create_bucket/);
  }
});

test('bad file names are stored as safe metadata only', async () => {
  ctx.deps.storage = local;
  const cases: [string, string][] = [
    ['../../etc/passwd', 'passwd'],
    ['/etc/shadow', 'shadow'],
    ['C:\\Windows\\evil.exe', 'evil.exe'],
    ['.htaccess', 'htaccess'],
    ['..', 'file'],
  ];
  for (const [raw, want] of cases) {
    const r = await upload(alice, [{ name: 'files', filename: raw, data: Buffer.from('x') }]);
    assert.is(r.status, 201, raw);
    assert.is(r.body.items[0].name, want, raw);
  }
  // NUL: percent-encoded (RFC 5987) it reaches us and is dropped; raw in the header the
  // multipart parser rejects the request, and nothing is stored.
  const enc = await upload(alice, [{ name: 'files', filenameStar: 'nul%00byte.txt', data: Buffer.from('x') }]);
  assert.is(enc.status, 201);
  assert.is(enc.body.items[0].name, 'nulbyte.txt');
  const rows = await countRows();
  const raw = await upload(alice, [{ name: 'files', filename: 'nul\u0000byte.txt', data: Buffer.from('x') }]);
  assert.is(raw.status, 400);
  assert.is(raw.body.error.code, 'invalid_multipart');
  assert.is(await countRows(), rows);
  const long = `${'a'.repeat(1000)}.txt`;
  const r = await upload(alice, [{ name: 'files', filename: long, data: Buffer.from('x') }]);
  assert.is(r.status, 201);
  assert.ok(Buffer.byteLength(r.body.items[0].name) <= 255);
  assert.ok(r.body.items[0].name.endsWith('.txt'));
  // Every object lives under a generated key; nothing was written outside the files directory.
  for await (const o of local.list()) assert.match(o.key, /^\d{4}\/\d{2}\/\d{2}\/[a-z0-9]{26}$/);
  const keys = await ctx.deps.db.query<{ storage_key: string }>('select storage_key from files');
  for (const k of keys) assert.match(k.storage_key, /^\d{4}\/\d{2}\/\d{2}\/[a-z0-9]{26}$/);
  // RFC 6266: the UTF-8 name in filename*, an ASCII fallback.
  const u = await upload(alice, [
    { name: 'files', filename: 'résumé final.pdf', type: 'application/pdf', data: Buffer.from('%PDF') },
    { name: 'files', filenameStar: 'say%20%22hi%22.txt', data: Buffer.from('hi') },
  ]);
  let d = await getBytes(alice, `/api/v1/files/${u.body.items[0].id}`);
  assert.is(d.headers.get('content-disposition'), `attachment; filename="r_sum_ final.pdf"; filename*=UTF-8''r%C3%A9sum%C3%A9%20final.pdf`);
  d = await getBytes(alice, `/api/v1/files/${u.body.items[1].id}`);
  assert.is(d.headers.get('content-disposition'), `attachment; filename="say _hi_.txt"; filename*=UTF-8''say%20%22hi%22.txt`);
});

test('HTML claimed as image/png, HTML and SVG are never served inline', async () => {
  const html = Buffer.from('<html><script>alert(1)</script></html>');
  const r = await upload(alice, [
    { name: 'files', filename: 'x.png', type: 'image/png', data: html },
    { name: 'files', filename: 'x.html', type: 'text/html', data: html },
    { name: 'files', filename: 'x.svg', type: 'image/svg+xml', data: Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>') },
  ]);
  assert.is(r.status, 201);
  assert.is(r.body.items[0].mime_type, 'application/octet-stream');
  assert.is(r.body.items[0].has_preview_image, false);
  for (const f of r.body.items) {
    const d = await getBytes(alice, `/api/v1/files/${f.id}`);
    assert.is(d.status, 200);
    assert.match(d.headers.get('content-disposition')!, /^attachment;/);
    assert.is(d.headers.get('x-content-type-options'), 'nosniff');
    assert.not.match(d.headers.get('content-type')!, /html|svg/);
    assert.is((await getBytes(alice, `/api/v1/files/${f.id}/thumbnail`)).status, 404);
  }
  // ?download=1 forces attachment even for images.
  const png = await upload(alice, [{ name: 'files', filename: 'p.png', type: 'image/png', data: fakePng(2, 2) }]);
  const d = await getBytes(alice, `/api/v1/files/${png.body.items[0].id}?download=1`);
  assert.match(d.headers.get('content-disposition')!, /^attachment;/);
});

test('bad requests: no channel, not a member, no files, not multipart', async () => {
  const noChannel = multipart([{ name: 'files', filename: 'a.txt', data: Buffer.from('a') }]);
  let r = await ctx.req('POST', '/api/v1/files', { token: alice.token, raw: new Uint8Array(noChannel.body), headers: { 'content-type': noChannel.contentType } });
  assert.is(r.body.error.code, 'invalid_channel_id');
  r = await upload(dave, [{ name: 'files', filename: 'a.txt', data: Buffer.from('a') }]);
  assert.is(r.status, 403);
  r = await upload(alice, []);
  assert.is(r.body.error.code, 'no_files');
  r = await ctx.req('POST', '/api/v1/files', { token: alice.token, body: { channel_id: channelId } });
  assert.is(r.body.error.code, 'invalid_content_type');
  r = await ctx.req('POST', '/api/v1/files', { raw: 'x', headers: { 'content-type': 'multipart/form-data; boundary=x' } });
  assert.is(r.status, 401);
  r = await ctx.req('GET', '/api/v1/files/not-an-id/info', { token: alice.token });
  assert.is(r.body.error.code, 'invalid_id');
  r = await ctx.req('GET', `/api/v1/files/${newId()}`, { token: alice.token });
  assert.is(r.body.error.code, 'file_not_found');
  // A body cut off in the middle of a file: 400, nothing stored.
  const objects = await countObjects(local);
  const rows0 = await countRows();
  const whole = multipart([{ name: 'channel_id', value: channelId }, { name: 'files', filename: 'cut.bin', data: randomBytes(100_000) }]);
  r = await ctx.req('POST', '/api/v1/files', { token: alice.token, raw: new Uint8Array(whole.body.subarray(0, 60_000)), headers: { 'content-type': whole.contentType } });
  assert.is(r.status, 400, JSON.stringify(r.body));
  assert.is(r.body.error.code, 'invalid_multipart');
  assert.is(await countRows(), rows0);
  assert.is(await countObjects(local), objects);
  const many = Array.from({ length: 11 }, (_, i) => ({ name: 'files', filename: `${i}.txt`, data: Buffer.from('a') }));
  const before = await countRows();
  r = await upload(alice, many);
  assert.is(r.body.error.code, 'too_many_files');
  assert.is(await countRows(), before);
});

test('files never attached to a post are removed after the TTL, rows and objects; attached and recent ones stay', async () => {
  ctx.deps.storage = local;
  const up = async (name: string) => {
    const r = await upload(alice, [{ name: 'files', filename: name, data: randomBytes(64) }]);
    assert.is(r.status, 201, JSON.stringify(r.body));
    return r.body.items[0].id as string;
  };
  const [stale, attached, recent] = [await up('stale.bin'), await up('attached.bin'), await up('recent.bin')];
  const post = await ctx.req('POST', `/api/v1/channels/${channelId}/posts`, { token: alice.token, body: { message: 'with a file', file_ids: [attached] } });
  assert.is(post.status, 201, JSON.stringify(post.body));
  const keyOf = async (id: string) => (await ctx.deps.db.query<{ storage_key: string }>('select storage_key from files where id = $1', [id]))[0]?.storage_key;
  const staleKey = await keyOf(stale);
  const old = Date.now() - 25 * 3_600_000;
  await ctx.deps.db.query('update files set create_at = $2 where id = any(string_to_array($1, \',\'))', [[stale, attached].join(','), old]);

  const { sweepUnattachedFiles } = await import('../../actions/files.ts');
  assert.is(await sweepUnattachedFiles(ctx.deps, 24 * 3_600_000, 1), 1, 'one stale unattached file (batches of 1)');
  assert.is(await keyOf(stale), undefined, 'its row is gone');
  assert.is(await local.head(staleKey), null, 'its object is gone');
  assert.is((await ctx.req('GET', `/api/v1/files/${stale}`, { token: alice.token })).status, 404);
  assert.is((await ctx.req('GET', `/api/v1/files/${attached}`, { token: alice.token })).status, 200, 'attached files stay');
  assert.is((await ctx.req('GET', `/api/v1/files/${recent}/info`, { token: alice.token })).status, 200, 'recent unattached files stay');
  // An expired upload can no longer be attached: a clear 400, not a post with a dangling file.
  const late = await ctx.req('POST', `/api/v1/channels/${channelId}/posts`, { token: alice.token, body: { message: 'too late', file_ids: [stale] } });
  assert.is(late.status, 400);
  assert.is(late.body.error.code, 'invalid_file_ids');
  assert.is(await sweepUnattachedFiles(ctx.deps, 24 * 3_600_000), 0, 'nothing left to remove');
});

test('storage failures answer 503 with no partial rows; text chat keeps working', async () => {
  // A directory that cannot be created (its parent is a regular file), even as root.
  writeFileSync(join(dir, 'plain-file'), 'x');
  const broken = await openLocalStorage(join(dir, 'plain-file', 'files'));
  ctx.deps.storage = broken;
  const before = await countRows();
  let r = await upload(alice, [{ name: 'files', filename: 'a.txt', data: Buffer.from('hello') }]);
  assert.is(r.status, 503);
  assert.is(r.body.error.code, 'storage_unavailable');
  assert.is(await countRows(), before);

  // A full disk or bucket quota: 507, and the objects of the request are removed again.
  const deleted: string[] = [];
  ctx.deps.storage = {
    ...local,
    async putStream(key, body) {
      for await (const _ of body) {
        /* consume, then fail like ENOSPC would */
      }
      throw new StorageError('full', `writing ${key}: storage is full (ENOSPC)`);
    },
    async delete(key) {
      deleted.push(key);
    },
  };
  r = await upload(alice, [{ name: 'files', filename: 'a.txt', data: Buffer.from('hello') }]);
  assert.is(r.status, 507);
  assert.is(r.body.error.code, 'storage_full');
  assert.is(deleted.length, 1);
  assert.is(await countRows(), before);

  // S3 stopped in the middle of a session.
  const storage = await openS3Storage({ endpoint: s3.endpoint, bucket: 'rustchat-test', accessKey: 'S3RVER', secretKey: 'S3RVER', region: 'us-east-1', forcePathStyle: true, createBucket: true });
  ctx.deps.storage = storage;
  const ok = await upload(alice, [{ name: 'files', filename: 'a.txt', data: Buffer.from('hello') }]);
  assert.is(ok.status, 201);
  await s3.stop();
  try {
    r = await upload(alice, [{ name: 'files', filename: 'b.txt', data: Buffer.from('hello again') }]);
    assert.is(r.status, 503);
    assert.is(await countRows(), before + 1);
    const dl = await ctx.req('GET', `/api/v1/files/${ok.body.items[0].id}`, { token: alice.token });
    assert.is(dl.status, 503);
    // Readiness reports the bucket, degraded (200: text chat works, the node stays in rotation).
    registerStorageCheck(ctx.deps);
    const ready = await ctx.req('GET', '/api/v1/health/ready');
    assert.is(ready.status, 200);
    assert.is(ready.body.status, 'degraded');
    assert.is(ready.body.checks.s3, 'down');
    assert.is(ready.body.checks.database, 'ok');
    // Text chat does not depend on file storage.
    const post = await ctx.req('POST', `/api/v1/channels/${channelId}/posts`, { token: alice.token, body: { message: 'still here' } });
    assert.is(post.status, 201, JSON.stringify(post.body));
  } finally {
    await s3.start();
    ctx.deps.storage = local;
    await storage.close();
  }
});

test.run();
