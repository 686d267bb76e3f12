// The socket client's protocol handling against a scripted server (the `ws` package), in Node:
// authenticate first (no token in the URL), resume with connection_id + next seq, refetch on a
// fresh hello, and treat a seq gap like a lost stream.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { WebSocketServer, WebSocket as NodeWebSocket } from 'ws';
import type { AddressInfo } from 'node:net';
import type { ClientEvent } from '../../src/contract/events.ts';

const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
await new Promise((r) => wss.once('listening', r));
const port = (wss.address() as AddressInfo).port;

// The browser globals ws.ts uses.
Object.assign(globalThis, {
  WebSocket: NodeWebSocket,
  location: { protocol: 'http:', host: `127.0.0.1:${port}` },
  addEventListener: () => {},
  removeEventListener: () => {},
});
const { ChatSocket } = await import('./ws.ts');

interface Conn {
  url: URL;
  sock: NodeWebSocket;
  first: Promise<any>;
}
const conns: Conn[] = [];
let waiting: ((c: Conn) => void) | undefined;
wss.on('connection', (sock, req) => {
  const c: Conn = { url: new URL(req.url!, 'http://x'), sock, first: new Promise((r) => sock.once('message', (m) => r(JSON.parse(String(m))))) };
  conns.push(c);
  waiting?.(c);
});
const nextConn = () => new Promise<Conn>((r) => (waiting = r));
const send = (c: Conn, msg: unknown) => c.sock.send(JSON.stringify(msg));

const events: ClientEvent[] = [];
const fresh: boolean[] = [];
const statuses: string[] = [];
let onEvent: (() => void) | undefined;
const sock = new ChatSocket({
  token: () => 'tok-123',
  onEvent: (e) => {
    events.push(e);
    onEvent?.();
  },
  onFresh: (first) => fresh.push(first),
  onStatus: (s) => statuses.push(s),
  onAuthFailed: () => {},
});
const waitEvents = (n: number) => new Promise<void>((r) => (events.length >= n ? r() : (onEvent = () => events.length >= n && r())));

test('authenticates with the first message, never in the URL; hello is a first fresh start', async () => {
  const conn = nextConn();
  sock.start();
  const c = await conn;
  assert.is(c.url.search, '');
  const auth = await c.first;
  assert.equal(auth, { action: 'authenticate', seq: 1, data: { token: 'tok-123' } });
  send(c, { status: 'OK', seq_reply: 1 });
  send(c, { event: 'hello', data: { connection_id: 'conn-a' }, seq: 0 });
  send(c, { event: 'posted', data: { post: { id: 'p1' } }, seq: 1 });
  send(c, { event: 'typing', data: { channel_id: 'c' } }); // ephemeral: no seq
  send(c, { event: 'posted', data: { post: { id: 'p2' } }, seq: 2 });
  await waitEvents(3);
  assert.equal(fresh, [true]);
  assert.equal(events.map((e) => e.event), ['posted', 'typing', 'posted']);
  assert.is(statuses.at(-1), 'online');
});

test('after a drop it resumes with connection_id and the next seq; replayed events apply once', async () => {
  const conn = nextConn();
  conns[0]!.sock.terminate();
  const c = await conn;
  assert.is(c.url.searchParams.get('connection_id'), 'conn-a');
  assert.is(c.url.searchParams.get('sequence_number'), '3');
  assert.is(c.url.searchParams.get('token'), null);
  assert.ok(statuses.includes('reconnecting'));
  const auth = await c.first;
  assert.is(auth.action, 'authenticate');
  send(c, { status: 'OK', seq_reply: auth.seq });
  send(c, { event: 'posted', data: { post: { id: 'p2' } }, seq: 2 }); // a duplicate: ignored
  send(c, { event: 'posted', data: { post: { id: 'p3' } }, seq: 3 });
  await waitEvents(4);
  assert.equal(events.slice(3).map((e) => (e.data as unknown as { post: { id: string } }).post.id), ['p3']);
  assert.equal(fresh, [true], 'a resumed stream is not a fresh start');
  assert.is(statuses.at(-1), 'online');
});

test('a fresh hello on reconnect (server could not replay) asks for a refetch', async () => {
  const conn = nextConn();
  conns[1]!.sock.terminate();
  const c = await conn;
  assert.is(c.url.searchParams.get('sequence_number'), '4');
  const auth = await c.first;
  send(c, { status: 'OK', seq_reply: auth.seq });
  send(c, { event: 'hello', data: { connection_id: 'conn-b' }, seq: 0 });
  send(c, { event: 'posted', data: { post: { id: 'p4' } }, seq: 1 });
  await waitEvents(5);
  assert.equal(fresh, [true, false]);
});

test('a gap in seq is never skipped: the client drops the stream and starts fresh', async () => {
  const conn = nextConn();
  send(conns[2]!, { event: 'posted', data: { post: { id: 'p6' } }, seq: 3 }); // seq 2 is missing
  const c = await conn;
  assert.is(c.url.search, '', 'no resume: the old stream has a hole');
  assert.is(events.length, 5, 'the event after the gap was not applied');
  const auth = await c.first;
  send(c, { status: 'OK', seq_reply: auth.seq });
  send(c, { event: 'hello', data: { connection_id: 'conn-c' }, seq: 0 });
  await new Promise<void>((r) => {
    const t = setInterval(() => fresh.length === 3 && (clearInterval(t), r()), 5);
  });
  assert.equal(fresh, [true, false, false]);
});

test('actions get replies by seq_reply', async () => {
  const c = conns[3]!;
  const got = new Promise<any>((r) => c.sock.once('message', (m) => r(JSON.parse(String(m)))));
  const reply = sock.send('typing', { channel_id: 'c1' });
  const msg = await got;
  assert.is(msg.action, 'typing');
  send(c, { status: 'OK', seq_reply: msg.seq, data: { ok: 1 } });
  assert.equal(await reply, { ok: 1 });
  const got2 = new Promise<any>((r) => c.sock.once('message', (m) => r(JSON.parse(String(m)))));
  const failing = sock.send('set_status', { status: 'nope' });
  const msg2 = await got2;
  send(c, { status: 'FAIL', seq_reply: msg2.seq, error: { code: 'invalid_status', message: 'bad status' } });
  try {
    await failing;
    assert.unreachable('should reject');
  } catch (e) {
    assert.is((e as Error).message, 'bad status');
  }
});

test.after(() => {
  sock.stop();
  wss.close();
});

test.run();
