import type { IncomingMessage } from 'node:http';

/**
 * Cross-site WebSocket hijacking guard. A browser attaches the session cookie to a WebSocket
 * upgrade started by any page, and WebSockets are not bound by CORS, so an upgrade that would be
 * authenticated by the cookie alone must come from a page of this site. Browsers always send
 * `Origin` on a WebSocket upgrade; native clients (the mobile and desktop apps' token sockets,
 * bots, scripts) send none or authenticate by token, which a foreign page cannot read.
 *
 * Same origin means: the scheme, host and port of `server.site_url` when it is set; otherwise
 * the host (and port) the request itself was sent to (`Host`), compared case-insensitively —
 * the scheme is not compared then, since TLS usually ends at a proxy in front.
 */
export function upgradeOriginAllowed(req: IncomingMessage, siteUrl: string): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  let o: URL;
  try {
    o = new URL(origin);
  } catch {
    return false; // includes the opaque origin "null" (sandboxed frames, file: pages)
  }
  if (o.protocol !== 'http:' && o.protocol !== 'https:') return false;
  if (siteUrl) {
    try {
      return o.origin === new URL(siteUrl).origin;
    } catch {
      return false;
    }
  }
  const host = req.headers.host;
  return !!host && o.host === host.toLowerCase().replace(/:(80|443)$/, (p) => (defaultPort(o.protocol) === p.slice(1) ? '' : p));
}

function defaultPort(protocol: string): string {
  return protocol === 'https:' ? '443' : '80';
}
