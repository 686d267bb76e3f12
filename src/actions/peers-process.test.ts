/**
 * Two `serve` processes on one PostgreSQL database without Redis (issue 11, item 9): before, each
 * delivered only its own events and nothing said so. Now each finds the other through the
 * heartbeat rows, logs an error, reports `bus: isolated` on /health/ready (200, degraded) and
 * rustchat_bus_isolated 1; the same two with a shared Redis are not isolated; and a server left
 * alone stops reporting it. Needs RUSTCHAT_TEST_DATABASE_URL (and RUSTCHAT_TEST_REDIS_URL for the
 * second case).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { randomBytes } from 'node:crypto';
import { spawnServer, type ServerProcess } from '../../test/process.ts';
import { createPgDatabase, TEST_PG_URL, TEST_REDIS_URL } from '../../test/db.ts';
import { api, connect, ok, registerUser, until } from '../../test/realtime.ts';

let servers: ServerProcess[] = [];
let pg: Awaited<ReturnType<typeof createPgDatabase>>;

test.after.each(async () => {
  await Promise.all(servers.map((s) => s.stop()));
  servers = [];
  await pg?.drop();
  pg = undefined;
});

const ready = async (base: string) => {
  const res = await fetch(`${base}/api/v1/health/ready`);
  return { status: res.status, body: (await res.json()) as any };
};
const metric = async (base: string, name: string) => new RegExp(`^${name} (\\S+)$`, 'm').exec(await (await fetch(`${base}/metrics`)).text())?.[1];

test('two servers on one PostgreSQL without Redis: each reports bus isolated (log, readiness, metric); alone again, ok', async () => {
  if (!TEST_PG_URL) return console.log('  skipped: needs RUSTCHAT_TEST_DATABASE_URL');
  pg = await createPgDatabase();
  const env = { RUSTCHAT_DATABASE_URL: pg!.url, RUSTCHAT_JWT_SECRET: randomBytes(24).toString('hex') };
  const A = await spawnServer({ env });
  servers.push(A);
  // Alone: ok.
  await until(async () => (await ready(A.url)).body.checks.bus === 'ok', 'A reports its bus', 10_000);
  const B = await spawnServer({ env, args: ['--no-migrate'] });
  servers.push(B);

  // What users see: a post on A does not reach a socket on B (the fault being detected).
  const a = api(A.url);
  const admin = await registerUser(a, 'adm');
  const team = await ok(a('POST', '/teams', { type: 'O', name: `t${Date.now().toString(36)}`, display_name: 'Team' }, admin.token));
  const ch = await ok(a('POST', '/channels', { team_id: team.id, name: `c${Date.now().toString(36)}`, display_name: 'C', type: 'public' }, admin.token));
  const { c: onB } = await connect(B.url, admin.token);

  for (const s of [A, B]) {
    await until(async () => (await ready(s.url)).body.checks.bus === 'isolated', `${s.url} to report bus isolated`, 30_000, 250);
    const r = await ready(s.url);
    assert.is(r.status, 200, 'isolated is degraded, not unavailable');
    assert.is(r.body.status, 'degraded');
    assert.is(await metric(s.url, 'rustchat_bus_isolated'), '1');
    assert.is(await metric(s.url, 'rustchat_server_nodes'), '2');
    assert.match(s.output(), /"level":"error","msg":"other servers share this database without Redis/);
  }
  const post = await ok(a('POST', `/channels/${ch.id}/posts`, { message: 'on A' }, admin.token));
  const missed = await onB.nextEvent('posted', (f) => f.data.post.id === post.id, 1500).then(
    () => false,
    () => true,
  );
  assert.ok(missed, 'the post on A did not reach the socket on B (what the check reports)');
  onB.close();

  // B stops (its row is removed): A is alone again and says so.
  assert.is(await B.stop(), 0);
  servers = [A];
  await until(async () => (await ready(A.url)).body.status === 'ok', 'A ok once alone', 30_000, 250);
  assert.is(await metric(A.url, 'rustchat_bus_isolated'), '0');
  assert.match(A.output(), /every server on this database is reachable over the bus again/);
});

test('two servers on one PostgreSQL sharing Redis: not isolated', async () => {
  if (!TEST_PG_URL || !TEST_REDIS_URL) return console.log('  skipped: needs RUSTCHAT_TEST_DATABASE_URL and RUSTCHAT_TEST_REDIS_URL');
  pg = await createPgDatabase();
  const env = { RUSTCHAT_DATABASE_URL: pg!.url, RUSTCHAT_JWT_SECRET: randomBytes(24).toString('hex'), RUSTCHAT_REDIS_URL: TEST_REDIS_URL, RUSTCHAT_REDIS_CHANNEL_PREFIX: `test-${randomBytes(6).toString('hex')}` };
  const A = await spawnServer({ env });
  const B = await spawnServer({ env, args: ['--no-migrate'] });
  servers.push(A, B);
  await until(async () => (await metric(A.url, 'rustchat_server_nodes')) === '2' && (await metric(B.url, 'rustchat_server_nodes')) === '2', 'both see two servers', 20_000, 250);
  // Past the grace and silence windows (2 and 3 heartbeats of 5 s): still not isolated.
  await new Promise((r) => setTimeout(r, 16_000));
  for (const s of [A, B]) {
    const r = await ready(s.url);
    assert.is(r.body.checks.bus, 'ok', JSON.stringify(r.body));
    assert.is(r.body.status, 'ok');
    assert.is(await metric(s.url, 'rustchat_bus_isolated'), '0');
    assert.not.match(s.output(), /other servers share this database/);
  }
});

test.run();
