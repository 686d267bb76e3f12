/**
 * The native WebSocket protocol against a real `serve` process: authentication, limits, bad
 * frames, typing, lossless resume and the ring-exceeded fallback, status routes. Runs on PGlite
 * by default, on PostgreSQL with RUSTCHAT_TEST_DATABASE_URL.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnServer, type ServerProcess } from '../../test/process.ts';
import { createPgDatabase } from '../../test/db.ts';
import { api, connect, ok, registerUser, WsClient, type Api, type TestUser } from '../../test/realtime.ts';
import { RING_SIZE } from './ring.ts';

let server: ServerProcess;
let pg: Awaited<ReturnType<typeof createPgDatabase>>;
let a: Api;
let admin: TestUser;
let bob: TestUser;
let carol: TestUser;
let channelId: string;
let wsUrl: string;

test.before(async () => {
  try {
    await setup();
  } catch (e) {
    console.error('setup failed', e); // uvu does not print errors thrown by hooks
    throw e;
  }
});

async function setup() {
  pg = await createPgDatabase();
  server = await spawnServer({ env: pg ? { RUSTCHAT_DATABASE_URL: pg.url, RUSTCHAT_JWT_SECRET: 'x'.repeat(40) } : {} });
  a = api(server.url);
  wsUrl = `${server.url.replace('http', 'ws')}/api/v1/ws`;
  admin = await registerUser(a, 'adm');
  bob = await registerUser(a, 'bob');
  carol = await registerUser(a, 'car');
  const team = await ok(a('POST', '/teams', { type: 'O', name: `t${Date.now().toString(36)}`, display_name: 'Team' }, admin.token));
  for (const u of [bob, carol]) await ok(a('POST', `/teams/${team.id}/members`, { user_id: u.id }, admin.token));
  const ch = await ok(a('POST', '/channels', { team_id: team.id, name: `c${Date.now().toString(36)}`, display_name: 'C', type: 'public' }, admin.token));
  channelId = ch.id;
  for (const u of [bob, carol]) await ok(a('POST', `/channels/${channelId}/members`, { user_id: u.id }, admin.token));
}

test.after(async () => {
  await server?.stop();
  await pg?.drop();
});

test('a socket that never authenticates is closed after 5 s with 4001', async () => {
  const c = new WsClient(wsUrl);
  await c.opened;
  const started = Date.now();
  const closed = await c.closed;
  assert.is(closed.code, 4001);
  assert.is(closed.reason, 'authentication timeout');
  assert.ok(closed.at - started >= 4500, `closed after ${closed.at - started} ms, before the 5 s allowance`);
});

test('a 9 KiB frame closes the socket with 1009; 8 KiB is accepted', async () => {
  const { c } = await connect(server.url, bob.token);
  // Just under the limit: a JSON frame of ~8 KiB is read (and answered: unknown action).
  const pad = 'x'.repeat(8 * 1024 - 100);
  c.sendRaw(JSON.stringify({ action: 'nope', seq: 7, data: { pad } }));
  const r = await c.next((f) => f.seq_reply === 7);
  assert.is(r.status, 'FAIL');
  c.sendRaw('y'.repeat(9 * 1024));
  const closed = await c.closed;
  assert.is(closed.code, 1009);
});

test('invalid JSON and unknown actions get FAIL replies and the socket keeps working', async () => {
  const { c } = await connect(server.url, bob.token);
  c.sendRaw('{not json');
  const bad = await c.next((f) => f.status === 'FAIL');
  assert.is(bad.error!.code, 'invalid_json');
  assert.is(bad.seq_reply, null);
  const unknown = await c.request('self_destruct');
  assert.is(unknown.status, 'FAIL');
  assert.is(unknown.error!.code, 'unknown_action');
  c.sendRaw(JSON.stringify([1, 2, 3]));
  assert.is((await c.next((f) => f.status === 'FAIL')).error!.code, 'invalid_action');
  const typingBad = await c.request('typing', { channel_id: 'not-an-id' });
  assert.is(typingBad.error!.code, 'invalid_channel_id');
  const pong = await c.request('ping');
  assert.is(pong.status, 'OK');
  assert.is(pong.data.text, 'pong');
  await c.close();
});

test('per-socket action rate limit: a burst past 40 gets rate_limited FAILs, the socket survives', async () => {
  const { c } = await connect(server.url, carol.token);
  for (let i = 1; i <= 60; i++) c.sendRaw(JSON.stringify({ action: 'ping', seq: 1000 + i }));
  const replies = [];
  for (let i = 1; i <= 60; i++) replies.push(await c.next((f) => f.seq_reply === 1000 + i));
  const limited = replies.filter((r) => r.status === 'FAIL');
  assert.ok(limited.length >= 10, `only ${limited.length} of 60 limited`);
  assert.ok(limited.every((r) => r.error!.code === 'rate_limited'));
  assert.is(c.ws.readyState, c.ws.OPEN);
  await c.close();
});

test('authenticate action: wrong token closes with 4001; right token gets OK then hello at seq 0', async () => {
  const bad = new WsClient(wsUrl);
  await bad.opened;
  const r = await bad.request('authenticate', { token: 'eyJhbGciOiJub25lIn0.e30.' });
  assert.is(r.status, 'FAIL');
  assert.is((await bad.closed).code, 4001);

  const good = new WsClient(wsUrl);
  await good.opened;
  const before = await good.request('ping');
  assert.is(before.error!.code, 'unauthenticated');
  const okr = await good.request('authenticate', { token: carol.token });
  assert.is(okr.status, 'OK');
  const hello = await good.nextEvent('hello');
  assert.is(hello.seq, 0);
  assert.is(hello.data.user_id, carol.id);
  assert.is(hello.data.connection_id.length, 26);
  await good.close();
});

test('tokens in the query string are refused; a bad header token is 401', async () => {
  const q = new WsClient(`${wsUrl}?token=${bob.token}`);
  try {
    await q.opened;
    assert.unreachable('upgrade should be refused');
  } catch (e) {
    assert.match(String(e), /400/);
  }
  const h = new WsClient(wsUrl, { token: 'garbage' });
  try {
    await h.opened;
    assert.unreachable('upgrade should be refused');
  } catch (e) {
    assert.match(String(e), /401/);
  }
});

test('posts reach members; typing reaches the others, not the typist', async () => {
  const { c: b } = await connect(server.url, bob.token);
  const { c: cc } = await connect(server.url, carol.token);
  const post = await ok(a('POST', `/channels/${channelId}/posts`, { message: 'hello both' }, admin.token));
  const gotB = await b.nextEvent('posted', (f) => f.data.post.id === post.id);
  const gotC = await cc.nextEvent('posted', (f) => f.data.post.id === post.id);
  assert.is(gotB.data.post.message, 'hello both');
  assert.is(gotC.seq, cc.lastSeq());

  const reply = await b.request('typing', { channel_id: channelId });
  assert.is(reply.status, 'OK');
  const typing = await cc.nextEvent('typing');
  assert.equal({ channel_id: typing.data.channel_id, user_id: typing.data.user_id }, { channel_id: channelId, user_id: bob.id });
  assert.is(typing.seq, undefined, 'typing is unsequenced on the native socket');
  // The typist's own socket: everything up to its reply, and no typing frame among it.
  assert.not.ok(b.frames.some((f) => f.event === 'typing'));
  // A non-member may not type in the channel.
  const outsider = await registerUser(a, 'out');
  const { c: o } = await connect(server.url, outsider.token);
  const denied = await o.request('typing', { channel_id: channelId });
  assert.is(denied.error!.code, 'forbidden');
  await Promise.all([b.close(), cc.close(), o.close()]);
});

test('typing in an archived channel or a channel of an archived team is refused and reaches nobody (both sockets)', async () => {
  const archivedTeam = await ok(a('POST', '/teams', { type: 'O', name: `x${Date.now().toString(36)}`, display_name: 'Gone' }, admin.token));
  for (const u of [bob, carol]) await ok(a('POST', `/teams/${archivedTeam.id}/members`, { user_id: u.id }, admin.token));
  const inArchivedTeam = await ok(a('POST', '/channels', { team_id: archivedTeam.id, name: `g${Date.now().toString(36)}`, display_name: 'G', type: 'public' }, admin.token));
  const teamId = (await ok(a('GET', `/channels/${channelId}`, undefined, admin.token))).team_id;
  const archived = await ok(a('POST', '/channels', { team_id: teamId, name: `a${Date.now().toString(36)}`, display_name: 'A', type: 'public' }, admin.token));
  const live = await ok(a('POST', '/channels', { team_id: teamId, name: `l${Date.now().toString(36)}`, display_name: 'L', type: 'public' }, admin.token));
  for (const ch of [inArchivedTeam, archived, live]) for (const u of [bob, carol]) await ok(a('POST', `/channels/${ch.id}/members`, { user_id: u.id }, admin.token));
  await ok(a('DELETE', `/teams/${archivedTeam.id}`, undefined, admin.token));
  await ok(a('DELETE', `/channels/${archived.id}`, undefined, admin.token));

  const { c: b } = await connect(server.url, bob.token);
  const { c: cc } = await connect(server.url, carol.token);
  const v4 = new WsClient(`${wsUrl.replace('/api/v1/ws', '/api/v4/websocket')}`, { token: bob.token });
  await v4.opened;
  await v4.nextEvent('hello');
  const refused = [
    [await b.request('typing', { channel_id: inArchivedTeam.id }), 'channel_not_found'],
    [await b.request('typing', { channel_id: archived.id }), 'channel_archived'],
  ] as const;
  for (const [reply, code] of refused) assert.equal([reply.status, reply.error?.code], ['FAIL', code]);
  for (const id of [inArchivedTeam.id, archived.id]) assert.is((await v4.request('user_typing', { channel_id: id })).status, 'FAIL', 'the Mattermost socket refuses it too');
  // Frames to carol arrive in order: her first typing frame is the one in the live channel.
  assert.is((await b.request('typing', { channel_id: live.id })).status, 'OK');
  const heard = await cc.nextEvent('typing');
  assert.is(heard.data.channel_id, live.id);
  assert.is(cc.frames.filter((f) => f.event === 'typing').length, 1);
  await Promise.all([b.close(), cc.close(), v4.close()]);
});

test('disconnect, 50 posts, resume: exactly those 50 in order, no duplicates', async () => {
  const { c: first, hello } = await connect(server.url, bob.token);
  const warm = await ok(a('POST', `/channels/${channelId}/posts`, { message: 'before' }, admin.token));
  await first.nextEvent('posted', (f) => f.data.post.id === warm.id);
  const nextSeq = first.lastSeq() + 1;
  await first.kill();

  const sent: string[] = [];
  for (let i = 0; i < 50; i++) sent.push((await ok(a('POST', `/channels/${channelId}/posts`, { message: `missed ${i}` }, admin.token))).id);

  const { c: again } = await connect(server.url, bob.token, `?connection_id=${hello.data.connection_id}&sequence_number=${nextSeq}`);
  // Marker after the 50: once it arrives, everything before it has been replayed.
  const marker = await ok(a('POST', `/channels/${channelId}/posts`, { message: 'marker' }, admin.token));
  await again.nextEvent('posted', (f) => f.data.post.id === marker.id);
  assert.not.ok(again.frames.some((f) => f.event === 'hello'), 'a resumed stream gets no new hello');
  const seqs = again.frames.filter((f) => typeof f.seq === 'number').map((f) => f.seq!);
  assert.equal(seqs, seqs.map((_, i) => nextSeq + i), 'seqs continue without a gap or repeat');
  const posted = again.frames.filter((f) => f.event === 'posted').map((f) => f.data.post.id);
  assert.equal(posted, [...sent, marker.id]);
  await again.close();
});

test('ring exceeded: a fresh hello with a new connection id, then REST catches up', async () => {
  const { c: first, hello } = await connect(server.url, carol.token);
  const nextSeq = first.lastSeq() + 1;
  await first.kill();
  const ids: string[] = [];
  for (let i = 0; i < RING_SIZE + 5; i++) ids.push((await ok(a('POST', `/channels/${channelId}/posts`, { message: `flood ${i}` }, admin.token))).id);
  const { c: again, hello: hello2 } = await connect(server.url, carol.token, `?connection_id=${hello.data.connection_id}&sequence_number=${nextSeq}`);
  assert.is(hello2.event, 'hello');
  assert.is(hello2.seq, 0);
  assert.is.not(hello2.data.connection_id, hello.data.connection_id);
  assert.not.ok(again.frames.some((f) => f.event === 'posted'), 'no partial replay');
  // The client refetches: every post is there over REST.
  const page = await ok(a('GET', `/channels/${channelId}/posts?limit=200`, undefined, carol.token));
  const have = new Set((page.items ?? page.posts ?? page).map((p: any) => p.id));
  for (const id of ids) assert.ok(have.has(id), `post ${id} missing from REST`);
  await again.close();
});

test('resume with a connection id of another user starts fresh', async () => {
  const { c: b, hello } = await connect(server.url, bob.token);
  const nextSeq = b.lastSeq() + 1;
  await b.kill();
  const { c: thief, hello: h2 } = await connect(server.url, carol.token, `?connection_id=${hello.data.connection_id}&sequence_number=${nextSeq}`);
  assert.is(h2.event, 'hello');
  assert.is.not(h2.data.connection_id, hello.data.connection_id);
  await thief.close();
});

test('status routes: online with a socket, manual dnd wins, online clears it, statuses by ids', async () => {
  const { c } = await connect(server.url, bob.token);
  const online = await c.nextEvent('status_change', (f) => f.data.status === 'online').catch(() => null);
  const me = await ok(a('GET', '/users/me/status', undefined, bob.token));
  assert.is(me.status, 'online', JSON.stringify({ me, online }));
  const dnd = await ok(a('PUT', '/users/me/status', { status: 'dnd' }, bob.token));
  assert.equal({ status: dnd.status, manual: dnd.manual }, { status: 'dnd', manual: true });
  const ev = await c.nextEvent('status_change', (f) => f.data.status === 'dnd');
  assert.is(ev.data.user_id, bob.id);
  // Another socket does not turn dnd back into online.
  const { c: second } = await connect(server.url, bob.token);
  assert.is((await ok(a('GET', '/users/me/status', undefined, bob.token))).status, 'dnd');
  const viaSocket = await second.request('set_status', { status: 'online' });
  assert.is(viaSocket.status, 'OK');
  assert.equal({ status: viaSocket.data.status, manual: viaSocket.data.manual }, { status: 'online', manual: false });
  const many = await ok(a('POST', '/users/status/ids', { ids: [bob.id, carol.id, admin.id] }, carol.token));
  const byId = Object.fromEntries(many.items.map((s: any) => [s.user_id, s.status]));
  assert.is(byId[bob.id], 'online');
  assert.ok(['offline', 'online', 'away'].includes(byId[admin.id]));
  const bad = await a('PUT', '/users/me/status', { status: 'sleeping' }, bob.token);
  assert.is(bad.status, 400);
  const badIds = await a('POST', '/users/status/ids', { ids: ['x'] }, bob.token);
  assert.is(badIds.status, 400);
  assert.is(badIds.body.error.code, 'invalid_ids');
  const noAuth = await a('GET', '/users/me/status');
  assert.is(noAuth.status, 401);
  await Promise.all([c.close(), second.close()]);
});

test.run();
