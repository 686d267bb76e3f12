import { promisify } from 'node:util';
import { brotliCompress, constants, gzip } from 'node:zlib';
import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from './env.ts';

/**
 * Response compression. Static web assets are precompressed at build time (see static.ts);
 * API answers are compressed here, on the fly: only JSON, only from `threshold` bytes up (a
 * smaller body gains less than the header costs), never file downloads (they carry
 * Content-Disposition, may be large, are often compressed already, and Range must keep
 * addressing the stored bytes). WebSocket frames are not compressed (permessage-deflate costs
 * ~300 KiB of zlib state per socket).
 */

const brotli = promisify(brotliCompress);
const gz = promisify(gzip);

/** JSON bodies compressed from this size (bytes). */
export const COMPRESS_THRESHOLD = 1024;
/** Bodies larger than this are sent as they are (they were built in memory anyway; bound the CPU). */
const COMPRESS_MAX = 8 * 1024 * 1024;

export type Encoding = 'br' | 'gz';

/**
 * The encoding to send for an Accept-Encoding header, honouring q-values (`q=0` refuses) and
 * `*`; Brotli wins a tie. null: send the identity.
 */
export function pickEncoding(header: string | undefined, hasBr = true, hasGz = true): Encoding | null {
  if (!header) return null;
  let br = -1;
  let gzip = -1;
  let star = -1;
  for (const part of header.split(',')) {
    const [name = '', ...params] = part.trim().toLowerCase().split(';');
    let q = 1;
    for (const p of params) {
      const m = /^\s*q\s*=\s*([0-9.]+)\s*$/.exec(p);
      if (m) q = Math.min(1, Number(m[1]) || 0);
    }
    if (name === 'br') br = q;
    else if (name === 'gzip' || name === 'x-gzip') gzip = Math.max(gzip, q);
    else if (name === '*') star = q;
  }
  if (br < 0) br = star;
  if (gzip < 0) gzip = star;
  const b = hasBr ? br : 0;
  const g = hasGz ? gzip : 0;
  if (b <= 0 && g <= 0) return null;
  return b >= g ? 'br' : 'gz';
}

/** Compresses bytes for the wire: Brotli at a fast level (on-the-fly), gzip at the default one. */
export async function compressBytes(body: Uint8Array, enc: Encoding): Promise<Buffer> {
  if (enc === 'br') {
    return brotli(body, {
      params: {
        [constants.BROTLI_PARAM_QUALITY]: 4,
        [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
        [constants.BROTLI_PARAM_SIZE_HINT]: body.byteLength,
      },
    });
  }
  return gz(body);
}

/** Middleware: compresses JSON answers for clients that accept br or gzip. */
export function compressJson(threshold = COMPRESS_THRESHOLD): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    await next();
    if (c.req.method === 'HEAD') return;
    const res = c.res;
    // Status and headers first, the body last: on @hono/node-server's lightweight Response,
    // touching `body` builds the full fetch Response, which is then written through a web
    // stream instead of in one piece — most of an uncompressed answer's cost (docs/benchmarks.md,
    // "Embedded posting: file sizes kept in memory").
    if (res.status < 200 || res.status === 204 || res.status === 206 || res.status === 304) return;
    const h = res.headers;
    if (!/^application\/json\b/i.test(h.get('content-type') ?? '')) return;
    if (h.has('content-encoding') || h.has('content-disposition') || /\bno-transform\b/i.test(h.get('cache-control') ?? '')) return;
    const vary = h.get('vary');
    if (!vary || !/\baccept-encoding\b/i.test(vary)) h.set('Vary', vary ? `${vary}, Accept-Encoding` : 'Accept-Encoding');
    const enc = pickEncoding(c.req.header('accept-encoding'));
    if (!enc) return;
    const declared = h.get('content-length');
    if (declared !== null && (Number(declared) < threshold || Number(declared) > COMPRESS_MAX)) return;
    if (!res.body) return;
    const raw = new Uint8Array(await res.arrayBuffer());
    let body: Uint8Array = raw;
    let encoded = false;
    if (raw.byteLength >= threshold && raw.byteLength <= COMPRESS_MAX) {
      const packed = await compressBytes(raw, enc);
      if (packed.byteLength < raw.byteLength) {
        body = packed;
        encoded = true;
      }
    }
    // The body was read: always answer with a new response (same status and headers).
    const out = new Response(body as BodyInit, { status: res.status, statusText: res.statusText, headers: h });
    out.headers.set('Content-Length', String(body.byteLength));
    if (encoded) out.headers.set('Content-Encoding', enc === 'br' ? 'br' : 'gzip');
    c.res = undefined; // replace: Hono would merge the old headers (a stale Content-Length) back in
    c.res = out;
  };
}
