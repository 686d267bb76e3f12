#!/usr/bin/env node
// Issue 20 target 4: does `rustchat backup create` stall chat on a running embedded server?
//
//   npm run bench:backup-stall -- [--posts 100000] [--runs 2] [--rate 20] [--binary] [--quiet-seconds 10]
//
// Seeds an embedded data directory with SQL (10 users, one team, 10 channels, --posts posts in
// one channel, 10 % of them replies), starts `serve` on it in its own process, then while posts
// are created at --rate per second (POST, open loop) and a history page (60 posts) is read every
// 50 ms (open loop: a read goes out every 50 ms whether or not the last one answered), runs, side
// by side in the same run, --runs times each in alternation:
//   quiet  — nothing else (the reference: what the machine's load alone does to the reads);
//   old    — the backup as the server made it before: admin op `backup.create` (one REPEATABLE
//            READ transaction on the server's single PGlite connection), archive to /dev/null;
//   new    — `rustchat backup create --no-files` as a process (admin op `backup.snapshot`: online
//            copy, dumped by the command itself).
// For each: the longest gap between two answered reads (the stall chat feels), the slowest read,
// read p99, the slowest post, and how long the backup took; the load average around each.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir, cpus } from 'node:os';
import { join } from 'node:path';
import { openPglite } from '../src/db/pglite.ts';
import { migrate } from '../src/db/migrate.ts';
import { callAdminRaw } from '../src/admin/socket.ts';
import { benchToken, childEnv, cliArgs, httpClient, load, log, pct, r1, root, rustchatCommand, seedWorld, startServer } from './bench-common.mjs';

const { opt, flag } = cliArgs();
const POSTS = Number(opt('posts', '100000'));
const RUNS = Number(opt('runs', '2'));
const RATE = Number(opt('rate', '20'));
const QUIET_SECONDS = Number(opt('quiet-seconds', '10'));
const BINARY = flag('binary');
const ONLY = opt('only', 'quiet,old,new').split(',');
const POLL_MS = 50;

