// Entry point of the single executable (bundled by build.mjs). Everything the server would read
// from disk next to its modules comes from SEA assets instead: PGlite's wasm and data files, the
// first-boot template data directory, and the web client.
// First: `serve` re-executes itself with glibc malloc settings (src/malloc-tuning.ts).
import './sea-malloc.ts';
import { getRawAsset } from 'node:sea';
import * as zlib from 'node:zlib';
import { setPgliteAssetsProvider } from './db/pglite.ts';
import { setWebAssetsProvider } from './web-assets.ts';
import { setImageCodecAssetsProvider, type ImageCodecAssets } from './files/image-renderer.ts';
import { CODEC_WASM } from './files/image-types.ts';
import { assembleWebAssets, type WebAssets } from './http/static.ts';
import { main } from './main.ts';

// getRawAsset returns a view of the executable's memory without copying.
const bytes = (key: string) => new Uint8Array(getRawAsset(key) as ArrayBuffer);

// PGlite's files are stored zstd-compressed (build.mjs). node:zlib has zstd from Node 22.15; the
// executable embeds Node 24, the type definitions here are Node 20's.
type Zstd = (buf: Uint8Array, cb: (err: Error | null, out: Uint8Array<ArrayBuffer>) => void) => void;
const zstdDecompress = (zlib as unknown as { zstdDecompress: Zstd }).zstdDecompress;
// Decompressed on libuv's thread pool, so the main thread goes on with start-up meanwhile.
const unpacked = (key: string) =>
  new Promise<Uint8Array<ArrayBuffer>>((resolve, reject) => zstdDecompress(bytes(`${key}.zst`), (err, out) => (err ? reject(err) : resolve(out))));

// The compiled modules are kept (an instance holds on to them anyway, and a reopen after a crash
// must not compile again); the fs bundle and the template are made anew at each open and dropped
// by the driver once PGlite has copied them, so neither stays on the heap of a running server.
let modules: Promise<[WebAssembly.Module, WebAssembly.Module]> | undefined;
setPgliteAssetsProvider(async () => {
  modules ??= Promise.all([unpacked('pglite.wasm').then((b) => WebAssembly.compile(b)), unpacked('initdb.wasm').then((b) => WebAssembly.compile(b))]);
  const [[pgliteWasmModule, initdbWasmModule], fsData] = await Promise.all([modules, unpacked('pglite.data')]);
  return {
    pgliteWasmModule,
    initdbWasmModule,
    fsBundle: new Blob([fsData]),
    template: new Blob([bytes('template.tar.gz')]),
  };
});

// The image worker's bundle and the codecs' wasm, read when the first image is rendered.
type ZstdSync = (buf: Uint8Array) => Buffer;
const zstdDecompressSync = (zlib as unknown as { zstdDecompressSync: ZstdSync }).zstdDecompressSync;
setImageCodecAssetsProvider(() => ({
  worker: { code: zstdDecompressSync(bytes('image-worker.cjs.zst')).toString('utf8') },
  wasm: Object.fromEntries(Object.keys(CODEC_WASM).map((name) => [name, new Uint8Array(zstdDecompressSync(bytes(`wasm:${name}.zst`)))])) as ImageCodecAssets['wasm'],
}));

let web: WebAssets | undefined;
setWebAssetsProvider(() => {
  if (web) return web;
  const files = JSON.parse(new TextDecoder().decode(bytes('web-manifest.json'))) as string[];
  web = assembleWebAssets(files.map((f) => [f, bytes(`web:${f}`)]));
  return web;
});

void main(process.argv);
