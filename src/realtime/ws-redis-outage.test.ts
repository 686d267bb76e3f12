/**
 * Redis killed and restarted under two running `serve` processes (a private redis-server on a
 * free port, never the shared one): local delivery continues, /health/ready says degraded,
 * streams that may have a gap restart with a fresh hello, and cross-process delivery comes back
 * without restarting the servers. Needs RUSTCHAT_TEST_DATABASE_URL and a redis-server binary.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { randomBytes } from 'node:crypto';
import { spawnServer, type ServerProcess } from '../../test/process.ts';
import { createPgDatabase, TEST_PG_URL } from '../../test/db.ts';
import { api, connect, freePort, ok, PrivateRedis, REDIS_SERVER, registerUser, until, type Api } from '../../test/realtime.ts';

const enabled = !!(TEST_PG_URL && REDIS_SERVER);
let A: ServerProcess;
let B: ServerProcess;
let redis: PrivateRedis;
let pg: Awaited<ReturnType<typeof createPgDatabase>>;

test.after(async () => {
  await Promise.all([A?.stop(), B?.stop()]);
  await redis?.kill();
  await pg?.drop();
});

test('Redis down and back: local delivery goes on, ready is degraded, cross-process delivery returns', async () => {
  if (!enabled) return console.log('  skipped: needs RUSTCHAT_TEST_DATABASE_URL and redis-server');
  redis = new PrivateRedis(await freePort());
  await redis.start();
  pg = await createPgDatabase();
  const env = { RUSTCHAT_DATABASE_URL: pg!.url, RUSTCHAT_JWT_SECRET: randomBytes(24).toString('hex'), RUSTCHAT_REDIS_URL: redis.url };
  A = await spawnServer({ env });
  B = await spawnServer({ env });
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

  await redis.kill();
  for (const x of [a, b]) await until(async () => (await x('GET', '/health/ready')).body?.checks?.redis === 'degraded', 'ready to report redis degraded');
  const ready = await a('GET', '/health/ready');
  assert.is(ready.status, 200, 'Redis is optional: still ready');
  assert.is(ready.body.checks.redis, 'degraded');

  // Local delivery continues on A, and the server answers normally.
  const p2 = await post('during outage');
  await bobA.nextEvent('posted', (f) => f.data.post.id === p2);

  await redis.start();
  for (const x of [a, b]) await until(async () => (await x('GET', '/health/ready')).body?.checks?.redis === 'ok', 'ready to report redis ok again');
  // B's stream may have a gap (it missed p2): it restarts with a fresh hello; the client refetches.
  const fresh = await bobB.nextEvent('hello', () => true, 15_000);
  assert.is(fresh.seq, 0);
  assert.is.not(fresh.data.connection_id, helloB.data.connection_id);
  const history = await ok(b('GET', `/channels/${ch.id}/posts`, undefined, bob.token));
  assert.ok(history.items.some((p: any) => p.id === p2), 'REST has what the socket missed');

  // Cross-process delivery is back, without restarting anything.
  const p3 = await post('after');
  const got = await bobB.nextEvent('posted', (f) => f.data.post.id === p3);
  // Numbered from the latest hello (there may be two: B's subscriber came back, and A's
  // publisher, having dropped p2, tells the others to restart too).
  const at = bobB.frames.indexOf(got);
  let hello = at;
  while (bobB.frames[hello].event !== 'hello') hello--;
  assert.ok(hello > 0, 'a fresh hello after the outage');
  assert.is(got.seq, bobB.frames.slice(hello + 1, at + 1).filter((f) => typeof f.seq === 'number').length);
  await bobA.nextEvent('posted', (f) => f.data.post.id === p3);
  assert.not.ok(A.output().includes('"level":"fatal"'));
  await Promise.all([bobA.close(), bobB.close()]);
});

test.run();
