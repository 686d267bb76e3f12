import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createReadStream, createWriteStream, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createGzip } from 'node:zlib';
import * as tar from 'tar-stream';
import { testApp, type TestContext } from '../../test/app.ts';
import { createPgDatabase } from '../../test/db.ts';
import { fxUser, fxTeam, fxChannel, type FxUser } from '../../test/fixtures.ts';
import type { Db } from '../db/driver.ts';
import { openPglite } from '../db/pglite.ts';
import { openPostgres } from '../db/postgres.ts';
import { bundledMigrations } from '../db/migrate.ts';
import { withServices } from '../boot.ts';
import { createServer } from '../server.ts';
import { openLocalStorage } from '../files/local.ts';
import type { Storage } from '../files/storage.ts';
import { multipart, startS3rver } from '../../test/files.ts';
import { initTestCodecs, noise, pixels, png } from '../../test/images.ts';
import { openS3Storage } from '../files/s3.ts';
import { createBackup } from './create.ts';
import { restoreBackup, verifyArchive } from './restore.ts';
import { BackupFormatError } from './format.ts';
import { listBackups, pruneBackups } from './list.ts';

const dir = mkdtempSync(join(tmpdir(), 'rustchat-backup-test-'));
let ctx: TestContext;
let alice: FxUser, bob: FxUser;
let channelId: string, teamId: string;
let rootId: string;
const fileIds: string[] = [];
const fileBytes: Buffer[] = [];
let archive: string;

test.before(async () => {
  ctx = await testApp({ config: { 'server.data_dir': dir } });
  ctx.deps.storage = await openLocalStorage(join(dir, 'src-files'));
  alice = await fxUser(ctx.deps);
  bob = await fxUser(ctx.deps);
  teamId = (await fxTeam(ctx.deps, alice, { members: [bob] })).id;
  channelId = (await fxChannel(ctx.deps, teamId, alice, { members: [bob] })).id;

  // Files (a real image: its thumbnail and preview are objects too), a post carrying them, a
  // thread, reactions — through the API.
  await initTestCodecs();
  const rnd = noise(2);
  fileBytes.push(await png(pixels(320, 200, () => [rnd() * 255, rnd() * 255, 90, 255])), randomBytes(50_000), Buffer.from('plain text\n'));
  const { body, contentType } = multipart([
    { name: 'channel_id', value: channelId },
    { name: 'files', filename: 'a.png', type: 'image/png', data: fileBytes[0] },
    { name: 'files', filename: 'b.bin', data: fileBytes[1] },
    { name: 'files', filename: 'c.txt', type: 'text/plain', data: fileBytes[2] },
  ]);
  const up = await ctx.req('POST', '/api/v1/files', { token: alice.token, raw: new Uint8Array(body), headers: { 'content-type': contentType } });
  assert.is(up.status, 201, JSON.stringify(up.body));
  for (const f of up.body.items) fileIds.push(f.id);
  const root = await ctx.req('POST', `/api/v1/channels/${channelId}/posts`, { token: alice.token, body: { message: 'hello with files "quoted" ünïcödé', file_ids: fileIds } });
  assert.is(root.status, 201, JSON.stringify(root.body));
  rootId = root.body.id;
  for (let i = 0; i < 5; i++) {
    const r = await ctx.req('POST', `/api/v1/channels/${channelId}/posts`, { token: i % 2 ? alice.token : bob.token, body: { message: `reply ${i}\nline two`, root_id: rootId } });
    assert.is(r.status, 201);
  }
  for (let i = 0; i < 30; i++) await ctx.req('POST', `/api/v1/channels/${channelId}/posts`, { token: bob.token, body: { message: `message ${i} #tag` } });
  assert.is((await ctx.req('POST', `/api/v1/posts/${rootId}/reactions`, { token: bob.token, body: { emoji_name: 'thumbsup' } })).status < 300, true);
  assert.is((await ctx.req('POST', `/api/v1/posts/${rootId}/reactions`, { token: alice.token, body: { emoji_name: 'smile' } })).status < 300, true);

  archive = join(dir, 'rustchat-backup-20260101T000000Z.tar.gz');
  const out = createWriteStream(archive);
  await createBackup({ db: ctx.deps.db, storage: ctx.deps.storage }, out, { tmpDir: dir });
});

