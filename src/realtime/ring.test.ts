import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ReplayRing, RING_SIZE } from './ring.ts';
import type { Prepared } from './serializer.ts';
import { SharedFrame } from './frame.ts';

const p = (n: number): Prepared => new SharedFrame(`{"n":${n}`, n, false);
const seqs = (list: Prepared[] | null) => list && list.map((x) => x.at);

test('keeps the last RING_SIZE events across growth and wrap-around', () => {
  const r = new ReplayRing();
  assert.equal(r.since(1, 0), []);
  for (let s = 1; s <= 20; s++) r.push(s, p(s));
  assert.equal(seqs(r.since(1, 20)), Array.from({ length: 20 }, (_, i) => i + 1));
  assert.equal(seqs(r.since(15, 20)), [15, 16, 17, 18, 19, 20]);
  for (let s = 21; s <= 300; s++) r.push(s, p(s));
  assert.is(r.size, RING_SIZE);
  assert.equal(seqs(r.since(300 - RING_SIZE + 1, 300)), Array.from({ length: RING_SIZE }, (_, i) => 300 - RING_SIZE + 1 + i));
  assert.is(r.since(300 - RING_SIZE, 300), null, 'one too old: cannot resume');
  assert.equal(r.since(301, 300), [], 'nothing missed');
  assert.is(r.since(302, 300), null, 'from the future');
  assert.is(r.since(0, 300), null);
});

test.run();
