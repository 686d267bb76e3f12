import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import postgres from 'postgres';
import type { Db } from '../src/db/driver.ts';
import { openPglite } from '../src/db/pglite.ts';
import { openPostgres } from '../src/db/postgres.ts';
import { bundledMigrations, migrate } from '../src/db/migrate.ts';

export const TEST_PG_URL = process.env.RUSTCHAT_TEST_DATABASE_URL || '';
export const TEST_REDIS_URL = process.env.RUSTCHAT_TEST_REDIS_URL || '';
const root = new URL('..', import.meta.url).pathname;
const cacheDir = join(root, 'node_modules', '.cache', 'rustchat-test');

const pgliteVersion = JSON.parse(readFileSync(join(root, 'node_modules', '@electric-sql', 'pglite', 'package.json'), 'utf8')).version as string;

/**
 * A PGlite template (migrated, or just initdb'ed), made once per PGlite version and set of
 * migrations and reused by every test file (initdb + migrations take seconds; loading the
 * tarball takes a fraction of that).
 */
async function pgliteTemplate(migrated: boolean): Promise<Blob> {
  const key = JSON.stringify([pgliteVersion, migrated ? bundledMigrations() : []]);
  const hash = createHash('sha256').update(key).digest('hex').slice(0, 16);
  const file = join(cacheDir, `template-${migrated ? '' : 'empty-'}${hash}.tar.gz`);
  if (!existsSync(file)) {
    const db = await openPglite();
    if (migrated) await migrate(db);
    const blob = await db.dump();
    await db.close();
    mkdirSync(cacheDir, { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, Buffer.from(await blob.arrayBuffer()));
    renameSync(tmp, file); // atomic: parallel test files may race to make it
  }
  return new Blob([readFileSync(file)]);
}

export interface TestDb {
  db: Db;
  /** For PostgreSQL: the URL of this test's own database (process tests pass it to servers). */
  url?: string;
  close(): Promise<void>;
}

/**
 * A fresh, migrated database for one test file: in-memory PGlite by default, or a new database
 * on the server at RUSTCHAT_TEST_DATABASE_URL (dropped on close).
 */
export async function testDb(opts: { migrated?: boolean } = {}): Promise<TestDb> {
  const migrated = opts.migrated ?? true;
  if (!TEST_PG_URL) {
    const db = await openPglite({ template: await pgliteTemplate(migrated) });
    return { db, close: () => db.close() };
  }
  const name = `rc_test_${randomBytes(6).toString('hex')}`;
  const admin = postgres(TEST_PG_URL, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  const url = new URL(TEST_PG_URL);
  url.pathname = `/${name}`;
  const db = await openPostgres(url.toString(), { poolSize: 20 });
  if (migrated) await migrate(db);
  return {
    db,
    url: url.toString(),
    async close() {
      await db.close();
      await admin.unsafe(`drop database if exists ${name} with (force)`).catch(() => {});
      await admin.end({ timeout: 5 });
    },
  };
}

/** A fresh empty PostgreSQL database URL (for process tests), or undefined without a server. */
export async function createPgDatabase(): Promise<{ url: string; drop(): Promise<void> } | undefined> {
  if (!TEST_PG_URL) return undefined;
  const name = `rc_test_${randomBytes(6).toString('hex')}`;
  const admin = postgres(TEST_PG_URL, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  const url = new URL(TEST_PG_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      await admin.unsafe(`drop database if exists ${name} with (force)`).catch(() => {});
      await admin.end({ timeout: 5 });
    },
  };
}
