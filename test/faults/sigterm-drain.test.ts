/**
 * SIGTERM under keep-alive traffic (issue 11, item 5), in both modes: the server stops accepting
 * connections, answers what is in flight with `Connection: close` (so clients stop reusing the
 * connection), closes idle keep-alive sockets, closes WebSockets with 1001, and exits 0 within
 * 10 s. Before, requests on open keep-alive connections were served for the whole shutdown
 * window and PostgreSQL mode then exited 1 through the hard deadline.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Agent, request } from 'node:http';
import { randomBytes } from 'node:crypto';
import { spawnServer, type ServerProcess } from '../process.ts';
import { api, connect, freePort, ok, PrivateRedis, REDIS_SERVER, registerUser, until, type WsClient } from '../realtime.ts';
import { PG_BIN, PrivatePostgres, skipCase } from './services.ts';

/** A deadline for Promise.race: unref'd, so one that lost the race does not keep the test process alive. */
const deadline = (ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref());
const cleanups: (() => Promise<unknown>)[] = [];
test.after(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => {});
});

interface Answer {
  /** performance.now() when the answer arrived. */
  at: number;
  status: number;
  connection: string;
  socket: string;
}

/** LOOPS clients, each sending requests back to back over one keep-alive agent, until the server refuses them. */
const LOOPS = 16;

function keepAliveLoad(base: string, token: string, channelId: string) {
  const agent = new Agent({ keepAlive: true, maxSockets: LOOPS });
  const answers: Answer[] = [];
  const errors: string[] = [];
  let stopped = false;
  const one = (i: number, n: number) =>
    new Promise<boolean>((resolve) => {
      const post = n % 2 === 0;
      const body = post ? JSON.stringify({ message: `drain ${i}.${n}` }) : undefined;
      const req = request(
        post ? `${base}/api/v1/channels/${channelId}/posts` : `${base}/api/v1/users/me`,
        {
          method: post ? 'POST' : 'GET',
          agent,
          headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } : {}) },
        },
        (res) => {
          const s = res.socket;
          const socket = `${s.localPort}`;
          res.resume();
          res.on('end', () => {
            answers.push({ at: performance.now(), status: res.statusCode ?? 0, connection: String(res.headers.connection ?? ''), socket });
            resolve(true);
          });
          res.on('error', (e) => (errors.push(String(e)), resolve(false)));
        },
      );
      req.setTimeout(15_000, () => req.destroy(new Error('client timeout')));
      req.on('error', (e) => {
        errors.push((e as NodeJS.ErrnoException).code ?? String(e));
        resolve(false);
      });
      req.end(body);
    });
  const loops = Array.from({ length: LOOPS }, async (_, i) => {
    // A loop ends at its first failure after the server began shutting down (refused or reset).
    for (let n = 0; !stopped; n++) if (!(await one(i, n))) return;
  });
  return {
    answers,
    errors,
    async stop() {
      stopped = true;
      await Promise.all(loops);
      agent.destroy();
    },
  };
}

