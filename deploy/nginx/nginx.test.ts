/**
 * deploy/nginx/rustchat.conf for real: Debian's nginx, started by this test with the shipped file
 * (only listen ports, certificate paths and upstream addresses changed, each change checked to
 * apply exactly once), TLS with a throw-away certificate, in front of two `serve` processes on
 * PostgreSQL and Redis. Both WebSocket endpoints through nginx, a post through nginx delivered on
 * both processes, a 50 MB upload and download (files in s3rver, the S3 both processes share), metrics kept private, and the client address
 * (not nginx's, nor a hop the client forged in X-Forwarded-For) in the audit log. Needs nginx, openssl, RUSTCHAT_TEST_DATABASE_URL and
 * RUSTCHAT_TEST_REDIS_URL; .ci/run provides them (skipped elsewhere, failing in CI).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request, type RequestOptions } from 'node:https';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnServer, type ServerProcess } from '../../test/process.ts';
import { createPgDatabase, TEST_PG_URL, TEST_REDIS_URL } from '../../test/db.ts';
import { freePort, until, WsClient } from '../../test/realtime.ts';
import { startS3rver, type S3Server } from '../../test/files.ts';

const NGINX = ['/usr/sbin/nginx', '/usr/bin/nginx'].find((p) => spawnSync(p, ['-v']).status === 0);
const missing = [!NGINX && 'nginx', spawnSync('openssl', ['version']).status !== 0 && 'openssl', !TEST_PG_URL && 'RUSTCHAT_TEST_DATABASE_URL', !TEST_REDIS_URL && 'RUSTCHAT_TEST_REDIS_URL'].filter(Boolean);
const SHIPPED = new URL('./rustchat.conf', import.meta.url).pathname;
const HOST = 'chat.example.com';
// The test client connects from a loopback address of its own, so "the client's address" and
// "nginx's address" (127.0.0.1, towards the servers) differ.
const CLIENT_ADDR = '127.0.0.2';

const dir = mkdtempSync(join(tmpdir(), 'rustchat-nginx-'));
let A: ServerProcess;
let B: ServerProcess;
let pg: Awaited<ReturnType<typeof createPgDatabase>>;
let s3: S3Server;
let nginx: ChildProcess | undefined;
let httpsPort = 0;
let httpPort = 0;
let ca: Buffer;

/** The shipped file with one replacement, which must match exactly `times` times. */
function replaceExactly(text: string, from: string | RegExp, to: string, times = 1): string {
  const re = typeof from === 'string' ? new RegExp(from.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'g') : new RegExp(from.source, from.flags.replace('g', '') + 'g');
  const n = (text.match(re) ?? []).length;
  if (n !== times) throw new Error(`rustchat.conf: expected ${times} match(es) of ${re} but found ${n}; the test's edits no longer fit the shipped file`);
  return text.replace(re, to);
}

function testConfig(upstreams: number[]): string {
  let c = readFileSync(SHIPPED, 'utf8');
  c = replaceExactly(c, /^\s*server 127\.0\.0\.1:8080 (.*);$/m, upstreams.map((p) => `    server 127.0.0.1:${p} $1;`).join('\n'));
  c = replaceExactly(c, 'listen 80;', `listen 127.0.0.1:${httpPort};`);
  c = replaceExactly(c, 'listen 443 ssl http2;', `listen 127.0.0.1:${httpsPort} ssl http2;`);
  c = replaceExactly(c, /^\s*listen \[::\]:\d+.*;$/m, '', 2); // IPv6 listeners: not on this host
  c = replaceExactly(c, `/etc/letsencrypt/live/${HOST}/`, `${dir}/`, 2);
  return c;
}

