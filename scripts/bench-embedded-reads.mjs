#!/usr/bin/env node
// Issue 20 target 3: history pages on the embedded database at size.
//
//   npm run bench:embedded-reads -- [--posts 100000] [--pages 300] [--rate 50] [--binary]
//                                   [--baseline DIR] [--analyze-seed]
//
// Seeds an embedded data directory with SQL the way a server fills it — 10 users, one team,
// 10 channels, --posts posts in one channel (every tenth a reply) and as many again spread over
// the other nine, and NO ANALYZE (PGlite runs no autovacuum, so a real install's tables are never
// analyzed unless the server does it; --analyze-seed analyzes, as bench:chat does). Then, for
// this tree and, with --baseline DIR (another source checkout, e.g. `git archive OLD | tar -x -C
// DIR` plus a node_modules symlink), for that one — each `serve` in its own process on its own
// copy of the same seeded directory, one after the other:
//   1. 10 s idle after the start (what the server does when nobody asks: here, the statistics);
//   2. --pages sequential GET /api/v1/channels/:id/posts?limit=60 in the big channel, one in three
//      the newest page, the others before a random post (random depth): p50 / p99 / max;
//   3. the same while posts are created at --rate per second in the other channels (open loop):
//      reads queue behind writes on PGlite's single connection.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { Agent, request as httpRequest } from 'node:http';
import { loadavg, tmpdir, cpus } from 'node:os';
import { join, resolve } from 'node:path';
import { openPglite } from '../src/db/pglite.ts';
import { migrate } from '../src/db/migrate.ts';
import { newId } from '../src/ids.ts';
import { signSessionToken } from '../src/actions/tokens.ts';

const root = new URL('..', import.meta.url).pathname;
const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1] : def;
};
const POSTS = Number(opt('posts', '100000'));
const PAGES = Number(opt('pages', '300'));
const RATE = Number(opt('rate', '50'));
const BINARY = args.includes('--binary');
const BASELINE = opt('baseline', '');
const ANALYZE_SEED = args.includes('--analyze-seed');
const log = (...a) => console.log(...a);
const r1 = (x) => Math.round(x * 10) / 10;
const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] : NaN;
};
const load = () => loadavg()[0].toFixed(1);

async function seed(dataDir) {
  const db = await openPglite({ dataDir: join(dataDir, 'pg') });
  await migrate(db);
  const now = Date.now();
  const userId = newId();
  const sessionId = newId();
  const teamId = newId();
  await db.query(`insert into users (id, username, email, create_at, update_at) values ($1, 'bench', 'bench@example.com', $2, $2)`, [userId, now]);
  await db.query(`insert into sessions (id, user_id, create_at, expires_at, last_activity_at) values ($1, $2, $3, $4, $3)`, [sessionId, userId, now, now + 7 * 86_400_000]);
  await db.query(`insert into teams (id, name, display_name, invite_id, create_at, update_at) values ($1, 'bench', 'Bench', $2, $3, $3)`, [teamId, newId(), now]);
  for (let i = 0; i < 9; i++) await db.query(`insert into users (id, username, email, create_at, update_at) values ($1, $2, $3, $4, $4)`, [newId(), `member${i}`, `member${i}@example.com`, now]);
  await db.query(`insert into team_members (team_id, user_id, role, create_at) select $1, id, 'team_user', $2 from users`, [teamId, now]);
  const channels = [];
  for (let c = 0; c < 10; c++) {
    const id = newId();
    channels.push(id);
    await db.query(`insert into channels (id, team_id, type, name, display_name, create_at, update_at) values ($1, $2, 'O', $3, $3, $4, $4)`, [id, teamId, `bench-${c}`, now]);
    await db.query(`insert into channel_members (channel_id, user_id, create_at, last_update_at) select $1, id, $2, $2 from users`, [id, now]);
  }
  const t0 = Date.now();
  const insert = (channel, n, start) =>
    db.query(
      `insert into posts (id, channel_id, user_id, root_id, message, create_at, update_at)
       select substr(md5($1 || ($3::int8 + g)::text), 1, 26), $1, $2,
              case when g % 10 = 0 and g > 10 then substr(md5($1 || ($3::int8 + g - 10)::text), 1, 26) else '' end,
              'message number ' || g::text || ' about the release, the budget and the roadmap', $3::int8 + g, $3::int8 + g
       from generate_series(1, $4::int) g`,
      [channel, userId, start, n],
    );
  // Interleaved in time, as channels fill side by side.
  const chunk = 10_000;
  for (let off = 0; off < POSTS; off += chunk) {
    await insert(channels[0], Math.min(chunk, POSTS - off), now - 100_000_000 + off * 10);
    await insert(channels[1 + ((off / chunk) % 9)], Math.min(chunk, POSTS - off), now - 100_000_000 + off * 10 + 5);
  }
  await db.query(`update channels set total_msg_count = (select count(*) from posts where channel_id = channels.id), total_msg_count_root = (select count(*) from posts where channel_id = channels.id and root_id = '')`);
  if (ANALYZE_SEED) await db.exec('analyze');
  const cursors = (await db.query(`select id from posts where channel_id = $1 and create_at > $2 order by random() limit 2000`, [channels[0], now - 100_000_000 + 60 * 10])).map((r) => r.id);
  await db.close();
  log(`seeded ${2 * POSTS} posts in ${((Date.now() - t0) / 1000).toFixed(1)} s${ANALYZE_SEED ? ' (analyzed)' : ' (not analyzed)'}`);
  return { userId, sessionId, channels, cursors };
}

const freePort = () =>
  new Promise((resolvePort, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolvePort(port));
    });
  });
