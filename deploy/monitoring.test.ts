/**
 * deploy/grafana/rustchat.json and deploy/prometheus/rustchat-alerts.yml against live servers:
 * every PromQL expression parses (Prometheus' own lezer grammar), and every metric it selects,
 * with every label it matches on, is served by /metrics. Two servers are scraped, because some
 * series exist only in one mode: the embedded default (flush statistics) and PostgreSQL + Redis +
 * S3 (bus and storage counters, Redis state; needs RUSTCHAT_TEST_DATABASE_URL and
 * RUSTCHAT_TEST_REDIS_URL, s3rver stands in for S3).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parser } from '@prometheus-io/lezer-promql';
import type { SyntaxNode } from '@lezer/common';
import { parse } from 'yaml';
import { PrometheusRule } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1';
import { spawnServer, type ServerProcess } from '../test/process.ts';
import { createPgDatabase, TEST_PG_URL, TEST_REDIS_URL } from '../test/db.ts';
import { startS3rver, type S3Server } from '../test/files.ts';

const dashboard = JSON.parse(readFileSync(new URL('./grafana/rustchat.json', import.meta.url), 'utf8'));
const alerts = parse(readFileSync(new URL('./prometheus/rustchat-alerts.yml', import.meta.url), 'utf8'));
// Series Prometheus writes itself, per scrape target; labels it attaches to every series.
const PROMETHEUS_OWN = new Set(['up']);
const TARGET_LABELS = new Set(['instance', 'job']);
const external = !!(TEST_PG_URL && TEST_REDIS_URL);

let embedded: ServerProcess;
let scaled: ServerProcess | undefined;
let pg: Awaited<ReturnType<typeof createPgDatabase>>;
let s3: S3Server | undefined;
/** metric name -> label name -> values seen, over both scrapes. */
const served = new Map<string, Map<string, Set<string>>>();

async function scrape(s: ServerProcess) {
  // Traffic of each kind first, so the histogram has buckets for several classes.
  await fetch(`${s.url}/api/v1/health/live`);
  await fetch(`${s.url}/api/v1/no-such-route`);
  const res = await fetch(`${s.url}/metrics`);
  assert.is(res.status, 200);
  for (const line of (await res.text()).split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? \S+$/.exec(line);
    assert.ok(m, `exposition line: ${line}`);
    const labels = served.get(m![1]) ?? new Map<string, Set<string>>();
    served.set(m![1], labels);
    for (const [, k, v] of (m![2] ?? '').matchAll(/([a-zA-Z_]\w*)="((?:[^"\\]|\\.)*)"/g)) {
      if (!labels.has(k)) labels.set(k, new Set());
      labels.get(k)!.add(v);
    }
  }
}

test.before(async () => {
  try {
    embedded = await spawnServer({ timeoutMs: 90_000 });
    await scrape(embedded);
    if (external) {
      pg = await createPgDatabase();
      s3 = await startS3rver();
      scaled = await spawnServer({
        timeoutMs: 90_000,
        env: {
          RUSTCHAT_DATABASE_URL: pg!.url,
          RUSTCHAT_JWT_SECRET: randomBytes(24).toString('hex'),
          RUSTCHAT_REDIS_URL: TEST_REDIS_URL,
          RUSTCHAT_REDIS_CHANNEL_PREFIX: `mon-${randomBytes(6).toString('hex')}`,
          RUSTCHAT_S3_ENDPOINT: s3.endpoint,
          RUSTCHAT_S3_BUCKET: 'monitoring-test',
          RUSTCHAT_S3_ACCESS_KEY: 'S3RVER',
          RUSTCHAT_S3_SECRET_KEY: 'S3RVER',
          RUSTCHAT_S3_FORCE_PATH_STYLE: 'true',
          RUSTCHAT_S3_CREATE_BUCKET: 'true',
        },
      });
      await scrape(scaled);
    }
  } catch (e) {
    console.error('setup failed', e);
    throw e;
  }
});

test.after(async () => {
  await Promise.all([embedded?.stop(), scaled?.stop()]);
  await pg?.drop();
  await s3?.cleanup();
});

/** Grafana's variables replaced by values PromQL accepts. */
const grafanaToPromql = (e: string) => e.replaceAll('$__rate_interval', '5m').replaceAll('$__interval', '1m').replaceAll('$__range', '1h').replaceAll('$instance', '.*');

interface Selector {
  metric: string;
  matchers: { label: string; op: string; value: string }[];
}

/** Parses one expression; fails on a syntax error; returns its vector selectors. */
function selectors(expr: string, where: string): Selector[] {
  const tree = parser.parse(expr);
  const out: Selector[] = [];
  const errors: number[] = [];
  tree.iterate({
    enter(ref) {
      if (ref.type.isError) errors.push(ref.from);
      if (ref.name !== 'VectorSelector') return;
      const node: SyntaxNode = ref.node;
      const id = node.getChild('Identifier');
      const matchers = node.getChild('LabelMatchers')?.getChildren('UnquotedLabelMatcher') ?? [];
      out.push({
        metric: id ? expr.slice(id.from, id.to) : '',
        matchers: matchers.map((m) => ({
          label: expr.slice(m.getChild('LabelName')!.from, m.getChild('LabelName')!.to),
          op: expr.slice(m.getChild('MatchOp')!.from, m.getChild('MatchOp')!.to),
          value: JSON.parse(expr.slice(m.getChild('StringLiteral')!.from, m.getChild('StringLiteral')!.to)),
        })),
      });
    },
  });
  must(!errors.length, `${where}: PromQL syntax error at ${errors[0]} in ${expr}`);
  return out;
}