async function startNginx() {
  [httpsPort, httpPort] = [await freePort(), await freePort()];
  const r = spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', `/CN=${HOST}`, '-addext', `subjectAltName=DNS:${HOST}`, '-keyout', join(dir, 'privkey.pem'), '-out', join(dir, 'fullchain.pem')], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`openssl: ${r.stderr}`);
  ca = readFileSync(join(dir, 'fullchain.pem'));
  for (const t of ['body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) mkdirSync(join(dir, 'tmp', t), { recursive: true });
  writeFileSync(join(dir, 'rustchat.conf'), testConfig([A.port, B.port]));
  const root = process.getuid?.() === 0 ? 'user root;' : '';
  writeFileSync(
    join(dir, 'nginx.conf'),
    `${root}
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log info;
events { worker_connections 1024; }
http {
  access_log ${dir}/access.log;
  client_body_temp_path ${dir}/tmp/body; proxy_temp_path ${dir}/tmp/proxy; fastcgi_temp_path ${dir}/tmp/fastcgi;
  uwsgi_temp_path ${dir}/tmp/uwsgi; scgi_temp_path ${dir}/tmp/scgi;
  include ${dir}/rustchat.conf;
}
`,
  );
  const check = spawnSync(NGINX!, ['-t', '-p', dir, '-c', join(dir, 'nginx.conf')], { encoding: 'utf8' });
  if (check.status !== 0) throw new Error(`nginx -t rejects the configuration:\n${check.stderr}`);
  nginx = spawn(NGINX!, ['-p', dir, '-c', join(dir, 'nginx.conf'), '-g', 'daemon off;'], { stdio: ['ignore', 'ignore', 'pipe'] });
  await until(() => call('GET', '/api/v1/health/live').then((r) => r.status === 200), 'nginx to answer', 15_000);
}

interface Res {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  json(): any;
}

/** One request to nginx over TLS, from CLIENT_ADDR. `body` may be a Buffer or an array of chunks written in turn. */
function call(method: string, path: string, o: { token?: string; json?: unknown; body?: Buffer[]; headers?: Record<string, string> } = {}): Promise<Res> {
  const headers: Record<string, string | number> = { host: HOST, ...o.headers };
  if (o.token) headers.authorization = `Bearer ${o.token}`;
  let chunks = o.body;
  if (o.json !== undefined) {
    headers['content-type'] = 'application/json';
    chunks = [Buffer.from(JSON.stringify(o.json))];
  }
  if (chunks) headers['content-length'] = chunks.reduce((n, c) => n + c.length, 0);
  const opts: RequestOptions = { host: '127.0.0.1', port: httpsPort, method, path, headers, ca, servername: HOST, localAddress: CLIENT_ADDR, agent: false };
  return new Promise((resolve, reject) => {
    const req = request(opts, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (d: Buffer) => parts.push(d));
      res.on('end', () => {
        const body = Buffer.concat(parts);
        resolve({ status: res.statusCode!, headers: res.headers, body, json: () => JSON.parse(body.toString()) });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    (async () => {
      for (const c of chunks ?? []) if (!req.write(c)) await new Promise((r) => req.once('drain', r));
      req.end();
    })().catch(reject);
  });
}

async function okJson(p: Promise<Res>): Promise<any> {
  const r = await p;
  if (r.status < 200 || r.status > 299) throw new Error(`HTTP ${r.status}: ${r.body.toString().slice(0, 300)}`);
  return r.json();
}

const wsOpts = () => ({ ca, servername: HOST, localAddress: CLIENT_ADDR, headers: { host: HOST } });
const socketsOn = async (s: ServerProcess) => Number(/^rustchat_websocket_connections (\d+)$/m.exec(await (await fetch(`${s.url}/metrics`)).text())![1]);

let admin: { id: string; token: string };
let member: { id: string; token: string; username: string };
let channelId: string;

test.before(async () => {
  if (missing.length) return;
  try {
    pg = await createPgDatabase();
    // Files in one bucket, as every multi-process installation has them (s3rver stands in for S3).
    s3 = await startS3rver();
    const env = {
      RUSTCHAT_S3_ENDPOINT: s3.endpoint,
      RUSTCHAT_S3_BUCKET: 'nginx-test',
      RUSTCHAT_S3_ACCESS_KEY: 'S3RVER',
      RUSTCHAT_S3_SECRET_KEY: 'S3RVER',
      RUSTCHAT_S3_FORCE_PATH_STYLE: 'true',
      RUSTCHAT_S3_CREATE_BUCKET: 'true',
      RUSTCHAT_DATABASE_URL: pg!.url,
      RUSTCHAT_JWT_SECRET: randomBytes(24).toString('hex'),
      RUSTCHAT_REDIS_URL: TEST_REDIS_URL,
      RUSTCHAT_REDIS_CHANNEL_PREFIX: `nginx-${randomBytes(6).toString('hex')}`,
      // nginx reaches the servers from 127.0.0.1. Not trust_proxy (all of 127/8): the test client
      // itself connects from 127.0.0.2, which must count as a client, not as a proxy.
      RUSTCHAT_TRUSTED_PROXIES: '127.0.0.1',
      RUSTCHAT_SITE_URL: `https://${HOST}`,
    };
    A = await spawnServer({ env });
    B = await spawnServer({ env, args: ['--no-migrate'] });
    await startNginx();
    const reg = (u: string) => okJson(call('POST', '/api/v1/auth/register', { json: { email: `${u}@example.com`, username: u, password: 'correct horse battery' } }));
    const suffix = Date.now().toString(36);
    const a = await reg(`adm${suffix}`);
    const m = await reg(`mem${suffix}`);
    admin = { id: a.user.id, token: a.token };
    member = { id: m.user.id, token: m.token, username: m.user.username };
    const team = await okJson(call('POST', '/api/v1/teams', { token: admin.token, json: { name: `t${suffix}`, display_name: 'Team' } }));
    await okJson(call('POST', `/api/v1/teams/${team.id}/members`, { token: admin.token, json: { user_id: member.id } }));
    const ch = await okJson(call('POST', '/api/v1/channels', { token: admin.token, json: { team_id: team.id, name: `c${suffix}`, display_name: 'C', type: 'public' } }));
    channelId = ch.id;
    await okJson(call('POST', `/api/v1/channels/${channelId}/members`, { token: admin.token, json: { user_id: member.id } }));
  } catch (e) {
    console.error('setup failed', e, nginx ? readErrorLog() : '');
    throw e;
  }
});

test.after(async () => {
  if (nginx && nginx.exitCode === null) {
    const gone = new Promise((r) => nginx!.once('exit', r));
    nginx.kill('SIGQUIT'); // graceful: lets open WebSockets close
    await Promise.race([gone, new Promise((r) => setTimeout(r, 5000))]);
    if (nginx.exitCode === null) nginx.kill('SIGKILL');
  }
  await Promise.all([A?.stop(), B?.stop()]);
  await pg?.drop();
  await s3?.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

const readErrorLog = () => {
  try {
    return readFileSync(join(dir, 'error.log'), 'utf8').slice(-3000);
  } catch {
    return '';
  }
};

const nginxTest = (name: string, fn: () => Promise<void>) =>
  test(name, async () => {
    if (missing.length) {
      if (process.env.CI) throw new Error(`missing in CI: ${missing.join(', ')}`);
      return console.log(`[skip] ${name}: needs ${missing.join(', ')}`);
    }
    try {
      await fn();
    } catch (e) {
      console.error('nginx error.log:\n' + readErrorLog());
      throw e;
    }
  });

nginxTest('TLS on the HTTPS port; plain HTTP redirects to it; the servers behind answer ready', async () => {
  const ready = await call('GET', '/api/v1/health/ready');
  assert.is(ready.status, 200);
  assert.ok(String(ready.headers['strict-transport-security']).startsWith('max-age='), 'HSTS');
  assert.match(String(ready.headers['x-request-id']), /^[0-9a-f]{32}$/, "nginx's $request_id reaches the server and comes back");
  const redirect = await new Promise<{ status: number; location: string }>((resolve, reject) =>
    httpRequest({ host: '127.0.0.1', port: httpPort, path: '/x?y=1', headers: { host: HOST } }, (res) => {
      res.resume();
      resolve({ status: res.statusCode!, location: String(res.headers.location) });
    })
      .on('error', reject)
      .end(),
  );
  assert.equal(redirect, { status: 301, location: `https://${HOST}/x?y=1` });
});

nginxTest('both WebSocket endpoints through nginx; a post through nginx reaches sockets on both processes', async () => {
  const sockets: { c: WsClient; kind: 'v1' | 'v4' }[] = [];
  try {
    // Open sockets until each server holds at least one of each kind (nginx balances round-robin).
    for (let i = 0; i < 12; i++) {
      const kind = i % 2 ? 'v4' : 'v1';
      const path = kind === 'v1' ? '/api/v1/ws' : '/api/v4/websocket';
      const c = new WsClient(`wss://127.0.0.1:${httpsPort}${path}`, { token: member.token, ws: wsOpts() });
      await c.opened;
      await c.next((f) => f.event === 'hello');
      sockets.push({ c, kind });
      if (i >= 3 && (await socketsOn(A)) >= 2 && (await socketsOn(B)) >= 2) break;
    }
    const onA = await socketsOn(A);
    const onB = await socketsOn(B);
    assert.ok(onA >= 1 && onB >= 1, `sockets on both processes (A ${onA}, B ${onB})`);
    assert.is(onA + onB, sockets.length, 'every socket through nginx is live on a server');

    const post = await okJson(call('POST', `/api/v1/channels/${channelId}/posts`, { token: admin.token, json: { message: 'through nginx' } }));
    for (const { c, kind } of sockets) {
      const f = await c.nextEvent('posted');
      // The native socket carries the post as an object, the Mattermost one as a JSON string.
      const p = kind === 'v1' ? f.data.post : JSON.parse(f.data.post);
      assert.is(p.id, post.id, `${kind} socket got the post`);
      assert.is(p.message, 'through nginx');
    }
  } finally {
    await Promise.all(sockets.map(({ c }) => c.close()));
  }
});

nginxTest('a 50 MB upload through nginx, and the same bytes back', async () => {
  const data = randomBytes(50 * 1024 * 1024);
  const boundary = `----rustchat${randomBytes(8).toString('hex')}`;
  const head = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="channel_id"\r\n\r\n${channelId}\r\n` +
      `--${boundary}\r\nContent-Disposition: form-data; name="files"; filename="big.bin"\r\nContent-Type: application/octet-stream\r\n\r\n`,
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  const chunks = [head];
  for (let i = 0; i < data.length; i += 1 << 20) chunks.push(data.subarray(i, i + (1 << 20)));
  chunks.push(tail);
  const up = await call('POST', '/api/v1/files', { token: member.token, body: chunks, headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } });
  assert.is(up.status, 201, up.body.toString().slice(0, 300));
  const file = up.json().items[0];
  assert.is(file.size, data.length);
  const down = await call('GET', `/api/v1/files/${file.id}?download=1`, { token: member.token });
  assert.is(down.status, 200);
  assert.is(down.body.length, data.length);
  assert.is(createHash('sha256').update(down.body).digest('hex'), createHash('sha256').update(data).digest('hex'));
});

nginxTest('bodies over client_max_body_size are refused by nginx with 413', async () => {
  const r = await call('POST', '/api/v1/files', { token: member.token, headers: { 'content-type': 'multipart/form-data; boundary=x', 'content-length': String(101 * 1024 * 1024) } });
  assert.is(r.status, 413);
});

nginxTest('metrics are not served through nginx; the app port still serves them to a private address', async () => {
  assert.is((await call('GET', '/metrics')).status, 404);
  assert.is((await call('GET', '/api/v1/health/metrics')).status, 404);
  assert.is((await fetch(`${A.url}/metrics`)).status, 200);
});

nginxTest("the audit log records the client's address, not nginx's nor a forged first hop", async () => {
  const audited = async () => {
    const audit = await okJson(call('GET', `/api/v1/admin/audit?action=login&actor_id=${member.id}`, { token: admin.token }));
    const ips = audit.items.map((i: { ip: string }) => i.ip);
    assert.ok(ips.length >= 1, JSON.stringify(audit));
    return ips[0] as string;
  };
  const login = await okJson(call('POST', '/api/v1/auth/login', { json: { login_id: member.username, password: 'correct horse battery' } }));
  assert.ok(login.token);
  assert.is(await audited(), CLIENT_ADDR, 'the client address through nginx (nginx itself is 127.0.0.1)');
  // The client sends its own X-Forwarded-For; nginx appends the address it saw
  // ($proxy_add_x_forwarded_for), and the server takes the rightmost hop it does not trust.
  const forged = await okJson(call('POST', '/api/v1/auth/login', { json: { login_id: member.username, password: 'correct horse battery' }, headers: { 'x-forwarded-for': '203.0.113.66, 10.0.0.1' } }));
  assert.ok(forged.token);
  assert.is(await audited(), CLIENT_ADDR, 'forged hops left of the client are ignored');
});

test.run();
