// Entry point of the single executable (bundled by build.mjs). Everything the server would read
// from disk next to its modules comes from SEA assets instead: PGlite's wasm and data files, the
// first-boot template data directory, and the web client.
import { getRawAsset } from 'node:sea';
import { setPgliteAssetsProvider } from './db/pglite.ts';
import { setWebAssetsProvider } from './web-assets.ts';
import { mimeFor, type WebAssets } from './http/static.ts';
import { main } from './main.ts';

const bytes = (key: string) => new Uint8Array(getRawAsset(key) as ArrayBuffer);

setPgliteAssetsProvider(async () => {
  // getRawAsset returns a view of the executable's memory without copying.
  const [pgliteWasmModule, initdbWasmModule] = await Promise.all([WebAssembly.compile(bytes('pglite.wasm')), WebAssembly.compile(bytes('initdb.wasm'))]);
  return {
    pgliteWasmModule,
    initdbWasmModule,
    fsBundle: new Blob([bytes('pglite.data')]),
    template: new Blob([bytes('template.tar.gz')]),
  };
});

let web: WebAssets | undefined;
setWebAssetsProvider(() => {
  if (web) return web;
  web = new Map();
  const files = JSON.parse(new TextDecoder().decode(bytes('web-manifest.json'))) as string[];
  for (const f of files) web.set(f, { body: bytes(`web:${f}`), type: mimeFor(f) });
  return web;
});

void main(process.argv);
