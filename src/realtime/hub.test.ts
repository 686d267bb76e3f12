/**
 * The hub alone, with stand-in sockets: routing by explicit recipients, seq, rings and resume,
 * slow consumers, heartbeats (dead sockets, revoked sessions found by the database check),
 * revocation over the bus, stream restart after a bus outage.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { EventEmitter } from 'node:events';
import type { WebSocket } from 'ws';
import { testApp, type TestContext } from '../../test/app.ts';
import { fxUser, type FxUser } from '../../test/fixtures.ts';
import { Hub, CLOSE } from './hub.ts';
import { v1Serializer } from './serializer.ts';
import type { AppEvent } from '../contract/events.ts';
import { RING_SIZE } from './ring.ts';
import { B, C, sampleData, sampleEvent, samplePost } from '../../test/samples.ts';

class FakeWs extends EventEmitter {
  OPEN = 1;
  readyState = 1;
  bufferedAmount = 0;
  sent: any[] = [];
  pings = 0;
  closed: { code?: number; reason?: string } | null = null;
  terminated = false;
  send(s: string) {
    this.sent.push(JSON.parse(s));
  }
  ping() {
    this.pings++;
  }
  close(code?: number, reason?: string) {
    this.closed = { code, reason };
    this.readyState = 3;
    this.emit('close', code, Buffer.from(reason ?? ''));
  }
  terminate() {
    this.terminated = true;
    this.readyState = 3;
    this.emit('close', 1006, Buffer.from(''));
  }
  events(name?: string) {
    return this.sent.filter((f) => f.event && (!name || f.event === name));
  }
}

let ctx: TestContext;
let hub: Hub;
let alice: FxUser;
let bob: FxUser;

/** A `posted` of post `p<n>`, or (typing) an ephemeral event; `omit` is omitted from delivery. */
function ev(user_ids: string[], n: number, o: { omit?: string; typing?: boolean } = {}): AppEvent {
  const broadcast = { user_ids, ...(o.omit ? { omit_user_id: o.omit } : {}) };
  if (o.typing) return sampleEvent('typing', { channel_id: C, root_id: '', user_id: B, at: n }, broadcast, true);
  return sampleEvent('posted', { ...sampleData().posted, post: samplePost({ id: `p${n}` }) }, broadcast);
}
const attach = (ws: FakeWs, u: FxUser, resume?: { connectionId: string; nextSeq: number }) =>
  hub.attach(ws as unknown as WebSocket, { userId: u.id, sessionId: u.sessionId, sessionExpiresAt: Date.now() + 3_600_000, serializer: v1Serializer, resume });

test.before(async () => {
  ctx = await testApp();
  hub = new Hub(ctx.deps, { heartbeatMs: 3_600_000, maxBufferedBytes: 1000 });
  alice = await fxUser(ctx.deps);
  bob = await fxUser(ctx.deps);
});

test.after(async () => {
  hub.close();
  await ctx.close();
});

test('events reach exactly the named recipients, with consecutive seqs; omit_user_id is skipped', () => {
  const a = new FakeWs();
  const b = new FakeWs();
  attach(a, alice);
  attach(b, bob);
  assert.equal(a.sent[0].event, 'hello');
  assert.is(a.sent[0].seq, 0);
  hub.dispatch(ev([alice.id], 1));
  hub.dispatch(ev([alice.id, bob.id], 2));
  hub.dispatch(ev([alice.id, bob.id], 3, { omit: alice.id }));
  hub.dispatch(ev([alice.id, bob.id], 4, { typing: true }));
  assert.equal(a.events('posted').map((f) => [f.data.post.id, f.seq]), [['p1', 1], ['p2', 2]]);
  assert.equal(b.events('posted').map((f) => [f.data.post.id, f.seq]), [['p2', 1], ['p3', 2]]);
  const typing = b.events('typing');
  assert.is(typing.length, 1);
  assert.is(typing[0].seq, undefined);
  a.close();
  b.close();
});

test('resume replays exactly the missed events; a stale or foreign resume gets a fresh hello', () => {
  const a = new FakeWs();
  const { conn } = attach(a, alice);
  hub.dispatch(ev([alice.id], 1));
  a.terminate();
  for (let i = 2; i <= 6; i++) hub.dispatch(ev([alice.id], i));
  hub.dispatch(ev([alice.id], 99, { typing: true })); // not kept
  const a2 = new FakeWs();
  const r = attach(a2, alice, { connectionId: conn.id, nextSeq: 2 });
  assert.ok(r.resumed);
  assert.equal(a2.sent.map((f) => [f.event, f.seq, f.data.post.id]), [2, 3, 4, 5, 6].map((s) => ['posted', s, `p${s}`]));
  // Another user cannot take it over.
  const thief = new FakeWs();
  const t = attach(thief, bob, { connectionId: conn.id, nextSeq: 2 });
  assert.not.ok(t.resumed);
  assert.is(thief.sent[0].event, 'hello');
  // A seq from the future is refused too.
  a2.terminate();
  const a3 = new FakeWs();
  assert.not.ok(attach(a3, alice, { connectionId: conn.id, nextSeq: 50 }).resumed);
  assert.is.not(a3.sent[0].data.connection_id, conn.id);
  thief.close();
  a3.close();
});

