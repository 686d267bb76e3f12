/**
 * Does the postgres.js patch (patches/postgres+3.4.9.patch, issue 11 item 1) cost anything on the
 * write path? The installed (patched) driver and a copy of the same package with the patch
 * reversed run the post-create shape of work side by side in one process: rounds alternate
 * (patched, unpatched, patched, …) against the same scratch database, each round INSERT …
 * RETURNING plus an UPDATE of a counter row per "post", prepared, as src/db/postgres.ts sends
 * them, with a fixed number in flight. Reports process CPU per post and latency per round.
 *
 *   npm run bench:pg-driver -- [--posts 3000] [--rounds 5] [--in-flight 32]
 *
 * PostgreSQL: RUSTCHAT_BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres); a
 * scratch database is created there and dropped afterwards.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { randomBytes } from 'node:crypto';

const root = new URL('..', import.meta.url).pathname;
const args = process.argv.slice(2);
const opt = (name: string, def: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1] : def;
};
const POSTS = Number(opt('posts', '3000'));
const ROUNDS = Number(opt('rounds', '5'));
const IN_FLIGHT = Number(opt('in-flight', '32'));
const PG_BASE = process.env.RUSTCHAT_BENCH_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';

type Sql = {
  unsafe(text: string, params?: unknown[], opts?: { prepare?: boolean }): Promise<unknown[]>;
  end(opts?: { timeout?: number }): Promise<void>;
};
type Postgres = (url: string, opts: Record<string, unknown>) => Sql;

// The installed driver (patched by npm ci) and an unpatched copy of it.
const require = createRequire(import.meta.url);
// require.resolve gives <package>/cjs/src/index.js (the package does not export package.json).
const pkgDir = dirname(dirname(dirname(require.resolve('postgres'))));
const tmp = mkdtempSync(join(tmpdir(), 'rustchat-pg-unpatched-'));
const copy = join(tmp, 'postgres');
cpSync(pkgDir, copy, { recursive: true });
execFileSync('patch', ['-R', '-p3', '-s', '-d', copy, '-i', join(root, 'patches/postgres+3.4.9.patch')]);
const patched = (await import(pathToFileURL(join(pkgDir, 'src/index.js')).href)).default as Postgres;
const unpatched = (await import(pathToFileURL(join(copy, 'src/index.js')).href)).default as Postgres;

const name = `rc_bench_${randomBytes(4).toString('hex')}`;
const admin = patched(PG_BASE, { max: 1, onnotice: () => {} });
await admin.unsafe(`create database ${name}`);
const u = new URL(PG_BASE);
u.pathname = `/${name}`;
const url = u.toString();

const setup = patched(url, { max: 1, onnotice: () => {} });
await setup.unsafe(`create table posts (id text primary key, channel_id text not null, user_id text not null, message text not null, create_at bigint not null)`);
await setup.unsafe(`create table channels (id text primary key, total_msg_count bigint not null default 0, last_post_at bigint not null default 0)`);
await setup.unsafe(`insert into channels (id) select 'c' || g from generate_series(0, 7) g`);
await setup.end();

const options = { max: 10, onnotice: () => {}, idle_timeout: 60, connection: { application_name: 'rustchat-bench' } };
const drivers = { patched: patched(url, options), unpatched: unpatched(url, options) };

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};

async function round(sql: Sql, n: number) {
  const latencies: number[] = [];
  let next = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const worker = async () => {
    for (let i = next++; i < n; i = next++) {
      const started = performance.now();
      const ch = `c${i % 8}`;
      const at = Date.now();
      await sql.unsafe('insert into posts (id, channel_id, user_id, message, create_at) values ($1, $2, $3, $4, $5) returning id, create_at', [randomBytes(13).toString('hex'), ch, 'u1', `message ${i} about the release`, at], { prepare: true });
      await sql.unsafe('update channels set total_msg_count = total_msg_count + 1, last_post_at = greatest(last_post_at, $2) where id = $1', [ch, at], { prepare: true });
      latencies.push(performance.now() - started);
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  const wall = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  return { cpuMsPerPost: (cpu.user + cpu.system) / 1000 / n, postsPerSecond: (n / wall) * 1000, p50: pct(latencies, 50), p99: pct(latencies, 99) };
}

const load = loadavg().map((x) => x.toFixed(2)).join(' ');
let commit = '';
try {
  commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim();
} catch {}
console.log(`postgres.js patched vs unpatched: ${POSTS} posts per round, ${ROUNDS} rounds each, ${IN_FLIGHT} in flight; commit ${commit}; load ${load}`);
// Warm both (connections, prepared statements, optimised code).
for (const sql of Object.values(drivers)) await round(sql, Math.min(1000, POSTS));
const results: Record<string, Awaited<ReturnType<typeof round>>[]> = { patched: [], unpatched: [] };
for (let r = 0; r < ROUNDS; r++) {
  const order = r % 2 === 0 ? (['patched', 'unpatched'] as const) : (['unpatched', 'patched'] as const);
  for (const k of order) {
    const x = await round(drivers[k], POSTS);
    results[k].push(x);
    console.log(`  round ${r + 1} ${k.padEnd(9)} CPU ${x.cpuMsPerPost.toFixed(3)} ms/post, ${Math.round(x.postsPerSecond)} posts/s, p50 ${x.p50.toFixed(1)} ms, p99 ${x.p99.toFixed(1)} ms`);
  }
}
const median = (xs: number[]) => pct(xs, 50);
console.log('\n| driver | CPU ms/post (median of rounds) | posts/s (median) | p50 ms (median) | p99 ms (median) |');
console.log('|---|---|---|---|---|');
for (const k of ['patched', 'unpatched'] as const) {
  const xs = results[k];
  console.log(`| ${k} | ${median(xs.map((x) => x.cpuMsPerPost)).toFixed(3)} | ${Math.round(median(xs.map((x) => x.postsPerSecond)))} | ${median(xs.map((x) => x.p50)).toFixed(1)} | ${median(xs.map((x) => x.p99)).toFixed(1)} |`);
}
console.log(`load at the end: ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);

await Promise.all(Object.values(drivers).map((s) => s.end({ timeout: 5 })));
await admin.unsafe(`drop database ${name}`);
await admin.end();
rmSync(tmp, { recursive: true, force: true });
