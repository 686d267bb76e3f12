/**
 * A client that goes away in the middle of its request body (a closed tab, a dropped mobile
 * connection, a slow-body attacker giving up). Before: JSON bodies were logged as 500 with a
 * stack trace ("unhandled error: aborted"), and an upload waited forever — its handler, its
 * temporary file and its slot in the drain at shutdown. Now both APIs log 499
 * client_closed_request at info, the upload ends at once, and nothing of it stays in storage.
 * A real listening server: app.request has no socket to lose.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serve } from '@hono/node-server';
import { testApp, type TestContext } from '../app.ts';
import { fxChannel, fxTeam, fxUser, type FxUser } from '../fixtures.ts';
import { createLogger } from '../../src/log.ts';
import { openLocalStorage } from '../../src/files/local.ts';

const lines: any[] = [];
const dir = mkdtempSync(join(tmpdir(), 'rustchat-abort-'));
let t: TestContext;
let server: Server;
let base: string;
let u: FxUser;
let channelId: string;

test.before(async () => {
  t = await testApp({ log: createLogger('debug', (l) => lines.push(JSON.parse(l))) });
  t.deps.storage = await openLocalStorage(join(dir, 'files'));
  u = await fxUser(t.deps);
  const team = await fxTeam(t.deps, u);
  channelId = (await fxChannel(t.deps, team.id, u)).id;
  server = await new Promise<Server>((resolve) => {
    const s = serve({ fetch: t.server.app.fetch, hostname: '127.0.0.1', port: 0 }, () => resolve(s as Server)) as Server;
  });
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
test.after(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  await t.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Sends the headers and part of the body (Content-Length promises more), then closes the socket. */
function abortMidBody(path: string, contentType: string, declared: number, part: string | Buffer): Promise<void> {
  return new Promise((resolve) => {
    const req = request(`${base}${path}`, { method: 'POST', headers: { authorization: `Bearer ${u.token}`, 'content-type': contentType, 'content-length': declared } });
    req.on('error', () => {});
    req.on('close', () => resolve());
    req.write(part, () => setTimeout(() => req.destroy(), 150));
  });
}

const requestLine = async (path: string) => {
  const end = Date.now() + 5000;
  for (;;) {
    const l = lines.find((x) => x.msg === 'request' && x.path === path);
    if (l) return l;
    if (Date.now() > end) return undefined;
    await new Promise((r) => setTimeout(r, 25));
  }
};

test('a JSON body cut off by the client: 499 at info on both APIs, no unhandled error', async () => {
  for (const path of [`/api/v1/channels/${channelId}/posts`, '/api/v4/posts']) {
    lines.length = 0;
    await abortMidBody(path, 'application/json', 1000, '{"message": "hel');
    const line = await requestLine(path);
    assert.ok(line, `${path}: the request was logged (it ended)`);
    assert.is(line.status, 499, JSON.stringify(line));
    assert.is(line.level, 'info');
    assert.not.ok(lines.some((l) => l.level === 'error'), JSON.stringify(lines.filter((l) => l.level === 'error')));
  }
});

test('an upload cut off by the client ends at once (499), leaving no object or temporary file', async () => {
  lines.length = 0;
  const head = `--XX\r\nContent-Disposition: form-data; name="channel_id"\r\n\r\n${channelId}\r\n--XX\r\nContent-Disposition: form-data; name="files"; filename="a.bin"\r\nContent-Type: application/octet-stream\r\n\r\n`;
  await abortMidBody('/api/v1/files', 'multipart/form-data; boundary=XX', 1_000_000, Buffer.concat([Buffer.from(head), Buffer.alloc(200_000, 7)]));
  const line = await requestLine('/api/v1/files');
  assert.ok(line, 'the upload request ended (it used to wait forever)');
  assert.is(line.status, 499, JSON.stringify(line));
  assert.is(line.level, 'info');
  assert.not.ok(lines.some((l) => l.level === 'error'));
  const left: string[] = [];
  for await (const o of t.deps.storage!.list()) left.push(o.key);
  assert.equal(left, [], 'no object stored');
  assert.equal(readdirSync(join(dir, 'files', '.tmp')), [], 'no temporary file');
  const metrics = await (await fetch(`${base}/metrics`)).text();
  assert.match(metrics, /^rustchat_http_requests_in_flight 1$/m, 'nothing but this scrape in flight');
});

test.run();