test.after(async () => {
  await ctx.close();
  rmSync(dir, { recursive: true, force: true });
});

/** What the API shows of the seeded data, as alice and bob; must be identical after a restore. */
async function snapshot(req: TestContext['req']) {
  const get = async (path: string, token = alice.token) => {
    const r = await req('GET', path, { token });
    assert.is(r.status, 200, `${path}: ${JSON.stringify(r.body)}`);
    return r.body;
  };
  return {
    posts: await get(`/api/v1/channels/${channelId}/posts?limit=100`),
    thread: await get(`/api/v1/posts/${rootId}/thread`, bob.token),
    reactions: await get(`/api/v1/posts/${rootId}/reactions`),
    channel: await get(`/api/v1/channels/${channelId}`),
    teams: await get('/api/v1/teams', bob.token),
    users: await get(`/api/v1/users/${bob.id}`),
    files: await Promise.all(fileIds.map((id) => get(`/api/v1/files/${id}/info`, bob.token))),
  };
}

/** Restores the archive into db + a fresh storage dir and checks the API and the file bytes. */
async function restoreAndCompare(db: Db, label: string, from = archive, backupTo?: string) {
  const storage = await openLocalStorage(join(dir, `restored-${label}`));
  const r = await restoreBackup({ db, storage }, from);
  assert.ok(r.rows > 40);
  assert.is(r.files, 5, 'three files, a thumbnail and a preview');
  const deps = withServices({ ...ctx.deps, db, storage });
  const app = createServer(deps).app;
  const req: TestContext['req'] = async (method, path, o = {}) => {
    const res = await app.request(path, { method, headers: o.token ? { authorization: `Bearer ${o.token}` } : {} });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null, headers: res.headers };
  };
  assert.equal(await snapshot(req), await snapshot(ctx.req), `API data after restore into ${label}`);
  for (let i = 0; i < fileIds.length; i++) {
    const res = await app.request(`/api/v1/files/${fileIds[i]}`, { headers: { authorization: `Bearer ${bob.token}` } });
    assert.is(res.status, 200);
    assert.ok(Buffer.from(await res.arrayBuffer()).equals(fileBytes[i]), `file ${i} bytes after restore into ${label}`);
  }
  for (const variant of ['thumbnail', 'preview']) {
    const path = `/api/v1/files/${fileIds[0]}/${variant}`;
    const [restored, original] = await Promise.all([app.request(path, { headers: { authorization: `Bearer ${bob.token}` } }), ctx.server.app.request(path, { headers: { authorization: `Bearer ${bob.token}` } })]);
    assert.is(restored.headers.get('cache-control'), 'private, max-age=2592000, immutable', `${variant} rendered, not the fallback`);
    assert.ok(Buffer.from(await restored.arrayBuffer()).equals(Buffer.from(await original.arrayBuffer())), `${variant} bytes after restore into ${label}`);
  }
  if (backupTo) await createBackup({ db, storage }, createWriteStream(backupTo), { tmpDir: dir });
  // Sequences continue after the restored rows: a new post gets a higher seq than every old one.
  const post = await req('GET', `/api/v1/channels/${channelId}/posts?limit=1`, { token: alice.token });
  const created = await app.request(`/api/v1/channels/${channelId}/posts`, {
    method: 'POST',
    headers: { authorization: `Bearer ${alice.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ message: 'after restore' }),
  });
  assert.is(created.status, 201, await created.clone().text());
  const maxSeq = (await db.query<{ m: number }>(`select max(seq)::int8 as m from posts where message <> 'after restore'`))[0].m;
  const newSeq = (await db.query<{ s: number }>(`select seq as s from posts where message = 'after restore'`))[0].s;
  assert.ok(newSeq > maxSeq, `seq continues: ${newSeq} > ${maxSeq}`);
  assert.ok(post.body);
  return storage;
}

// A backup made from the PGlite restore, so the PostgreSQL test also covers embedded -> PostgreSQL.
let fromPglite = '';

test('round trip into a fresh PGlite', async () => {
  const db = await openPglite();
  try {
    fromPglite = join(dir, 'from-pglite.tar.gz');
    await restoreAndCompare(db, 'pglite', archive, fromPglite);
  } finally {
    await db.close();
  }
});

test('round trip into a fresh PostgreSQL database (from a backup of the embedded database)', async () => {
  const pg = await createPgDatabase();
  if (!pg) {
    console.log('[skip] round trip into PostgreSQL: RUSTCHAT_TEST_DATABASE_URL is not set');
    return;
  }
  const db = await openPostgres(pg.url);
  try {
    await restoreAndCompare(db, 'postgres', fromPglite);
  } finally {
    await db.close();
    await pg.drop();
  }
});

test('local files restore into S3 and back up from it again (storage-independent archive)', async () => {
  const s3 = await startS3rver();
  const db = await openPglite();
  try {
    const storage = await openS3Storage({ endpoint: s3.endpoint, bucket: 'restore', accessKey: 'S3RVER', secretKey: 'S3RVER', region: 'us-east-1', forcePathStyle: true, createBucket: true });
    const r = await restoreBackup({ db, storage }, archive);
    assert.is(r.files, 5);
    const keys = await db.query<{ id: string; storage_key: string }>('select id, storage_key from files');
    for (const k of keys) {
      const i = fileIds.indexOf(k.id);
      const chunks: Buffer[] = [];
      for await (const c of await storage.getStream(k.storage_key)) chunks.push(c as Buffer);
      assert.ok(Buffer.concat(chunks).equals(fileBytes[i]), 'bytes in S3');
    }
    const again = join(dir, 'from-s3.tar.gz');
    const m = await createBackup({ db, storage }, createWriteStream(again), { tmpDir: dir });
    assert.is(m.source.storage, 's3');
    const v = await verifyArchive(again);
    assert.is(v.files!.count, 5);
    await storage.close();
  } finally {
    await db.close();
    await s3.cleanup();
  }
});

async function rewrite(src: string, dest: string, edit: (name: string, data: Buffer) => Buffer) {
  const extract = tar.extract();
  const pack = tar.pack();
  const written = pipeline(pack, createGzip(), createWriteStream(dest));
  const reading = pipeline(createReadStream(src), createGunzip(), extract);
  for await (const entry of extract as AsyncIterable<any>) {
    const chunks: Buffer[] = [];
    for await (const c of entry) chunks.push(c);
    const data = edit(entry.header.name, Buffer.concat(chunks));
    await new Promise<void>((res, rej) => pack.entry({ name: entry.header.name, size: data.length }, data, (e) => (e ? rej(e) : res())));
  }
  await reading;
  pack.finalize();
  await written;
}

async function isUntouched(db: Db) {
  const [r] = await db.query<{ t: string | null }>(`select to_regclass('schema_migrations')::text as t`);
  return r.t === null;
}

test('corrupted, tampered and truncated archives are rejected before anything is written', async () => {
  const bytes = readFileSync(archive);
  const cases: [string, Buffer | (() => Promise<void>)][] = [
    ['truncated', bytes.subarray(0, Math.floor(bytes.length * 0.6))],
    ['flipped byte', Buffer.from(bytes).fill(0x55, Math.floor(bytes.length / 2), Math.floor(bytes.length / 2) + 1)],
    ['not gzip', Buffer.from('hello world')],
  ];
  const db = await openPglite();
  const storage = await openLocalStorage(join(dir, 'rejected'));
  try {
    for (const [label, data] of cases) {
      const p = join(dir, `bad-${label.replace(/ /g, '-')}.tar.gz`);
      writeFileSync(p, data as Buffer);
      try {
        await restoreBackup({ db, storage }, p);
        assert.unreachable(`${label} accepted`);
      } catch (e) {
        assert.instance(e, BackupFormatError, `${label}: ${(e as Error).message}`);
      }
      assert.ok(await isUntouched(db), `${label}: database untouched`);
    }
    // Valid gzip and tar, but a row changed after the manifest was written.
    const tampered = join(dir, 'tampered.tar.gz');
    await rewrite(archive, tampered, (name, data) => (name === 'db/posts.ndjson' ? Buffer.from(data.toString().replace('message 7', 'message 8')) : data));
    try {
      await restoreBackup({ db, storage }, tampered);
      assert.unreachable('tampered accepted');
    } catch (e) {
      assert.match((e as Error).message, /checksum mismatch in db\/posts\.ndjson/);
    }
    // A file's bytes changed.
    const badFile = join(dir, 'bad-file.tar.gz');
    await rewrite(archive, badFile, (name, data) => (name.startsWith('files/') && name !== 'files/index.ndjson' ? Buffer.concat([data.subarray(0, -1), Buffer.from([data[data.length - 1] ^ 1])]) : data));
    try {
      await verifyArchive(badFile);
      assert.unreachable('bad file accepted');
    } catch (e) {
      assert.match((e as Error).message, /checksum mismatch in files\//);
    }
    assert.ok(await isUntouched(db));
    let n = 0;
    for await (const _ of storage.list()) n++;
    assert.is(n, 0, 'no objects written');
  } finally {
    await db.close();
  }
});

test('a non-empty target is refused without --force and replaced with it; newer migrations run after the data', async () => {
  const db = await openPglite();
  const storage: Storage = await openLocalStorage(join(dir, 'force'));
  try {
    const extra = { version: bundledMigrations().length + 1, name: 'test_extra', sql: `alter table posts add column test_extra integer not null default 7` };
    const r = await restoreBackup({ db, storage }, archive, { migrations: [...bundledMigrations(), extra] });
    assert.equal(r.migrationsApplied, [...bundledMigrations().map((m) => m.version), extra.version]);
    const [p] = await db.query<{ n: number; x: number }>('select count(*)::int as n, min(test_extra) as x from posts');
    assert.ok(p.n > 30);
    assert.is(p.x, 7);
    try {
      await restoreBackup({ db, storage }, archive, { migrations: [...bundledMigrations(), extra] });
      assert.unreachable('restored over data');
    } catch (e) {
      assert.match((e as Error).message, /not empty.*--force/);
    }
    await db.query(`insert into site_settings (key, value) values ('x', '1'::jsonb) on conflict do nothing`);
    const again = await restoreBackup({ db, storage }, archive, { force: true, migrations: [...bundledMigrations(), extra] });
    assert.is(again.rows, r.rows);
    const [u] = await db.query<{ n: number }>('select count(*)::int as n from users');
    assert.is(u.n, (await ctx.deps.db.query<{ n: number }>('select count(*)::int as n from users'))[0].n);
  } finally {
    await db.close();
  }
});

test('backup --no-files; list and prune', async () => {
  const p = join(dir, 'rustchat-backup-20260102T000000Z.tar.gz');
  const out = createWriteStream(p);
  const m = await createBackup({ db: ctx.deps.db }, out, { files: false, tmpDir: dir });
  if (!out.closed) await once(out, 'close');
  assert.is(m.files, null);
  const v = await verifyArchive(p);
  assert.is(v.files, null);
  writeFileSync(join(dir, 'rustchat-backup-20250101T000000Z.tar.gz'), 'garbage');
  const items = await listBackups(dir);
  assert.is(items.length, 3);
  assert.match(items[0].file, /20260102/);
  assert.is(items[0].files, null);
  assert.is(items[1].files, 5);
  assert.is(items[1].rows!.posts, m.tables.find((t) => t.name === 'posts')!.rows);
  assert.ok(items[2].error);
  const removed = pruneBackups(dir, 2);
  assert.is(removed.length, 1);
  assert.match(removed[0], /20250101/);
  assert.is((await listBackups(dir)).length, 2);
});

test.run();
