import { request as httpRequest, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { AddressPolicy } from './address-policy.ts';

/**
 * An HTTP request from the server to a URL a user chose (outgoing webhooks, slash commands),
 * made safe against server-side request forgery:
 * - the host name is resolved ONCE, every address it resolves to is checked against the address
 *   policy, and the connection goes to the checked address (a second resolution — DNS
 *   rebinding — never happens; TLS still verifies the certificate for the host name);
 * - redirects are followed by hand (at most `maxRedirects`), each hop checked the same way;
 * - the whole exchange has a deadline, and the answer a size cap;
 * - no proxy, no connection reuse, no cookies.
 */
export interface OutboundRequest {
  method: 'GET' | 'POST';
  url: string;
  headers?: Record<string, string>;
  body?: string;
  timeoutMs: number;
  maxBytes: number;
  maxRedirects?: number;
  policy: AddressPolicy;
  /** Resolves a host name to all its addresses (tests pass their own; default: the system resolver). */
  resolve?: (hostname: string) => Promise<{ address: string; family: number }[]>;
}

export interface OutboundResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** The URL that answered (after redirects). */
  url: string;
}

export type OutboundErrorCode = 'invalid_url' | 'forbidden_address' | 'resolve_failed' | 'connect_failed' | 'timeout' | 'response_too_large' | 'too_many_redirects';

export class OutboundError extends Error {
  constructor(
    readonly code: OutboundErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'OutboundError';
  }
}

const defaultResolve = (hostname: string) => lookup(hostname, { all: true, verbatim: true });

/** Checks a URL and returns the address to connect to, or throws OutboundError. */
export async function checkedAddress(url: URL, policy: AddressPolicy, resolve = defaultResolve): Promise<{ address: string; family: number }> {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new OutboundError('invalid_url', `Only http and https URLs are allowed, not ${url.protocol}`);
  const hostname = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (!hostname) throw new OutboundError('invalid_url', 'The URL has no host');
  let addresses: { address: string; family: number }[];
  const literal = isIP(hostname);
  if (literal) addresses = [{ address: hostname, family: literal }];
  else {
    try {
      addresses = await resolve(hostname);
    } catch (e) {
      throw new OutboundError('resolve_failed', `Cannot resolve ${hostname}: ${(e as NodeJS.ErrnoException).code ?? 'error'}`);
    }
    if (!addresses.length) throw new OutboundError('resolve_failed', `${hostname} has no address`);
  }
  // Every address must pass: a name that resolves to one public and one internal address would
  // otherwise reach the internal one on a retry or through the client's choice.
  for (const a of addresses) {
    const why = policy.refusal(a.address, hostname);
    if (why) throw new OutboundError('forbidden_address', `${hostname} is not allowed: ${why} (see integrations.allowed_internal_hosts)`);
  }
  return addresses[0];
}

function once(req: OutboundRequest, url: URL, target: { address: string; family: number }, deadline: number): Promise<OutboundResponse> {
  return new Promise((resolve, reject) => {
    const hostname = url.hostname.replace(/^\[(.*)\]$/, '$1');
    const headers: Record<string, string> = { ...req.headers, host: url.host };
    if (req.body !== undefined) headers['content-length'] = String(Buffer.byteLength(req.body));
    else for (const k of Object.keys(headers)) if (k.toLowerCase() === 'content-type') delete headers[k];
    if (url.username || url.password) headers.authorization = `Basic ${Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString('base64')}`;
    const make = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const r = make({
      host: target.address,
      family: target.family,
      port: url.port || (url.protocol === 'https:' ? 443 : 80),
      path: url.pathname + url.search,
      method: req.method,
      headers,
      agent: false,
      // TLS: SNI and certificate verification for the name, while the socket goes to the checked address.
      ...(url.protocol === 'https:' && !isIP(hostname) ? { servername: hostname } : {}),
    });
    let settled = false;
    const fail = (e: unknown) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      r.destroy();
      reject(e instanceof OutboundError ? e : new OutboundError('connect_failed', `Request to ${url.host} failed: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`));
    };
    const timer = setTimeout(() => fail(new OutboundError('timeout', `No complete answer from ${url.host} within the time limit`)), Math.max(1, deadline - Date.now()));
    const tooLarge = () => new OutboundError('response_too_large', `The answer from ${url.host} is larger than ${req.maxBytes} bytes`);
    r.on('error', fail);
    r.on('response', (res: IncomingMessage) => {
      const declared = Number(res.headers['content-length']);
      if (Number.isFinite(declared) && declared > req.maxBytes) return fail(tooLarge());
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > req.maxBytes) fail(tooLarge());
        else chunks.push(c);
      });
      res.on('error', fail);
      res.on('end', () => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks), url: url.toString() });
      });
    });
    if (req.body !== undefined) r.end(req.body);
    else r.end();
  });
}

/** Makes the request under the rules above; throws OutboundError for anything refused or failed. */
export async function outboundRequest(req: OutboundRequest): Promise<OutboundResponse> {
  const deadline = Date.now() + req.timeoutMs;
  let url: URL;
  try {
    url = new URL(req.url);
  } catch {
    throw new OutboundError('invalid_url', 'Not a valid URL');
  }
  let method = req.method;
  let body = req.body;
  for (let hop = 0; ; hop++) {
    const target = await checkedAddress(url, req.policy, req.resolve);
    const res = await once({ ...req, method, body }, url, target, deadline);
    const location = res.headers.location;
    if (res.status < 300 || res.status > 399 || res.status === 304 || !location) return res;
    if (hop >= (req.maxRedirects ?? 3)) throw new OutboundError('too_many_redirects', `More than ${req.maxRedirects ?? 3} redirects from ${req.url}`);
    try {
      url = new URL(location, url);
    } catch {
      throw new OutboundError('invalid_url', 'The redirect target is not a valid URL');
    }
    // 303, and 301/302 after a POST, continue as a GET without the body (as browsers do).
    if (res.status === 303 || ((res.status === 301 || res.status === 302) && method === 'POST')) {
      method = 'GET';
      body = undefined;
    }
  }
}
