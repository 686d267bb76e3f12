/**
 * The SSRF guard against real HTTP servers started here: every internal address kind is refused
 * without the allow-list (and the server never sees a request), a host name that resolves to
 * loopback is refused, redirects to refused addresses are refused, the name is resolved once
 * (no DNS rebinding), and time and size limits hold.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { outboundRequest, OutboundError, type OutboundRequest } from './fetch.ts';
import { addressPolicy, parseAllowList } from './address-policy.ts';
import { startReceiver } from '../../test/receiver.ts';

const rx = await startReceiver();
rx.handler = (req, res) => {
  if (req.url === '/redirect-loopback') return res.writeHead(302, { location: `http://127.0.0.1:${rx.port}/inside` }).end();
  if (req.url === '/redirect-metadata') return res.writeHead(307, { location: 'http://169.254.169.254/latest/meta-data/' }).end();
  if (req.url === '/redirect-ok') return res.writeHead(303, { location: '/landed' }).end();
  if (req.url === '/big') return res.end('x'.repeat(4096));
  if (req.url === '/big-chunked') {
    res.write('x'.repeat(800));
    res.write('x'.repeat(800));
    return res.end();
  }
  if (req.url === '/slow') return; // never answers
  res.setHeader('content-type', 'application/json');
  return res.end(JSON.stringify({ got: req.url, method: req.method, body: req.body }));
};

const none = addressPolicy(parseAllowList(''));
const base = (over: Partial<OutboundRequest> = {}): OutboundRequest => ({ method: 'POST', url: rx.url + '/', body: 'hi', timeoutMs: 5000, maxBytes: 1024, policy: none, ...over });

async function refused(req: OutboundRequest, code: string, untouched = true) {
  const before = rx.requests.length;
  try {
    await outboundRequest(req);
  } catch (e) {
    assert.instance(e, OutboundError);
    assert.is((e as OutboundError).code, code, (e as Error).message);
    return (e as Error).message;
  } finally {
    if (untouched && (code === 'forbidden_address' || code === 'invalid_url')) assert.is(rx.requests.length, before, 'the refused address got no request');
  }
  // uvu types unreachable() as void; it always throws.
  return assert.unreachable(`${req.url} should have been refused`) as never;
}

test('without the allow-list every internal address is refused before connecting', async () => {
  const p = rx.port;
  for (const url of [
    `http://127.0.0.1:${p}/`,
    `http://127.9.9.9:${p}/`,
    `http://10.0.0.1/`,
    `http://10.255.1.2:${p}/`,
    `http://172.16.5.5/`,
    `http://192.168.1.1/`,
    `http://169.254.169.254/latest/meta-data/`,
    `http://100.100.100.200/latest/meta-data/`,
    `http://0.0.0.0:${p}/`,
    `http://[::1]:${p}/`,
    `http://[fd00::1]/`,
    `http://[fd00:ec2::254]/`,
    `http://[fe80::1]/`,
    `http://[::ffff:127.0.0.1]:${p}/`,
    `http://[64:ff9b::7f00:1]/`,
    `http://2130706433:${p}/`, // 127.0.0.1 written as one number
    `http://0x7f.1:${p}/`,
  ]) {
    const why = (await refused(base({ url }), "forbidden_address")) ?? "";
    assert.match(why, /allowed_internal_hosts/);
  }
});

test('a host name that resolves to 127.0.0.1 is refused (system resolver: localhost; and a custom name)', async () => {
  await refused(base({ url: `http://localhost:${rx.port}/` }), 'forbidden_address');
  await refused(base({ url: `http://internal.example:${rx.port}/`, resolve: async () => [{ address: '127.0.0.1', family: 4 }] }), 'forbidden_address');
  // One public and one internal address: refused as a whole.
  await refused(base({ url: `http://mixed.example:${rx.port}/`, resolve: async () => [{ address: '93.184.216.34', family: 4 }, { address: '10.0.0.5', family: 4 }] }), 'forbidden_address');
});

test('non-http schemes and bad URLs are refused', async () => {
  await refused(base({ url: 'file:///etc/passwd' }), 'invalid_url');
  await refused(base({ url: 'gopher://127.0.0.1/' }), 'invalid_url');
  await refused(base({ url: 'not a url' }), 'invalid_url');
});

test('the allow-list admits what it lists (addresses, ranges, host names) and nothing else', async () => {
  const res = await outboundRequest(base({ policy: addressPolicy(parseAllowList('127.0.0.1')), url: `${rx.url}/hello` }));
  assert.is(res.status, 200);
  assert.equal(JSON.parse(res.body.toString()), { got: '/hello', method: 'POST', body: 'hi' });
  const byRange = await outboundRequest(base({ policy: addressPolicy(parseAllowList('127.0.0.0/8')), url: `${rx.url}/r` }));
  assert.is(byRange.status, 200);
  const byName = await outboundRequest(base({ policy: addressPolicy(parseAllowList('hooks.internal')), url: `http://hooks.internal:${rx.port}/n`, resolve: async () => [{ address: '127.0.0.1', family: 4 }] }));
  assert.is(JSON.parse(byName.body.toString()).got, '/n');
  assert.is(rx.requests.at(-1)!.headers.host, `hooks.internal:${rx.port}`, 'the Host header keeps the name');
  // Listing one address does not open its neighbours or another name.
  await refused(base({ policy: addressPolicy(parseAllowList('127.0.0.2')) }), 'forbidden_address');
  await refused(base({ policy: addressPolicy(parseAllowList('hooks.internal')), url: `http://other.internal:${rx.port}/`, resolve: async () => [{ address: '127.0.0.1', family: 4 }] }), 'forbidden_address');
});

test('redirects: followed when allowed, refused when they lead to a refused address', async () => {
  const byName = addressPolicy(parseAllowList('hooks.internal'));
  const resolve = async () => [{ address: '127.0.0.1', family: 4 }];
  const before = rx.requests.length;
  await refused(base({ policy: byName, resolve, url: `http://hooks.internal:${rx.port}/redirect-loopback` }), 'forbidden_address', false);
  assert.is(rx.requests.length, before + 1, 'only the first hop reached the server');
  assert.is(rx.requests.at(-1)!.url, '/redirect-loopback');
  await refused(base({ policy: byName, resolve, url: `http://hooks.internal:${rx.port}/redirect-metadata` }), 'forbidden_address', false);
  // An allowed redirect: 303 turns the POST into a GET without a body.
  const ok = await outboundRequest(base({ policy: byName, resolve, url: `http://hooks.internal:${rx.port}/redirect-ok` }));
  assert.equal(JSON.parse(ok.body.toString()), { got: '/landed', method: 'GET', body: '' });
  await refused(base({ policy: byName, resolve, maxRedirects: 0, url: `http://hooks.internal:${rx.port}/redirect-ok` }), 'too_many_redirects');
});

test('the name is resolved once and the connection goes to the checked address (no DNS rebinding)', async () => {
  let calls = 0;
  // A rebinding resolver: an allowed address first, then the metadata address.
  const resolve = async () => (calls++ === 0 ? [{ address: '127.0.0.1', family: 4 }] : [{ address: '169.254.169.254', family: 4 }]);
  const res = await outboundRequest(base({ policy: addressPolicy(parseAllowList('127.0.0.1/32')), url: `http://rebind.example:${rx.port}/once`, resolve }));
  assert.is(res.status, 200);
  assert.is(JSON.parse(res.body.toString()).got, '/once');
  assert.is(calls, 1);
});

test('time and size limits', async () => {
  const allow = addressPolicy(parseAllowList('127.0.0.1'));
  await refused(base({ policy: allow, url: `${rx.url}/slow`, timeoutMs: 300 }), 'timeout');
  await refused(base({ policy: allow, url: `${rx.url}/big` }), 'response_too_large');
  await refused(base({ policy: allow, url: `${rx.url}/big-chunked` }), 'response_too_large');
  const closed = await startReceiver();
  await closed.close();
  await refused(base({ policy: allow, url: `${closed.url}/` }), 'connect_failed');
});

test('the allow-list setting is validated', () => {
  assert.throws(() => parseAllowList('10.0.0.0/40'), /CIDR/);
  assert.throws(() => parseAllowList('http://x'), /http:\/\/x/);
  assert.throws(() => parseAllowList('bad!name'), /not an IP address/);
  assert.is(parseAllowList('10.0.0.0/8, 192.168.1.5 gitlab.internal [::1]').ranges.length, 3);
});

test.after(() => rx.close());
test.run();
