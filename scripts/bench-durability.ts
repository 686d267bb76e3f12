// Measures the embedded database's power-loss window: how long a committed write waits until the
// `syncfs` that covers it completes. Runs a steady stream of small commits against PGlite in a temp
// data directory (same filesystem as the project) for each flush interval, optionally while another
// process dirties the page cache, and prints the worst and median exposure per run.
//   node --import tsx scripts/bench-durability.ts [seconds-per-run]
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { openPglite } from '../src/db/pglite.ts';

const root = new URL('..', import.meta.url).pathname;
const seconds = Number(process.argv[2] ?? 10);

async function run(intervalMs: number, background: boolean) {
  mkdirSync(join(root, '.build'), { recursive: true });
  const dir = mkdtempSync(join(root, '.build', 'durability-'));
  const db = await openPglite({ dataDir: join(dir, 'pg'), flushIntervalMs: intervalMs });
  await db.exec('create table t (id serial primary key, body text not null, at bigint not null)');
  await db.flush();
  const before = db.stats!();
  // Background writer: 64 MB chunks of dirty pages on the same filesystem, as a busy host would have.
  const bg = background ? spawn('sh', ['-c', `while true; do dd if=/dev/zero of=${dir}/noise bs=1M count=64 status=none; done`], { stdio: 'ignore' }) : undefined;
  let commits = 0;
  const end = Date.now() + seconds * 1000;
  while (Date.now() < end) {
    await db.query('insert into t (body, at) values ($1, $2)', ['x'.repeat(200), Date.now()]);
    commits++;
    await new Promise((r) => setTimeout(r, 5));
  }
  bg?.kill('SIGKILL');
  const s = db.stats!();
  await db.close();
  rmSync(dir, { recursive: true, force: true });
  const flushes = s.flushes_total! - before.flushes_total!;
  return {
    interval_ms: intervalMs,
    background_io: background,
    commits,
    flushes,
    flush_ms_avg: Math.round(((s.flush_seconds_total! - before.flush_seconds_total!) / Math.max(1, flushes)) * 1000),
    flush_ms_max: Math.round(s.flush_seconds_max! * 1000),
    loss_window_ms_max: Math.round(s.unflushed_age_seconds_max! * 1000),
  };
}

const rows = [];
for (const [interval, bg] of [
  [0, false],
  [1000, false],
  [1000, true],
  [5000, false],
] as const) {
  const r = await run(interval, bg);
  rows.push(r);
  console.log(JSON.stringify(r));
}
console.log('\n| flush_interval_ms | background I/O | commits | flushes | flush avg | flush max | measured loss window (max) |');
console.log('|---|---|---|---|---|---|---|');
for (const r of rows) {
  console.log(`| ${r.interval_ms} | ${r.background_io ? 'yes' : 'no'} | ${r.commits} | ${r.flushes} | ${r.flush_ms_avg} ms | ${r.flush_ms_max} ms | ${r.loss_window_ms_max} ms |`);
}
