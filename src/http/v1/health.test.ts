import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { testApp, type TestContext } from '../../../test/app.ts';
import { readinessChecks } from './health.ts';

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
  const checks = readinessChecks(t.deps.local);
  checks.push({ name: 'flaky', required: true, check: async () => Promise.reject(new Error('down for the test')) });
  try {
    const down = await t.req('GET', '/api/v1/health/ready');
    assert.is(down.status, 503);
    assert.equal(down.body.checks, { database: 'ok', flaky: 'down' });
  } finally {
    checks.pop();
  }
});

test('metrics: Prometheus text with process, HTTP by status class, and database pool', async () => {
  const first = await t.req('GET', '/api/v1/health/metrics');
  assert.is(first.status, 200);
  assert.match(first.headers.get('content-type') ?? '', 'text/plain; version=0.0.4');
  const m1 = parseMetrics(first.body);
  await t.req('GET', '/api/v1/no-such-route');
  await t.req('GET', '/api/v1/health/live');
  const m2 = parseMetrics((await t.req('GET', '/api/v1/health/metrics')).body);

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

test.run();
