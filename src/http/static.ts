import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join, extname, relative } from 'node:path';
import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from './env.ts';
import { pickEncoding } from './compress.ts';

export interface WebAsset {
  body: Uint8Array;
  type: string;
  /** Precompressed at build time (`<file>.br`, `<file>.gz` beside the file), when smaller. */
  br?: Uint8Array;
  gz?: Uint8Array;
}

/** The web client's files by URL path ("/index.html", "/assets/app-3F2A1B.js"). */
export type WebAssets = Map<string, WebAsset>;

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
  '.map': 'application/json',
};

export const mimeFor = (path: string) => TYPES[extname(path)] ?? 'application/octet-stream';

/**
 * Assembles the web client's files: `<file>.br` and `<file>.gz` (written by the web build) become
 * the encodings of `<file>` rather than paths of their own.
 */
export function assembleWebAssets(files: Iterable<[path: string, body: Uint8Array]>): WebAssets {
  const out: WebAssets = new Map();
  const encoded: [string, 'br' | 'gz', Uint8Array][] = [];
  for (const [path, body] of files) {
    const m = /^(.*)\.(br|gz)$/.exec(path);
    if (m) encoded.push([m[1]!, m[2] as 'br' | 'gz', body]);
    else out.set(path, { body, type: mimeFor(path) });
  }
  for (const [path, enc, body] of encoded) {
    const asset = out.get(path);
    if (asset) asset[enc] = body;
  }
  return out;
}

/** Reads a built web directory (development and tests; the executable embeds the same files). */
export function readWebDir(dir: string): WebAssets {
  const files: [string, Uint8Array][] = [];
  if (!existsSync(dir)) return new Map();
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else files.push(['/' + relative(dir, p).split('\\').join('/'), readFileSync(p)]);
    }
  };
  walk(dir);
  return assembleWebAssets(files);
}

// Built assets carry a content hash in their name (app-3F2A1B.js): cache them for a year.
const HASHED = /-[A-Z0-9]{8,}\.[a-z0-9]+$/;

/** Content-Security-Policy for the web client: no inline script, no framing. */
export const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "media-src 'self' blob:",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * Serves the web client: exact files, and index.html for any other GET outside /api so client
 * routes (/team/channel) load the app.
 */
export function serveWeb(assets: WebAssets): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if ((c.req.method !== 'GET' && c.req.method !== 'HEAD') || c.req.path.startsWith('/api/')) return next();
    let path = c.req.path;
    let asset = assets.get(path);
    if (!asset && !extname(path)) {
      path = '/index.html';
      asset = assets.get(path);
    }
    if (!asset) return next();
    let body = asset.body;
    if (asset.br || asset.gz) {
      c.header('Vary', 'Accept-Encoding');
      const enc = pickEncoding(c.req.header('accept-encoding'), !!asset.br, !!asset.gz);
      if (enc) {
        body = asset[enc]!;
        c.header('Content-Encoding', enc === 'br' ? 'br' : 'gzip');
      }
    }
    c.header('Content-Type', asset.type);
    c.header('X-Content-Type-Options', 'nosniff');
    c.header('Cache-Control', HASHED.test(path) ? 'public, max-age=31536000, immutable' : 'no-cache');
    if (asset.type.startsWith('text/html')) {
      c.header('Content-Security-Policy', CSP);
      c.header('X-Frame-Options', 'DENY');
      c.header('Referrer-Policy', 'same-origin');
    }
    c.header('Content-Length', String(body.byteLength));
    // The asset buffers are never shared memory: Uint8Array<ArrayBuffer> is what Hono's body() takes.
    return c.req.method === 'HEAD' ? c.body(null) : c.body(body as Uint8Array<ArrayBuffer>);
  };
}
