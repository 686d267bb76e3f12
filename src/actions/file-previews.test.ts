/**
 * Image previews through both APIs, with the real worker thread: rendered at upload (thumbnail ≤
 * 120 × 100, preview ≤ 1920 × 1080, EXIF orientation applied, GIFs still), served from the
 * thumbnail and preview routes with long cache headers; the original as the fallback when an
 * image does not decode; images stored before previews existed rendered when first asked for;
 * access as for the file; objects removed with failed uploads and unattached files. PGlite, and
 * PostgreSQL with RUSTCHAT_TEST_DATABASE_URL.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testApp, type TestContext } from '../../test/app.ts';
import { fxChannel, fxTeam, fxUser, type FxUser } from '../../test/fixtures.ts';
import { fakePng, multipart, type Part } from '../../test/files.ts';
import { at, decodeImage, gif, initTestCodecs, jpeg, near, noise, pixels, png, withExifOrientation, type Rgba } from '../../test/images.ts';
import { openLocalStorage } from '../files/local.ts';
import type { Storage } from '../files/storage.ts';
import { sweepUnattachedFiles } from './files.ts';
import { rendererOf } from './file-previews.ts';

const RED: Rgba = [220, 20, 20, 255];
const BLUE: Rgba = [20, 20, 220, 255];
const dir = mkdtempSync(join(tmpdir(), 'rustchat-previews-'));
let ctx: TestContext;
let storage: Storage;
let alice: FxUser, bob: FxUser, carol: FxUser;
let channelId: string;

test.before(async () => {
  await initTestCodecs();
  ctx = await testApp({ config: { 'server.data_dir': dir } });
  storage = await openLocalStorage(join(dir, 'files'));
  ctx.deps.storage = storage;
  [alice, bob, carol] = await Promise.all([fxUser(ctx.deps), fxUser(ctx.deps), fxUser(ctx.deps)]);
  const team = await fxTeam(ctx.deps, alice, { members: [bob, carol] });
  channelId = (await fxChannel(ctx.deps, team.id, alice, { type: 'P', members: [bob] })).id;
});

test.after(async () => {
  await ctx?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function upload(parts: Part[], path = '/api/v1/files') {
  const { body, contentType } = multipart([{ name: 'channel_id', value: channelId }, ...parts]);
  return ctx.req('POST', path, { token: alice.token, raw: new Uint8Array(body), headers: { 'content-type': contentType } });
}

async function get(u: FxUser, path: string, headers: Record<string, string> = {}) {
  const res = await ctx.server.app.request(path, { headers: { authorization: `Bearer ${u.token}`, ...headers } });
  return { status: res.status, headers: res.headers, bytes: Buffer.from(await res.arrayBuffer()) };
}

async function objectCount(): Promise<number> {
  let n = 0;
  for await (const _ of storage.list()) n++;
  return n;
}

async function attach(fileId: string) {
  const r = await ctx.req('POST', `/api/v1/channels/${channelId}/posts`, { token: alice.token, body: { message: 'look', file_ids: [fileId] } });
  assert.is(r.status, 201, JSON.stringify(r.body));
}

test('a ~100 KB PNG: its thumbnail is a small, really scaled JPEG; the preview too; cache headers', async () => {
  const rnd = noise(3);
  const source = await png(pixels(310, 210, (x) => (x < 155 ? [210 + rnd() * 8, 20 + rnd() * 8, 10, 255] : [10, 20 + rnd() * 8, 210 + rnd() * 8, 255]) as Rgba));
  assert.ok(source.length > 95_000, `${source.length}`);
  const up = await upload([{ name: 'files', filename: 'chart.png', type: 'image/png', data: source }]);
  assert.is(up.status, 201, JSON.stringify(up.body));
  const info = up.body.items[0];
  assert.is(info.has_preview_image, true);
  await attach(info.id);

  const thumb = await get(bob, `/api/v1/files/${info.id}/thumbnail`);
  assert.is(thumb.status, 200);
  assert.is(thumb.headers.get('content-type'), 'image/jpeg');
  assert.ok(thumb.bytes.length < 8_000, `thumbnail is ${thumb.bytes.length} bytes, the original ${source.length}`);
  assert.is(thumb.headers.get('content-length'), String(thumb.bytes.length));
  assert.is(thumb.headers.get('cache-control'), 'private, max-age=2592000, immutable');
  assert.is(thumb.headers.get('x-content-type-options'), 'nosniff');
  const t = await decodeImage(thumb.bytes);
  assert.equal([t.width, t.height], [120, 81]);
  assert.ok(near(at(t, 5, 40), [214, 24, 10, 255]) && near(at(t, 115, 40), [10, 24, 214, 255]), 'the picture, scaled');

  const etag = thumb.headers.get('etag')!;
  assert.match(etag, /^"[0-9a-f]{64}-thumbnail"$/);
  assert.is((await get(bob, `/api/v1/files/${info.id}/thumbnail`, { 'if-none-match': etag })).status, 304);

  const preview = await get(bob, `/api/v1/files/${info.id}/preview`);
  assert.is(preview.headers.get('content-type'), 'image/jpeg');
  const p = await decodeImage(preview.bytes);
  assert.equal([p.width, p.height], [310, 210], 'never enlarged');
  assert.match(preview.headers.get('etag')!, /-preview"$/);

  // Mattermost's routes serve the same renditions.
  const mmThumb = await get(bob, `/api/v4/files/${info.id}/thumbnail`);
  assert.ok(mmThumb.bytes.equals(thumb.bytes));
  assert.ok((await get(bob, `/api/v4/files/${info.id}/preview`)).bytes.equals(preview.bytes));
  const mmInfo = await ctx.req('GET', `/api/v4/files/${info.id}/info`, { token: bob.token });
  assert.is(mmInfo.body.has_preview_image, true);
  // The original is still the original.
  assert.ok((await get(bob, `/api/v1/files/${info.id}`)).bytes.equals(source));
  // Access as for the file: carol is not in the channel.
  for (const v of ['thumbnail', 'preview']) assert.is((await get(carol, `/api/v1/files/${info.id}/${v}`)).status, 403);
});

test('a large sideways photo: upright, 1920 × 1080 at most, no EXIF left', async () => {
  const rnd = noise(5);
  // 2400 × 1200 stored, orientation 6: upright it is 1200 × 2400, red on top.
  const photo = withExifOrientation(await jpeg(pixels(2400, 1200, (x) => (x < 1200 ? [220, 20 + rnd() * 20, 20, 255] : [20, 20 + rnd() * 20, 220, 255]) as Rgba)), 6);
  const up = await upload([{ name: 'files', filename: 'IMG_0001.jpg', type: 'image/jpeg', data: photo }], '/api/v4/files');
  assert.is(up.status, 201, JSON.stringify(up.body));
  const info = up.body.file_infos[0];
  assert.is(info.has_preview_image, true);
  assert.equal([info.width, info.height], [2400, 1200], 'the file info keeps the stored dimensions');
  const preview = await get(alice, `/api/v4/files/${info.id}/preview`);
  const p = await decodeImage(preview.bytes);
  assert.equal([p.width, p.height], [540, 1080]);
  assert.ok(near(at(p, 270, 100), RED) && near(at(p, 270, 980), BLUE), 'upright: red on top');
  const thumb = await decodeImage((await get(alice, `/api/v4/files/${info.id}/thumbnail`)).bytes);
  assert.equal([thumb.width, thumb.height], [50, 100]);
  for (const b of [preview.bytes, (await get(alice, `/api/v4/files/${info.id}/thumbnail`)).bytes]) {
    assert.not.ok(b.includes(Buffer.from('Exif')), 'no EXIF in renditions');
    assert.not.ok(b.includes(Buffer.from('secret location')), 'no comment in renditions');
  }
});

test('an animated GIF: a still thumbnail of its first frame; the file itself stays animated', async () => {
  const anim = gif(200, 100, [RED, BLUE]);
  const up = await upload([{ name: 'files', filename: 'party.gif', type: 'image/gif', data: anim }]);
  const info = up.body.items[0];
  assert.is(info.has_preview_image, true);
  const thumb = await get(alice, `/api/v1/files/${info.id}/thumbnail`);
  assert.is(thumb.headers.get('content-type'), 'image/jpeg');
  const t = await decodeImage(thumb.bytes);
  assert.equal([t.width, t.height], [120, 60]);
  assert.ok(near(at(t, 60, 30), RED), `${at(t, 60, 30)}`);
  const file = await get(alice, `/api/v1/files/${info.id}`);
  assert.ok(file.bytes.equals(anim));
  assert.is(file.headers.get('content-type'), 'image/gif');
});

test('an image that does not decode: has_preview_image false, the original with no-cache', async () => {
  const broken = fakePng(64, 48, 5000);
  const up = await upload([{ name: 'files', filename: 'broken.png', type: 'image/png', data: broken }]);
  const info = up.body.items[0];
  assert.is(info.mime_type, 'image/png');
  assert.is(info.has_preview_image, false);
  const [row] = await ctx.deps.db.query<{ preview_state: string; thumbnail_key: string }>('select preview_state, thumbnail_key from files where id = $1', [info.id]);
  assert.equal(row, { preview_state: 'failed', thumbnail_key: '' });
  const thumb = await get(alice, `/api/v1/files/${info.id}/thumbnail`);
  assert.is(thumb.status, 200);
  assert.ok(thumb.bytes.equals(broken));
  assert.is(thumb.headers.get('content-type'), 'image/png');
  assert.is(thumb.headers.get('cache-control'), 'private, no-cache');
  assert.is((await ctx.req('GET', `/api/v4/files/${info.id}/info`, { token: alice.token })).body.has_preview_image, false);
});

test('an image stored before previews existed gets them when first asked for, once', async () => {
  const source = await png(pixels(500, 250, (x) => (x < 250 ? RED : BLUE)));
  const up = await upload([{ name: 'files', filename: 'old.png', type: 'image/png', data: source }]);
  const id = up.body.items[0].id;
  // Make it look like a row from before migration 0015.
  const [keys] = await ctx.deps.db.query<{ thumbnail_key: string; preview_key: string }>('select thumbnail_key, preview_key from files where id = $1', [id]);
  for (const k of [keys.thumbnail_key, keys.preview_key]) await storage.delete(k);
  await ctx.deps.db.query(`update files set thumbnail_key = '', preview_key = '', preview_type = '', thumbnail_size = 0, preview_size = 0, preview_state = '' where id = $1`, [id]);
  assert.is((await ctx.req('GET', `/api/v1/files/${id}/info`, { token: alice.token })).body.has_preview_image, true);

  const before = rendererOf(ctx.deps).stats.rendered;
  const [a, b] = await Promise.all([get(alice, `/api/v1/files/${id}/thumbnail`), get(alice, `/api/v1/files/${id}/thumbnail`)]);
  assert.is(rendererOf(ctx.deps).stats.rendered - before, 1, 'rendered once for both requests');
  assert.ok(a.bytes.equals(b.bytes));
  assert.equal([(await decodeImage(a.bytes)).width, (await decodeImage(a.bytes)).height], [120, 60]);
  assert.is(a.headers.get('cache-control'), 'private, max-age=2592000, immutable');
  const [row] = await ctx.deps.db.query<{ preview_state: string }>('select preview_state from files where id = $1', [id]);
  assert.is(row.preview_state, 'ready');
});

test('objects: a failed upload leaves no renditions; sweeping an unattached image removes all three', async () => {
  const image = await png(pixels(300, 300, () => BLUE));
  const objects = await objectCount();
  // The image is stored and rendered, then the eleventh file fails the whole upload.
  const parts: Part[] = [{ name: 'files', filename: 'ok.png', type: 'image/png', data: image }];
  for (let i = 0; i < 10; i++) parts.push({ name: 'files', filename: `n${i}.txt`, type: 'text/plain', data: Buffer.from('x') });
  const r = await upload(parts);
  assert.is(r.body.error?.code, 'too_many_files');
  assert.is(await objectCount(), objects, 'no object left behind');

  const up = await upload([{ name: 'files', filename: 'never-posted.png', type: 'image/png', data: image }]);
  assert.is(up.status, 201);
  assert.is(await objectCount(), objects + 3, 'the original, its thumbnail and its preview');
  const [keys] = await ctx.deps.db.query<{ storage_key: string; thumbnail_key: string; preview_key: string }>('select storage_key, thumbnail_key, preview_key from files where id = $1', [up.body.items[0].id]);
  assert.ok(keys.thumbnail_key && keys.preview_key);
  await sweepUnattachedFiles({ ...ctx.deps, now: () => Date.now() + 10_000 }, 0);
  for (const k of Object.values(keys)) assert.is(await storage.head(k), null, k);
});

test.run();
