import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { downscale, type Rgba } from './downscale.ts';

const img = (width: number, height: number, px: number[][]): Rgba => ({ data: new Uint8ClampedArray(px.flat()), width, height });
const pixelsOf = (r: Rgba) => Array.from({ length: r.width * r.height }, (_, i) => Array.from(r.data.subarray(i * 4, i * 4 + 4)));

test('whole factors: the mean of each block', () => {
  const r = downscale(img(4, 2, [[0, 0, 0, 255], [100, 0, 0, 255], [0, 200, 0, 255], [0, 100, 0, 255], [0, 0, 0, 255], [100, 0, 0, 255], [0, 0, 40, 255], [0, 0, 0, 255]]), 2, 1);
  assert.equal(pixelsOf(r), [[50, 0, 0, 255], [0, 75, 10, 255]]);
});

test('fractions: 3 to 2 weighs the middle pixel half to each side', () => {
  const r = downscale(img(3, 1, [[0, 0, 0, 255], [90, 90, 90, 255], [180, 180, 180, 255]]), 2, 1);
  // Left: 1 × 0 + 0.5 × 90 over 1.5 = 30; right: 0.5 × 90 + 1 × 180 over 1.5 = 150.
  assert.equal(pixelsOf(r), [[30, 30, 30, 255], [150, 150, 150, 255]]);
});

test('premultiplied alpha: a transparent pixel does not darken its neighbour; alpha is averaged', () => {
  const r = downscale(img(2, 1, [[0, 0, 0, 0], [255, 0, 0, 255]]), 1, 1);
  assert.equal(pixelsOf(r), [[255, 0, 0, 128]]);
  assert.equal(pixelsOf(downscale(img(2, 1, [[9, 9, 9, 0], [9, 9, 9, 0]]), 1, 1)), [[0, 0, 0, 0]]);
});

test('large: the mean is kept; same size is the same image; no enlarging', () => {
  const w = 1000;
  const h = 7;
  const data = new Uint8ClampedArray(w * h * 4);
  for (let i = 0; i < w * h; i++) data.set([i % 256, (i * 7) % 256, 100, 255], i * 4);
  const src = { data, width: w, height: h };
  const r = downscale(src, 33, 2);
  const mean = (d: Uint8ClampedArray, c: number) => d.filter((_, i) => i % 4 === c).reduce((a, b) => a + b, 0) / (d.length / 4);
  assert.ok(Math.abs(mean(r.data, 0) - mean(data, 0)) < 1.5, `${mean(r.data, 0)} vs ${mean(data, 0)}`);
  assert.is(mean(r.data, 2), 100);
  assert.is(downscale(src, w, h), src);
  assert.throws(() => downscale(src, w + 1, h), RangeError);
});

test.run();
