import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { testApp, testConfig, type TestContext } from '../../../test/app.ts';

let t: TestContext;
test.before(async () => {
  t = await testApp();
});
test.after(async () => {
  await t.close();
});

/** Parses Prometheus text into {"name{labels}": value}, checking every line's syntax. */
function parseMetrics(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.trimEnd().split('\n')) {
    if (line.startsWith('# HELP ') || line.startsWith('# TYPE ')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\{[^}]*\})?) (-?[0-9.e+-]+|NaN|\+Inf)$/.exec(line);
    assert.ok(m, `not a Prometheus sample line: ${line}`);
    out.set(m![1], Number(m![2]));
  }
  return out;
}

test('live answers 200 with a request id', async () => {
  const r = await t.req('GET', '/api/v1/health/live');
  assert.is(r.status, 200);
  assert.equal(r.body, { status: 'ok' });
  assert.ok(r.headers.get('x-request-id'));
});

test('ready checks the database, and turns 503 naming a failed required check', async () => {
  const ok = await t.req('GET', '/api/v1/health/ready');
  assert.is(ok.status, 200);
  assert.is(ok.body.checks.database, 'ok');
  const checks = t.deps.services.readiness;
  checks.push({ name: 'flaky', required: true, check: async () => Promise.reject(new Error('down for the test')) });
  try {
    const down = await t.req('GET', '/api/v1/health/ready');
    assert.is(down.status, 503);
    assert.equal(down.body.checks, { database: 'ok', flaky: 'down' });
  } finally {
    checks.pop();
  }
});

const scrape = (path = '/api/v1/health/metrics', o: { ip?: string; headers?: Record<string, string> } = { ip: '127.0.0.1' }) => t.req('GET', path, o);

test('metrics: Prometheus text with process, HTTP by status class, and database pool', async () => {
  const first = await scrape();
  assert.is(first.status, 200);
  assert.match(first.headers.get('content-type') ?? '', 'text/plain; version=0.0.4');
  const m1 = parseMetrics(first.body);
  await t.req('GET', '/api/v1/no-such-route');
  await t.req('GET', '/api/v1/health/live');
  const m2 = parseMetrics((await scrape()).body);

  assert.ok(m2.get('process_resident_memory_bytes')! > 10e6);
  assert.ok(m2.get('rustchat_uptime_seconds')! > 0);
  assert.is(m2.get('rustchat_http_requests_total{class="4xx"}')! - (m1.get('rustchat_http_requests_total{class="4xx"}') ?? 0), 1);
  // The 2xx delta counts /live and the first /metrics scrape (answered after it was rendered).
  assert.is(m2.get('rustchat_http_requests_total{class="2xx"}')! - m1.get('rustchat_http_requests_total{class="2xx"}')!, 2);
  assert.is(m2.get('rustchat_http_request_duration_seconds_count{class="4xx"}'), m2.get('rustchat_http_requests_total{class="4xx"}'));
  assert.is(m2.get('rustchat_http_request_duration_seconds_bucket{class="2xx",le="+Inf"}'), m2.get('rustchat_http_requests_total{class="2xx"}'));
  assert.is(m2.get('rustchat_http_requests_in_flight'), 1, 'the scrape itself');
  const driver = t.deps.db.kind;
  assert.is(m2.get(`rustchat_db_pool_max_connections{driver="${driver}"}`), driver === 'pglite' ? 1 : 20);
  assert.ok(m2.get(`rustchat_db_queries_total{driver="${driver}"}`)! > 0);
  assert.is(m2.get('rustchat_websocket_connections'), 0);
  assert.ok([...m2.keys()].some((k) => k.startsWith('rustchat_build_info{version=')));
});

test('metrics: process CPU and descriptors, readiness and dependency state, the bus', async () => {
  const m = parseMetrics((await scrape()).body);
  assert.ok(m.get('process_cpu_seconds_total')! > 0);
  assert.ok(Math.abs(m.get('process_cpu_user_seconds_total')! + m.get('process_cpu_system_seconds_total')! - m.get('process_cpu_seconds_total')!) < 1e-3);
  assert.ok(m.get('process_open_fds')! > 0 && m.get('process_open_fds')! < m.get('process_max_fds')!);
  assert.is(m.get('rustchat_ready'), 1);
  assert.is(m.get('rustchat_dependency_up{dependency="database"}'), 1);
  assert.is(m.get('rustchat_bus_info{bus="memory"}'), 1);
  const checks = t.deps.services.readiness;
  checks.push({ name: 'redis', required: false, check: async () => 'degraded' }, { name: 's3', required: true, check: async () => Promise.reject(new Error('down for the test')) });
  try {
    const down = parseMetrics((await scrape()).body);
    assert.is(down.get('rustchat_ready'), 0, 'a required dependency is down');
    assert.is(down.get('rustchat_dependency_up{dependency="redis"}'), 0, 'degraded counts as not up');
    assert.is(down.get('rustchat_dependency_up{dependency="s3"}'), 0);
    assert.is(down.get('rustchat_dependency_up{dependency="database"}'), 1);
  } finally {
    checks.splice(-2);
  }
});

test('metrics at /metrics too; only for metrics.allow_from or the token', async () => {
  const root = await scrape('/metrics');
  assert.is(root.status, 200);
  assert.match(root.body, /^rustchat_http_requests_total\{class="2xx"\} \d+$/m);
  for (const ip of ['10.1.2.3', '::ffff:192.168.1.9', 'fd00::5', '::1']) assert.is((await scrape('/metrics', { ip })).status, 200, ip);
  const outside = await scrape('/metrics', { ip: '203.0.113.7' });
  assert.is(outside.status, 403);
  assert.is(outside.body.error.code, 'metrics_forbidden');
  assert.is((await scrape('/api/v1/health/metrics', { ip: '203.0.113.7' })).status, 403, 'the same rule on the API path');
  assert.is((await scrape('/metrics', {})).status, 403, 'no known address');

  const t2 = await testApp({ config: { 'metrics.allow_from': '198.51.100.0/24', 'metrics.token': 'a-long-scrape-token-123' } });
  try {
    const get = (ip: string, token?: string) => t2.req('GET', '/metrics', { ip, headers: token ? { authorization: `Bearer ${token}` } : {} });
    assert.is((await get('198.51.100.20')).status, 200, 'in the configured range');
    assert.is((await get('127.0.0.1')).status, 403, 'loopback is not special once the list is set');
    assert.is((await get('203.0.113.7', 'a-long-scrape-token-123')).status, 200, 'the token works from anywhere');
    assert.is((await get('203.0.113.7', 'a-long-scrape-token-124')).status, 403, 'a wrong token does not');
  } finally {
    await t2.close();
  }
});

test('metrics.allow_from and metrics.token are validated at start, naming the key', () => {
  assert.throws(() => testConfig({ 'metrics.allow_from': '10.0.0.0/8, 300.1.1.1/8' }), /metrics\.allow_from: "300\.1\.1\.1\/8" is not an IP address/);
  assert.throws(() => testConfig({ 'metrics.allow_from': '10.0.0.0/33' }), /metrics\.allow_from: .*prefix length/);
  assert.throws(() => testConfig({ 'metrics.token': 'short' }), /metrics\.token: must be at least 16/);
  assert.is(testConfig({ 'metrics.allow_from': '' }).metrics.allow_from, '');
});

test.run();
