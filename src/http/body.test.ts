import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { request, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { testApp, type TestContext } from '../../test/app.ts';
import { fxChannel, fxTeam, fxUser, type FxUser } from '../../test/fixtures.ts';

// JSON bodies over a real Node HTTP server: with a Content-Length the body is judged by the
// header and read straight from Node's stream; a chunked body is counted as it arrives. (The
// in-process app.request tests cannot reach these paths: they have no Node request.)
let t: TestContext;
let server: ServerType;
let port: number;
let alice: FxUser;
let channelId: string;

test.before(async () => {
  t = await testApp({ config: { 'server.body_limit_bytes': 64 * 1024 } });
  alice = await fxUser(t.deps);
  const team = await fxTeam(t.deps, alice);
  channelId = (await fxChannel(t.deps, team.id, alice)).id;
  server = serve({ fetch: t.server.app.fetch, port: 0, hostname: '127.0.0.1' });
  await new Promise((r) => server.once('listening', r));
  port = (server.address() as AddressInfo).port;
});
test.after(async () => {
  await new Promise((r) => server.close(r));
  await t.close();
});

interface Sent {
  status: number;
  body: any;
  headers: IncomingHttpHeaders;
  /** Bytes the client managed to write before the answer came. */
  written: number;
}

/** POSTs to the posts route, with `chunks` written one by one (chunked unless a length is given). */
function post(chunks: Buffer[], headers: Record<string, string> = {}): Promise<Sent> {
  return new Promise((resolve, reject) => {
    let written = 0;
    const req = request(
      // agent: false — a request that declared more than it sent must not leave its socket to the next one.
      { host: '127.0.0.1', port, agent: false, method: 'POST', path: `/api/v1/channels/${channelId}/posts`, headers: { authorization: `Bearer ${alice.token}`, 'content-type': 'application/json', ...headers } },
      (res) => {
        const parts: Buffer[] = [];
        res.on('data', (c) => parts.push(c));
        res.on('end', () => {
          const text = Buffer.concat(parts).toString('utf8');
          resolve({ status: res.statusCode!, body: text ? JSON.parse(text) : null, headers: res.headers, written });
          req.destroy();
        });
      },
    );
    req.on('error', (e) => (written > 0 ? undefined : reject(e)));
    (async () => {
      for (const c of chunks) {
        if (req.destroyed) return;
        const ok = req.write(c);
        written += c.length;
        if (!ok) await new Promise((r) => req.once('drain', r));
      }
      req.end();
    })().catch(() => {});
  });
}

const json = (v: unknown) => Buffer.from(JSON.stringify(v));

test('a JSON body with Content-Length is read and posted', async () => {
  const body = json({ message: 'hello over a real socket — ünïcödé ✓' });
  const r = await post([body], { 'content-length': String(body.length) });
  assert.is(r.status, 201, JSON.stringify(r.body));
  assert.is(r.body.message, 'hello over a real socket — ünïcödé ✓');
});

test('a chunked JSON body under the limit is read and posted (split inside a multi-byte character)', async () => {
  const body = json({ message: 'chunked ✓ body' });
  const cut = body.indexOf(Buffer.from('✓')) + 1;
  const r = await post([body.subarray(0, cut), body.subarray(cut)]);
  assert.is(r.status, 201, JSON.stringify(r.body));
  assert.is(r.body.message, 'chunked ✓ body');
});

test('a Content-Length over the limit is 413 body_too_large before the body is read', async () => {
  const r = await post([Buffer.alloc(16)], { 'content-length': String(5 * 1024 * 1024) });
  assert.is(r.status, 413);
  assert.is(r.body.error.code, 'body_too_large');
});

test('a chunked body over the limit is 413 body_too_large without reading all of it', async () => {
  const chunk = Buffer.alloc(16 * 1024, 'x');
  const r = await post(Array.from({ length: 320 }, () => chunk)); // 5 MiB
  assert.is(r.status, 413);
  assert.is(r.body.error.code, 'body_too_large');
  assert.ok(r.written < 5 * 1024 * 1024, `the server answered after ${r.written} bytes`);
});

test('invalid JSON with Content-Length is 400 invalid_json and creates nothing', async () => {
  const before = (await t.deps.db.query<{ n: number }>('select count(*)::int8 as n from posts'))[0].n;
  const body = Buffer.from('{"message": "unterminated');
  const r = await post([body], { 'content-length': String(body.length) });
  assert.is(r.status, 400);
  assert.is(r.body.error.code, 'invalid_json');
  assert.is((await t.deps.db.query<{ n: number }>('select count(*)::int8 as n from posts'))[0].n, before);
});

test.run();
