/**
 * PostgreSQL lost under write load (issue 11, items 1 and 2). A `serve` process on a PostgreSQL
 * cluster and a Redis of this test's own takes ~200 posts/s while its backends are terminated
 * five times and the postmaster is killed with SIGKILL and started again. The process must
 * survive (postgres.js 3.4.9 threw a TypeError from a setImmediate in `nextWrite` here and the
 * process exited 1), answer 503 database_unavailable while the database is gone — never 500,
 * never a hang —, be ready again within 10 s of the database, and every post it acknowledged
 * with a 2xx must be in the database afterwards.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { randomBytes } from 'node:crypto';
import { spawnServer, type ServerProcess } from '../process.ts';
import { api, freePort, ok, PrivateRedis, REDIS_SERVER, registerUser, until } from '../realtime.ts';
import { PG_BIN, PrivatePostgres, skipCase } from './services.ts';
import { startPostLoad, summarize, type PostResult } from './load.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
let server: ServerProcess | undefined;
let pg: PrivatePostgres | undefined;
let redis: PrivateRedis | undefined;
let load: ReturnType<typeof startPostLoad> | undefined;

test.after(async () => {
  await server?.stop('SIGKILL');
  await load?.stop();
  await redis?.kill();
  await pg?.destroy();
});

const USERS = 25;
/** Posts per second (the issue's ~200/s); RUSTCHAT_FAULT_RATE lowers it on a machine that cannot serve that many. */
const RATE = Number(process.env.RUSTCHAT_FAULT_RATE || 200);

