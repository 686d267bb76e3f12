import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { resolveClientAddress, trustedProxies } from './client-address.ts';
import { parseAddressList } from './cidr.ts';
import type { Deps } from './deps.ts';

const trusted = parseAddressList('127.0.0.0/8, ::1/128, 10.0.0.0/8, 2001:db8:feed::/48');
const at = (peer: string, xff?: string | string[]) => resolveClientAddress(peer, xff, trusted);

test('an untrusted peer is the client, whatever it forwards', () => {
  assert.is(at('203.0.113.5', '198.51.100.1'), '203.0.113.5');
  assert.is(at('::ffff:203.0.113.5', '198.51.100.1'), '203.0.113.5');
  assert.is(at('', '198.51.100.1'), '');
});

test('behind trusted proxies: the rightmost hop that is not one of them', () => {
  assert.is(at('127.0.0.1'), '127.0.0.1');
  assert.is(at('127.0.0.1', '203.0.113.9'), '203.0.113.9');
  // The client forged first hops; nginx appended the address it saw.
  assert.is(at('127.0.0.1', '6.6.6.6, 1.2.3.4, 203.0.113.9'), '203.0.113.9');
  // Two proxies: an edge (10.0.0.7) in front of the local nginx.
  assert.is(at('127.0.0.1', '6.6.6.6, 203.0.113.9, 10.0.0.7'), '203.0.113.9');
  assert.is(at('::ffff:10.1.1.1', '6.6.6.6,203.0.113.9 ,::ffff:10.0.0.7'), '203.0.113.9');
  // Several headers count as one list, in order.
  assert.is(at('127.0.0.1', ['6.6.6.6', '203.0.113.9, 10.0.0.7']), '203.0.113.9');
  // IPv6 clients and proxies.
  assert.is(at('::1', '2001:db8::1, 2001:DB8:FEED::2'), '2001:db8::1');
  assert.is(at('::1', '[2001:db8::1]'), '2001:db8::1');
  // Every hop trusted: the leftmost one is the best known.
  assert.is(at('127.0.0.1', '10.0.0.3, 10.0.0.7'), '10.0.0.3');
  // Empty entries say nothing.
  assert.is(at('127.0.0.1', '203.0.113.9,, '), '203.0.113.9');
});

test('a hop that is not an address stops at the trusted proxy that passed it on', () => {
  assert.is(at('127.0.0.1', 'unknown'), '127.0.0.1');
  assert.is(at('127.0.0.1', '203.0.113.9, garbage, 10.0.0.7'), '10.0.0.7');
  assert.is(at('127.0.0.1', '203.0.113.9:4711'), '127.0.0.1');
});

test('server.trust_proxy = true trusts loopback only; server.trusted_proxies adds its ranges; neither trusts nobody', () => {
  const trusting = (trust_proxy: boolean, trusted_proxies: string) =>
    trustedProxies({ config: { server: { trust_proxy, trusted_proxies } }, services: { caches: {} } } as unknown as Deps);
  const loopback = trusting(true, '');
  for (const a of ['127.0.0.1', '127.8.9.10', '::1', '::ffff:127.0.0.1']) assert.ok(loopback.has(a), `trust_proxy trusts ${a}`);
  for (const a of ['10.0.0.1', '192.168.1.1', '203.0.113.9', '::2', 'fe80::1']) assert.not.ok(loopback.has(a), `trust_proxy does not trust ${a}`);
  const listed = trusting(false, '10.0.0.0/8, 2001:db8::/32');
  assert.ok(listed.has('10.2.3.4') && listed.has('2001:db8::5'));
  assert.not.ok(listed.has('127.0.0.1'), 'loopback only with trust_proxy');
  const both = trusting(true, '10.0.0.0/8');
  assert.ok(both.has('127.0.0.1') && both.has('10.2.3.4'));
  assert.not.ok(both.has('11.0.0.1'));
  const none = trusting(false, '');
  for (const a of ['127.0.0.1', '::1', '10.0.0.1']) assert.not.ok(none.has(a), `nothing trusted: ${a}`);
  // Behind loopback nginx with trust_proxy: forged hops ignored, nginx's appended address used.
  assert.is(resolveClientAddress('127.0.0.1', '6.6.6.6, 203.0.113.9', loopback), '203.0.113.9');
  assert.is(resolveClientAddress('127.0.0.1', '6.6.6.6, 203.0.113.9', none), '127.0.0.1');
});

test.run();
