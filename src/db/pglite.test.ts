import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openPglite } from './pglite.ts';

// Embedded-driver guarantees that do not depend on the executable: commits reach the OS before
// the call returns (so they survive kill -9), the flush timer really flushes, and a first boot is
// atomic. One data directory is shared by the tests below to keep the suite fast.
const root = mkdtempSync(join(tmpdir(), 'rustchat-pglite-'));
const dir = join(root, 'pg');

test('a first boot interrupted by a crash is redone, not left half-written', async () => {
  // What a crash during initialisation leaves: the marker, and some files in the data dir.
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'PG_VERSION'), 'garbage from a crashed first boot');
  writeFileSync(`${dir}.initializing`, '12345\n');
  const db = await openPglite({ dataDir: dir, flushIntervalMs: 60_000 });
  await db.exec('create table durable (id int primary key, note text not null)');
  await db.close();
  assert.is(readFileSync(join(dir, 'PG_VERSION'), 'utf8').trim(), '18', 'initialised afresh');
  assert.not.ok(existsSync(`${dir}.initializing`), 'marker removed once initialised');
});

test('a committed row survives kill -9 of the process that wrote it', () => {
  // The child commits, prints, and SIGKILLs itself before any timer-driven flush can run
  // (interval 60 s), so only the commit path itself can have put the row in the OS.
  const script = `
    import { openPglite } from ${JSON.stringify(new URL('./pglite.ts', import.meta.url).pathname)};
    const db = await openPglite({ dataDir: ${JSON.stringify(dir)}, flushIntervalMs: 60000 });
    await db.query('insert into durable (id, note) values ($1, $2)', [1, 'before kill -9']);
    process.stdout.write('committed\\n');
    process.kill(process.pid, 'SIGKILL');`;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000 });
  assert.is(r.signal, 'SIGKILL', r.stderr);
  assert.match(r.stdout, /committed/);
});

test('after restart the row is there', async () => {
  const db = await openPglite({ dataDir: dir, flushIntervalMs: 60_000 });
  try {
    const rows = await db.query<{ note: string }>('select note from durable where id = 1');
    assert.equal(rows, [{ note: 'before kill -9' }]);
  } finally {
    await db.close();
  }
});

test('writes are flushed within the interval; flush() and interval 0 flush at once', async () => {
  const db = await openPglite({ dataDir: dir, flushIntervalMs: 200 });
  try {
    await db.query('insert into durable (id, note) values (2, $1)', ['timer']);
    assert.is(db.stats!().flushes_total, 0, 'not flushed synchronously with interval > 0');
    // Wait for the timer's flush (bounded poll: the timer is internal to the driver).
    const until = Date.now() + 10_000;
    while (db.stats!().flushes_total === 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    assert.is(db.stats!().flushes_total, 1);
    assert.is(db.stats!().unflushed_age_seconds, 0);
    await db.query('select 1'); // reads do not make the database dirty
    assert.is(db.stats!().unflushed_age_seconds, 0);
    await db.query('update durable set note = $1 where id = 2', ['flushed by hand']);
    assert.is(db.stats!().flushes_total, 1);
    await db.flush();
    assert.is(db.stats!().flushes_total, 2);
  } finally {
    await db.close();
  }
  const sync = await openPglite({ dataDir: dir, flushIntervalMs: 0 });
  try {
    await sync.transaction(async (tx) => {
      await tx.query('insert into durable (id, note) values (3, $1)', ['interval 0']);
    });
    const s = sync.stats!();
    assert.is(s.flushes_total, 1, 'the commit returned only after its flush');
    assert.is(s.unflushed_age_seconds, 0);
  } finally {
    await sync.close();
  }
});

test.after(() => rmSync(root, { recursive: true, force: true }));

test.run();
