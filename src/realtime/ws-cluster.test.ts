/**
 * Two `serve` processes sharing PostgreSQL and Redis (RUSTCHAT_TEST_DATABASE_URL and
 * RUSTCHAT_TEST_REDIS_URL; skipped without them): events cross processes with the same
 * guarantees, removal stops delivery everywhere, typing skips the typist, logout on A closes the
 * socket on B within a second.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { randomBytes } from 'node:crypto';
import { spawnServer, type ServerProcess } from '../../test/process.ts';
import { createPgDatabase, TEST_PG_URL, TEST_REDIS_URL } from '../../test/db.ts';
import { api, connect, ok, registerUser, type Api, type TestUser } from '../../test/realtime.ts';

const enabled = !!(TEST_PG_URL && TEST_REDIS_URL);
let A: ServerProcess;
let B: ServerProcess;
let pg: Awaited<ReturnType<typeof createPgDatabase>>;
let a: Api;
let b: Api;
let admin: TestUser;
let bob: TestUser;
let carol: TestUser;
let teamId: string;
let channelId: string;
let otherChannelId: string;

async function setup() {
  pg = await createPgDatabase();
  // A channel prefix of its own, so parallel suites on the same Redis do not see each other.
  const env = { RUSTCHAT_DATABASE_URL: pg!.url, RUSTCHAT_JWT_SECRET: randomBytes(24).toString('hex'), RUSTCHAT_REDIS_URL: TEST_REDIS_URL, RUSTCHAT_REDIS_CHANNEL_PREFIX: `test-${randomBytes(6).toString('hex')}` };
  A = await spawnServer({ env });
  B = await spawnServer({ env: { ...env, RUSTCHAT_DATABASE_URL: pg!.url }, args: ['--no-migrate'] });
  a = api(A.url);
  b = api(B.url);
  admin = await registerUser(a, 'adm');
  bob = await registerUser(a, 'bob');
  carol = await registerUser(b, 'car');
  const team = await ok(a('POST', '/teams', { type: 'O', name: `t${Date.now().toString(36)}`, display_name: 'Team' }, admin.token));
  teamId = team.id;
  for (const u of [bob, carol]) await ok(a('POST', `/teams/${teamId}/members`, { user_id: u.id }, admin.token));
  const ch = await ok(a('POST', '/channels', { team_id: teamId, name: `c${Date.now().toString(36)}`, display_name: 'C', type: 'public' }, admin.token));
  channelId = ch.id;
  const other = await ok(a('POST', '/channels', { team_id: teamId, name: `o${Date.now().toString(36)}`, display_name: 'O', type: 'public' }, admin.token));
  otherChannelId = other.id;
  for (const u of [bob, carol]) {
    await ok(a('POST', `/channels/${channelId}/members`, { user_id: u.id }, admin.token));
    await ok(a('POST', `/channels/${otherChannelId}/members`, { user_id: u.id }, admin.token));
  }
}

test.before(async () => {
  if (!enabled) return;
  try {
    await setup();
  } catch (e) {
    console.error('setup failed', e); // uvu does not print errors thrown by hooks
    throw e;
  }
});

test.after(async () => {
  await Promise.all([A?.stop(), B?.stop()]);
  await pg?.drop();
});

const cluster = (name: string, fn: () => Promise<void>) =>
  test(name, async () => {
    if (!enabled) return console.log(`  skipped (needs RUSTCHAT_TEST_DATABASE_URL and RUSTCHAT_TEST_REDIS_URL): ${name}`);
    await fn();
  });

cluster('a post on A reaches sockets on B (and on A), once, in seq order', async () => {
  const { c: onB } = await connect(B.url, carol.token);
  const { c: onA } = await connect(A.url, bob.token);
  const p1 = await ok(a('POST', `/channels/${channelId}/posts`, { message: 'across' }, admin.token));
  const p2 = await ok(b('POST', `/channels/${channelId}/posts`, { message: 'and back' }, carol.token));
  for (const c of [onA, onB]) {
    const e1 = await c.nextEvent('posted', (f) => f.data.post.id === p1.id);
    const e2 = await c.nextEvent('posted', (f) => f.data.post.id === p2.id);
    // In order; other events may sit between them (the socket's own status_change on connect
    // races the first post), but the stream has no gap: every seq from the hello on arrived.
    assert.ok(e2.seq! > e1.seq!, `seq ${e1.seq} then ${e2.seq}`);
    const seqs = c.frames.filter((f) => typeof f.seq === 'number').map((f) => f.seq);
    assert.equal(seqs, seqs.map((_, i) => i), 'consecutive seqs from 0');
    assert.is(c.frames.filter((f) => f.event === 'posted').length, 2, 'no duplicates');
  }
  await Promise.all([onA.close(), onB.close()]);
});

cluster('typing on A reaches the other members on B, never the typist', async () => {
  const { c: bobA } = await connect(A.url, bob.token);
  const { c: bobB } = await connect(B.url, bob.token); // the typist's other socket, on B
  const { c: carolB } = await connect(B.url, carol.token);
  const r = await bobA.request('typing', { channel_id: channelId });
  assert.is(r.status, 'OK');
  const t = await carolB.nextEvent('typing');
  assert.is(t.data.user_id, bob.id);
  // Order marker: a post published after the typing event; once it arrives on bob's sockets,
  // a typing frame (had one been sent to them) would have arrived before it.
  const marker = await ok(a('POST', `/channels/${channelId}/posts`, { message: 'marker' }, admin.token));
  await bobA.nextEvent('posted', (f) => f.data.post.id === marker.id);
  await bobB.nextEvent('posted', (f) => f.data.post.id === marker.id);
  assert.not.ok(bobA.frames.some((f) => f.event === 'typing'));
  assert.not.ok(bobB.frames.some((f) => f.event === 'typing'));
  await Promise.all([bobA.close(), bobB.close(), carolB.close()]);
});

cluster('removal on A stops delivery on B from the moment it commits; a new channel starts delivering without reconnecting', async () => {
  const { c: carolB } = await connect(B.url, carol.token);
  await ok(a('DELETE', `/channels/${channelId}/members/${carol.id}`, undefined, admin.token));
  const removed = await carolB.nextEvent('user_removed', (f) => f.data.user_id === carol.id);
  assert.is(removed.data.channel_id, channelId);
  const secret = await ok(a('POST', `/channels/${channelId}/posts`, { message: 'after removal' }, admin.token));
  // Published after `secret` by the same process: when it arrives, `secret` would have too.
  const marker = await ok(a('POST', `/channels/${otherChannelId}/posts`, { message: 'still here' }, admin.token));
  await carolB.nextEvent('posted', (f) => f.data.post.id === marker.id);
  assert.not.ok(carolB.frames.some((f) => f.event === 'posted' && f.data.post.id === secret.id), 'removed member got a post');

  // A new private channel with carol: her open socket on B receives its posts at once.
  const priv = await ok(a('POST', '/channels', { team_id: teamId, name: `p${Date.now().toString(36)}`, display_name: 'P', type: 'private' }, admin.token));
  await ok(a('POST', `/channels/${priv.id}/members`, { user_id: carol.id }, admin.token));
  const fresh = await ok(a('POST', `/channels/${priv.id}/posts`, { message: 'welcome' }, admin.token));
  await carolB.nextEvent('posted', (f) => f.data.post.id === fresh.id);
  await carolB.close();
});

cluster('logout on A closes the same session’s socket on B within 1 s (4003)', async () => {
  const login = await ok(b('POST', '/auth/login', { login_id: bob.username, password: 'correct horse battery' }));
  const { c: onB } = await connect(B.url, login.token);
  const { c: otherSession } = await connect(B.url, bob.token);
  const started = Date.now();
  await ok(a('POST', '/auth/logout', {}, login.token));
  const closed = await onB.closed;
  assert.is(closed.code, 4003);
  assert.is(closed.reason, 'session revoked');
  assert.ok(closed.at - started < 1000, `closed ${closed.at - started} ms after logout`);
  // The user's other session keeps its socket.
  const pong = await otherSession.request('ping');
  assert.is(pong.status, 'OK');
  await otherSession.close();
});

cluster('presence is shared: a socket on B makes the user online as seen through A', async () => {
  const dave = await registerUser(b, 'dav');
  const { c } = await connect(B.url, dave.token);
  await c.nextEvent('status_change', (f) => f.data.status === 'online');
  const seen = await ok(a('POST', '/users/status/ids', { ids: [dave.id] }, bob.token));
  assert.equal(seen.items.map((x: any) => [x.user_id, x.status]), [[dave.id, 'online']]);
  // A manual status set through A reaches the user's socket on B.
  await ok(a('PUT', '/users/me/status', { status: 'dnd' }, dave.token));
  const ev = await c.nextEvent('status_change', (f) => f.data.status === 'dnd');
  assert.is(ev.data.manual, true);
  await c.close();
});

cluster('/health/ready reports redis ok on both', async () => {
  for (const x of [a, b]) {
    const r = await x('GET', '/health/ready');
    assert.is(r.status, 200);
    assert.is(r.body.checks.redis, 'ok');
  }
});

test.run();
