import { fileURLToPath } from 'node:url';
import { readWebDir, type WebAssets } from './http/static.ts';

let provider: (() => WebAssets) | undefined;
/** The single-executable entry point registers the embedded web client here. */
export function setWebAssetsProvider(p: () => WebAssets) {
  provider = p;
}

/** The web client's files: embedded in the executable, or the last `npm run build` output in development. */
export function loadWebAssets(): WebAssets {
  if (provider) return provider();
  return readWebDir(fileURLToPath(new URL('../dist/web/', import.meta.url)));
}
