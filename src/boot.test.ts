import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { testApp } from '../test/app.ts';
import { fxUser } from '../test/fixtures.ts';
import { newId } from './ids.ts';
import { startEmbeddedVacuum } from './boot.ts';

test('startEmbeddedVacuum: embedded mode vacuums the churn of a real table (sessions) after start; PostgreSQL keeps its autovacuum; services.close() stops it', async () => {
  const t = await testApp();
  let closed = false;
  try {
    const u = await fxUser(t.deps);
    const now = t.deps.now();
    await t.deps.db.query(
      `insert into sessions (id, user_id, create_at, expires_at, last_activity_at) select 's' || g || $2, $1, $3, $3, $3 from generate_series(1, 20000) g`,
      [u.id, newId(), now],
    );
    await t.deps.db.query(`delete from sessions where user_id = $1 and id <> $2`, [u.id, u.sessionId]);
    startEmbeddedVacuum(t.deps, { firstAfterMs: 50 });
    if (t.deps.db.kind === 'postgres') {
      assert.is(t.deps.services.vacuum, undefined, 'PostgreSQL relies on its own autovacuum');
      return;
    }
    const job = t.deps.services.vacuum;
    assert.ok(job, 'started in embedded mode');
    const dead = async () => {
      await t.deps.db.query('select pg_stat_force_next_flush()');
      return Number((await t.deps.db.query<{ n: number }>(`select n_dead_tup::int8 as n from pg_stat_user_tables where relname = 'sessions'`))[0]!.n);
    };
    // The first run (every table, smallest first) starts 50 ms after start; wait until sessions is clean.
    let n = await dead();
    for (let i = 0; i < 200 && n > 0; i++) {
      await new Promise((r) => setTimeout(r, 50));
      n = await dead();
    }
    assert.is(n, 0, 'n_dead_tup of sessions after the first run');
    startEmbeddedVacuum(t.deps);
    assert.is(t.deps.services.vacuum, job, 'one job per process');

    // Shutdown order: services.close() stops the job (waiting for a table in progress) before the database closes.
    const run = job.runOnce({ all: true });
    await t.close();
    closed = true;
    await run;
    assert.is(t.deps.services.vacuum, undefined);
  } finally {
    if (!closed) await t.close();
  }
});

test('startEmbeddedVacuum: database.vacuum_interval_minutes = 0 turns it off', async () => {
  const t = await testApp({ config: { 'database.vacuum_interval_minutes': 0 } });
  try {
    startEmbeddedVacuum(t.deps);
    assert.is(t.deps.services.vacuum, undefined);
  } finally {
    await t.close();
  }
});

test.run();
