/**
 * Thumbnails and previews of uploaded images, in WebAssembly and plain JavaScript (no native
 * module, so it lives inside the single executable): Squoosh's codecs as packaged by jSquash
 * (MozJPEG, libwebp, the Rust png crate), omggif for GIF, and downscale.ts. This module runs in
 * the image worker thread (image-worker.ts), never on the server's event loop: decoding a
 * 12-megapixel photo takes about a second of CPU and a few hundred MB of WebAssembly memory,
 * which is given back when the worker ends (docs/benchmarks.md, "Image previews").
 *
 * - JPEG: EXIF orientation is applied while decoding (MozJPEG's transform), so phone photos come
 *   out upright.
 * - GIF: the first frame only: an animated GIF gets a still thumbnail and preview.
 * - Output: JPEG (quality 80) unless a pixel is transparent, then PNG. Re-encoding from pixels
 *   leaves every piece of metadata behind (EXIF with GPS position, XMP, ICC, comments).
 */
import decodeJpeg, { init as initJpegDecode } from '@jsquash/jpeg/decode.js';
import encodeJpeg, { init as initJpegEncode } from '@jsquash/jpeg/encode.js';
import decodePng, { init as initPngDecode } from '@jsquash/png/decode.js';
import encodePng, { init as initPngEncode } from '@jsquash/png/encode.js';
import decodeWebp, { init as initWebpDecode } from '@jsquash/webp/decode.js';
import { downscale } from './downscale.ts';
import { GifReader } from 'omggif';

/** Mattermost's sizes: thumbnails fit 120 × 100, previews 1920 × 1080 (never enlarged). */
export const THUMBNAIL_BOX = { width: 120, height: 100 };
export const PREVIEW_BOX = { width: 1920, height: 1080 };

import type { CodecWasm, Rendition, Renditions, SourceType } from './image-types.ts';
export { CODEC_WASM, type CodecWasm, type Rendition, type Renditions, type SourceType } from './image-types.ts';

interface Pixels {
  data: Uint8ClampedArray;
  width: number;
  height: number;
}

/**
 * Instantiates every codec from compiled modules. Called once per worker; the instances (and
 * their memories) live as long as the worker.
 */
export async function initCodecs(wasm: CodecWasm): Promise<void> {
  // libjpeg's warnings ("Premature end of JPEG file") would go to stderr; failures still throw.
  const quiet = { print: () => {}, printErr: () => {} };
  // (init's second parameter, module options, is missing from jSquash's type declarations.)
  const withOptions = <T>(init: (m: WebAssembly.Module) => T) => init as unknown as (m: WebAssembly.Module, o: object) => T;
  await Promise.all([
    withOptions(initJpegDecode)(wasm['mozjpeg_dec.wasm'], quiet),
    withOptions(initJpegEncode)(wasm['mozjpeg_enc.wasm'], quiet),
    initPngDecode(wasm['squoosh_png_bg.wasm']),
    initPngEncode(wasm['squoosh_png_bg.wasm']),
    withOptions(initWebpDecode)(wasm['webp_dec.wasm'], quiet),
  ]);
}

/** The size that fits `box` with the aspect ratio kept, never larger than the source. */
export function fitWithin(width: number, height: number, box: { width: number; height: number }): { width: number; height: number } {
  const s = Math.min(1, box.width / width, box.height / height);
  return { width: Math.max(1, Math.round(width * s)), height: Math.max(1, Math.round(height * s)) };
}

/**
 * Most scans a JPEG may have to be rendered. Encoders write 1 (baseline) to ~10-20 (progressive);
 * each extra scan costs a pass over the whole image (~8 ms at 33 MP), so a file of tens of
 * thousands of tiny scans would hold the renderer for minutes.
 */
export const MAX_JPEG_SCANS = 100;