async function drainCase(mode: string, env: Record<string, string>) {
  const server: ServerProcess = await spawnServer({ env, timeoutMs: 90_000 });
  cleanups.push(() => server.stop('SIGKILL'));
  const a = api(server.url);
  const admin = await registerUser(a, 'adm');
  const team = await ok(a('POST', '/teams', { type: 'O', name: `t${Date.now().toString(36)}`, display_name: 'Team' }, admin.token));
  const ch = await ok(a('POST', '/channels', { team_id: team.id, name: `c${Date.now().toString(36)}`, display_name: 'C', type: 'public' }, admin.token));
  const sockets: WsClient[] = [];
  for (let i = 0; i < 3; i++) sockets.push((await connect(server.url, admin.token)).c);

  const load = keepAliveLoad(server.url, admin.token, ch.id);
  cleanups.push(() => load.stop());
  // Running, with every keep-alive socket in use (on a busy machine the first answers are slow).
  await until(async () => load.answers.length >= 5 * LOOPS, `${mode}: ${5 * LOOPS} answers under load`, 60_000);

  const exited = new Promise<{ code: number | null; signal: string | null; at: number }>((r) =>
    server.proc.once('exit', (code, signal) => r({ code, signal, at: performance.now() })),
  );
  const signalled = performance.now();
  server.proc.kill('SIGTERM');
  const exit = await Promise.race([exited, deadline(15_000).then(() => undefined)]);
  await load.stop();
  const out = server.output();
  assert.ok(exit, `${mode}: the process exited within 15 s of SIGTERM:\n${out.slice(-2000)}`);
  const ms = exit!.at - signalled;
  assert.is(exit!.code, 0, `${mode}: exit status 0 (got ${exit!.code ?? exit!.signal}) after ${Math.round(ms)} ms:\n${out.slice(-2000)}`);
  assert.ok(ms <= 10_000, `${mode}: exited ${Math.round(ms)} ms after SIGTERM`);
  assert.not.match(out, /shutdown deadline passed/, `${mode}: not through the hard deadline`);
  assert.match(out, /"msg":"stopped"/, `${mode}: a clean stop is logged`);

  // Every WebSocket was closed with 1001 (going away).
  const closes = await Promise.all(sockets.map((s) => Promise.race([s.closed, deadline(2000).then(() => ({ code: -1 }))])));
  assert.equal(
    closes.map((c) => c.code),
    sockets.map(() => 1001),
    `${mode}: WebSocket close codes`,
  );

  // After the signal, a keep-alive socket may still deliver the answers whose heads were written
  // before the server got round to the signal (a couple on a busy machine); after that every
  // answer says Connection: close, and no socket is reused after it. (Before: the sockets kept
  // serving for the whole shutdown window, hundreds of answers each.)
  const after = load.answers.filter((r) => r.at >= signalled);
  const keptAlive = after.filter((r) => r.connection.toLowerCase() !== 'close');
  const perSocket = new Map<string, number>();
  for (const r of keptAlive) perSocket.set(r.socket, (perSocket.get(r.socket) ?? 0) + 1);
  assert.ok(
    [...perSocket.values()].every((n) => n <= 3),
    `${mode}: answers without Connection: close after SIGTERM, per socket: ${JSON.stringify([...perSocket])} (of ${after.length} answers after the signal)`,
  );
  const bad = after.filter((r) => r.status >= 500);
  assert.is(bad.length, 0, `${mode}: in-flight requests were answered, not failed: ${bad.map((r) => r.status).join(' ')}`);
  console.log(`  ${mode}: exit 0 ${Math.round(ms)} ms after SIGTERM; ${after.length} answers after the signal (${after.length - keptAlive.length} with Connection: close); client errors: ${[...new Set(load.errors)].join(', ') || 'none'}`);
}

test('SIGTERM under keep-alive load, embedded: drains and exits 0 within 10 s', async () => {
  await drainCase('embedded', {});
});

test('SIGTERM under keep-alive load, PostgreSQL + Redis: drains and exits 0 within 10 s', async () => {
  if (!PG_BIN || !REDIS_SERVER) {
    skipCase('sigterm-drain PostgreSQL: needs PostgreSQL server binaries (/usr/lib/postgresql/*/bin) and redis-server');
    return;
  }
  const pg = await PrivatePostgres.create(await freePort());
  cleanups.push(() => pg.destroy());
  await pg.start();
  const redis = new PrivateRedis(await freePort());
  cleanups.push(() => redis.kill());
  await redis.start();
  await drainCase('postgres', { RUSTCHAT_DATABASE_URL: pg.url, RUSTCHAT_REDIS_URL: redis.url, RUSTCHAT_JWT_SECRET: randomBytes(24).toString('hex') });
});

test.run();
