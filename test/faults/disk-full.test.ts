/**
 * Disk full (issue 11, item 2). Each case fills a small tmpfs of its own (mounted by the test; it
 * skips, saying so, where it may not mount one):
 *
 * 1. Embedded mode, `serve` with its data directory on the tmpfs, under post load: once less than
 *    server.min_free_disk_mb is free, posts answer 507 storage_full on both APIs (Mattermost's
 *    shape on v4) and uploads too, reads keep working, nothing refused is stored, readiness
 *    answers 200 degraded with `database: full` and `files: full`, the metrics say so; when space
 *    is freed, writes work again without a restart and every acknowledged post is there.
 * 2. Embedded database with the reserve off, filled to the last byte under its write-ahead log:
 *    PostgreSQL's PANIC must not hang the process (PGlite would spin in its next call); calls
 *    answer 503 at once, and the database is reopened once space is back, with every committed
 *    write.
 * 3. PostgreSQL with its data directory on the tmpfs: writes answer 507 storage_full (or 503 while
 *    PostgreSQL restarts after a PANIC), never 500; back without restarting RustChat.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { spawnServer, type ServerProcess } from '../process.ts';
import { multipart } from '../files.ts';
import { api, freePort, ok, registerUser, until, type Api } from '../realtime.ts';
import { startPostLoad, summarize, type Load, type PostResult } from './load.ts';
import { mountTmpfs, PG_BIN, PrivatePostgres, skipCase, type Tmpfs } from './services.ts';
import { openPglite } from '../../src/db/pglite.ts';
import type { Db } from '../../src/db/driver.ts';

const MiB = 1024 * 1024;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let server: ServerProcess | undefined;
let disk: Tmpfs | undefined;
let load: Load | undefined;
let db: Db | undefined;
let pg: PrivatePostgres | undefined;

const cleanup = async () => {
  await load?.stop();
  load = undefined;
  await server?.stop('SIGKILL');
  server = undefined;
  await db?.close().catch(() => {});
  db = undefined;
  await pg?.destroy();
  pg = undefined;
  disk?.destroy();
  disk = undefined;
};
test.after.each(cleanup);

/** A tmpfs, or undefined after printing why the case is skipped. */
function tmpfs(sizeMb: number, what: string): Tmpfs | undefined {
  const t = mountTmpfs(sizeMb);
  if (typeof t === 'string') {
    console.log(`[skip] disk-full (${what}): ${t}`);
    return undefined;
  }
  return t;
}

async function setup(base: string) {
  const a = api(base);
  const admin = await registerUser(a, 'adm');
  const team = await ok(a('POST', '/teams', { type: 'O', name: `t${Date.now().toString(36)}`, display_name: 'Team' }, admin.token));
  const ch = await ok(a('POST', '/channels', { team_id: team.id, name: `c${Date.now().toString(36)}`, display_name: 'C', type: 'public' }, admin.token));
  return { a, admin, team, ch };
}

async function json(res: Response) {
  const text = await res.text();
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Posts on /api/v4 as the Mattermost apps do. */
async function postV4(base: string, token: string, channelId: string, message: string) {
  const res = await fetch(`${base}/api/v4/posts`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ channel_id: channelId, message }) });
  return { status: res.status, body: await json(res) };
}

