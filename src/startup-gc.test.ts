import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startIdleCollector } from './startup-gc.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Grows V8's heap by roughly `mb` MB with garbage (it stays allocated until a major GC). */
function burst(mb: number): void {
  let keep: unknown[] = [];
  for (let i = 0; i < mb * 16; i++) {
    keep.push(new Array(8192).fill(i)); // ~64 KB each
    if (keep.length > 64) keep = [];
  }
}

test('after a burst, an idle process gets one memory-reducing collection', async () => {
  const seen: { gc_ms: number; heap_before_mb: number; heap_after_mb: number }[] = [];
  const stop = startIdleCollector({ intervalMs: 50, growthBytes: 8 * 2 ** 20, minGapMs: 0, onCollect: (i) => seen.push(i) });
  try {
    burst(64);
    for (let i = 0; i < 40 && !seen.length; i++) await sleep(50);
    assert.is(seen.length, 1, 'collected once the loop went idle');
    // The "last-resort" flavour (which also shrinks the young generation) is V8's of Node 22+,
    // the executable's Node; older Nodes ignore it.
    if (Number(process.versions.node.split('.')[0]) >= 22) assert.ok(seen[0].heap_after_mb < seen[0].heap_before_mb, JSON.stringify(seen[0]));
    await sleep(300);
    assert.is(seen.length, 1, 'no further collection without new growth');
  } finally {
    stop();
  }
});

test('a busy event loop is never interrupted by it', async () => {
  const seen: unknown[] = [];
  const stop = startIdleCollector({ intervalMs: 50, growthBytes: 8 * 2 ** 20, minGapMs: 0, onCollect: (i) => seen.push(i) });
  try {
    const until = Date.now() + 800;
    while (Date.now() < until) {
      burst(4); // allocating and busy: utilisation near 1
      await new Promise((r) => setImmediate(r));
    }
    assert.is(seen.length, 0);
  } finally {
    stop();
  }
});

test.run();
