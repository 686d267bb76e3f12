import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Db } from './driver.ts';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

declare const __RUSTCHAT_MIGRATIONS__: Migration[] | undefined;

/** The migrations shipped with this build: embedded by build.mjs, read from src/db/migrations in development. */
export function bundledMigrations(): Migration[] {
  if (typeof __RUSTCHAT_MIGRATIONS__ !== 'undefined') return __RUSTCHAT_MIGRATIONS__;
  const dir = fileURLToPath(new URL('./migrations/', import.meta.url));
  return readMigrationsDir(dir);
}

export function readMigrationsDir(dir: string): Migration[] {
  const out: Migration[] = [];
  for (const file of readdirSync(dir).sort()) {
    const m = /^(\d{4})_([a-z0-9_]+)\.sql$/.exec(file);
    if (!m) continue;
    out.push({ version: Number(m[1]), name: m[2], sql: readFileSync(`${dir}/${file}`, 'utf8') });
  }
  for (let i = 0; i < out.length; i++) {
    if (out[i].version !== i + 1) throw new Error(`migration numbering gap at ${out[i].version}_${out[i].name}`);
  }
  return out;
}

// Any constant works; it only has to be the same in every RustChat process.
const MIGRATION_LOCK = 7218431;

export interface MigrationStatus {
  version: number;
  name: string;
  applied_at: number | null;
}

/**
 * Applies pending migrations, all in one transaction under a transaction-scoped advisory lock,
 * so two servers starting at once apply each file exactly once: the second waits for the first
 * to commit and then finds nothing left to do. Returns the versions it applied.
 */
export async function migrate(db: Db, migrations: Migration[] = bundledMigrations()): Promise<number[]> {
  return db.transaction(async (tx) => {
    await tx.query('select pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    // Created only when missing: a start with nothing to apply writes nothing (it works while the
    // disk is below the free-space reserve, which refuses writes).
    const [ledger] = await tx.query<{ name: string | null }>(`select to_regclass('schema_migrations')::text as name`);
    if (!ledger?.name) await tx.exec(`create table if not exists schema_migrations (
      version integer primary key,
      name text not null,
      applied_at bigint not null
    )`);
    const done = new Set((await tx.query<{ version: number }>('select version from schema_migrations')).map((r) => r.version));
    const applied: number[] = [];
    for (const m of migrations) {
      if (done.has(m.version)) continue;
      await tx.exec(m.sql);
      await tx.query('insert into schema_migrations (version, name, applied_at) values ($1, $2, $3)', [m.version, m.name, Date.now()]);
      applied.push(m.version);
    }
    return applied;
  });
}

/** Every known migration with when it was applied (null = pending), plus unknown versions found in the database. */
export async function migrationStatus(db: Db, migrations: Migration[] = bundledMigrations()): Promise<MigrationStatus[]> {
  const exists = await db.query<{ t: string | null }>(`select to_regclass('schema_migrations')::text as t`);
  const rows = exists[0]?.t
    ? await db.query<{ version: number; name: string; applied_at: number }>('select version, name, applied_at from schema_migrations order by version')
    : [];
  const byVersion = new Map(rows.map((r) => [r.version, r]));
  const out: MigrationStatus[] = migrations.map((m) => ({ version: m.version, name: m.name, applied_at: byVersion.get(m.version)?.applied_at ?? null }));
  for (const r of rows) if (!migrations.some((m) => m.version === r.version)) out.push({ version: r.version, name: r.name, applied_at: r.applied_at });
  return out.sort((a, b) => a.version - b.version);
}

/** Highest applied version, 0 for an empty database. */
export async function schemaVersion(db: Db): Promise<number> {
  const s = await migrationStatus(db);
  return s.filter((m) => m.applied_at !== null).reduce((v, m) => Math.max(v, m.version), 0);
}