test('ring exceeded: no partial replay', () => {
  const a = new FakeWs();
  const { conn } = attach(a, alice);
  a.terminate();
  for (let i = 1; i <= RING_SIZE + 1; i++) hub.dispatch(ev([alice.id], i));
  const a2 = new FakeWs();
  assert.not.ok(attach(a2, alice, { connectionId: conn.id, nextSeq: 1 }).resumed);
  assert.equal(a2.sent.map((f) => f.event), ['hello']);
  // From seq 2 on everything is still there.
  const b = new FakeWs();
  const { conn: c2 } = attach(b, bob);
  b.terminate();
  for (let i = 1; i <= RING_SIZE + 1; i++) hub.dispatch(ev([bob.id], i));
  const b2 = new FakeWs();
  assert.ok(attach(b2, bob, { connectionId: c2.id, nextSeq: 2 }).resumed);
  assert.is(b2.sent.length, RING_SIZE);
  a2.close();
  b2.close();
});

test('a slow consumer is dropped instead of buffering, and resumes losslessly', () => {
  const a = new FakeWs();
  const { conn } = attach(a, alice);
  hub.dispatch(ev([alice.id], 1));
  a.bufferedAmount = 5000;
  hub.dispatch(ev([alice.id], 2));
  assert.ok(a.terminated);
  assert.is(a.events('posted').length, 1);
  const a2 = new FakeWs();
  assert.ok(attach(a2, alice, { connectionId: conn.id, nextSeq: 2 }).resumed);
  assert.equal(a2.sent.map((f) => f.data.post.id), ['p2']);
  a2.close();
});

test('heartbeat: pings, reaps a socket that did not answer, closes revoked sessions (database check)', async () => {
  const a = new FakeWs();
  attach(a, alice);
  await hub.heartbeat();
  assert.is(a.pings, 1);
  assert.not.ok(a.terminated);
  await hub.heartbeat(); // no pong since the last ping
  assert.ok(a.terminated);

  const carol = await fxUser(ctx.deps);
  const c = new FakeWs();
  attach(c, carol);
  c.emit('pong');
  await ctx.deps.db.query('update sessions set revoked_at = $2 where id = $1', [carol.sessionId, Date.now()]);
  await hub.heartbeat();
  assert.equal(c.closed, { code: CLOSE.sessionRevoked, reason: 'session revoked' });
});

test("heartbeat: a socket opened with an access token closes once the token is disabled or deleted or its user deactivated (the bus message lost)", async () => {
  for (const end of ['disable', 'delete', 'deactivate'] as const) {
    const dora = await fxUser(ctx.deps);
    const tokenId = `tok${end}`.padEnd(26, '0');
    await ctx.deps.db.query(`insert into access_tokens (id, user_id, token_hash, create_at) values ($1, $2, $3, 0)`, [tokenId, dora.id, `hash-${end}`]);
    const d = new FakeWs();
    hub.attach(d as unknown as WebSocket, { userId: dora.id, sessionId: tokenId, sessionExpiresAt: Number.MAX_SAFE_INTEGER, serializer: v1Serializer });
    d.emit('pong');
    await hub.heartbeat();
    assert.is(d.closed, null, `${end}: a live token's socket stays`);
    if (end === 'disable') await ctx.deps.db.query('update access_tokens set is_active = false where id = $1', [tokenId]);
    if (end === 'delete') await ctx.deps.db.query('delete from access_tokens where id = $1', [tokenId]);
    if (end === 'deactivate') await ctx.deps.db.query('update users set delete_at = 1 where id = $1', [dora.id]);
    d.emit('pong');
    await hub.heartbeat();
    assert.equal(d.closed, { code: CLOSE.sessionRevoked, reason: 'session revoked' }, end);
  }
});

