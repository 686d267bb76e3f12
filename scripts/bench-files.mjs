#!/usr/bin/env node
// Files and backup benchmarks (docs/benchmarks.md, "Files and backup"). Run: npm run bench:files
//
// 1. Upload and download throughput through a real server process (local storage, then S3 against
//    s3rver), and the
//    server's RSS while one 64 MiB and one 1 GiB file are uploaded: the peak must not grow with
//    the file size (uploads are streamed).
// 2. Backup and restore of BENCH_POSTS posts (default 1,000,000, seeded with SQL) on the embedded
//    database (PGlite on disk) and on PostgreSQL when RUSTCHAT_TEST_DATABASE_URL is set.
//
// Environment: BENCH_POSTS, BENCH_UPLOAD_MIB (default 1024), BENCH_S3_MIB (default 256), BENCH_SKIP_UPLOAD=1,
// BENCH_SKIP_S3=1, BENCH_SKIP_BACKUP=1.
// Needs tsx (node --import tsx) for the TypeScript modules.
import { spawn } from 'node:child_process';
import { createWriteStream, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';

const root = new URL('..', import.meta.url).pathname;
const POSTS = Number(process.env.BENCH_POSTS || 1_000_000);
const UPLOAD_MIB = Number(process.env.BENCH_UPLOAD_MIB || 1024);
const PG_URL = process.env.RUSTCHAT_TEST_DATABASE_URL || '';
const results = [];
const log = (m) => process.stdout.write(m + '\n');
const mbps = (bytes, ms) => (bytes / 1024 / 1024 / (ms / 1000)).toFixed(1);

function rssMiB(pid) {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

async function startServer(dataDir, extraEnv = {}) {
  const proc = spawn(process.execPath, ['--import', 'tsx', join(root, 'src/main.ts'), 'serve', '--port', '0', '--host', '127.0.0.1', '--data-dir', dataDir], {
    cwd: root,
    env: { ...process.env, RUSTCHAT_LOG_LEVEL: 'info', RUSTCHAT_RATE_LIMIT_PER_SECOND: '0', RUSTCHAT_MAX_UPLOAD_BYTES: String(4 * 1024 * 1024 * 1024), RUSTCHAT_DATABASE_URL: '', ...extraEnv },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // Wait for the "listening" log line with the port.
  let out = '';
  const port = await new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`server did not start:\n${out}`)), 60000);
    const on = (d) => {
      out += d;
      const m = /"msg":"listening".*?"port":(\d+)/.exec(out);
      if (m) {
        clearTimeout(t);
        resolve(Number(m[1]));
      }
    };
    proc.stdout.on('data', on);
    proc.stderr.on('data', on);
  });
  return { proc, url: `http://127.0.0.1:${port}`, output: () => out };
}

async function api(base, method, path, token, body) {
  const res = await fetch(base + path, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: res.status, body: await res.json().catch(() => null) };
}

