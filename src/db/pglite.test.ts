import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openPglite, PGLITE_MEMORY_SETTINGS } from './pglite.ts';

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

const memorySettings = async (db: Awaited<ReturnType<typeof openPglite>>) => {
  const rows = await db.query<{ name: string; setting: string; source: string }>(
    `select name, current_setting(name) as setting, source from pg_settings where name = any($1::text[]) order by name`,
    [Object.keys(PGLITE_MEMORY_SETTINGS)],
  );
  return Object.fromEntries(rows.map((r) => [r.name, r.setting]));
};
const expected = Object.fromEntries(Object.entries(PGLITE_MEMORY_SETTINGS).sort());

test('memory settings apply to a new data directory, an existing one that says otherwise, and in memory', async () => {
  assert.is(PGLITE_MEMORY_SETTINGS.shared_buffers, '16MB');
  const fresh = join(root, 'settings-new');
  let db = await openPglite({ dataDir: fresh, flushIntervalMs: 60_000 });
  try {
    assert.equal(await memorySettings(db), expected, 'new data directory');
    // What a data directory made by an older version (or edited by an admin) may hold: PostgreSQL's
    // defaults in postgresql.conf and an ALTER SYSTEM on top. The command line wins over both.
    await db.exec(`alter system set shared_buffers = '128MB'`);
    await db.exec(`alter system set work_mem = '64MB'`);
  } finally {
    await db.close();
  }
  writeFileSync(join(fresh, 'postgresql.conf'), `${readFileSync(join(fresh, 'postgresql.conf'), 'utf8')}\nshared_buffers = 128MB\nmaintenance_work_mem = 64MB\ntemp_buffers = 8MB\n`);
  assert.match(readFileSync(join(fresh, 'postgresql.auto.conf'), 'utf8'), /shared_buffers = '128MB'/);
  db = await openPglite({ dataDir: fresh, flushIntervalMs: 60_000 });
  try {
    assert.equal(await memorySettings(db), expected, 'existing data directory');
  } finally {
    await db.close();
  }
  const mem = await openPglite();
  try {
    assert.equal(await memorySettings(mem), expected, 'in memory');
  } finally {
    await mem.close();
  }
});

test('prepared statements: beyond the cache size, after a column change, and after errors', async () => {
  const db = await openPglite();
  try {
    // More distinct texts than are kept prepared (256): the oldest are closed, all still answer.
    for (let i = 0; i < 300; i++) {
      const [row] = await db.query(`select $1::int + ${i} as n`, [1]);
      assert.is(row.n, i + 1);
    }
    assert.is((await db.query('select $1::int + 0 as n', [41]))[0].n, 41, 'an evicted text is prepared again');
    // A cached plan whose result columns changed ("cached plan must not change result type") is
    // prepared again instead of failing.
    await db.exec('create table widen (a int)');
    await db.query('insert into widen (a) values ($1)', [1]);
    assert.equal(await db.query('select * from widen'), [{ a: 1 }]);
    await db.exec('alter table widen add column b text');
    assert.equal(await db.query('select * from widen'), [{ a: 1, b: null }]);
    // Errors keep PostgreSQL's code, and the connection is usable afterwards, in and out of a
    // transaction; parameters keep their types (jsonb, arrays, int8 as number).
    await db.exec('create table uniq (id text primary key, doc jsonb, tags text[], big int8)');
    await db.query('insert into uniq (id, doc, tags, big) values ($1, $2, $3, $4)', ['x', { a: [1, 2] }, ['p', 'q'], 2 ** 40]);
    const dup = await db.query('insert into uniq (id) values ($1)', ['x']).catch((e) => e);
    assert.is(dup.code, '23505');
    const inTx = await db
      .transaction(async (tx) => {
        await tx.query('insert into uniq (id) values ($1)', ['y']);
        await tx.query('insert into uniq (id) values ($1)', ['x']);
      })
      .catch((e) => e);
    assert.is(inTx.code, '23505');
    assert.equal(await db.query('select id, doc, tags, big from uniq order by id'), [{ id: 'x', doc: { a: [1, 2] }, tags: ['p', 'q'], big: 2 ** 40 }], 'the failed transaction left nothing');
  } finally {
    await db.close();
  }
});