const childEnv = (extra) => ({ ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('RUSTCHAT_'))), ...extra });

async function startServer(tree, dataDir, secret) {
  const port = await freePort();
  const [cmd, pre] = BINARY && tree === root ? [join(root, 'dist/rustchat'), []] : [process.execPath, ['--import', 'tsx', join(tree, 'src/main.ts')]];
  const proc = spawn(cmd, [...pre, 'serve', '--port', String(port), '--host', '127.0.0.1', '--data-dir', dataDir], {
    cwd: tree,
    env: childEnv({ RUSTCHAT_JWT_SECRET: secret, RUSTCHAT_LOG_LEVEL: 'debug', RUSTCHAT_RATE_LIMIT_PER_SECOND: '0' }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout.on('data', (d) => (out = (out + d).slice(-500_000)));
  proc.stderr.on('data', (d) => (out = (out + d).slice(-500_000)));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 180_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`server exited (${proc.exitCode}): ${out.slice(-4000)}`);
    try {
      if ((await fetch(`${url}/api/v1/health/live`)).ok) break;
    } catch {}
    if (Date.now() > deadline) throw new Error(`server did not start: ${out.slice(-4000)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    url,
    output: () => out,
    stop: () =>
      new Promise((res) => {
        if (proc.exitCode !== null) return res();
        proc.on('exit', () => res());
        proc.kill('SIGTERM');
        setTimeout(() => proc.kill('SIGKILL'), 15_000).unref();
      }),
  };
}

function httpClient(base, headers) {
  const url = new URL(base);
  const agent = new Agent({ keepAlive: true, maxSockets: 256, timeout: 4000 });
  return (method, path, body) =>
    new Promise((res, reject) => {
      const payload = body === undefined ? undefined : Buffer.from(body);
      const req = httpRequest({ host: url.hostname, port: url.port, method, path, agent, headers: payload ? { ...headers, 'content-length': payload.length } : headers }, (r) => {
        let n = 0;
        r.on('data', (c) => (n += c.length));
        r.on('end', () => res({ status: r.statusCode, bytes: n }));
        r.on('error', reject);
      });
      req.on('error', reject);
      req.end(payload);
    });
}

async function pages(client, world) {
  const lat = [];
  for (let i = 0; i < PAGES; i++) {
    const before = i % 3 === 0 ? '' : `&before=${world.cursors[Math.floor(Math.random() * world.cursors.length)]}`;
    const t0 = performance.now();
    const r = await client('GET', `/api/v1/channels/${world.channels[0]}/posts?limit=60${before}`);
    lat.push(performance.now() - t0);
    if (r.status !== 200) throw new Error(`history: ${r.status}`);
  }
  return { p50: r1(pct(lat, 50)), p99: r1(pct(lat, 99)), max: r1(Math.max(...lat)) };
}

/** Posts at RATE/s in the other nine channels (open loop) while fn runs. */
async function withWrites(client, world, fn) {
  let stopped = false;
  const pending = [];
  let errors = 0;
  const writer = (async () => {
    const start = performance.now();
    for (let i = 0; !stopped; i++) {
      const wait = start + (i * 1000) / RATE - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      pending.push(client('POST', `/api/v1/channels/${world.channels[1 + (i % 9)]}/posts`, JSON.stringify({ message: `while reading ${i}` })).then((r) => r.status !== 201 && errors++, () => errors++));
    }
  })();
  try {
    return await fn();
  } finally {
    stopped = true;
    await writer;
    await Promise.all(pending);
    if (errors) log(`  ${errors} posts failed`);
  }
}

const seedDir = mkdtempSync(join(tmpdir(), 'rustchat-bench-reads-'));
const secret = randomBytes(24).toString('hex');
const results = [];
try {
  log(`load average ${load()} at the start; ${cpus().length} cores`);
  const world = await seed(seedDir);
  const trees = [['this tree', root], ...(BASELINE ? [['baseline', resolve(BASELINE)]] : [])];
  for (const [name, tree] of trees) {
    const dataDir = mkdtempSync(join(tmpdir(), 'rustchat-bench-reads-run-'));
    cpSync(seedDir, dataDir, { recursive: true });
    const server = await startServer(tree, dataDir, secret);
    try {
      const token = await signSessionToken({ jwtKey: new TextEncoder().encode(secret) }, world.sessionId, world.userId, Date.now());
      const client = httpClient(server.url, { authorization: `Bearer ${token}`, 'content-type': 'application/json' });
      await new Promise((r) => setTimeout(r, 10_000));
      const analyzed = [...server.output().matchAll(/statistics updated".*?"table":"([^"]+)".*?"ms":(\d+)/g)].map((m) => `${m[1]} ${m[2]} ms`);
      const loadA = load();
      const idle = await pages(client, world);
      const loadB = load();
      const busy = await withWrites(client, world, () => pages(client, world));
      const r = { name, idle, busy, analyzed, load: `${loadA} → ${loadB} → ${load()}` };
      results.push(r);
      log(JSON.stringify(r));
    } finally {
      await server.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }
} finally {
  rmSync(seedDir, { recursive: true, force: true });
}
log(`\n| server | history page p50 / p99 / max, idle | the same with ${RATE} posts/s being created | load average |`);
log('|---|---|---|---|');
for (const r of results) log(`| ${r.name} | ${r.idle.p50} / **${r.idle.p99}** / ${r.idle.max} ms | ${r.busy.p50} / **${r.busy.p99}** / ${r.busy.max} ms | ${r.load} |`);
for (const r of results) log(`- ${r.name}: tables analyzed in the first 10 s: ${r.analyzed.length ? r.analyzed.join(', ') : 'none'}`);
