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
import { randomBytes } from 'node:crypto';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir, cpus } from 'node:os';
import { join, resolve } from 'node:path';
import { openPglite } from '../src/db/pglite.ts';
import { migrate } from '../src/db/migrate.ts';
import { benchToken, cliArgs, httpClient, load, log, pct, r1, root, rustchatCommand, seedWorld, startServer } from './bench-common.mjs';

const { opt, flag } = cliArgs();
const POSTS = Number(opt('posts', '100000'));
const PAGES = Number(opt('pages', '300'));
const RATE = Number(opt('rate', '50'));
const BINARY = flag('binary');
const BASELINE = opt('baseline', '');
const ANALYZE_SEED = flag('analyze-seed');

async function seed(dataDir) {
  const db = await openPglite({ dataDir: join(dataDir, 'pg') });
  await migrate(db);
  const { now, userId, sessionId, channels } = await seedWorld((s, p) => db.query(s, p));
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

/** `serve` of a source tree (dist/rustchat for this one with --binary), at log level debug: its statistics lines are read. */
const startTree = (tree, dataDir, secret) =>
  startServer({ command: rustchatCommand(BINARY && tree === root, tree), cwd: tree, dataDir, keep: 500_000, env: { RUSTCHAT_JWT_SECRET: secret, RUSTCHAT_LOG_LEVEL: 'debug' } });

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
    const server = await startTree(tree, dataDir, secret);
    try {
      const token = await benchToken(secret, world);
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
