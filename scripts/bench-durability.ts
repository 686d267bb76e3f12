// Measures the embedded database's power-loss window: how long a committed write waits until the
// flush that covers it completes. Runs a steady stream of small commits against PGlite in a temp
// data directory (same filesystem as the project) for each flush interval, optionally while another
// process dirties the page cache, and prints the worst exposure per run. Each row runs twice: with
// the server's flush (fdatasync/fsync of the files PGlite wrote, src/db/durable-dir.ts) and, as the
// baseline in the same run, with the flush it replaced (`sync -f`, i.e. syncfs of the whole
// filesystem, as a subprocess) driven by the same timer logic.
//   node --import tsx scripts/bench-durability.ts [seconds-per-run]
import { execFile, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { openPglite } from '../src/db/pglite.ts';

const root = new URL('..', import.meta.url).pathname;
const seconds = Number(process.argv[2] ?? 10);
type Method = 'fdatasync' | 'syncfs';

const syncfs = (dir: string) => new Promise<void>((resolve, reject) => execFile('sync', ['-f', dir], (e) => (e ? reject(e) : resolve())));

async function run(intervalMs: number, background: boolean, method: Method) {
  mkdirSync(join(root, '.build'), { recursive: true });
  const dir = mkdtempSync(join(root, '.build', 'durability-'));
  const pgDir = join(dir, 'pg');
  // The baseline keeps the driver's own flush out of the way (a one-hour interval) and flushes
  // with syncfs on the same schedule instead.
  const db = await openPglite({ dataDir: pgDir, flushIntervalMs: method === 'fdatasync' ? intervalMs : 3_600_000 });
  await db.exec('create table t (id serial primary key, body text not null, at bigint not null)');
  await db.flush();
  const before = db.stats!();
  const base = { flushes: 0, seconds: 0, max: 0, windowMax: 0 };
  let pendingSince = 0;
  let timer: NodeJS.Timeout | undefined;
  const baselineFlush = async () => {
    const covered = pendingSince;
    pendingSince = 0;
    const t = performance.now();
    await syncfs(pgDir);
    const s = (performance.now() - t) / 1000;
    base.flushes++;
    base.seconds += s;
    base.max = Math.max(base.max, s);
    base.windowMax = Math.max(base.windowMax, (Date.now() - covered) / 1000);
  };
  // Background writer: 64 MB chunks of dirty pages on the same filesystem, as a busy host would have.
  const bg = background ? spawn('sh', ['-c', `while true; do dd if=/dev/zero of=${dir}/noise bs=1M count=64 status=none; done`], { stdio: 'ignore' }) : undefined;
  let commits = 0;
  const end = Date.now() + seconds * 1000;
  while (Date.now() < end) {
    await db.query('insert into t (body, at) values ($1, $2)', ['x'.repeat(200), Date.now()]);
    if (method === 'syncfs') {
      pendingSince ||= Date.now();
      if (intervalMs === 0) await baselineFlush();
      else
        timer ??= setTimeout(() => {
          timer = undefined;
          void baselineFlush();
        }, intervalMs);
    }
    commits++;
    await new Promise((r) => setTimeout(r, 5));
  }
  if (timer) clearTimeout(timer);
  bg?.kill('SIGKILL');
  const s = db.stats!();
  await db.close();
  rmSync(dir, { recursive: true, force: true });
  const flushes = method === 'syncfs' ? base.flushes : s.flushes_total! - before.flushes_total!;
  const flushSeconds = method === 'syncfs' ? base.seconds : s.flush_seconds_total! - before.flush_seconds_total!;
  return {
    method,
    interval_ms: intervalMs,
    background_io: background,
    commits,
    flushes,
    flush_ms_avg: Math.round((flushSeconds / Math.max(1, flushes)) * 1000),
    flush_ms_max: Math.round((method === 'syncfs' ? base.max : s.flush_seconds_max!) * 1000),
    loss_window_ms_max: Math.round((method === 'syncfs' ? base.windowMax : s.unflushed_age_seconds_max!) * 1000),
  };
}

const rows = [];
const load0 = loadavg()[0];
for (const [interval, bg] of [
  [0, false],
  [1000, false],
  [1000, true],
  [5000, false],
] as const) {
  for (const method of ['fdatasync', 'syncfs'] as const) {
    const r = await run(interval, bg, method);
    rows.push(r);
    console.log(JSON.stringify(r));
  }
}
console.log(`\nload average (1 min) at start ${load0.toFixed(2)}, at end ${loadavg()[0].toFixed(2)}`);
console.log('\n| flush_interval_ms | background I/O | flush | commits | flushes | flush avg | flush max | measured loss window (max) |');
console.log('|---|---|---|---|---|---|---|---|');
for (const r of rows) {
  const how = r.method === 'fdatasync' ? 'fdatasync/fsync of written files' : 'syncfs (`sync -f`, before)';
  console.log(`| ${r.interval_ms} | ${r.background_io ? 'yes' : 'no'} | ${how} | ${r.commits} | ${r.flushes} | ${r.flush_ms_avg} ms | ${r.flush_ms_max} ms | ${r.loss_window_ms_max} ms |`);
}
