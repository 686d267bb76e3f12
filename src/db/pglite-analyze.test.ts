// Statistics upkeep of the embedded database (PGlite runs no autovacuum): which tables count as
// out of date, that they get analyzed once the connection is idle (and the planner then uses the
// index), and never while statements keep coming.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { openPglite, staleTables } from './pglite.ts';

test('staleTables: never analyzed but not empty, or 10 % / 8 pages away from the analyzed size; smallest first', () => {
  const t = (name: string, analyzed: number, reltuples: number, pages: number) => ({ name, analyzed, reltuples, pages });
  assert.equal(
    staleTables([t('empty', 0, -1, 0), t('fresh', 0, -1, 3), t('same', 100, 5000, 105), t('grown', 100, 5000, 111), t('tiny', 1, 10, 8), t('tiny2', 1, 10, 10), t('shrunk', 1000, 1e5, 850)]),
    [
      { name: 'fresh', pages: 3 },
      { name: 'tiny2', pages: 10 },
      { name: 'grown', pages: 111 },
      { name: 'shrunk', pages: 850 },
    ],
  );
});

test('a table filled after start is analyzed once idle, and the planner then walks the index', async () => {
  const analyzed: string[] = [];
  const db = await openPglite({ autoAnalyze: { everyMs: 300, idleMs: 600, onAnalyze: (table) => analyzed.push(table) } });
  try {
    await db.exec(`create table items (id int primary key, grp int not null, seq int not null); create index items_grp_seq on items (grp, seq)`);
    await db.exec(`insert into items select g, g % 3, g from generate_series(1, 60000) g`);
    // Busy: a statement every 20 ms for 2.5 s never leaves 600 ms of quiet.
    const until = performance.now() + 2500;
    while (performance.now() < until) {
      await db.query('select count(*) from items where id = $1', [1]);
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.equal(analyzed, [], 'nothing analyzed while statements kept coming');
    for (let i = 0; i < 100 && !analyzed.includes('items'); i++) await new Promise((r) => setTimeout(r, 100));
    assert.ok(analyzed.includes('items'), `analyzed: ${analyzed.join(', ')}`);
    const [c] = await db.query<{ reltuples: number }>(`select reltuples from pg_class where relname = 'items'`);
    assert.ok(c!.reltuples > 50000, `reltuples ${c!.reltuples}`);
    const plan = (await db.query<{ 'QUERY PLAN': string }>(`explain select * from items where grp = 1 and seq < 30000 order by seq desc limit 60`)).map((r) => r['QUERY PLAN']).join('\n');
    assert.match(plan, /Index Scan Backward using items_grp_seq/);
    // Nothing written since: the next looks analyze nothing again.
    const n = analyzed.length;
    await new Promise((r) => setTimeout(r, 1500));
    assert.is(analyzed.length, n);
  } finally {
    await db.close();
  }
});

test('a large table is analyzed a few columns per statement, and completely', async () => {
  const analyzed: string[] = [];
  const db = await openPglite({ autoAnalyze: { everyMs: 200, idleMs: 300, splitPages: 10, onAnalyze: (table) => analyzed.push(table) } });
  try {
    await db.exec(`create table wide (a int, b int, c int, d int, e int, f text, g text)`);
    await db.exec(`insert into wide select g, g, g, g, g, 'x' || g, 'y' || g from generate_series(1, 20000) g`);
    for (let i = 0; i < 100 && analyzed.filter((t) => t.startsWith('wide')).length < 2; i++) await new Promise((r) => setTimeout(r, 100));
    assert.equal(
      analyzed.filter((t) => t.startsWith('wide')),
      ['wide (a, b, c, d)', 'wide (e, f, g)'],
    );
    const cols = await db.query<{ attname: string }>(`select attname from pg_stats where tablename = 'wide' order by attname`);
    assert.equal(cols.map((c) => c.attname), ['a', 'b', 'c', 'd', 'e', 'f', 'g'], 'every column has statistics');
  } finally {
    await db.close();
  }
});

test.run();
