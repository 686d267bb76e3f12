import { isIP } from 'node:net';
import type { IncomingMessage } from 'node:http';
import type { Deps } from './deps.ts';
import { parseAddressList, unmapIpv4, type AddressList } from './cidr.ts';

/** What `server.trust_proxy = true` trusts: a proxy on the same machine. */
export const LOOPBACK_RANGES = '127.0.0.0/8, ::1/128';

/**
 * The proxies whose X-Forwarded-For (and -Proto, -Host) this server believes:
 * `server.trusted_proxies`, plus loopback when `server.trust_proxy` is on. Parsed once per process.
 */
export function trustedProxies(deps: Deps): AddressList {
  const caches = deps.services.caches;
  if (!caches.trustedProxies) {
    const { trusted_proxies, trust_proxy } = deps.config.server;
    caches.trustedProxies = parseAddressList(`${trusted_proxies} ${trust_proxy ? LOOPBACK_RANGES : ''}`);
  }
  return caches.trustedProxies;
}

/**
 * The client's address, as nginx's `real_ip_recursive on` and Express's `trust proxy` find it.
 * A proxy appends the address it received the request from to X-Forwarded-For, after whatever the
 * client sent, so only the right end of the header can be believed: starting at the socket's peer,
 * while the address in hand is a trusted proxy, step one hop left. The first address that is not
 * a trusted proxy is the client; hops left of it are whatever that client wrote and are ignored.
 * Several X-Forwarded-For headers count as one list in order. A hop that is not an IP address
 * stops the walk at the trusted proxy that passed it on.
 */
export function resolveClientAddress(peer: string, forwardedFor: string | readonly string[] | undefined, trusted: AddressList): string {
  let addr = unmapIpv4(peer);
  if (!addr || !trusted.has(addr) || forwardedFor === undefined) return addr;
  const hops = (Array.isArray(forwardedFor) ? forwardedFor.join(',') : (forwardedFor as string)).split(',');
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = normaliseHop(hops[i]);
    if (hop === '') continue; // an empty entry ("a,,b", a trailing comma) says nothing
    if (!hop) return addr;
    addr = hop;
    if (!trusted.has(addr)) return addr;
  }
  return addr;
}

/** A hop as an address: IPv4-mapped unmapped, IPv6 brackets removed; undefined when it is none; '' when empty. */
function normaliseHop(raw: string): string | undefined {
  let h = raw.trim();
  if (!h) return '';
  if (h.startsWith('[') && h.endsWith(']')) h = h.slice(1, -1);
  h = unmapIpv4(h);
  return isIP(h) ? h.toLowerCase() : undefined;
}

/** Whether the socket's peer is a trusted proxy (whose X-Forwarded-Proto and -Host count). */
export function fromTrustedProxy(deps: Deps, peer: string | undefined): boolean {
  return !!peer && trustedProxies(deps).has(peer);
}

/** The client address of a WebSocket upgrade (or any raw Node request). */
export function requestClientAddress(deps: Deps, req: IncomingMessage): string {
  return resolveClientAddress(req.socket.remoteAddress ?? '', req.headers['x-forwarded-for'], trustedProxies(deps));
}
