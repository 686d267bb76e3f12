import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { randomBytes } from 'node:crypto';
import { addressBucket, assertUnderLimit, createMemoryRateLimitStore, createRedisRateLimitStore, retryAfterSeconds, type RateLimitStore } from './rate-limit.ts';
import { TEST_REDIS_URL } from '../../test/db.ts';

// The same behaviour from both implementations; Redis only when RUSTCHAT_TEST_REDIS_URL is set.
const prefix = `rustchat-test:${randomBytes(4).toString('hex')}:`;
const stores: [string, () => RateLimitStore][] = [['memory', () => createMemoryRateLimitStore()]];
if (TEST_REDIS_URL) stores.push(['redis', () => createRedisRateLimitStore(TEST_REDIS_URL, { prefix })]);
else console.log('[skip] rate-limit redis: RUSTCHAT_TEST_REDIS_URL is not set');

const W = 60_000;
const T0 = 1_800_000_000_000;

for (const [kind, make] of stores) {
  test(`${kind}: counts hits inside a sliding window`, async () => {
    const s = make();
    const key = `k1:${kind}`;
    assert.equal(await s.peek(key, W, T0), { count: 0, oldest: 0 });
    assert.equal(await s.hit(key, W, T0), { count: 1, oldest: T0 });
    assert.equal(await s.hit(key, W, T0 + 10_000), { count: 2, oldest: T0 });
    assert.equal(await s.peek(key, W, T0 + 20_000), { count: 2, oldest: T0 }, 'peek does not add');
    // The first hit leaves the window exactly W after it happened.
    assert.equal(await s.peek(key, W, T0 + W), { count: 1, oldest: T0 + 10_000 });
    assert.equal(await s.peek(key, W, T0 + W + 10_000), { count: 0, oldest: 0 });
    await s.close();
  });

  test(`${kind}: reset clears a key only`, async () => {
    const s = make();
    await s.hit(`a:${kind}`, W, T0);
    await s.hit(`b:${kind}`, W, T0);
    await s.reset(`a:${kind}`);
    assert.is((await s.peek(`a:${kind}`, W, T0)).count, 0);
    assert.is((await s.peek(`b:${kind}`, W, T0)).count, 1);
    await s.close();
  });

  test(`${kind}: assertUnderLimit throws 429 with Retry-After when the window is full`, async () => {
    const s = make();
    const key = `lim:${kind}`;
    const limit = { max: 3, windowMs: W };
    for (let i = 0; i < 3; i++) {
      await assertUnderLimit(s, key, limit, T0 + i * 1000, 'x');
      await s.hit(key, W, T0 + i * 1000);
    }
    try {
      await assertUnderLimit(s, key, limit, T0 + 5000, 'too many');
      assert.unreachable('should throw');
    } catch (e: any) {
      assert.is(e.status, 429);
      assert.is(e.code, 'rate_limited');
      assert.is(e.details.retry_after, 55); // oldest hit (T0) leaves at T0 + 60 s
    }
    await assertUnderLimit(s, key, limit, T0 + W + 1, 'x'); // one slot free again
    await s.close();
  });
}

if (TEST_REDIS_URL) {
  test('redis: two processes share the counts', async () => {
    const a = createRedisRateLimitStore(TEST_REDIS_URL, { prefix });
    const b = createRedisRateLimitStore(TEST_REDIS_URL, { prefix });
    await a.hit('shared', W, T0);
    await b.hit('shared', W, T0 + 1);
    assert.is((await a.peek('shared', W, T0 + 2)).count, 2);
    assert.is((await b.peek('shared', W, T0 + 2)).count, 2);
    await a.close();
    await b.close();
  });
}

test('redis unreachable: falls back to in-process counting instead of failing', async () => {
  // Port 1 on localhost refuses connections immediately.
  const s = createRedisRateLimitStore('redis://127.0.0.1:1', { prefix });
  assert.is((await s.hit('down', W, T0)).count, 1);
  assert.is((await s.hit('down', W, T0 + 1)).count, 2);
  await s.close();
});

test('retryAfterSeconds is at least 1', () => {
  assert.is(retryAfterSeconds({ count: 5, oldest: T0 }, { max: 5, windowMs: 1000 }, T0 + 999), 1);
  assert.is(retryAfterSeconds({ count: 5, oldest: T0 }, { max: 5, windowMs: 1000 }, T0 + 5000), 1);
});

test('addressBucket: IPv4 whole, IPv4-mapped unwrapped, IPv6 by /64', () => {
  assert.is(addressBucket('203.0.113.7'), '203.0.113.7');
  assert.is(addressBucket('::ffff:203.0.113.7'), '203.0.113.7');
  assert.is(addressBucket('2001:db8:1:2:aaaa::1'), '2001:db8:1:2::/64');
  assert.is(addressBucket('2001:0db8:0001:0002:ffff:ffff:ffff:ffff'), '2001:db8:1:2::/64');
  assert.is(addressBucket('2001:db8::1'), '2001:db8:0:0::/64');
  assert.is(addressBucket('fe80::1%eth0'), 'fe80:0:0:0::/64');
  assert.is(addressBucket('::1'), '0:0:0:0::/64');
  assert.is(addressBucket(''), 'unknown');
  assert.is(addressBucket('not:an:address'), 'not:an:address');
});

test.run();