async function upload(base: string, token: string, channelId: string, name: string, bytes = 1024) {
  const { body, contentType } = multipart([{ name: 'channel_id', value: channelId }, { name: 'files', filename: name, type: 'application/octet-stream', data: randomBytes(bytes) }]);
  const res = await fetch(`${base}/api/v1/files`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': contentType }, body: new Uint8Array(body) });
  return { status: res.status, body: await json(res) };
}

async function readiness(base: string) {
  const res = await fetch(`${base}/api/v1/health/ready`);
  return { status: res.status, body: await json(res) };
}

/** Every acknowledged post of the load, looked up through the API (all must exist). */
async function missingAcked(a: Api, token: string, results: PostResult[]): Promise<string[]> {
  const missing: string[] = [];
  for (const r of results) {
    if (r.status !== 201 || !r.id) continue;
    const got = await a('GET', `/posts/${r.id}`, undefined, token);
    if (got.status !== 200) missing.push(`${r.id} (${got.status})`);
  }
  return missing;
}

test('embedded: below the free-space reserve posts and uploads answer 507 storage_full on both APIs, readiness full, back without a restart', async () => {
  disk = tmpfs(200, 'embedded data directory');
  if (!disk) return;
  const dataDir = join(disk.dir, 'data');
  server = await spawnServer({ dataDir, timeoutMs: 60_000, env: { RUSTCHAT_MIN_FREE_DISK_MB: '64' } });
  const base = server.url;
  const { a, admin, ch } = await setup(base);
  const first = await upload(base, admin.token, ch.id, 'before.bin');
  assert.is(first.status, 201, JSON.stringify(first.body));
  assert.is((await readiness(base)).body.status, 'ok');

  load = startPostLoad({ base, channelId: ch.id, tokens: [admin.token], perSecond: 40, timeoutMs: 20_000 });
  await sleep(1500);
  // Leave 40 MiB: below the 64 MiB reserve, with room for the database should the guard fail.
  const filler = disk.fill(40 * MiB);
  const fullFrom = load.now();
  await sleep(3000);

  const v1 = await a('POST', `/channels/${ch.id}/posts`, { message: 'refused v1', client_msg_id: 'refused-v1' }, admin.token);
  assert.is(v1.status, 507, JSON.stringify(v1.body));
  assert.is(v1.body.error.code, 'storage_full');
  assert.not.match(JSON.stringify(v1.body), /at .*\.ts|stack/i, 'no stack trace');
  const v4 = await postV4(base, admin.token, ch.id, 'refused v4');
  assert.is(v4.status, 507, JSON.stringify(v4.body));
  assert.is(v4.body.status_code, 507);
  assert.type(v4.body.id, 'string');
  assert.ok(v4.body.message);
  const up = await upload(base, admin.token, ch.id, 'during.bin');
  assert.is(up.status, 507, JSON.stringify(up.body));
  assert.is(up.body.error.code, 'storage_full');
  // Reading works: the channel, a file uploaded before.
  const page = await a('GET', `/channels/${ch.id}/posts`, undefined, admin.token);
  assert.is(page.status, 200);
  const dl = await fetch(`${base}/api/v1/files/${first.body.items[0].id}`, { headers: { authorization: `Bearer ${admin.token}` } });
  assert.is(dl.status, 200);
  await dl.arrayBuffer();
  const r = await readiness(base);
  assert.is(r.status, 200, `readiness with the disk full: ${JSON.stringify(r.body)}`);
  assert.is(r.body.status, 'degraded');
  assert.is(r.body.checks.database, 'full');
  assert.is(r.body.checks.files, 'full');
  const metrics = await (await fetch(`${base}/metrics`)).text();
  assert.match(metrics, /rustchat_dependency_up\{dependency="database"\} 0/);
  assert.match(metrics, /rustchat_dependency_up\{dependency="files"\} 0/);
  assert.ok(Number(/^rustchat_data_dir_free_bytes (\S+)/m.exec(metrics)?.[1]) < 64 * MiB, 'free bytes reported');
  assert.is(server.proc.exitCode, null);

  rmSync(filler);
  const freedAt = load.now();
  await until(async () => (await readiness(base)).body.status === 'ok', 'readiness ok once space is freed', 10_000);
  await sleep(1500);
  const results = await load.stop();
  load = undefined;

  const again = await a('POST', `/channels/${ch.id}/posts`, { message: 'after' }, admin.token);
  assert.is(again.status, 201, JSON.stringify(again.body));
  assert.is((await postV4(base, admin.token, ch.id, 'after v4')).status, 201);
  assert.is((await upload(base, admin.token, ch.id, 'after.bin')).status, 201);

  // Every answer was 201 or 507 storage_full; 507 while full; every 201 is stored, no 507 is.
  const bad = results.filter((x) => x.status !== 201 && !(x.status === 507 && x.code === 'storage_full'));
  assert.is(bad.length, 0, `answers other than 201 or 507 storage_full: ${summarize(bad)}`);
  const during = results.filter((x) => x.at > fullFrom + 1000 && x.at + x.ms < freedAt);
  assert.ok(during.length > 20 && during.every((x) => x.status === 507), `507 while the disk was full (${summarize(during)})`);
  assert.ok(results.some((x) => x.status === 201 && x.at > freedAt + 500), `posts succeed again after space was freed (${summarize(results.filter((x) => x.at > freedAt))})`);
  assert.equal(await missingAcked(a, admin.token, results), []);
  // Nothing refused was stored: sent again with the same client_msg_id, a stored post would come
  // back as 200 (the earlier one); a refused one is created now (201).
  const refused = [{ clientMsgId: 'refused-v1' }, ...results.filter((x) => x.status === 507).slice(0, 25)];
  for (const x of refused) {
    const again = await a('POST', `/channels/${ch.id}/posts`, { message: 'retry', client_msg_id: x.clientMsgId }, admin.token);
    assert.is(again.status, 201, `a post answered 507 was not stored (${x.clientMsgId}: ${again.status})`);
  }

  const out = server.output();
  assert.match(out, /"level":"error","msg":"data directory almost full/, 'the full disk is logged as an error');
  assert.match(out, /data directory has free space again/, 'the recovery is logged');
  assert.not.match(out, /unhandled error/, 'no request failed as an unhandled error');
  // Each refused request at warn, rate-limited (the full disk itself is one error line).
  assert.not.match(out, /"level":"error","msg":"request"/, 'no request logged at error level');
  const warned = out.split('\n').filter((l) => /"level":"warn","msg":"request".*"code":"storage_full"/.test(l)).length;
  assert.ok(warned >= 1 && warned <= 20, `${warned} request lines for ${results.filter((x) => x.status === 507).length} answers 507`);
  console.log(`  ${results.length} posts: ${summarize(results)}`);

  // Stopped and started again while the disk is still full: it stops cleanly, starts (nothing to
  // migrate, so nothing written), serves reads and refuses writes with 507; space back, it writes.
  const filler2 = disk.fill(40 * MiB);
  assert.is(await server.stop('SIGTERM'), 0, `clean stop with the disk full:\n${server.output().slice(-2000)}`);
  server = await spawnServer({ dataDir, timeoutMs: 60_000, env: { RUSTCHAT_MIN_FREE_DISK_MB: '64' } });
  const restarted = await readiness(server.url);
  assert.is(restarted.status, 200, JSON.stringify(restarted.body));
  assert.is(restarted.body.checks.database, 'full');
  const b = api(server.url);
  const login = await b('POST', '/auth/login', { login_id: admin.username, password: 'correct horse battery' });
  assert.is(login.status, 507, `a login writes a session: ${JSON.stringify(login.body)}`);
  assert.is((await b('GET', `/channels/${ch.id}/posts`, undefined, admin.token)).status, 200, 'reads work after the restart');
  assert.is((await b('POST', `/channels/${ch.id}/posts`, { message: 'still full' }, admin.token)).status, 507);
  rmSync(filler2);
  assert.is((await b('POST', `/channels/${ch.id}/posts`, { message: 'space again' }, admin.token)).status, 201);
});

test('embedded database, reserve off: the disk filling under the write-ahead log (PANIC) answers 503 without hanging, reopened once space is back', async () => {
  disk = tmpfs(100, 'embedded database without reserve');
  if (!disk) return;
  const events: string[] = [];
  db = await openPglite({
    dataDir: join(disk.dir, 'pg'),
    flushIntervalMs: 100,
    minFreeBytes: 0,
    onCrash: (e) => events.push(`crash ${(e as Error).message}`),
    onReopen: () => events.push('reopen'),
  });
  await db.exec('create table counter (id int primary key, n int not null, pad text)');
  await db.query("insert into counter values (1, 0, '')");
  const filler = disk.fill(0);
  assert.ok(disk.free() < 64 * 1024, `disk filled (${disk.free()} bytes free)`);
  // Updates of one row: the heap page is reused (HOT), so the write-ahead log grows until it needs
  // a new 16 MiB segment, which the full disk refuses.
  let committed = 0;
  let firstError: any;
  const deadline = Date.now() + 180_000;
  while (!firstError && Date.now() < deadline) {
    try {
      await db.query('update counter set n = n + 1, pad = $1 where id = 1', [`${'p'.repeat(1500)}${committed}`]);
      committed++;
    } catch (e) {
      firstError = e;
    }
  }
  assert.ok(firstError, 'a write failed once the disk was full');
  assert.is(firstError.status, 507, `the failing write answers 507: ${firstError.code} ${firstError.message}`);
  assert.ok(events.some((e) => e.startsWith('crash')), `the PANIC stopped the instance: ${events.join('; ')} (${firstError.cause?.message})`);
  // The next calls answer at once (PGlite's next call would spin forever).
  const started = performance.now();
  for (const text of ['select n from counter', 'update counter set n = n + 1 where id = 1']) {
    const err = await db.query(text).then(
      () => undefined,
      (e) => e,
    );
    assert.is(err?.code, 'database_unavailable', `${text}: ${err?.code} ${err?.message}`);
  }
  const tx = await db.transaction(async (t) => t.query('select 1')).then(
    () => undefined,
    (e) => e,
  );
  assert.is(tx?.code, 'database_unavailable');
  assert.ok(performance.now() - started < 1000, 'answered at once');
  assert.ok(db.diskFull?.(), 'reported as full');
  await sleep(1500);
  assert.not.ok(events.includes('reopen'), 'not reopened while the disk is full');

  rmSync(filler);
  await until(async () => (await db!.query('select n from counter'))[0].n === committed, `the database reopened with every committed update (${committed})`, 20_000, 250);
  await db.query('update counter set n = n + 1 where id = 1');
  assert.is((await db.query('select n from counter'))[0].n, committed + 1);
  assert.not.ok(db.diskFull?.());
  console.log(`  ${committed} updates committed before the PANIC; events: ${events.map((e) => e.slice(0, 90)).join('; ')}`);
});

test('PostgreSQL: its disk full -> writes 507 storage_full (or 503 while it restarts), never 500; back without restarting RustChat', async () => {
  if (!PG_BIN) return skipCase('disk-full (PostgreSQL): needs PostgreSQL server binaries (/usr/lib/postgresql/*/bin)');
  disk = tmpfs(160, 'PostgreSQL data directory');
  if (!disk) return;
  pg = await PrivatePostgres.create(await freePort(), disk.dir);
  await pg.start();
  server = await spawnServer({ env: { RUSTCHAT_DATABASE_URL: pg.url, RUSTCHAT_JWT_SECRET: randomBytes(24).toString('hex') } });
  const base = server.url;
  const { a, admin, ch } = await setup(base);
  load = startPostLoad({ base, channelId: ch.id, tokens: [admin.token], perSecond: 40, timeoutMs: 20_000 });
  await sleep(1500);
  const filler = disk.fill(0);
  const fullFrom = load.now();
  await until(async () => load!.results.some((x) => x.at > fullFrom && x.status !== 201), 'a post refused once the disk is full', 60_000);
  await sleep(3000);
  // A write can still commit now and then while the disk is full (PostgreSQL's current WAL segment
  // may hold it, and a restart after a PANIC frees a little): the v4 refusal is looked for, and
  // every answer before it must be a success, never a 500.
  let v4 = await postV4(base, admin.token, ch.id, 'refused v4');
  for (const until = Date.now() + 15_000; v4.status === 201 && Date.now() < until; await sleep(250)) v4 = await postV4(base, admin.token, ch.id, 'refused v4');
  assert.ok(v4.status === 507 || v4.status === 503, `v4 post with the database's disk full: ${v4.status} ${JSON.stringify(v4.body)}`);
  assert.is(v4.body.status_code, v4.status);
  const r = await readiness(base);
  assert.ok(r.body.checks.database === 'full' || r.body.checks.database === 'down', `readiness: ${JSON.stringify(r.body)}`);
  assert.is(server.proc.exitCode, null);

  rmSync(filler);
  const freedAt = load.now();
  // PostgreSQL resumes by itself; one that stopped after a PANIC during recovery is started again,
  // as its supervisor would.
  if (!pg.proc || pg.proc.exitCode !== null || pg.proc.signalCode !== null) await pg.start();
  const post = async () => (await a('POST', `/channels/${ch.id}/posts`, { message: 'after' }, admin.token)).status;
  await until(async () => (await post()) === 201, 'posts succeed once the space is freed', 15_000, 250);
  await until(async () => (await readiness(base)).body.status === 'ok', 'readiness ok once a write succeeded', 10_000);
  await sleep(1000);
  const results = await load.stop();
  load = undefined;
  const bad = results.filter((x) => x.status !== 201 && !(x.status === 507 && x.code === 'storage_full') && !(x.status === 503 && x.code === 'database_unavailable'));
  assert.is(bad.length, 0, `answers other than 201, 507 storage_full or 503 database_unavailable: ${summarize(bad)}`);
  assert.ok(results.some((x) => x.status === 507), `some writes answered 507 storage_full (${summarize(results)})`);
  assert.ok(results.some((x) => x.status === 201 && x.at > freedAt), 'posts succeed again');
  assert.equal(await missingAcked(a, admin.token, results), []);
  assert.is(server.proc.exitCode, null);
  const out = server.output();
  assert.match(out, /database out of disk space/, 'logged');
  assert.not.match(out, /unhandled error/, 'no request failed as an unhandled error');
  console.log(`  ${results.length} posts: ${summarize(results)}`);
});

test.run();
