// Hand-written exposition (src/http/metrics.ts) against prom-client, measured in one run:
//  1. recording one HTTP request (in-flight gauge, counter and histogram by status class),
//  2. one scrape of the same series (process, HTTP histogram with every class filled, database
//     and dependency gauges; both run the same readiness checks),
//  3. what each costs a process: the bundle esbuild makes of it (minified) and the heap and RSS a
//     process holds after loading it, registering the series and serving 1,000 scrapes (fresh
//     child processes, measured after a full GC).
//   npm run bench:metrics
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import client from 'prom-client';
import { testApp } from '../test/app.ts';
import { renderMetrics, startRequest } from '../src/http/metrics.ts';
import { allReadinessChecks, runReadiness } from '../src/readiness.ts';

const root = new URL('..', import.meta.url).pathname;
const load0 = loadavg()[0];
const t = await testApp();
const deps = t.deps;

// --- prom-client with the same series -------------------------------------------------------
const reg = new client.Registry();
client.collectDefaultMetrics({ register: reg });
const inFlight = new client.Gauge({ name: 'rustchat_http_requests_in_flight', help: 'h', registers: [reg] });
const total = new client.Counter({ name: 'rustchat_http_requests_total', help: 'h', labelNames: ['class'], registers: [reg] });
const hist = new client.Histogram({ name: 'rustchat_http_request_duration_seconds', help: 'h', labelNames: ['class'], buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10], registers: [reg] });
const dbGauges = ['pool_max_connections', 'queries_total', 'query_errors_total', 'queries_in_flight', 'transactions_in_flight'].map((n) => new client.Gauge({ name: `rustchat_db_${n}`, help: 'h', labelNames: ['driver'], registers: [reg] }));
const ready = new client.Gauge({
  name: 'rustchat_dependency_up',
  help: 'h',
  labelNames: ['dependency'],
  registers: [reg],
  async collect() {
    const r = await runReadiness(allReadinessChecks(deps));
    for (const [k, v] of Object.entries(r.checks)) this.set({ dependency: k }, v === 'ok' ? 1 : 0);
    const s = deps.db.stats!();
    const vals = [s.pool_max, s.queries_total, s.query_errors_total, s.queries_in_flight, s.transactions_in_flight];
    dbGauges.forEach((g, i) => g.set({ driver: s.kind }, vals[i]));
  },
});
void ready;
const promRecord = (status: number, seconds: number) => {
  inFlight.inc();
  const c = `${Math.floor(status / 100)}xx`;
  inFlight.dec();
  total.inc({ class: c });
  hist.observe({ class: c }, seconds);
};
const oursRecord = (status: number, seconds: number) => startRequest(deps)(status, seconds);

// Fill every class in both, so the scrapes carry the same histogram series.
for (const st of [101, 200, 302, 404, 500]) for (let i = 0; i < 10; i++) (promRecord(st, i / 100), oursRecord(st, i / 100));

function perOp(fn: (i: number) => void, n: number): number {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) fn(i);
  return Number(process.hrtime.bigint() - t0) / n;
}
async function perScrape(fn: () => Promise<string>, n: number): Promise<{ us: number; bytes: number }> {
  let bytes = 0;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) bytes = (await fn()).length;
  return { us: Number(process.hrtime.bigint() - t0) / n / 1000, bytes };
}

const statuses = [200, 200, 200, 404, 500];
const rec = { ours: [] as number[], prom: [] as number[] };
const scr = { ours: [] as number[], prom: [] as number[] };
let bytes = { ours: 0, prom: 0 };
for (let round = 0; round < 5; round++) {
  rec.ours.push(perOp((i) => oursRecord(statuses[i % 5], (i % 300) / 1000), 1_000_000));
  rec.prom.push(perOp((i) => promRecord(statuses[i % 5], (i % 300) / 1000), 1_000_000));
  const o = await perScrape(() => renderMetrics(deps), 300);
  const p = await perScrape(() => reg.metrics(), 300);
  scr.ours.push(o.us);
  scr.prom.push(p.us);
  bytes = { ours: o.bytes, prom: p.bytes };
}
const median = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
await t.close();

// --- bundle size and resident cost, each in a fresh process ----------------------------------
const dir = mkdtempSync(join(tmpdir(), 'bench-metrics-'));
const entries: Record<string, string> = {
  baseline: `export async function setup() { return async () => ''; }`,
  ours: `import { family } from ${JSON.stringify(join(root, 'src/http/exposition.ts'))};
    import { processFamilies } from ${JSON.stringify(join(root, 'src/http/metrics-runtime.ts'))};
    export async function setup() { return async () => [...processFamilies(), family('x_total', 'counter', 'h', [[{ class: '2xx' }, 1]])].join('\\n'); }`,
  'prom-client': `import client from 'prom-client';
    export async function setup() { const reg = new client.Registry(); client.collectDefaultMetrics({ register: reg });
      new client.Counter({ name: 'x_total', help: 'h', labelNames: ['class'], registers: [reg] }).inc({ class: '2xx' });
      return () => reg.metrics(); }`,
};
const resident: Record<string, { bundle_kb: number; heap_mb: number; rss_mb: number }> = {};
for (const [name, code] of Object.entries(entries)) {
  const entry = join(dir, `${name}.ts`);
  writeFileSync(entry, `${code}
    (async () => {
      const scrape = await setup();
      for (let i = 0; i < 1000; i++) await scrape();
      globalThis.gc(); await new Promise((r) => setTimeout(r, 50)); globalThis.gc();
      const m = process.memoryUsage();
      process.stdout.write(JSON.stringify({ heap: m.heapUsed, rss: m.rss }));
    })();`);
  // CommonJS, as the server bundle is (build.mjs).
  const out = join(dir, `${name}.cjs`);
  await build({ entryPoints: [entry], bundle: true, minify: true, platform: 'node', format: 'cjs', outfile: out, nodePaths: [join(root, 'node_modules')], logLevel: 'error' });
  const m = JSON.parse(execFileSync(process.execPath, ['--expose-gc', out], { encoding: 'utf8' }));
  resident[name] = { bundle_kb: Math.round(statSync(out).size / 1024), heap_mb: m.heap / 2 ** 20, rss_mb: m.rss / 2 ** 20 };
}
rmSync(dir, { recursive: true, force: true });

const r1 = (n: number) => n.toFixed(1);
console.log(`load average (1 min): ${load0.toFixed(2)} at start, ${loadavg()[0].toFixed(2)} at end; ${process.version}\n`);
const promVersion = JSON.parse(readFileSync(join(root, 'node_modules/prom-client/package.json'), 'utf8')).version;
console.log(`| | hand-written (src/http/metrics.ts) | prom-client ${promVersion} |`);
console.log('|---|---|---|');
console.log(`| record one request (median of 5 × 1,000,000) | ${r1(median(rec.ours))} ns | ${r1(median(rec.prom))} ns |`);
console.log(`| one scrape, same series + readiness checks (median of 5 × 300) | ${r1(median(scr.ours))} µs (${bytes.ours} bytes) | ${r1(median(scr.prom))} µs (${bytes.prom} bytes) |`);
const b = resident.baseline;
const cost = (k: string) => `${resident[k].bundle_kb - b.bundle_kb} KB / ${r1(resident[k].heap_mb - b.heap_mb)} MB / ${r1(resident[k].rss_mb - b.rss_mb)} MB`;
console.log(`| bundle (minified) / heap / RSS over an empty process, after 1,000 scrapes | ${cost('ours')} | ${cost('prom-client')} |`);
