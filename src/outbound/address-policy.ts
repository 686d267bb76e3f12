import ipaddr from 'ipaddr.js';

/**
 * Which addresses the server may open connections to on behalf of users (outgoing webhooks,
 * slash commands, later link previews). Classification is ipaddr.js's table of IANA
 * special-purpose ranges: only addresses it calls `unicast` (public) pass. Refused, among others:
 * loopback (127/8, ::1), RFC 1918 private, link-local (169.254/16 — cloud metadata at
 * 169.254.169.254 — and fe80::/10), CGNAT 100.64/10 (also Alibaba's metadata), unique local
 * fc00::/7 (also AWS's fd00:ec2::254), unspecified, multicast, broadcast, reserved and
 * documentation ranges, and IPv6 forms that embed an IPv4 address (IPv4-mapped are judged by
 * the embedded address; NAT64, 6to4 and Teredo are refused outright).
 *
 * `integrations.allowed_internal_hosts` (Mattermost's AllowedUntrustedInternalConnections) lists
 * exceptions: CIDR ranges or single addresses, which allow those addresses whatever host name
 * led there, and host names, which allow any address for a request to exactly that host.
 */
export interface AddressPolicy {
  /** Why an address is refused for a request to `hostname`, or undefined when it is allowed. */
  refusal(address: string, hostname: string): string | undefined;
}

export interface AllowList {
  ranges: [ipaddr.IPv4 | ipaddr.IPv6, number][];
  hosts: Set<string>;
}

const HOSTNAME = /^(?=.{1,253}$)([a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)(\.[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)*\.?$/i;

/** Parses the allow-list setting; throws naming the bad entry. */
export function parseAllowList(text: string): AllowList {
  const out: AllowList = { ranges: [], hosts: new Set() };
  for (const raw of text.split(/[\s,]+/).filter(Boolean)) {
    const entry = raw.replace(/^\[(.*)\]$/, '$1');
    if (entry.includes('/')) {
      if (!ipaddr.isValidCIDR(entry)) throw new Error(`${JSON.stringify(raw)} is not a valid CIDR range`);
      out.ranges.push(ipaddr.parseCIDR(entry));
    } else if (ipaddr.isValid(entry) && (ipaddr.IPv6.isValid(entry) || ipaddr.IPv4.isValidFourPartDecimal(entry))) {
      const a = ipaddr.parse(entry);
      out.ranges.push([a, a.kind() === 'ipv4' ? 32 : 128]);
    } else if (HOSTNAME.test(entry) && !/^[\d.]+$/.test(entry)) {
      out.hosts.add(entry.toLowerCase().replace(/\.$/, ''));
    } else throw new Error(`${JSON.stringify(raw)} is not an IP address, CIDR range or host name`);
  }
  return out;
}

/** The address as ipaddr.js sees it, IPv4-mapped IPv6 turned into IPv4; undefined if not an address. */
function parseAddress(address: string): ipaddr.IPv4 | ipaddr.IPv6 | undefined {
  const a = address.replace(/^\[(.*)\]$/, '$1').replace(/%.*$/, '');
  if (!ipaddr.isValid(a)) return undefined;
  if (!ipaddr.IPv6.isValid(a) && !ipaddr.IPv4.isValidFourPartDecimal(a)) return undefined;
  const p = ipaddr.parse(a);
  return p.kind() === 'ipv6' && (p as ipaddr.IPv6).isIPv4MappedAddress() ? (p as ipaddr.IPv6).toIPv4Address() : p;
}

function inRanges(a: ipaddr.IPv4 | ipaddr.IPv6, ranges: AllowList['ranges']): boolean {
  return ranges.some(([net, bits]) => net.kind() === a.kind() && a.match(net, bits));
}

export function addressPolicy(allow: AllowList): AddressPolicy {
  return {
    refusal(address, hostname) {
      const a = parseAddress(address);
      if (!a) return `${address} is not an IP address`;
      const range = a.range();
      if (range === 'unicast') return undefined;
      if (allow.hosts.has(hostname.toLowerCase().replace(/\.$/, '')) || inRanges(a, allow.ranges)) return undefined;
      return `${a.toString()} is a ${range} address`;
    },
  };
}
