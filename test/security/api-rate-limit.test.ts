/**
 * Per-user API rate limits (issue 11 item 10): posts, reactions, searches and uploads, each a
 * token bucket per user (rate_limit.per_second, rate_limit.burst; Mattermost's 10/s with bursts of
 * 100 by default), 429 with Retry-After on both APIs. Time is frozen and moved by the test, so the
 * counts are exact.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { serve } from '@hono/node-server';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { testApp, testConfig, type TestContext } from '../app.ts';
import { fxChannel, fxTeam, fxUser, type FxUser } from '../fixtures.ts';
import { multipart } from '../files.ts';
import { withServices } from '../../src/boot.ts';
import { createServer } from '../../src/server.ts';
import type { Deps } from '../../src/deps.ts';

let now = Date.parse('2026-03-01T12:00:00Z');
let t: TestContext;
let server: Server;
let base = '';
let alice: FxUser;
let bob: FxUser;
let channel: { id: string };
let postId = '';
// The same database served with a small burst, for the other categories.
let small: { deps: Deps; app: ReturnType<typeof createServer> };
const BURST = 3;

test.before(async () => {
  // Defaults (10/s, bursts of 100) — testConfig turns the limits off for other suites.
  t = await testApp({ config: { 'rate_limit.per_second': 10 }, now: () => now });
  assert.is(t.deps.config.rate_limit.burst, 100);
  alice = await fxUser(t.deps);
  bob = await fxUser(t.deps);
  const team = await fxTeam(t.deps, alice, { members: [bob] });
  channel = await fxChannel(t.deps, team.id, alice, { members: [bob] });
  server = await new Promise<Server>((resolve) => {
    const s = serve({ fetch: t.server.app.fetch, hostname: '127.0.0.1', port: 0 }, () => resolve(s as Server)) as Server;
  });
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const deps = withServices({ ...t.deps, config: testConfig({ 'rate_limit.per_second': 2, 'rate_limit.burst': BURST }) });
  small = { deps, app: createServer(deps) };
});
test.after(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  await small.deps.services.close();
  await t.close();
});

async function post(u: FxUser, message: string) {
  const res = await fetch(`${base}/api/v1/channels/${channel.id}/posts`, { method: 'POST', headers: { authorization: `Bearer ${u.token}`, 'content-type': 'application/json' }, body: JSON.stringify({ message }) });
  return { status: res.status, retryAfter: res.headers.get('retry-after'), body: await res.json() };
}

/** A request to the small-burst server. */
async function req(method: string, path: string, u: FxUser, body?: unknown, raw?: { body: Blob; type: string }) {
  const headers: Record<string, string> = { authorization: `Bearer ${u.token}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (raw) headers['content-type'] = raw.type;
  const res = await small.app.app.request(path, { method, headers, body: raw ? raw.body : body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, retryAfter: res.headers.get('retry-after'), body: text ? JSON.parse(text) : null };
}

test('120 concurrent posts from one user: 100 succeed, 20 answer 429 with Retry-After; others unaffected', async () => {
  const results = await Promise.all(Array.from({ length: 120 }, (_, i) => post(alice, `burst ${i}`)));
  const ok = results.filter((r) => r.status === 201);
  const limited = results.filter((r) => r.status === 429);
  assert.is(ok.length, 100);
  assert.is(limited.length, 20);
  for (const r of limited) {
    assert.is(r.body.error.code, 'rate_limited');
    assert.is(r.retryAfter, '1');
    assert.is(r.body.error.details.retry_after, 1);
  }
  postId = ok[0].body.id;
  assert.is((await post(bob, 'not me')).status, 201);
  // Refused posts were not written.
  const rows = await t.deps.db.query<{ n: number }>(`select count(*)::int as n from posts where channel_id = $1 and user_id = $2`, [channel.id, alice.id]);
  assert.is(rows[0].n, 100);
  // Another category has its own bucket.
  const r = await fetch(`${base}/api/v1/posts/${postId}/reactions`, { method: 'POST', headers: { authorization: `Bearer ${alice.token}`, 'content-type': 'application/json' }, body: JSON.stringify({ emoji_name: 'tada' }) });
  assert.is(r.status, 201, await r.text());
});

test('the bucket refills at per_second; v4 answers in Mattermost shape', async () => {
  now += 1000;
  for (let i = 0; i < 10; i++) assert.is((await post(alice, `refill ${i}`)).status, 201, `refill ${i}`);
  assert.is((await post(alice, 'one too many')).status, 429);
  const v4 = await fetch(`${base}/api/v4/posts`, { method: 'POST', headers: { authorization: `Bearer ${alice.token}`, 'content-type': 'application/json' }, body: JSON.stringify({ channel_id: channel.id, message: 'v4' }) });
  assert.is(v4.status, 429);
  assert.is(v4.headers.get('retry-after'), '1');
  const body = await v4.json();
  assert.is(body.id, 'api.context.rate_limit.app_error');
  assert.is(body.status_code, 429);
  now += 100;
  assert.is((await post(alice, 'after 100 ms')).status, 201);
});

test('reactions (add and remove), searches and uploads are limited per user on both APIs', async () => {
  const expectLimited = async (name: string, call: () => Promise<{ status: number; retryAfter: string | null; body: any }>, v4: boolean) => {
    for (let i = 0; i < BURST; i++) assert.is.not((await call()).status, 429, `${name} ${i}`);
    const r = await call();
    assert.is(r.status, 429, name);
    assert.ok(Number(r.retryAfter) >= 1, name);
    if (v4) assert.is(r.body.id, 'api.context.rate_limit.app_error', name);
    else assert.is(r.body.error.code, 'rate_limited', name);
  };
  // Reactions: adds and removes share a bucket, across both APIs.
  await expectLimited('v1 reactions', () => req('POST', `/api/v1/posts/${postId}/reactions`, bob, { emoji_name: 'smile' }), false);
  assert.is((await req('DELETE', `/api/v1/posts/${postId}/reactions/smile`, bob)).status, 429);
  assert.is((await req('POST', '/api/v4/reactions', bob, { user_id: bob.id, post_id: postId, emoji_name: 'smile' })).status, 429);
  await expectLimited('v4 reactions', () => req('POST', '/api/v4/reactions', alice, { user_id: alice.id, post_id: postId, emoji_name: 'smile' }), true);
  // Searches.
  await expectLimited('v1 search', () => req('GET', '/api/v1/search?q=burst', bob), false);
  await expectLimited('v4 search', () => req('POST', '/api/v4/posts/search', alice, { terms: 'burst' }), true);
  // Uploads: refused before the body is read (failed uploads count too).
  const { body, contentType } = multipart([{ name: 'channel_id', value: channel.id }, { name: 'files', filename: 'a.txt', type: 'text/plain', data: Buffer.from('hello') }]);
  await expectLimited('v1 upload', () => req('POST', '/api/v1/files', bob, undefined, { body: new Blob([new Uint8Array(body)]), type: contentType }), false);
  await expectLimited('v4 upload', () => req('POST', `/api/v4/files?channel_id=${channel.id}`, alice, undefined, { body: new Blob([new Uint8Array(body)]), type: contentType }), true);
  // Posting is still allowed for both: the categories are separate.
  assert.is((await req('POST', `/api/v1/channels/${channel.id}/posts`, bob, { message: 'still here' })).status, 201);
});

test('per_second = 0 turns the limits off', async () => {
  const off = await testApp({ now: () => now });
  try {
    const u = await fxUser(off.deps);
    const team = await fxTeam(off.deps, u);
    const ch = await fxChannel(off.deps, team.id, u);
    const results = await Promise.all(Array.from({ length: 110 }, (_, i) => off.req('POST', `/api/v1/channels/${ch.id}/posts`, { token: u.token, body: { message: `m${i}` } })));
    assert.ok(results.every((r) => r.status === 201));
  } finally {
    await off.close();
  }
});

test.run();