test('batch: one pipeline, one call into the WebAssembly module; rows, errors and column changes', async () => {
  // Counts the calls into the backend (PGlite's internal entry point that every statement takes;
  // the driver binds it when it opens, so the count is installed first).
  const { PGlite } = await import('@electric-sql/pglite');
  const proto = PGlite.prototype as any;
  const raw = proto.execProtocolRawSync;
  let calls = 0;
  proto.execProtocolRawSync = function (this: unknown, m: Uint8Array) {
    calls++;
    return raw.call(this, m);
  };
  const db = await openPglite();
  try {
    await db.exec('create table pipe (id int primary key, doc jsonb, big int8, ok bool, note text)');
    const batch = () =>
      db.batch([
        { text: 'insert into pipe (id, doc, big, ok, note) values ($1, $2::text::jsonb, $3, $4, $5) returning id, doc, big, ok, note', params: [1, '{"a":[1,2]}', 2 ** 40, true, null] },
        { text: 'insert into pipe (id) values ($1)', params: [2] },
        { text: 'select id from pipe where id > $1 order by id', params: [0] },
        { text: 'select count(*)::int8 as n from pipe where id = $1', params: [99] },
      ]);
    const first = await batch(); // prepares the four texts first
    assert.equal(first, [[{ id: 1, doc: { a: [1, 2] }, big: 2 ** 40, ok: true, note: null }], [], [{ id: 1 }, { id: 2 }], [{ n: 0 }]]);
    await db.exec('delete from pipe');
    calls = 0;
    assert.equal(await batch(), first, 'the same rows once prepared');
    assert.is(calls, 1, 'the whole batch, commit included, in one call');
    // The same rows as query() gives for the same text.
    assert.equal(await db.query('select id, doc, big, ok, note from pipe where id = $1', [1]), [first[0][0]]);

    // An error in the middle: the statements before it are rolled back, the ones after it never
    // run, its own error is thrown; the connection works afterwards.
    const e = await db
      .batch([
        { text: 'insert into pipe (id) values ($1)', params: [3] },
        { text: 'insert into pipe (id) values ($1)', params: [1] },
        { text: 'insert into pipe (id) values ($1)', params: [4] },
      ])
      .catch((err) => err);
    assert.is(e.code, '23505');
    assert.equal(await db.query('select id from pipe order by id'), [{ id: 1 }, { id: 2 }], 'nothing of the failed batch');
    // A statement that does not parse (never prepared) fails the batch before anything runs.
    const bad = await db.batch([{ text: 'insert into pipe (id) values ($1)', params: [5] }, { text: 'selec nothing' }]).catch((err) => err);
    assert.is(bad.code, '42601');
    assert.equal(await db.query('select id from pipe order by id'), [{ id: 1 }, { id: 2 }]);
    // An explicit transaction and a plain query still work after failed pipelines.
    await db.transaction(async (tx) => {
      await tx.query('insert into pipe (id) values ($1)', [6]);
    });
    assert.equal(await db.query('select id from pipe order by id'), [{ id: 1 }, { id: 2 }, { id: 6 }]);

    // The columns of a prepared statement changed: the batch is prepared again and runs once more.
    await db.exec('alter table pipe add column extra text');
    const [[row], [n]] = await db.batch([
      { text: 'select * from pipe where id = $1', params: [1] },
      { text: 'select count(*)::int8 as n from pipe where id = $1', params: [1] },
    ]);
    assert.is(n.n, 1);
    assert.equal(Object.keys(row), ['id', 'doc', 'big', 'ok', 'note', 'extra']);
    await db.exec('alter table pipe drop column extra');
    const [[again]] = await db.batch([{ text: 'select * from pipe where id = $1', params: [1] }]);
    assert.equal(Object.keys(again), ['id', 'doc', 'big', 'ok', 'note'], 'prepared again after the column change');
    assert.is(db.stats!().transactions_in_flight, 0);
    assert.is(db.stats!().queries_in_flight, 0);
  } finally {
    proto.execProtocolRawSync = raw;
    await db.close();
  }
});

test.run();
