import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { durableDir } from './durable-dir.ts';
import { openPglite } from './pglite.ts';

// The embedded database's flush, on a real PGlite data directory: which files it syncs, and
// (under strace, when installed) that it is fdatasync/fsync system calls and no subprocess.
const root = mkdtempSync(join(tmpdir(), 'rustchat-durable-'));
const dir = join(root, 'pg');
const hasStrace = spawnSync('strace', ['-V']).status === 0;

test.after(() => rmSync(root, { recursive: true, force: true }));

test('the first flush covers the whole tree, then only what PGlite wrote', async () => {
  const db = await openPglite({ dataDir: dir, flushIntervalMs: 60_000 });
  const { PGlite } = await import('@electric-sql/pglite');
  await db.close();
  const pg = await PGlite.create({ dataDir: dir });
  try {
    const d = durableDir(dir, (pg as unknown as { Module: unknown }).Module);
    assert.ok(d.tracked, "PGlite's NODEFS is hooked");
    const all = await d.flush();
    assert.ok(all.length > 100, `whole tree at first (${all.length} paths)`);
    assert.ok(all.some((p) => p.endsWith('global/pg_control')));
    assert.equal(await d.flush(), [], 'nothing written, nothing synced');

    await pg.exec('create table t (id int primary key, note text)');
    await pg.query('insert into t values (1, $1)', ['x']);
    const some = (await d.flush()).map((p) => relative(dir, p));
    assert.ok(some.length > 0 && some.length < all.length / 4, `only the written files: ${some.join(', ')}`);
    assert.ok(some.some((p) => p.startsWith('pg_wal/')), 'the WAL segment that holds the commit');
    assert.ok(some.some((p) => p === 'base/1' || p.startsWith('base/')), 'the directory that got the new table file');
  } finally {
    await pg.close();
  }
});

test('without a NODEFS to hook, every flush covers the whole tree', async () => {
  const d = durableDir(dir, {});
  assert.not.ok(d.tracked);
  const a = await d.flush();
  const b = await d.flush();
  assert.ok(a.length > 100);
  assert.is(b.length, a.length);
});

test('a flush that fails is redone whole by the next one', async () => {
  const d = durableDir(join(root, 'missing'), {});
  try {
    await d.flush();
    assert.unreachable('a missing directory cannot be synced');
  } catch (e) {
    assert.match(String(e), /ENOENT/);
  }
});

test('a commit is flushed by fdatasync/fsync system calls, with no subprocess', () => {
  if (!hasStrace) return console.log('[skip] strace is not installed (apt-get install strace): system calls not checked');
  const script = `
    import { openPglite } from ${JSON.stringify(new URL('./pglite.ts', import.meta.url).pathname)};
    const db = await openPglite({ dataDir: ${JSON.stringify(dir)}, flushIntervalMs: 0 });
    await db.query('insert into t values (2, $1)', ['flushed at commit']);
    process.stdout.write('MARK\\n');
    await db.query('insert into t values (3, $1)', ['again']);
    await db.close();`;
  const log = join(root, 'strace.log');
  // -ff: one log per thread, so a call made on a libuv worker is never split into
  // "<unfinished ...>" / "<... resumed>" lines by another thread's call.
  const r = spawnSync('strace', ['-f', '-ff', '-qq', '-e', 'trace=fdatasync,fsync,syncfs,execve', '-o', log, process.execPath, '--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 120_000 });
  assert.is(r.status, 0, r.stderr);
  const calls = readdirSync(root)
    .filter((f) => f.startsWith('strace.log.'))
    .flatMap((f) => readFileSync(join(root, f), 'utf8').split('\n'));
  const execs = calls.filter((l) => l.includes('execve(') && !l.includes(process.execPath));
  assert.equal(execs, [], 'no program run besides node itself');
  assert.ok(calls.some((l) => /fdatasync\(\d+\)\s+= 0/.test(l)), 'fdatasync on written files');
  assert.ok(calls.some((l) => /fsync\(\d+\)\s+= 0/.test(l)), 'fsync on changed directories');
  assert.not.ok(calls.some((l) => l.includes('syncfs(')), 'no filesystem-wide sync');
});

test.run();