/** How many scans (SOS segments) a JPEG has, counting up to `stopAfter` + 1; segments are walked, not searched. */
export function jpegScanCount(b: Uint8Array, stopAfter = MAX_JPEG_SCANS): number {
  let scans = 0;
  let i = 2; // after SOI
  while (i + 3 < b.length) {
    if (b[i] !== 0xff) return scans; // not at a marker: let the decoder judge the rest
    const m = b[i + 1];
    if (m === 0xff) {
      i++; // fill byte
      continue;
    }
    if (m === 0xd9) return scans; // EOI
    if (m === 0x01 || (m >= 0xd0 && m <= 0xd7)) {
      i += 2; // markers without a length
      continue;
    }
    const end = i + 2 + ((b[i + 2] << 8) | b[i + 3]);
    if (m !== 0xda) {
      i = end;
      continue;
    }
    if (++scans > stopAfter) return scans;
    // Entropy-coded data runs to the next marker that is not a stuffed 0xFF00 or a restart.
    i = end;
    while (i + 1 < b.length && !(b[i] === 0xff && b[i + 1] !== 0 && !(b[i + 1] >= 0xd0 && b[i + 1] <= 0xd7))) i++;
  }
  return scans;
}

async function decode(bytes: Uint8Array, type: SourceType): Promise<Pixels> {
  const buf = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  switch (type) {
    case 'image/jpeg':
      if (jpegScanCount(bytes) > MAX_JPEG_SCANS) throw new Error(`JPEG with more than ${MAX_JPEG_SCANS} scans`);
      return decodeJpeg(buf, { preserveOrientation: true });
    case 'image/png':
      return decodePng(buf);
    case 'image/webp': {
      const img = await decodeWebp(buf);
      if (!img) throw new Error('WebP decoding failed');
      return img;
    }
    case 'image/gif': {
      const gif = new GifReader(bytes);
      if (gif.numFrames() < 1) throw new Error('GIF without frames');
      // omggif decodes a frame at the size it claims, pixel by pixel, whatever the data: a frame
      // larger than the screen (which the size limits checked) could cost minutes. Refuse it.
      const f = gif.frameInfo(0);
      if (f.x + f.width > gif.width || f.y + f.height > gif.height) throw new Error(`GIF frame ${f.width}x${f.height} at ${f.x},${f.y} does not fit its ${gif.width}x${gif.height} screen`);
      const data = new Uint8ClampedArray(gif.width * gif.height * 4);
      gif.decodeAndBlitFrameRGBA(0, data);
      return { data, width: gif.width, height: gif.height };
    }
  }
}

function hasTransparency(p: Pixels): boolean {
  const d = p.data;
  for (let i = 3; i < d.length; i += 4) if (d[i] !== 255) return true;
  return false;
}

function scale(p: Pixels, box: { width: number; height: number }): Pixels {
  const size = fitWithin(p.width, p.height, box);
  return downscale(p, size.width, size.height);
}

async function encode(p: Pixels, type: Renditions['type']): Promise<Rendition> {
  const out =
    type === 'image/png'
      ? await encodePng(p as ImageData)
      : // Baseline with optimised Huffman tables: a little larger than progressive, decodes faster, and
        // the trellis passes would double the CPU for thumbnails nobody inspects closely.
        await encodeJpeg(p as ImageData, { quality: 80, progressive: false, optimize_coding: true });
  return { bytes: new Uint8Array(out), width: p.width, height: p.height };
}

/**
 * Decodes an image and renders its preview (≤ 1920 × 1080) and its thumbnail (≤ 120 × 100, scaled
 * from the preview). Throws on undecodable input; the caller checked the dimensions from the
 * header against its pixel limit before.
 */
export async function renderImage(bytes: Uint8Array, type: SourceType): Promise<Renditions> {
  let pixels: Pixels;
  try {
    pixels = await decode(bytes, type);
  } catch (e) {
    // Emscripten and wasm-bindgen code may throw strings or numbers.
    throw e instanceof Error ? e : new Error(`cannot decode the ${type} image: ${String(e)}`);
  }
  const out: Renditions['type'] = type !== 'image/jpeg' && hasTransparency(pixels) ? 'image/png' : 'image/jpeg';
  const preview = scale(pixels, PREVIEW_BOX);
  const thumbnail = scale(preview, THUMBNAIL_BOX);
  return { type: out, preview: await encode(preview, out), thumbnail: await encode(thumbnail, out) };
}
