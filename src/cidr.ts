import { BlockList, isIP } from 'node:net';

/**
 * A list of address ranges from configuration ("10.0.0.0/8, ::1/128, 192.0.2.7"), matched with
 * Node's own BlockList. An IPv4 address seen as IPv4-mapped IPv6 (`::ffff:10.1.2.3`, as a dual-stack
 * socket reports it) matches the IPv4 ranges.
 */
export interface AddressList {
  has(address: string): boolean;
  /** The ranges as given, normalised ("10.0.0.0/8"), for messages. */
  readonly ranges: readonly string[];
}

/** Parses a comma- or space-separated list of CIDR ranges or single addresses; throws naming the bad entry. */
export function parseAddressList(text: string): AddressList {
  const list = new BlockList();
  const ranges: string[] = [];
  for (const entry of text.split(/[\s,]+/).filter(Boolean)) {
    const [addr, bits, extra] = entry.split('/');
    const family = isIP(addr);
    if (!family || extra !== undefined) throw new Error(`${JSON.stringify(entry)} is not an IP address or CIDR range`);
    const max = family === 4 ? 32 : 128;
    const prefix = bits === undefined ? max : /^\d{1,3}$/.test(bits) ? Number(bits) : NaN;
    if (!(prefix >= 0 && prefix <= max)) throw new Error(`${JSON.stringify(entry)} has a prefix length outside 0-${max}`);
    list.addSubnet(addr, prefix, family === 4 ? 'ipv4' : 'ipv6');
    ranges.push(`${addr}/${prefix}`);
  }
  return {
    ranges,
    has(address) {
      const a = unmapIpv4(address);
      const family = isIP(a);
      return family !== 0 && list.check(a, family === 4 ? 'ipv4' : 'ipv6');
    },
  };
}

/** `::ffff:10.1.2.3` -> `10.1.2.3`; anything else unchanged. */
export function unmapIpv4(address: string): string {
  const m = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address);
  return m ? m[1] : address;
}
