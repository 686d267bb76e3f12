/**
 * A personal access token revoked on one `serve` process stops working on another at once:
 * two processes share PostgreSQL and Redis (skipped without RUSTCHAT_TEST_DATABASE_URL and
 * RUSTCHAT_TEST_REDIS_URL). Process B has the token cached (it just served it, and holds a
 * WebSocket opened with it); the revocation on A reaches B through the bus, which closes B's
 * socket (4003) and clears its cache, so B's very next request is refused — well inside the 1 s
 * cache bound. (Without the bus the bound itself is tested in src/http/v1/access-tokens.test.ts.)
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { randomBytes } from 'node:crypto';
import { WebSocket } from 'ws';
import { spawnServer, type ServerProcess } from './process.ts';
import { createPgDatabase, TEST_PG_URL, TEST_REDIS_URL } from './db.ts';

const enabled = !!(TEST_PG_URL && TEST_REDIS_URL);
let A: ServerProcess;
let B: ServerProcess;
let pg: Awaited<ReturnType<typeof createPgDatabase>>;

test.before(async () => {
  if (!enabled) return;
  pg = await createPgDatabase();
  const env = { RUSTCHAT_DATABASE_URL: pg!.url, RUSTCHAT_JWT_SECRET: randomBytes(24).toString('hex'), RUSTCHAT_REDIS_URL: TEST_REDIS_URL, RUSTCHAT_REDIS_CHANNEL_PREFIX: `pat-${randomBytes(6).toString('hex')}` };
  A = await spawnServer({ env, timeoutMs: 120_000 });
  B = await spawnServer({ env, args: ['--no-migrate'], timeoutMs: 120_000 });
});
test.after(async () => {
  await Promise.all([A?.stop(), B?.stop()]);
  await pg?.drop();
});

async function call(base: string, method: string, path: string, token?: string, body?: unknown) {
  const res = await fetch(`${base}${path}`, { method, headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined });
  return { status: res.status, body: (await res.json().catch(() => null)) as any };
}

test('a token revoked on process A is refused by process B at once', async () => {
  if (!enabled) return console.log('  skipped (needs RUSTCHAT_TEST_DATABASE_URL and RUSTCHAT_TEST_REDIS_URL)');
  const reg = await call(A.url, 'POST', '/api/v1/auth/register', undefined, { email: 'root@example.com', username: 'root', password: 'correct horse battery' });
  assert.is(reg.status, 201);
  const made = await call(A.url, 'POST', '/api/v1/users/me/tokens', reg.body.token, { description: 'cluster' });
  assert.is(made.status, 201);
  const pat = made.body.token;
  // B serves the token (and caches it) on REST and holds a socket authenticated with it.
  assert.is((await call(B.url, 'GET', '/api/v4/users/me', pat)).status, 200);
  const ws = new WebSocket(`${B.url.replace('http', 'ws')}/api/v1/ws`, { headers: { authorization: `Bearer ${pat}` } });
  const hello = new Promise<void>((resolve, reject) => {
    ws.on('message', (m) => (JSON.parse(String(m)).event === 'hello' ? resolve() : undefined));
    ws.on('error', reject);
  });
  const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
  await hello;
  assert.is((await call(B.url, 'GET', '/api/v1/auth/me', pat)).status, 200);

  const revoked = await call(A.url, 'DELETE', `/api/v1/tokens/${made.body.id}`, reg.body.token);
  assert.is(revoked.status, 204);
  assert.is(await closed, 4003, "B closed the token's socket when the bus told it");
  const after = await call(B.url, 'GET', '/api/v1/auth/me', pat);
  assert.is(after.status, 401);
  assert.is((await call(B.url, 'GET', '/api/v4/users/me', pat)).status, 401);
});

test.run();
