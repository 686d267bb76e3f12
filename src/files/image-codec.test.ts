/**
 * The renderer itself (in this thread, without the worker): sizes, EXIF orientation, the first
 * frame of an animated GIF, transparency, WebP, metadata left behind, undecodable input.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { CODEC_WASM, fitWithin, initCodecs, jpegScanCount, MAX_JPEG_SCANS, renderImage, type CodecWasm } from './image-codec.ts';
import { at, decodeImage, gif, initTestCodecs, jpeg, near, noise, pixels, png, webp, withExifOrientation, type Rgba } from '../../test/images.ts';

const RED: Rgba = [220, 20, 20, 255];
const BLUE: Rgba = [20, 20, 220, 255];
const GREEN: Rgba = [20, 200, 20, 255];

test.before(async () => {
  const require = createRequire(import.meta.url);
  const wasm = Object.fromEntries(Object.entries(CODEC_WASM).map(([k, p]) => [k, new WebAssembly.Module(readFileSync(require.resolve(p)))])) as CodecWasm;
  await initCodecs(wasm);
  await initTestCodecs();
});

test('fitWithin: aspect ratio kept, never enlarged', () => {
  assert.equal(fitWithin(4000, 3000, { width: 1920, height: 1080 }), { width: 1440, height: 1080 });
  assert.equal(fitWithin(1170, 2532, { width: 1920, height: 1080 }), { width: 499, height: 1080 });
  assert.equal(fitWithin(800, 600, { width: 120, height: 100 }), { width: 120, height: 90 });
  assert.equal(fitWithin(64, 48, { width: 120, height: 100 }), { width: 64, height: 48 });
  assert.equal(fitWithin(10000, 1, { width: 120, height: 100 }), { width: 120, height: 1 });
});

test('a ~100 KB PNG: a JPEG thumbnail within 120 × 100 of a few KB, really scaled down', async () => {
  const rnd = noise(7);
  // Left half red, right half blue, with noise: about 100 KB as PNG.
  const source = await png(pixels(310, 210, (x) => (x < 155 ? [210 + rnd() * 8, 20 + rnd() * 8, 10, 255] : [10, 20 + rnd() * 8, 210 + rnd() * 8, 255]) as Rgba));
  assert.ok(source.length > 95_000 && source.length < 110_000, `source PNG is ${source.length} bytes`);
  const r = await renderImage(source, 'image/png');
  assert.is(r.type, 'image/jpeg', 'opaque: JPEG');
  assert.equal([r.thumbnail.width, r.thumbnail.height], [120, 81]);
  assert.equal([r.preview.width, r.preview.height], [310, 210], 'a preview is never enlarged');
  assert.ok(r.thumbnail.bytes.length < 8_000, `thumbnail is ${r.thumbnail.bytes.length} bytes`);
  const t = await decodeImage(r.thumbnail.bytes);
  assert.equal([t.width, t.height], [120, 81]);
  assert.ok(near(at(t, 10, 40), [214, 24, 10, 255]), `left is red: ${at(t, 10, 40)}`);
  assert.ok(near(at(t, 110, 40), [10, 24, 214, 255]), `right is blue: ${at(t, 110, 40)}`);
});

test('a photo with EXIF orientation 6 comes out upright; EXIF and comments are gone', async () => {
  // Stored sideways: 80 wide, 40 high, red on the left, blue on the right. Orientation 6 means
  // "rotate 90° clockwise to display": upright it is 40 wide, 80 high, red on top.
  const stored = withExifOrientation(await jpeg(pixels(80, 40, (x) => (x < 40 ? RED : BLUE))), 6);
  assert.ok(stored.includes(Buffer.from('Exif\0\0', 'latin1')));
  const r = await renderImage(stored, 'image/jpeg');
  assert.equal([r.preview.width, r.preview.height], [40, 80]);
  const p = await decodeImage(r.preview.bytes);
  assert.ok(near(at(p, 20, 10), RED), `top is red: ${at(p, 20, 10)}`);
  assert.ok(near(at(p, 20, 70), BLUE), `bottom is blue: ${at(p, 20, 70)}`);
  assert.equal([r.thumbnail.width, r.thumbnail.height], [40, 80]);
  for (const out of [r.preview.bytes, r.thumbnail.bytes]) {
    const b = Buffer.from(out);
    assert.not.ok(b.includes(Buffer.from('Exif', 'latin1')), 'no EXIF');
    assert.not.ok(b.includes(Buffer.from('secret location', 'latin1')), 'no comment');
  }
  // Orientation 3 (upside down) and 8 (90° counter-clockwise).
  const r3 = await decodeImage((await renderImage(withExifOrientation(await jpeg(pixels(80, 40, (x) => (x < 40 ? RED : BLUE))), 3), 'image/jpeg')).preview.bytes);
  assert.ok(near(at(r3, 10, 20), BLUE) && near(at(r3, 70, 20), RED), 'orientation 3: rotated 180°');
  const r8 = await decodeImage((await renderImage(withExifOrientation(await jpeg(pixels(80, 40, (x) => (x < 40 ? RED : BLUE))), 8), 'image/jpeg')).preview.bytes);
  assert.equal([r8.width, r8.height], [40, 80]);
  assert.ok(near(at(r8, 20, 10), BLUE) && near(at(r8, 20, 70), RED), 'orientation 8: rotated 90° counter-clockwise');
});

test('an animated GIF: a still thumbnail of its first frame', async () => {
  const anim = gif(300, 200, [GREEN, RED, BLUE]);
  const r = await renderImage(anim, 'image/gif');
  assert.is(r.type, 'image/jpeg');
  assert.equal([r.thumbnail.width, r.thumbnail.height], [120, 80]);
  const t = await decodeImage(r.thumbnail.bytes);
  assert.ok(near(at(t, 60, 40), GREEN), `first frame: ${at(t, 60, 40)}`);
  assert.is(Buffer.from(r.thumbnail.bytes).subarray(0, 3).toString('hex'), 'ffd8ff', 'a JPEG, not a GIF');
});

test('transparency: PNG out, alpha kept; WebP in', async () => {
  const r = await renderImage(await png(pixels(200, 200, (x) => (x < 100 ? [0, 0, 0, 0] : [0, 0, 255, 255]) as Rgba)), 'image/png');
  assert.is(r.type, 'image/png');
  const t = await decodeImage(r.thumbnail.bytes);
  assert.equal([t.width, t.height], [100, 100]);
  assert.is(at(t, 10, 50)[3], 0, 'transparent stays transparent');
  assert.ok(near(at(t, 90, 50), [0, 0, 255, 255]), `${at(t, 90, 50)}`);

  const w = await renderImage(await webp(pixels(600, 300, (x) => (x < 300 ? RED : GREEN))), 'image/webp');
  assert.equal([w.thumbnail.width, w.thumbnail.height], [120, 60]);
  const wt = await decodeImage(w.thumbnail.bytes);
  assert.ok(near(at(wt, 10, 30), RED) && near(at(wt, 110, 30), GREEN), 'WebP decoded');
});

test('undecodable bytes are an error (the caller serves the original)', async () => {
  const fake = Buffer.concat([Buffer.from('89504e470d0a1a0a0000000d49484452000000400000003008060000', 'hex'), Buffer.alloc(200, 7)]);
  for (const [bytes, type] of [
    [fake, 'image/png'],
    [Buffer.from('ffd8ffe000104a464946', 'hex'), 'image/jpeg'],
    [Buffer.from('GIF89a'), 'image/gif'],
    [Buffer.from('RIFF\0\0\0\0WEBPVP8 '), 'image/webp'],
  ] as const) {
    try {
      await renderImage(bytes, type);
      assert.unreachable(type);
    } catch (e) {
      assert.instance(e, Error);
      assert.not.instance(e, assert.Assertion, type);
    }
  }
});

/**
 * A 100 × 100 GIF (what its header says, what the size limits check) whose one frame claims to be
 * `w` × `h`: omggif decodes such a frame pixel by pixel however little data follows, so a 40-byte
 * file with a 60000 × 60000 frame kept the renderer busy for ~100 s.
 */
