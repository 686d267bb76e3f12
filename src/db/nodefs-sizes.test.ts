import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { fstatSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cacheNodefsSizes } from './nodefs-sizes.ts';

// PostgreSQL on a real data directory, with the sizes kept in memory, through every way a
// relation's files grow and shrink. Each SEEK_END answer is compared with the kernel's size of the
// same descriptor: one wrong answer and PostgreSQL would read past a file's end or write a page
// over another.
const root = mkdtempSync(join(tmpdir(), 'rustchat-nodefs-sizes-'));
test.after(() => rmSync(root, { recursive: true, force: true }));

interface Hooked {
  Module: { NODEFS: { stream_ops: Record<string, (...a: never[]) => unknown> } };
}

/** PGlite with the size cache, and every SEEK_END it answers checked against fstat. */
async function open(dir: string) {
  const { PGlite } = await import('@electric-sql/pglite');
  const pg = await PGlite.create({ dataDir: dir });
  const mod = (pg as unknown as Hooked).Module;
  assert.ok(cacheNodefsSizes(mod), 'hooked');
  const s = mod.NODEFS.stream_ops as Record<string, (...a: unknown[]) => unknown>;
  const cached = s.llseek!;
  const seen = { seekEnd: 0, wrong: [] as string[] };
  s.llseek = function (this: unknown, stream: unknown, offset: unknown, whence: unknown) {
    const at = cached.call(this, stream, offset, whence);
    const st = stream as { nfd: number; path: string; node: { mode: number } };
    if (whence === 2 && (st.node.mode & 0o170000) === 0o100000) {
      seen.seekEnd++;
      const real = fstatSync(st.nfd).size + (offset as number);
      if (at !== real) seen.wrong.push(`${st.path}: ${String(at)} instead of ${real}`);
    }
    return at;
  };
  return { pg, seen };
}

test('sizes kept in memory equal the files through growth, truncation, rewrites and WAL switches', async () => {
  const dir = join(root, 'pg');
  const { pg, seen } = await open(dir);
  try {
    await pg.exec(`create table t (id int primary key, note text not null);
      create index t_note on t (note);`);
    // Growth: many pages of heap and index, relation extension one page and many at a time.
    await pg.exec(`insert into t select g, repeat(md5(g::text), 8) from generate_series(1, 20000) g`);
    for (let i = 0; i < 200; i++) await pg.query('insert into t values ($1, $2)', [100_000 + i, `row ${i}`]);
    // Shrinking in place: VACUUM truncates the empty pages at the end of the heap (ftruncate).
    await pg.exec(`delete from t where id > 5000`);
    await pg.exec(`vacuum t`);
    await pg.exec(`insert into t select g, 'again' from generate_series(5001, 9000) g`);
    // New files for the same relation (TRUNCATE, VACUUM FULL), a dropped one, a temp one.
    await pg.exec(`vacuum full t`);
    await pg.exec(`truncate t; insert into t select g, 'after truncate' from generate_series(1, 3000) g`);
    await pg.exec(`create table gone as select * from t; drop table gone`);
    // WAL: past a 16 MB segment, and a forced switch and checkpoint.
    await pg.exec(`create table big as select g, repeat('x', 500) as pad from generate_series(1, 40000) g`);
    await pg.exec(`select pg_switch_wal()`);
    await pg.exec(`checkpoint`);
    await pg.exec(`insert into t select g, 'after checkpoint' from generate_series(3001, 4000) g`);
    assert.equal((await pg.query<{ n: number }>('select count(*)::int as n from t')).rows[0]!.n, 4000);
    assert.equal((await pg.query<{ n: number }>('select count(*)::int as n from big')).rows[0]!.n, 40000);
  } finally {
    await pg.close();
  }
  assert.ok(seen.seekEnd > 100, `SEEK_END asked ${seen.seekEnd} times`);
  assert.equal(seen.wrong, [], 'every size as the kernel has it');

  // And what was written is all there after a reopen (a new instance asks the kernel afresh).
  const again = await open(dir);
  try {
    const rows = await again.pg.query<{ n: number; s: number }>(`select count(*)::int as n, sum(id)::int as s from t`);
    assert.equal(rows.rows[0], { n: 4000, s: (4000 * 4001) / 2 });
    await again.pg.exec(`insert into t select g, 'reopened' from generate_series(4001, 5000) g`);
    await again.pg.exec(`vacuum t`);
    assert.equal(again.seen.wrong, []);
  } finally {
    await again.pg.close();
  }
});

test('SEEK_END is asked of the kernel once per open file, not once per scan', async () => {
  const { PGlite } = await import('@electric-sql/pglite');
  const count = async (hook: boolean) => {
    const dir = join(root, `count-${hook}`);
    const pg = await PGlite.create({ dataDir: dir });
    const mod = (pg as unknown as Hooked).Module;
    if (hook) cacheNodefsSizes(mod);
    // NODEFS calls node:fs's fstatSync through the module object: counted there.
    let stats = 0;
    const { createRequire } = await import('node:module');
    const fs = createRequire(import.meta.url)('node:fs') as { fstatSync: (...a: unknown[]) => unknown };
    const fstat = fs.fstatSync;
    await pg.exec('create table small (id int); insert into small values (1), (2)');
    fs.fstatSync = (...a: unknown[]) => (stats++, fstat(...a));
    try {
      for (let i = 0; i < 50; i++) await pg.query('select count(*) from small');
    } finally {
      fs.fstatSync = fstat;
      await pg.close();
    }
    return stats;
  };
  const plain = await count(false);
  const cached = await count(true);
  assert.ok(plain >= 50, `without the cache every scan stats the file (${plain})`);
  assert.ok(cached < 5, `with it, almost never (${cached})`);
});

test('a module without NODEFS is left alone', () => {
  assert.not.ok(cacheNodefsSizes({}));
  assert.not.ok(cacheNodefsSizes(undefined));
});

test.run();
