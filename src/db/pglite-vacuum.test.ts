// VACUUM upkeep of the embedded database (PGlite has no autovacuum): dead rows left by deletes
// and updates are reclaimed by the job, one table per step; the first run takes every table
// (PGlite forgets its statistics when closed), later runs the tables over autovacuum's threshold.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { openPglite } from './pglite.ts';
import { startVacuum, tablesOverThreshold } from './pglite-vacuum.ts';
import type { Db } from './driver.ts';

async function deadRows(db: Db, table: string): Promise<number> {
  await db.query('select pg_stat_force_next_flush()');
  const [r] = await db.query<{ dead: number }>('select n_dead_tup::int8 as dead from pg_stat_user_tables where relname = $1', [table]);
  return Number(r?.dead ?? 0);
}
const pages = async (db: Db, table: string) => Number((await db.query<{ n: number }>(`select (pg_relation_size($1) / 8192)::int8 as n`, [table]))[0]!.n);

test('tablesOverThreshold: autovacuum\'s rule, 50 + 20 % of the live rows; most dead rows first', () => {
  assert.equal(
    tablesOverThreshold([
      { name: 'quiet', dead: 50, live: 0 },
      { name: 'emptied', dead: 51, live: 0 },
      { name: 'big', dead: 20_000, live: 100_000 },
      { name: 'churn', dead: 20_051, live: 100_000 },
      { name: 'outbox', dead: 300, live: 10 },
    ]),
    [
      { name: 'churn', dead: 20_051 },
      { name: 'outbox', dead: 300 },
      { name: 'emptied', dead: 51 },
    ],
  );
});

test('the job reclaims dead rows: n_dead_tup drops to 0 and the emptied file is truncated; first run every table, then only those over the threshold', async () => {
  const db = await openPglite();
  const vacuumed: string[] = [];
  const job = startVacuum(db, { everyMs: 3_600_000, firstAfterMs: 100, onVacuum: (table) => vacuumed.push(table) });
  try {
    await db.exec(`create table churn (id int primary key, body text not null, at bigint not null); create index churn_at on churn (at)`);
    await db.exec(`create table steady (id int primary key, v int not null)`);
    await db.exec(`insert into steady select g, g from generate_series(1, 1000) g`);
    await db.exec(`insert into churn select g, repeat('x', 100), g from generate_series(1, 30000) g`);
    await db.exec(`delete from churn`);
    await db.exec(`update steady set v = v + 1 where id <= 10`); // 10 dead of 1000: under the threshold
    assert.is(await deadRows(db, 'churn'), 30_000);
    const before = await pages(db, 'churn');
    assert.ok(before > 100, `${before} pages`);

    // The scheduled first run (100 ms after start) takes every table.
    for (let i = 0; i < 100 && !(vacuumed.includes('churn') && vacuumed.includes('steady')); i++) await new Promise((r) => setTimeout(r, 50));
    assert.ok(vacuumed.includes('churn') && vacuumed.includes('steady'), `vacuumed: ${vacuumed.join(', ')}`);
    assert.is(await deadRows(db, 'churn'), 0);
    assert.is(await deadRows(db, 'steady'), 0);
    assert.is(await pages(db, 'churn'), 0, 'the empty pages at the end of the file are given back');

    // Later runs: only tables over the threshold.
    await db.exec(`insert into churn select g, 'y', g from generate_series(1, 5000) g`);
    await db.exec(`delete from churn where id % 2 = 0`);
    await db.exec(`update steady set v = v + 1 where id <= 10`);
    assert.is(await deadRows(db, 'churn'), 2_500);
    const run = await job.runOnce();
    assert.equal(run.map((r) => [r.table, r.dead]), [['churn', 2_500]]);
    assert.ok(run[0]!.ms >= 0);
    assert.is(await deadRows(db, 'churn'), 0);
    assert.is(await deadRows(db, 'steady'), 10, 'a table under the threshold is left for later');
  } finally {
    await job.stop();
    await db.close();
  }
});

test('stop waits for the VACUUM in progress and ends the run; nothing runs after it', async () => {
  const db = await openPglite();
  const vacuumed: string[] = [];
  const job = startVacuum(db, { everyMs: 50, firstAfterMs: 3_600_000, onVacuum: (table) => vacuumed.push(table) });
  try {
    for (const n of ['a', 'b', 'c']) await db.exec(`create table ${n} (id int primary key); insert into ${n} select generate_series(1, 20000); delete from ${n}`);
    const run = job.runOnce({ all: true });
    await job.stop();
    const done = await run;
    assert.ok(done.length < 3, `stopped after the table in progress: ${done.map((d) => d.table).join(', ')}`);
    const n = vacuumed.length;
    assert.equal(await job.runOnce(), []);
    await new Promise((r) => setTimeout(r, 200));
    assert.is(vacuumed.length, n, 'no scheduled run after stop');
  } finally {
    await db.close();
  }
});

test.run();