async function seed(dataDir) {
  const db = await openPglite({ dataDir: join(dataDir, 'pg') });
  await migrate(db);
  const { now, userId, sessionId, channels } = await seedWorld((s, p) => db.query(s, p));
  const t0 = Date.now();
  const start = now - 10_000_000;
  for (let off = 0; off < POSTS; off += 10_000) {
    const n = Math.min(10_000, POSTS - off);
    // Every tenth post replies to the post ten before it.
    await db.query(
      `insert into posts (id, channel_id, user_id, root_id, message, create_at, update_at)
       select substr(md5($1 || ($3::int8 + g)::text), 1, 26), $1, $2,
              case when g % 10 = 0 and g > 10 then substr(md5($1 || ($3::int8 + g - 10)::text), 1, 26) else '' end,
              'message number ' || g::text || ' about the release, the budget and the roadmap', $3::int8 + g, $3::int8 + g
       from generate_series($4::int + 1, $4::int + $5::int) g`,
      [channels[0], userId, start, off, n],
    );
  }
  await db.query(`update channels set total_msg_count = (select count(*) from posts where channel_id = channels.id), total_msg_count_root = (select count(*) from posts where channel_id = channels.id and root_id = '')`);
  await db.exec('analyze');
  await db.close();
  log(`seeded ${POSTS} posts in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  return { userId, sessionId, channels };
}

const command = () => rustchatCommand(BINARY);

/** Reads every 50 ms and posts at RATE/s until stop() — both open loops — and returns what they saw. */
function load_(client, world) {
  const reads = []; // [scheduled, answered]
  const posts = [];
  let errors = 0;
  let stopped = false;
  const pending = [];
  const loop = (periodMs, fn, into) =>
    (async () => {
      const start = performance.now();
      for (let i = 0; !stopped; i++) {
        const due = start + i * periodMs;
        const wait = due - performance.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        if (stopped) break;
        pending.push(
          fn(i).then(
            ({ status }) => {
              if (status !== 200 && status !== 201) errors++;
              into.push([due, performance.now()]);
            },
            () => errors++,
          ),
        );
      }
    })();
  const t0 = performance.now();
  const loops = [
    loop(POLL_MS, () => client('GET', `/api/v1/channels/${world.channels[0]}/posts?limit=60`), reads),
    loop(1000 / RATE, (i) => client('POST', `/api/v1/channels/${world.channels[1 + (i % 9)]}/posts`, JSON.stringify({ message: `during the backup ${i}` })), posts),
  ];
  return async () => {
    stopped = true;
    const t1 = performance.now();
    await Promise.all(loops);
    await Promise.all(pending);
    const answered = reads.map((r) => r[1]).sort((a, b) => a - b);
    let gap = answered.length ? answered[0] - t0 : t1 - t0;
    for (let i = 1; i < answered.length; i++) gap = Math.max(gap, answered[i] - answered[i - 1]);
    const readLat = reads.map(([d, a]) => a - d);
    const postLat = posts.map(([d, a]) => a - d);
    return {
      seconds: r1((t1 - t0) / 1000),
      reads: reads.length,
      gap: r1(gap),
      readMax: r1(Math.max(...readLat)),
      readP99: r1(pct(readLat, 99)),
      readP50: r1(pct(readLat, 50)),
      postMax: r1(Math.max(...postLat)),
      postP99: r1(pct(postLat, 99)),
      errors,
    };
  };
}

async function oldBackup(dataDir) {
  const res = await callAdminRaw(dataDir, 'backup.create', { files: false });
  let bytes = 0;
  for await (const chunk of res) bytes += chunk.length;
  return bytes;
}

function newBackup(dataDir, secret, outDir) {
  const [cmd, pre] = command();
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, [...pre, 'backup', 'create', '--data-dir', dataDir, '--no-files', '--output', `${outDir}/`, '--json', '-q'], { cwd: root, env: childEnv({ RUSTCHAT_JWT_SECRET: secret }), stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (err += d));
    p.on('error', reject);
    p.on('close', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`backup create exited ${code}: ${err}`))));
  });
}

const dataDir = mkdtempSync(join(tmpdir(), 'rustchat-bench-backup-'));
const outDir = mkdtempSync(join(tmpdir(), 'rustchat-bench-backup-out-'));
const secret = randomBytes(24).toString('hex');
let server;
const results = [];
try {
  log(`load average ${load()} at the start; ${cpus().length} cores`);
  const world = await seed(dataDir);
  server = await startServer({ command: command(), dataDir, env: { RUSTCHAT_JWT_SECRET: secret, RUSTCHAT_LOG_LEVEL: 'info' } });
  const token = await benchToken(secret, world);
  const client = httpClient(server.url, { authorization: `Bearer ${token}`, 'content-type': 'application/json' });
  // Warm up: plans, keep-alive sockets, optimised code.
  const warm = load_(client, world);
  await new Promise((r) => setTimeout(r, 3000));
  await warm();
  for (let run = 0; run < RUNS; run++) {
    for (const kind of ONLY) {
      const loadBefore = load();
      const stop = load_(client, world);
      await new Promise((r) => setTimeout(r, 1000));
      const t0 = performance.now();
      let detail = '';
      if (kind === 'quiet') await new Promise((r) => setTimeout(r, QUIET_SECONDS * 1000));
      else if (kind === 'old') detail = `${((await oldBackup(dataDir)) / 1048576).toFixed(1)} MiB archive`;
      else {
        const r = await newBackup(dataDir, secret, outDir);
        detail = `${(r.bytes / 1048576).toFixed(1)} MiB archive`;
        rmSync(r.file, { force: true });
        const m = [...server.output().matchAll(/"msg":"backup snapshot taken".*?"bytes":(\d+).*?"ms":(\d+).*?"held_max_ms":([\d.]+)/g)].pop();
        if (m) detail += `; copy ${(Number(m[1]) / 1048576).toFixed(0)} MiB in ${m[2]} ms, connection held at most ${m[3]} ms`;
      }
      const backupMs = Math.round(performance.now() - t0);
      await new Promise((r) => setTimeout(r, 1000));
      const res = { kind, run, backupMs, detail, loadBefore, loadAfter: load(), ...(await stop()) };
      results.push(res);
      log(JSON.stringify(res));
    }
  }
} finally {
  await server?.stop();
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(outDir, { recursive: true, force: true });
}

log(`\n| run | backup | took | longest gap between answered reads | slowest read | read p50 / p99 | slowest post | errors | load average (before → after) |`);
log('|---|---|---|---|---|---|---|---|---|');
for (const r of results) {
  const name = r.kind === 'quiet' ? 'none (reference)' : r.kind === 'old' ? 'before: server-side dump' : 'after: online copy + dump in the command';
  log(`| ${r.run + 1} | ${name} | ${r.kind === 'quiet' ? '–' : `${(r.backupMs / 1000).toFixed(1)} s`} | **${r.gap} ms** | ${r.readMax} ms | ${r.readP50} / ${r.readP99} ms | ${r.postMax} ms | ${r.errors} | ${r.loadBefore} → ${r.loadAfter} |`);
}
for (const r of results) if (r.detail) log(`- run ${r.run + 1} ${r.kind}: ${r.detail}`);