function oversizedFrameGif(w: number, h: number, x = 0, y = 0): Buffer {
  const le = (n: number) => [n & 255, n >> 8];
  return Buffer.from([
    ...Buffer.from('GIF89a'),
    ...le(100), ...le(100), 0x80, 0, 0, // logical screen 100 × 100, a 2-colour global table
    0, 0, 0, 255, 255, 255,
    0x2c, ...le(x), ...le(y), ...le(w), ...le(h), 0, // image descriptor
    2, 2, 0x4c, 0x01, 0, // LZW data (a few bytes)
    0x3b,
  ]);
}

test('a GIF frame larger than its logical screen is refused at once (no decoding of its claimed size)', async () => {
  // The first would take minutes to decode, so finishing at all shows it was not decoded.
  for (const [w, h, x, y] of [[60000, 60000, 0, 0], [2000, 2000, 0, 0], [100, 101, 0, 0], [60, 60, 50, 0]]) {
    try {
      await renderImage(oversizedFrameGif(w, h, x, y), 'image/gif');
      assert.unreachable(`${w}x${h}+${x}+${y} rendered`);
    } catch (e) {
      assert.not.instance(e, assert.Assertion, `${w}x${h}+${x}+${y} rendered`);
      assert.match(String((e as Error).message), /frame/);
    }
  }
  // A frame within the screen still renders.
  const ok = await renderImage(oversizedFrameGif(100, 100), 'image/gif');
  assert.is(ok.type, 'image/jpeg');
});

/** A progressive JPEG with `extra` copies of its last scan appended (each ~20 bytes, each a pass over the image). */
async function manyScans(extra: number): Promise<Buffer> {
  const base = await jpeg(pixels(400, 300, () => [120, 130, 140, 255]), 80, true);
  // The last SOS segment and its data, up to the EOI.
  let sos = base.length - 2;
  while (!(base[sos] === 0xff && base[sos + 1] === 0xda)) sos--;
  const last = base.subarray(sos, base.length - 2);
  return Buffer.concat([base.subarray(0, base.length - 2), ...Array(extra).fill(last), Buffer.from([0xff, 0xd9])]);
}

test('a JPEG of more than MAX_JPEG_SCANS scans is refused before decoding; ordinary ones render', async () => {
  const normal = await manyScans(0);
  const scans = jpegScanCount(normal);
  assert.ok(scans > 1 && scans < 20, `a progressive JPEG has a handful of scans (${scans})`);
  assert.is(jpegScanCount(await jpeg(pixels(64, 64, () => RED), 80, false)), 1, 'baseline: one');
  assert.is(jpegScanCount(withExifOrientation(normal, 6)), scans, 'an EXIF segment is skipped, not searched');
  assert.is((await renderImage(await manyScans(MAX_JPEG_SCANS - scans), 'image/jpeg')).type, 'image/jpeg', 'at the limit: rendered');
  // 2000 extra scans of a 33 MP image would take ~16 s to decode; this small one would still decode.
  try {
    await renderImage(await manyScans(2000), 'image/jpeg');
    assert.unreachable('rendered');
  } catch (e) {
    assert.not.instance(e, assert.Assertion, 'rendered');
    assert.match(String((e as Error).message), /scans/);
  }
});

test.run();
