/**
 * Real images for the preview tests, made from pixels with the same codecs the server uses (and
 * libwebp's encoder, and omggif's writer): PNG, JPEG with an EXIF orientation, animated GIF,
 * WebP; and a decoder to look at what the server rendered.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import decodeJpeg, { init as initJpegDecode } from '@jsquash/jpeg/decode.js';
import encodeJpeg, { init as initJpegEncode } from '@jsquash/jpeg/encode.js';
import decodePng, { init as initPngDecode } from '@jsquash/png/decode.js';
import encodePng, { init as initPngEncode } from '@jsquash/png/encode.js';
import encodeWebp, { init as initWebpEncode } from '@jsquash/webp/encode.js';
import { GifWriter } from 'omggif';
import { CODEC_WASM } from '../src/files/image-codec.ts';

const require = createRequire(import.meta.url);
const wasm = (path: string) => new WebAssembly.Module(readFileSync(require.resolve(path)));
let ready: Promise<unknown> | undefined;
/** Instantiates the encoders and decoders the helpers below use (once per test file). */
export function initTestCodecs(): Promise<unknown> {
  // Quiet like the server's (libjpeg's warnings go to stderr otherwise); see image-codec.ts.
  const quiet = { print: () => {}, printErr: () => {} };
  const withOptions = <T>(init: (m: WebAssembly.Module) => T) => init as unknown as (m: WebAssembly.Module, o: object) => T;
  ready ??= Promise.all([
    withOptions(initJpegDecode)(wasm(CODEC_WASM['mozjpeg_dec.wasm']), quiet),
    withOptions(initJpegEncode)(wasm(CODEC_WASM['mozjpeg_enc.wasm']), quiet),
    initPngDecode(wasm(CODEC_WASM['squoosh_png_bg.wasm'])),
    initPngEncode(wasm(CODEC_WASM['squoosh_png_bg.wasm'])),
    initWebpEncode(wasm('@jsquash/webp/codec/enc/webp_enc_simd.wasm')),
  ]);
  return ready;
}

export type Rgba = [number, number, number, number];

export interface Pixels {
  data: Uint8ClampedArray;
  width: number;
  height: number;
}

/** An image painted by `paint(x, y)`. */
export function pixels(width: number, height: number, paint: (x: number, y: number) => Rgba): Pixels {
  const data = new Uint8ClampedArray(width * height * 4);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data.set(paint(x, y), (y * width + x) * 4);
  return { data, width, height };
}

/** Deterministic noise, for images that do not compress to nothing. */
export function noise(seed = 1): () => number {
  let s = seed;
  return () => (s = (s * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
}

export const png = async (p: Pixels) => Buffer.from(await encodePng(p as ImageData));
/** A JPEG; progressive by default (MozJPEG's default); cameras write baseline ones. */
export const jpeg = async (p: Pixels, quality = 90, progressive = true) => Buffer.from(await encodeJpeg(p as ImageData, { quality, progressive }));
export const webp = async (p: Pixels) => Buffer.from(await encodeWebp(p as ImageData, { quality: 90 }));

/** A GIF of several frames (each one colour), animated. */
export function gif(width: number, height: number, frames: Rgba[]): Buffer {
  const buf = Buffer.alloc(1024 + width * height * frames.length * 2);
  const palette = [...frames.map(([r, g, b]) => (r << 16) | (g << 8) | b)];
  while (palette.length & (palette.length - 1) || palette.length < 2) palette.push(0);
  const w = new GifWriter(buf, width, height, { palette, loop: 0 });
  frames.forEach((_, i) => w.addFrame(0, 0, width, height, new Array(width * height).fill(i), { delay: 10 }));
  return buf.subarray(0, w.end());
}

/**
 * A JPEG with an EXIF APP1 segment carrying `orientation` (1–8) and a GPS-looking comment right
 * after the SOI, as cameras write them.
 */
export function withExifOrientation(jpg: Buffer, orientation: number): Buffer {
  // TIFF header (big endian), IFD0 with one entry: 0x0112 Orientation, SHORT, count 1.
  const tiff = Buffer.alloc(8 + 2 + 12 + 4);
  tiff.write('MM', 0, 'latin1');
  tiff.writeUInt16BE(42, 2);
  tiff.writeUInt32BE(8, 4);
  tiff.writeUInt16BE(1, 8);
  tiff.writeUInt16BE(0x0112, 10);
  tiff.writeUInt16BE(3, 12);
  tiff.writeUInt32BE(1, 14);
  tiff.writeUInt16BE(orientation, 18);
  tiff.writeUInt32BE(0, 22);
  const payload = Buffer.concat([Buffer.from('Exif\0\0', 'latin1'), tiff]);
  const app1 = Buffer.alloc(4);
  app1.writeUInt16BE(0xffe1, 0);
  app1.writeUInt16BE(payload.length + 2, 2);
  const comment = Buffer.from('GPS 48.8584N 2.2945E secret location', 'latin1');
  const com = Buffer.alloc(4);
  com.writeUInt16BE(0xfffe, 0);
  com.writeUInt16BE(comment.length + 2, 2);
  return Buffer.concat([jpg.subarray(0, 2), app1, payload, com, comment, jpg.subarray(2)]);
}

/** Decodes a rendered JPEG or PNG. */
export async function decodeImage(bytes: Uint8Array): Promise<Pixels> {
  const buf = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  if (bytes[0] === 0xff && bytes[1] === 0xd8) return decodeJpeg(buf);
  if (bytes[0] === 0x89 && bytes[1] === 0x50) return decodePng(buf);
  throw new Error('neither a JPEG nor a PNG');
}

/** The pixel at (x, y). */
export function at(p: Pixels, x: number, y: number): Rgba {
  const i = (y * p.width + x) * 4;
  return [p.data[i], p.data[i + 1], p.data[i + 2], p.data[i + 3]];
}

/** Whether two colours are within `tolerance` per channel (lossy codecs). */
export function near(a: Rgba, b: Rgba, tolerance = 40): boolean {
  return a.every((v, i) => Math.abs(v - b[i]) <= tolerance);
}
