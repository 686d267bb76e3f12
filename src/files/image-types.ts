/**
 * What the image worker and the server share, without the codecs themselves (so that importing
 * it does not bring them into the server's bundle: they run in the worker only).
 */

/** The WebAssembly modules the codecs need: the names build.mjs embeds them under, and where they are in node_modules. */
export const CODEC_WASM = {
  'mozjpeg_dec.wasm': '@jsquash/jpeg/codec/dec/mozjpeg_dec.wasm',
  'mozjpeg_enc.wasm': '@jsquash/jpeg/codec/enc/mozjpeg_enc.wasm',
  'squoosh_png_bg.wasm': '@jsquash/png/codec/pkg/squoosh_png_bg.wasm',
  'webp_dec.wasm': '@jsquash/webp/codec/dec/webp_dec.wasm',
} as const;
export type CodecWasm = Record<keyof typeof CODEC_WASM, WebAssembly.Module>;

export type SourceType = 'image/png' | 'image/jpeg' | 'image/gif' | 'image/webp';

export interface Rendition {
  bytes: Uint8Array;
  width: number;
  height: number;
}

export interface Renditions {
  /** 'image/jpeg' or 'image/png' (when the image has transparency); both renditions share it. */
  type: 'image/jpeg' | 'image/png';
  thumbnail: Rendition;
  preview: Rendition;
}