test('backends terminated ×5 and the postmaster killed under write load: the process survives, answers 503, recovers, keeps every acknowledged post', async () => {
  if (!PG_BIN || !REDIS_SERVER) {
    skipCase('postgres-driver: needs PostgreSQL server binaries (/usr/lib/postgresql/*/bin) and redis-server');
    return;
  }
  pg = await PrivatePostgres.create(await freePort());
  await pg.start();
  redis = new PrivateRedis(await freePort());
  await redis.start();
  server = await spawnServer({
    env: { RUSTCHAT_DATABASE_URL: pg.url, RUSTCHAT_REDIS_URL: redis.url, RUSTCHAT_JWT_SECRET: randomBytes(24).toString('hex') },
  });
  const a = api(server.url);
  const admin = await registerUser(a, 'adm');
  const users = [admin];
  for (let i = 1; i < USERS; i++) users.push(await registerUser(a, 'w'));
  const team = await ok(a('POST', '/teams', { type: 'O', name: `t${Date.now().toString(36)}`, display_name: 'Team' }, admin.token));
  const ch = await ok(a('POST', '/channels', { team_id: team.id, name: `c${Date.now().toString(36)}`, display_name: 'C', type: 'public' }, admin.token));
  for (const u of users.slice(1)) {
    await ok(a('POST', `/teams/${team.id}/members`, { user_id: u.id }, admin.token));
    await ok(a('POST', `/channels/${ch.id}/members`, { user_id: u.id }, admin.token));
  }
  let lastReady = '';
  /** The server's log without the request lines. */
  const notes = () =>
    server!
      .output()
      .split('\n')
      .filter((l) => !l.includes('"msg":"request"'))
      .slice(-40)
      .join('\n')
      .slice(-6000);
  const ready = async () => {
    const r = await a('GET', '/health/ready');
    lastReady = `${r.status} ${JSON.stringify(r.body)}`;
    return r.status;
  };

  load = startPostLoad({ base: server.url, channelId: ch.id, tokens: users.map((u) => u.token), perSecond: RATE, maxInFlight: 256, timeoutMs: 60_000 });
  await sleep(1500);

  // 1. The server's backends terminated five times, 700 ms apart.
  let terminated = 0;
  for (let i = 0; i < 5; i++) {
    terminated += await pg.terminateBackends();
    await sleep(700);
  }
  assert.ok(terminated >= 5, `backends were terminated (${terminated})`);
  await sleep(1000);
  assert.is(server.proc.exitCode, null, `the process survived the terminated backends:\n${server.output().slice(-3000)}`);

  // 2. The postmaster killed; 5 s without a database.
  await pg.kill9();
  const outageFrom = load.now();
  await until(async () => (await ready()) === 503, 'readiness to answer 503 without a database', 10_000);
  await sleep(5000);
  const outageTo = load.now();
  assert.is(server.proc.exitCode, null, `the process survived the postmaster's death:\n${server.output().slice(-3000)}`);

  // 3. The database back: ready again within 10 s, without a restart; posts succeed again.
  await pg.start();
  const back = performance.now();
  await until(async () => (await ready()) === 200, 'readiness after the database came back', 10_000, 100).catch((e) => {
    throw new Error(`${e.message}; ready answers ${lastReady}\n${notes()}`);
  });
  const readyMs = performance.now() - back;
  const readyAt = load.now();
  await sleep(2000);
  const results = await load.stop();

  assert.is(server.proc.exitCode, null, 'the process is still running');
  const out = server.output();
  assert.not.ok(/TypeError|uncaught|unhandled rejection|unhandled error/i.test(out), `no uncaught error in the log:\n${out.slice(-3000)}`);
  assert.match(out, /database unavailable: requests answer 503/, 'the outage is logged');
  assert.match(out, /database available again/, 'the recovery is logged');
  assert.ok(readyMs <= 10_000, `ready ${Math.round(readyMs)} ms after the database came back (at ${new Date(Date.now() - (performance.now() - back)).toISOString()})\n${notes()}`);

  const summary = summarize(results);
  const timeline = results.filter((r) => r.status !== 201).map((r) => `${Math.round(r.at)}+${Math.round(r.ms)}:${r.status}`).slice(0, 60).join(' ');
  console.log(`  outage ${Math.round(outageFrom)}..${Math.round(outageTo)}, ready at ${Math.round(readyAt)}; non-201: ${timeline}`);
  // Every answer is a 201 or a 503 database_unavailable — never a 500, a dropped connection or a
  // client timeout. (How fast the 503 comes is database-down.test.ts's business: at 200 posts/s on
  // a shared 2-core machine the answer times here measure the machine's backlog.)
  const bad = results.filter((r) => r.status !== 201 && !(r.status === 503 && r.code === 'database_unavailable'));
  assert.is(bad.length, 0, `answers other than 201 or 503 database_unavailable: ${summarize(bad)}`);
  const during = results.filter((r) => r.at >= outageFrom + 1000 && r.at <= outageTo);
  assert.ok(during.length > 100 && during.every((r) => r.status === 503), `503 while the database was gone (${summarize(during)})`);
  // Every acknowledged post is in the database.
  const acked = results.filter((r): r is PostResult & { id: string } => r.status === 201 && !!r.id);
  assert.ok(acked.length > RATE * 2, `posts were acknowledged (${acked.length})`);
  const found = await pg.admin(async (sql) => {
    const rows = await sql`select id from posts where id = any(${acked.map((r) => r.id)})`;
    return new Set(rows.map((r) => r.id as string));
  }, 'rustchat');
  const missing = acked.filter((r) => !found.has(r.id));
  assert.is(missing.length, 0, `${missing.length} of ${acked.length} acknowledged posts are missing`);
  const slowest = Math.max(...results.map((r) => r.ms));
  const worst = [...results].sort((x, y) => y.ms - x.ms).slice(0, 8).map((r) => `${Math.round(r.at)}+${Math.round(r.ms)}:${r.status}`);
  console.log(`  slowest answers (sent+ms:status): ${worst.join(' ')}`);
  console.log(`  ${results.length} posts sent (${summary}); slowest answer ${Math.round(slowest)} ms; ready ${Math.round(readyMs)} ms after the database returned; ${load!.skipped()} not sent (in-flight cap)`);
});

test.run();
