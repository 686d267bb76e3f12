/**
 * Hostile input (issue 11 items 6, 7, 9): JSON nested thousands of levels deep, a burst of
 * typing frames, the headers of JSON answers, and the log line of unimplemented routes.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { testApp, only, type TestContext } from '../app.ts';
import { fxChannel, fxTeam, fxUser, type FxUser } from '../fixtures.ts';
import { createLogger } from '../../src/log.ts';
import { MAX_JSON_DEPTH } from '../../src/http/validate.ts';
import { userTyping, TYPING_THROTTLE_MS } from '../../src/actions/typing.ts';
import { UNKNOWN_ROUTE_LOG_LINES } from '../../src/http/middleware.ts';

let now = Date.now();
const lines: any[] = [];
let t: TestContext;
let u: FxUser;
let peer: FxUser;
let channel: { id: string };

test.before(async () => {
  t = await testApp({ now: () => now, log: createLogger('debug', (l) => lines.push(JSON.parse(l))) });
  u = await fxUser(t.deps);
  peer = await fxUser(t.deps);
  const team = await fxTeam(t.deps, u, { members: [peer] });
  channel = await fxChannel(t.deps, team.id, u, { members: [peer] });
});
test.after(() => t.close());

const nested = (depth: number, leaf = '"x"') => '{"a":'.repeat(depth) + leaf + '}'.repeat(depth);
const deepArray = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);

test('JSON nested thousands of levels deep is 400 invalid_json on both APIs, never a 500', async () => {
  lines.length = 0;
  for (const depth of [5_000, 100_000]) {
    const body = `{"message":"hi","props":${nested(depth)}}`;
    const v1 = await t.req('POST', `/api/v1/channels/${channel.id}/posts`, { token: u.token, raw: body, headers: { 'content-type': 'application/json' } });
    assert.is(v1.status, 400, `v1 depth ${depth}`);
    assert.is(v1.body.error.code, 'invalid_json');
    const v4 = await t.req('POST', '/api/v4/posts', { token: u.token, raw: `{"channel_id":"${channel.id}","message":"x","props":${nested(depth)}}`, headers: { 'content-type': 'application/json' } });
    assert.is(v4.status, 400, `v4 depth ${depth}`);
    assert.is(v4.body.status_code, 400);
    const arr = await t.req('PUT', '/api/v1/users/me/status', { token: u.token, raw: deepArray(depth), headers: { 'content-type': 'application/json' } });
    assert.is(arr.status, 400);
    assert.is(arr.body.error.code, 'invalid_json');
  }
  assert.not.ok(lines.some((l) => l.level === 'error'), 'no error lines (no stack traces)');
});

test('nesting up to the limit is accepted; a NUL at the bottom is still invalid_characters', async () => {
  const ok = await t.req('POST', `/api/v1/channels/${channel.id}/posts`, { token: u.token, raw: `{"message":"deep","props":${nested(MAX_JSON_DEPTH - 2)}}`, headers: { 'content-type': 'application/json' } });
  assert.is(ok.status, 201, JSON.stringify(ok.body));
  const over = await t.req('POST', `/api/v1/channels/${channel.id}/posts`, { token: u.token, raw: `{"message":"deep","props":${nested(MAX_JSON_DEPTH)}}`, headers: { 'content-type': 'application/json' } });
  assert.is(over.body.error?.code, 'invalid_json');
  const nul = await t.req('POST', `/api/v1/channels/${channel.id}/posts`, { token: u.token, raw: `{"message":"x","props":${nested(40, '"a\\u0000b"')}}`, headers: { 'content-type': 'application/json' } });
  assert.is(nul.status, 400);
  assert.is(nul.body.error.code, 'invalid_characters');
});

test('a deep incoming-webhook payload is 400 in Mattermost shape', async () => {
  const hook = await t.req('POST', '/api/v1/hooks/incoming', { token: u.token, body: { channel_id: channel.id, display_name: 'deep' } });
  assert.is(hook.status, 201, JSON.stringify(hook.body));
  const r = await t.req('POST', `/hooks/${hook.body.id}`, { raw: `{"text":"x","attachments":${nested(20_000)}}`, headers: { 'content-type': 'application/json' } });
  assert.is(r.status, 400);
  assert.is(r.body.id, 'web.incoming_webhook.parse.app_error');
});

test('a burst of typing frames sends one event per user, channel and thread per second', async () => {
  t.takeEvents();
  const results = await Promise.all(Array.from({ length: 30 }, () => userTyping(t.deps, u.id, { channel_id: channel.id })));
  assert.is(results.filter((r) => r.sent).length, 1);
  assert.is(only(t.takeEvents(), 'typing').length, 1);
  // Another thread and another user are throttled apart.
  const [thread, other] = await Promise.all([userTyping(t.deps, u.id, { channel_id: channel.id, root_id: channel.id }), userTyping(t.deps, peer.id, { channel_id: channel.id })]);
  assert.ok(thread.sent && other.sent);
  t.takeEvents();
  now += TYPING_THROTTLE_MS - 1;
  assert.not.ok((await userTyping(t.deps, u.id, { channel_id: channel.id })).sent);
  now += 1;
  const next = await Promise.all(Array.from({ length: 10 }, () => userTyping(t.deps, u.id, { channel_id: channel.id })));
  assert.is(next.filter((r) => r.sent).length, 1);
  assert.is(only(t.takeEvents(), 'typing').length, 1);
});

test('a refused typing frame (not a member) does not throttle the user once they may type', async () => {
  const outsider = await fxUser(t.deps);
  try {
    await userTyping(t.deps, outsider.id, { channel_id: channel.id });
    assert.unreachable('not a member');
  } catch (e) {
    assert.is((e as { code?: string }).code, 'forbidden');
  }
  await t.deps.db.query(`insert into channel_members (channel_id, user_id, role, last_viewed_at, create_at, last_update_at) values ($1, $2, 'channel_user', 0, 0, 0)`, [channel.id, outsider.id]);
  assert.ok((await userTyping(t.deps, outsider.id, { channel_id: channel.id })).sent);
});

test('JSON answers carry nosniff and Cache-Control: no-store (success and error, both APIs)', async () => {
  const answers = await Promise.all([
    t.req('GET', '/api/v1/auth/me', { token: u.token }),
    t.req('GET', '/api/v1/auth/me'),
    t.req('GET', '/api/v1/no/such/route'),
    t.req('GET', '/api/v4/users/me', { token: u.token }),
    t.req('GET', '/api/v4/users/me'),
    t.req('GET', '/api/v1/health/live'),
  ]);
  for (const r of answers) {
    assert.match(r.headers.get('content-type') ?? '', /^application\/json/);
    assert.is(r.headers.get('x-content-type-options'), 'nosniff', JSON.stringify(r.body));
    assert.is(r.headers.get('cache-control'), 'no-store');
  }
});

test('a 501 (route RustChat does not have) is logged at warn, at most UNKNOWN_ROUTE_LOG_LINES a minute', async () => {
  now += 120_000; // a fresh window
  lines.length = 0;
  const n = UNKNOWN_ROUTE_LOG_LINES + 5;
  for (let i = 0; i < n; i++) assert.is((await t.req('GET', `/api/v4/no_such_thing/${i}`, { token: u.token })).status, 501);
  const logged = lines.filter((l) => l.msg === 'request' && l.status === 501);
  assert.is(logged.length, UNKNOWN_ROUTE_LOG_LINES);
  assert.ok(logged.every((l) => l.level === 'warn'));
  assert.not.ok(lines.some((l) => l.level === 'error'));
  now += 60_000;
  await t.req('GET', '/api/v4/no_such_thing/again', { token: u.token });
  const last = lines.filter((l) => l.msg === 'request' && l.status === 501).at(-1);
  assert.is(last.path, '/api/v4/no_such_thing/again');
  assert.is(last.suppressed, 5);
});

test.run();
