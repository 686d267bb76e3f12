import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { testDb } from '../../test/db.ts';
import { bundledMigrations, migrate, migrationStatus } from './migrate.ts';
import { openPostgres } from './postgres.ts';

test('applies every migration once and is idempotent', async () => {
  const t = await testDb({ migrated: false });
  try {
    const all = bundledMigrations().map((m) => m.version);
    assert.equal(await migrate(t.db), all);
    assert.equal(await migrate(t.db), []);
    const status = await migrationStatus(t.db);
    assert.ok(status.every((s) => s.applied_at !== null));
    const rows = await t.db.query<{ n: number }>('select count(*) as n from schema_migrations');
    assert.is(rows[0].n, all.length);
    assert.type(rows[0].n, 'number');
  } finally {
    await t.close();
  }
});

test('two concurrent migrators apply each file exactly once', async () => {
  const t = await testDb({ migrated: false });
  try {
    // A second connection (PostgreSQL) or the same serialised one (PGlite) racing the first.
    const other = t.url ? await openPostgres(t.url) : t.db;
    const [a, b] = await Promise.all([migrate(t.db), migrate(other)]);
    assert.equal([...a, ...b].sort((x, y) => x - y), bundledMigrations().map((m) => m.version));
    if (other !== t.db) await other.close();
    const rows = await t.db.query<{ version: number; n: number }>('select version, count(*) as n from schema_migrations group by version');
    assert.ok(rows.every((r) => r.n === 1));
  } finally {
    await t.close();
  }
});

test('pending migrations are listed as pending', async () => {
  const t = await testDb({ migrated: false });
  try {
    const status = await migrationStatus(t.db);
    assert.ok(status.length > 0 && status.every((s) => s.applied_at === null));
  } finally {
    await t.close();
  }
});

test.run();
