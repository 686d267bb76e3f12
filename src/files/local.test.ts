import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readdirSync, rmSync, statfsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { openLocalStorage } from './local.ts';
import { StorageError } from './storage.ts';

const dir = mkdtempSync(join(tmpdir(), 'rustchat-local-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

const free = () => {
  const st = statfsSync(dir);
  return st.bavail * st.bsize;
};

test('an upload that would leave less than the reserve free is refused as full, and leaves nothing behind', async () => {
  // A reserve just above what is free now: refused before anything is written.
  const s = await openLocalStorage(join(dir, 'a'), { minFreeBytes: free() + 1024 ** 3 });
  const err = await s.putStream('x/one', Readable.from([Buffer.from('hello')])).catch((e) => e);
  assert.instance(err, StorageError);
  assert.is(err.kind, 'full');
  assert.is(await s.head('x/one'), null);
  assert.equal(readdirSync(join(dir, 'a', '.tmp')), []);
  assert.is(await s.check(), 'full', 'readiness says full');
});

test('with room above the reserve, uploads work and check() is ok', async () => {
  const s = await openLocalStorage(join(dir, 'b'), { minFreeBytes: 1024 * 1024 });
  assert.equal(await s.putStream('x/two', Readable.from([Buffer.alloc(3 * 1024 * 1024, 7)])), { size: 3 * 1024 * 1024 });
  assert.is(await s.check(), undefined);
});

test('an upload crossing the reserve while it streams is stopped and removed', async () => {
  // The reserve sits 2 MiB below what is free: a 32 MiB upload crosses it part-way (with room for other writers on a shared disk).
  const s = await openLocalStorage(join(dir, 'c'), { minFreeBytes: free() - 2 * 1024 * 1024 });
  const chunks = function* () {
    for (let i = 0; i < 32; i++) yield Buffer.alloc(1024 * 1024, i);
  };
  const err = await s.putStream('x/three', Readable.from(chunks())).catch((e) => e);
  assert.instance(err, StorageError, String(err));
  assert.is(err.kind, 'full');
  assert.is(await s.head('x/three'), null);
  assert.equal(readdirSync(join(dir, 'c', '.tmp')), []);
});

test.run();
