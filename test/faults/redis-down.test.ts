/**
 * Redis down for 10 s (issue 11, "Must show"): two `serve` processes on a PostgreSQL and a Redis
 * of the test's own, posts written to A under steady load, users' sockets on A and B. While Redis
 * is gone both processes keep serving: every post is answered 201 and stored, logins work (the
 * login limits fall back to in-process counting), a socket on A still gets A's posts at once
 * (what a user on B misses arrives when they refetch), readiness answers 200 `degraded` with
 * `redis: degraded` and rustchat_dependency_up{dependency="redis"} is 0. Redis back: readiness ok
 * on both without a restart, B's stream restarts with a fresh hello (its client refetches), posts
 * on A reach B again, no acknowledged post is missing, and the bus is not mistaken for isolated.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { randomBytes } from 'node:crypto';
import { spawnServer, type ServerProcess } from '../process.ts';
import { api, connect, freePort, ok, PrivateRedis, REDIS_SERVER, registerUser, until, type Api } from '../realtime.ts';
import { startPostLoad, summarize, type Load, type PostResult } from './load.ts';
import { PG_BIN, PrivatePostgres, skipCase } from './services.ts';

const OUTAGE_MS = 10_000;
const RATE = 30;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let A: ServerProcess | undefined;
let B: ServerProcess | undefined;
let pg: PrivatePostgres | undefined;
let redis: PrivateRedis | undefined;
let load: Load | undefined;

test.after(async () => {
  await load?.stop();
  await Promise.all([A?.stop('SIGKILL'), B?.stop('SIGKILL')]);
  await redis?.kill();
  await pg?.destroy();
});

const ready = async (base: string) => {
  const res = await fetch(`${base}/api/v1/health/ready`);
  return { status: res.status, body: (await res.json()) as any };
};
const redisUp = async (base: string) => /rustchat_dependency_up\{dependency="redis"\} (\d)/.exec(await (await fetch(`${base}/metrics`)).text())?.[1];

test('Redis down 10 s under load with two processes: both serve, posts stored, readiness degraded, realtime across processes resumes without a restart', async () => {
  if (!PG_BIN || !REDIS_SERVER) return skipCase('redis-down: needs PostgreSQL server binaries and redis-server');
  pg = await PrivatePostgres.create(await freePort());
  await pg.start();
  redis = new PrivateRedis(await freePort());
  await redis.start();
  const env = { RUSTCHAT_DATABASE_URL: pg.url, RUSTCHAT_JWT_SECRET: randomBytes(24).toString('hex'), RUSTCHAT_REDIS_URL: redis.url };
  A = await spawnServer({ env });
  B = await spawnServer({ env, args: ['--no-migrate'] });
  const a: Api = api(A.url);
  const b: Api = api(B.url);
  const admin = await registerUser(a, 'adm');
  const bob = await registerUser(a, 'bob');
  const team = await ok(a('POST', '/teams', { type: 'O', name: `t${Date.now().toString(36)}`, display_name: 'Team' }, admin.token));
  await ok(a('POST', `/teams/${team.id}/members`, { user_id: bob.id }, admin.token));
  const ch = await ok(a('POST', '/channels', { team_id: team.id, name: `c${Date.now().toString(36)}`, display_name: 'C', type: 'public' }, admin.token));
  await ok(a('POST', `/channels/${ch.id}/members`, { user_id: bob.id }, admin.token));
  const post = async (message: string) => (await ok(a('POST', `/channels/${ch.id}/posts`, { message }, admin.token))).id as string;

  const { c: bobA } = await connect(A.url, bob.token);
  const { c: bobB, hello: helloB } = await connect(B.url, bob.token);
  const p1 = await post('before');
  await bobA.nextEvent('posted', (f) => f.data.post.id === p1);
  await bobB.nextEvent('posted', (f) => f.data.post.id === p1);

  load = startPostLoad({ base: A.url, channelId: ch.id, tokens: [admin.token], perSecond: RATE, timeoutMs: 20_000 });
  await sleep(2000);

  await redis.kill();
  const downAt = load.now();
  const downClock = Date.now();
  for (const s of [A, B]) await until(async () => (await ready(s.url)).body.checks?.redis === 'degraded', `${s.url}: readiness to report redis degraded`, 8000);
  for (const s of [A, B]) {
    const r = await ready(s.url);
    assert.is(r.status, 200, `Redis is optional: still ready (${JSON.stringify(r.body)})`);
    assert.is(r.body.status, 'degraded');
    assert.is(r.body.checks.database, 'ok');
    assert.is(await redisUp(s.url), '0');
  }
  // Logging in works on both (the login limits count in-process meanwhile), promptly.
  for (const x of [a, b]) {
    const started = performance.now();
    const login = await x('POST', '/auth/login', { login_id: bob.username, password: 'correct horse battery' });
    assert.is(login.status, 200, `login during the outage: ${JSON.stringify(login.body)}`);
    assert.ok(performance.now() - started < 3000, `login answered in ${Math.round(performance.now() - started)} ms`);
  }
  // A's own sockets still get A's posts at once; B's do not (nothing carries them there).
  const p2 = await post('during outage');
  await bobA.nextEvent('posted', (f) => f.data.post.id === p2, 3000);
  // Reading on B works: the post is there for a client that refetches.
  const page = await ok(b('GET', `/channels/${ch.id}/posts`, undefined, bob.token));
  assert.ok(page.items.some((p: any) => p.id === p2), 'B serves what A stored');
  await sleep(Math.max(0, OUTAGE_MS - (Date.now() - downClock)));
  assert.is(A.proc.exitCode, null, 'A survived');
  assert.is(B.proc.exitCode, null, 'B survived');

  await redis.start();
  const upAt = load.now();
  const back = performance.now();
  for (const s of [A, B]) await until(async () => (await ready(s.url)).body.status === 'ok', `${s.url}: readiness ok once Redis is back`, 10_000);
  const readyMs = performance.now() - back;
  // B's stream may have a gap (it missed p2 and the load's posts): it restarts with a fresh hello.
  const fresh = await bobB.nextEvent('hello', () => true, 15_000);
  assert.is(fresh.seq, 0);
  assert.is.not(fresh.data.connection_id, helloB.data.connection_id);
  // Realtime across processes is back.
  const p3 = await post('after');
  await bobB.nextEvent('posted', (f) => f.data.post.id === p3, 5000);
  await bobA.nextEvent('posted', (f) => f.data.post.id === p3, 5000);
  await sleep(1000);
  const results = await load.stop();
  load = undefined;
  bobA.close();
  bobB.close();

  // Every post answered 201 before, during and after the outage, and every one is stored.
  const bad = results.filter((r) => r.status !== 201);
  assert.is(bad.length, 0, `answers other than 201: ${summarize(bad)}`);
  const during = results.filter((r) => r.at >= downAt && r.at <= upAt);
  assert.ok(during.length >= RATE * 5, `posts during the outage (${during.length})`);
  const acked = results.filter((r): r is PostResult & { id: string } => r.status === 201 && !!r.id);
  const found = await pg.admin(async (sql) => new Set((await sql`select id from posts where id = any(${acked.map((r) => r.id)})`).map((r) => r.id as string)), 'rustchat');
  const missing = acked.filter((r) => !found.has(r.id));
  assert.is(missing.length, 0, `${missing.length} of ${acked.length} acknowledged posts are missing`);

  for (const s of [A, B]) {
    const out = s.output();
    assert.is(s.proc.exitCode, null);
    assert.not.match(out, /unhandled error|uncaught|"level":"fatal"/i, `no unhandled error:\n${out.slice(-2000)}`);
    assert.not.match(out, /other servers share this database/, 'the Redis outage is not reported as an isolated bus');
    assert.match(out, /redis bus error/, 'the outage is logged');
  }
  assert.match(B.output(), /redis bus reconnected/, 'the recovery is logged');
  for (const s of [A, B]) console.log(`  log lines at warn/error: ${s.output().split("\n").filter((l) => /"level":"(warn|error)"/.test(l)).map((l) => JSON.parse(l).msg).join(" | ")}`);
  const slowest = Math.max(...results.map((r) => r.ms));
  console.log(`  ${results.length} posts (${summarize(results)}), ${during.length} during the outage; slowest ${Math.round(slowest)} ms; ready ${Math.round(readyMs)} ms after Redis returned`);
});

test.run();