test('the heartbeat timer spreads pings over its period: each socket once, not all in one tick', async () => {
  // 6 s period in 100 ticks of 60 ms: three new connections fall in three consecutive slots.
  const spread = new Hub(ctx.deps, { heartbeatMs: 6000 });
  const socks = [new FakeWs(), new FakeWs(), new FakeWs()];
  const at: number[][] = socks.map(() => []);
  socks.forEach((s, i) => {
    s.ping = () => void at[i].push(Date.now());
    spread.attach(s as unknown as WebSocket, { userId: alice.id, sessionId: alice.sessionId, sessionExpiresAt: Date.now() + 3_600_000, serializer: v1Serializer });
  });
  const until = Date.now() + 2000;
  while (at.some((t) => t.length === 0) && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
  spread.close();
  assert.equal(at.map((t) => t.length), [1, 1, 1], 'each pinged once');
  assert.ok(at[0][0] < at[1][0] && at[1][0] < at[2][0], `one slot per tick: ${at.map((t) => t[0])}`);
});

test('heartbeat closes a socket whose session expired (4003 session expired)', async () => {
  const e = new FakeWs();
  hub.attach(e as unknown as WebSocket, { userId: bob.id, sessionId: bob.sessionId, sessionExpiresAt: Date.now() - 1, serializer: v1Serializer });
  await hub.heartbeat();
  assert.equal(e.closed, { code: CLOSE.sessionRevoked, reason: 'session expired' });
});

test('sessions_revoked on the bus closes those sockets with 4003, others stay', () => {
  const dave = { ...alice, sessionId: 'other-session' };
  const a = new FakeWs();
  const d = new FakeWs();
  attach(a, alice);
  attach(d, dave);
  ctx.deps.bus.publish({ control: 'sessions_revoked', session_ids: [alice.sessionId], user_id: alice.id });
  // The hub under test subscribed to the same bus.
  assert.equal(a.closed, { code: 4003, reason: 'session revoked' });
  assert.is(d.closed, null);
  d.close();
});

test('bus_reconnected restarts every stream with a fresh hello', () => {
  const a = new FakeWs();
  const { conn } = attach(a, bob);
  hub.dispatch(ev([bob.id], 1));
  ctx.deps.bus.publish({ control: 'bus_reconnected' });
  const hellos = a.events('hello');
  assert.is(hellos.length, 2);
  assert.is.not(hellos[1].data.connection_id, conn.id);
  hub.dispatch(ev([bob.id], 2));
  assert.is(a.sent.at(-1).seq, 1, 'numbering restarts after the new hello');
  assert.is(hub.connectionCount(), 1);
  a.close();
  assert.is(hub.connectionCount(), 0);
});

/** A status_change of `who`, as presence publishes it. */
const statusEv = (who: FxUser, status: string): AppEvent => sampleEvent('status_change', { user_id: who.id, status: status as 'away', manual: true, last_activity_at: 1 }, { user_ids: [who.id], presence_of: who.id });

test('status_change reaches the user and the connections watching them, no one else; replaced and cleared sets', async () => {
  const carol = await fxUser(ctx.deps);
  const [a, b, c] = [new FakeWs(), new FakeWs(), new FakeWs()];
  attach(a, alice);
  const { conn: bc } = attach(b, bob);
  const { conn: cc } = attach(c, carol);
  hub.watchPresence(bc, [alice.id, carol.id]);
  hub.dispatch(statusEv(alice, 'away'));
  assert.equal(a.events('status_change').map((f) => [f.data.user_id, f.data.status, f.seq]), [[alice.id, 'away', 1]]);
  assert.equal(b.events('status_change').map((f) => [f.data.user_id, f.data.status, f.seq]), [[alice.id, 'away', 1]]);
  assert.is(c.events('status_change').length, 0, 'carol does not watch alice');
  // A watcher of itself is a recipient already: once only.
  hub.watchPresence(cc, [carol.id, alice.id, alice.id]);
  hub.dispatch(statusEv(carol, 'dnd'));
  assert.is(c.events('status_change').length, 1);
  assert.is(b.events('status_change').length, 2);
  assert.is(hub.watcherCount(alice.id), 2);
  // Replaced: bob now watches carol only; cleared: carol watches nobody.
  hub.watchPresence(bc, [carol.id]);
  hub.watchPresence(cc, []);
  hub.dispatch(statusEv(alice, 'online'));
  assert.is(b.events('status_change').length, 2, 'bob no longer watches alice');
  assert.is(c.events('status_change').length, 1);
  assert.is(hub.watcherCount(alice.id), 0);
  // Events without presence_of never go to watchers.
  hub.dispatch(ev([alice.id], 7));
  assert.is(b.events('posted').length, 0);
  a.close();
  b.close();
  c.close();
});

test('a watching connection keeps its set across resume (missed changes replayed); a fresh one starts with none', () => {
  const b = new FakeWs();
  const { conn } = attach(b, bob);
  hub.watchPresence(conn, [alice.id]);
  b.terminate();
  hub.dispatch(statusEv(alice, 'away')); // while detached: kept in the ring
  const b2 = new FakeWs();
  assert.ok(attach(b2, bob, { connectionId: conn.id, nextSeq: 1 }).resumed);
  assert.equal(b2.events('status_change').map((f) => [f.data.status, f.seq]), [['away', 1]]);
  hub.dispatch(statusEv(alice, 'dnd'));
  assert.equal(b2.events('status_change').map((f) => f.data.status), ['away', 'dnd']);
  // A new connection (no resume) watches nothing; the old one's set is gone with it.
  b2.close();
  const b3 = new FakeWs();
  const fresh = attach(b3, bob, { connectionId: 'gone', nextSeq: 1 });
  assert.not.ok(fresh.resumed);
  hub.dispatch(statusEv(alice, 'online'));
  assert.is(b3.events('status_change').length, 0);
  b3.close();
});

test.run();