/** Streams a multipart upload of `size` random-ish bytes (a 1 MiB block repeated), sampling the server's RSS. */
function upload(base, token, channelId, size, pid) {
  const boundary = `----bench${randomBytes(6).toString('hex')}`;
  const head = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="channel_id"\r\n\r\n${channelId}\r\n` +
      `--${boundary}\r\nContent-Disposition: form-data; name="files"; filename="big.bin"\r\nContent-Type: application/octet-stream\r\n\r\n`,
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  const block = randomBytes(1024 * 1024);
  return new Promise((resolve, reject) => {
    let peak = 0;
    const sampler = setInterval(() => (peak = Math.max(peak, rssMiB(pid))), 100);
    const started = performance.now();
    const u = new URL(base + '/api/v1/files');
    const req = request(
      { host: u.hostname, port: u.port, path: u.pathname, method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': `multipart/form-data; boundary=${boundary}`, 'content-length': head.length + size + tail.length } },
      async (res) => {
        let text = '';
        for await (const c of res) text += c;
        clearInterval(sampler);
        if (res.statusCode !== 201) return reject(new Error(`upload: ${res.statusCode} ${text}`));
        resolve({ ms: performance.now() - started, peak, id: JSON.parse(text).items[0].id });
      },
    );
    req.on('error', reject);
    (async () => {
      req.write(head);
      let sent = 0;
      while (sent < size) {
        const n = Math.min(block.length, size - sent);
        if (!req.write(n === block.length ? block : block.subarray(0, n))) await once(req, 'drain');
        sent += n;
      }
      req.end(tail);
    })();
  });
}

async function download(base, token, id) {
  const started = performance.now();
  const res = await fetch(`${base}/api/v1/files/${id}`, { headers: { authorization: `Bearer ${token}` } });
  let bytes = 0;
  for await (const c of res.body) bytes += c.length;
  return { ms: performance.now() - started, bytes };
}

async function benchUpload(label = 'local storage', sizes = [64, UPLOAD_MIB], extraEnv = {}) {
  const dataDir = mkdtempSync(join(tmpdir(), 'rustchat-bench-files-'));
  const { proc, url, output } = await startServer(dataDir, extraEnv);
  try {
    const reg = await api(url, 'POST', '/api/v1/auth/register', undefined, { email: 'bench@example.com', username: 'bench', password: 'benchmark password 1' });
    const token = reg.body.token;
    const team = await api(url, 'POST', '/api/v1/teams', token, { type: 'O', name: 'bench', display_name: 'Bench' });
    const chans = await api(url, 'GET', `/api/v1/teams/${team.body.id}/channels`, token);
    const channelId = (chans.body.items ?? chans.body).find((c) => c.name === 'town-square').id;
    const idle = rssMiB(proc.pid);
    for (const mib of sizes) {
      const size = mib * 1024 * 1024;
      const up = await upload(url, token, channelId, size, proc.pid);
      const down = await download(url, token, up.id);
      if (down.bytes !== size) throw new Error(`downloaded ${down.bytes} of ${size} bytes`);
      results.push({ what: `upload ${mib} MiB (${label})`, value: `${mbps(size, up.ms)} MB/s`, note: `server RSS idle ${idle.toFixed(0)} MiB, peak during upload ${up.peak.toFixed(0)} MiB` });
      results.push({ what: `download ${mib} MiB (${label})`, value: `${mbps(size, down.ms)} MB/s`, note: '' });
      log(`${label}, ${mib} MiB: upload ${mbps(size, up.ms)} MB/s (peak RSS ${up.peak.toFixed(0)} MiB, idle ${idle.toFixed(0)} MiB), download ${mbps(size, down.ms)} MB/s`);
    }
  } catch (e) {
    log(output().split('\n').filter((l) => /"level":"(error|warn)"/.test(l)).slice(-5).join('\n'));
    throw e;
  } finally {
    proc.kill('SIGTERM');
    await once(proc, 'exit');
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Users, a team, channels and POSTS posts (10% of them replies), reactions on every 10th post — all in SQL. */
async function seed(db, n) {
  await db.exec(`
    insert into users (id, username, email, create_at, update_at)
      select lpad(i::text, 26, 'u'), 'user' || i, 'user' || i || '@example.com', 1, 1 from generate_series(1, 100) i;
    insert into teams (id, name, display_name, invite_id, create_at, update_at) values (lpad('1', 26, 't'), 'bench', 'Bench', lpad('1', 26, 'i'), 1, 1);
    insert into team_members (team_id, user_id, create_at) select lpad('1', 26, 't'), id, 1 from users;
    insert into channels (id, team_id, type, name, display_name, create_at, update_at)
      select lpad(i::text, 26, 'c'), lpad('1', 26, 't'), 'O', 'channel-' || i, 'Channel ' || i, 1, 1 from generate_series(1, 10) i;
    insert into channel_members (channel_id, user_id, create_at, last_update_at) select c.id, u.id, 1, 1 from channels c cross join users u;`);
  const chunk = 100_000;
  for (let start = 1; start <= n; start += chunk) {
    const end = Math.min(n, start + chunk - 1);
    await db.query(
      `insert into posts (id, channel_id, user_id, root_id, message, create_at, update_at)
         select lpad(i::text, 26, 'p'), lpad((i % 10 + 1)::text, 26, 'c'), lpad((i % 100 + 1)::text, 26, 'u'),
                case when i % 10 = 0 and i > 10 then lpad((i - 9)::text, 26, 'p') else '' end,
                'benchmark message number ' || i || ' about the quarterly planning and the release notes',
                1700000000000 + i, 1700000000000 + i
           from generate_series($1::int, $2::int) i`,
      [start, end],
    );
  }
  await db.query(`insert into reactions (post_id, user_id, emoji_name, channel_id, create_at)
    select id, user_id, 'thumbsup', channel_id, create_at from posts where seq % 10 = 0`);
}

async function benchBackup(kind) {
  const { openPglite } = await import('../src/db/pglite.ts');
  const { openPostgres } = await import('../src/db/postgres.ts');
  const { migrate } = await import('../src/db/migrate.ts');
  const { createBackup } = await import('../src/backup/create.ts');
  const { restoreBackup } = await import('../src/backup/restore.ts');
  const { openLocalStorage } = await import('../src/files/local.ts');
  const postgres = (await import('postgres')).default;
  const work = mkdtempSync(join(tmpdir(), `rustchat-bench-backup-${kind}-`));
  const dbs = [];
  const open = async (name) => {
    if (kind === 'pglite') {
      const db = await openPglite({ dataDir: join(work, name), flushIntervalMs: 1000 });
      dbs.push({ db });
      return db;
    }
    const admin = postgres(PG_URL, { max: 1, onnotice: () => {} });
    const dbName = `rc_bench_${name}_${randomBytes(4).toString('hex')}`;
    await admin.unsafe(`create database ${dbName}`);
    const u = new URL(PG_URL);
    u.pathname = `/${dbName}`;
    const db = await openPostgres(u.toString());
    dbs.push({ db, drop: async () => (await admin.unsafe(`drop database if exists ${dbName} with (force)`), await admin.end()) });
    return db;
  };
  try {
    const src = await open('src');
    await migrate(src);
    let t = performance.now();
    await seed(src, POSTS);
    log(`${kind}: seeded ${POSTS} posts in ${((performance.now() - t) / 1000).toFixed(1)} s`);
    const storage = await openLocalStorage(join(work, 'files'));
    const archive = join(work, 'backup.tar.gz');
    t = performance.now();
    const out = createWriteStream(archive);
    const m = await createBackup({ db: src, storage }, out, { tmpDir: work });
    const backupMs = performance.now() - t;
    const rows = m.tables.reduce((n, x) => n + x.rows, 0);
    const size = statSync(archive).size;
    log(`${kind}: backup of ${rows} rows in ${(backupMs / 1000).toFixed(1)} s, ${(size / 1024 / 1024).toFixed(1)} MiB`);
    const dest = await open('dest');
    t = performance.now();
    const r = await restoreBackup({ db: dest, storage: await openLocalStorage(join(work, 'files2')) }, archive);
    const restoreMs = performance.now() - t;
    log(`${kind}: restore of ${r.rows} rows in ${(restoreMs / 1000).toFixed(1)} s`);
    results.push({ what: `backup, ${POSTS.toLocaleString('en')} posts (${rows.toLocaleString('en')} rows), ${kind}`, value: `${(backupMs / 1000).toFixed(1)} s`, note: `archive ${(size / 1024 / 1024).toFixed(0)} MiB` });
    results.push({ what: `restore (verify + load), same archive, ${kind}`, value: `${(restoreMs / 1000).toFixed(1)} s`, note: '' });
  } finally {
    for (const d of dbs) {
      await d.db.close().catch(() => {});
      await d.drop?.().catch(() => {});
    }
    rmSync(work, { recursive: true, force: true });
  }
}

if (!process.env.BENCH_SKIP_UPLOAD) await benchUpload();
if (!process.env.BENCH_SKIP_S3) {
  // The same through S3 multipart uploads, against s3rver on this machine (itself the bottleneck).
  const { startS3rver } = await import('../test/files.ts');
  const s3 = await startS3rver();
  try {
    const mib = Number(process.env.BENCH_S3_MIB || 256);
    await benchUpload('S3 via s3rver', [64, mib], {
      RUSTCHAT_S3_ENDPOINT: s3.endpoint, RUSTCHAT_S3_BUCKET: 'bench', RUSTCHAT_S3_ACCESS_KEY: 'S3RVER', RUSTCHAT_S3_SECRET_KEY: 'S3RVER',
      RUSTCHAT_S3_FORCE_PATH_STYLE: 'true', RUSTCHAT_S3_CREATE_BUCKET: 'true',
    });
  } finally {
    await s3.cleanup();
  }
}
if (!process.env.BENCH_SKIP_BACKUP) {
  await benchBackup('pglite');
  if (PG_URL) await benchBackup('postgres');
  else log('PostgreSQL skipped: set RUSTCHAT_TEST_DATABASE_URL');
}
log('\n| measurement | result | notes |\n|---|---|---|');
for (const r of results) log(`| ${r.what} | ${r.value} | ${r.note} |`);