/** A plain Error (uvu's throws() re-raises its own assertion errors, so the self-test below needs these). */
function must(cond: unknown, message: string): asserts cond {
  if (!cond) throw new Error(message);
}

function checkExpr(expr: string, where: string): string[] {
  const sels = selectors(expr, where);
  must(sels.length > 0, `${where}: selects no metric: ${expr}`);
  for (const s of sels) {
    must(s.metric, `${where}: a selector without a metric name: ${expr}`);
    if (PROMETHEUS_OWN.has(s.metric)) continue;
    const labels = served.get(s.metric);
    must(labels, `${where}: ${s.metric} is not served by /metrics`);
    for (const m of s.matchers) {
      if (TARGET_LABELS.has(m.label)) continue;
      must(labels!.has(m.label), `${where}: ${s.metric} has no label ${m.label}`);
      if (m.op === '=') must(labels!.get(m.label)!.has(m.value), `${where}: ${s.metric}{${m.label}="${m.value}"} is never served (seen: ${[...labels!.get(m.label)!]})`);
    }
  }
  return sels.map((s) => s.metric);
}

const requireBoth = () => {
  if (!external && process.env.CI) throw new Error('RUSTCHAT_TEST_DATABASE_URL and RUSTCHAT_TEST_REDIS_URL are needed in CI');
  if (!external) console.log('[skip] the PostgreSQL + Redis + S3 scrape (set RUSTCHAT_TEST_DATABASE_URL and RUSTCHAT_TEST_REDIS_URL): series of that mode are not checked');
  return external;
};

test('every dashboard query parses and selects only served metrics and labels', () => {
  const full = requireBoth();
  const used = new Set<string>();
  let n = 0;
  for (const p of dashboard.panels) {
    for (const t of p.targets ?? []) {
      n++;
      const where = `panel "${p.title}"`;
      if (!full && /bus_|storage_|dependency="redis"/.test(t.expr)) continue;
      for (const m of checkExpr(grafanaToPromql(t.expr), where)) used.add(m);
    }
  }
  assert.ok(n >= 25, `${n} queries`);
  const v = dashboard.templating.list.find((x: { name: string }) => x.name === 'instance');
  const metric = /label_values\((\w+),/.exec(v.query.query)![1];
  assert.ok(served.has(metric), `the instance variable's ${metric}`);
  // The dashboard covers what the issue asks for.
  for (const m of ['rustchat_http_requests_total', 'rustchat_http_request_duration_seconds_bucket', 'rustchat_websocket_connections', 'rustchat_websocket_frames_sent_total', 'nodejs_eventloop_delay_p99_seconds', 'rustchat_db_pool_max_connections', 'rustchat_db_flushes_total', 'rustchat_dependency_up', 'process_resident_memory_bytes', 'process_cpu_seconds_total']) {
    assert.ok(used.has(m), `a panel shows ${m}`);
  }
});

test('every alert rule parses and selects only served metrics and labels; the group is a valid PrometheusRule', () => {
  const full = requireBoth();
  const rules = alerts.groups.flatMap((g: { rules: unknown[] }) => g.rules) as { alert: string; expr: string; labels: { severity: string }; annotations: { summary: string } }[];
  const names = rules.map((r) => r.alert);
  for (const a of ['RustChatDown', 'RustChatNotReady', 'RustChatHigh5xxRate', 'RustChatHighLatency', 'RustChatEventLoopLag', 'RustChatRedisDegraded', 'RustChatDiskAlmostFull', 'RustChatFlushFailing']) assert.ok(names.includes(a), a);
  assert.is(new Set(names).size, names.length, 'alert names are unique');
  for (const r of rules) {
    assert.ok(['critical', 'warning'].includes(r.labels.severity), `${r.alert}: severity`);
    assert.ok(r.annotations.summary, `${r.alert}: summary`);
    if (!full && /bus_|storage_|dependency="redis"/.test(r.expr)) continue;
    checkExpr(r.expr, `alert ${r.alert}`);
  }
  new PrometheusRule({ metadata: { name: 'rustchat' }, spec: alerts }).validate();
});

test('the check itself fails on an unknown metric, label or label value, and on bad syntax', () => {
  assert.throws(() => checkExpr('rate(rustchat_no_such_metric_total[5m])', 't'), /not served/);
  assert.throws(() => checkExpr('rustchat_http_requests_total{klass="2xx"}', 't'), /has no label klass/);
  assert.throws(() => checkExpr('rustchat_http_requests_total{class="6xx"}', 't'), /never served/);
  assert.throws(() => checkExpr('sum(rate(rustchat_http_requests_total[5m])', 't'), /syntax error/);
});

test.run();
