/**
 * The shutdown drain (issue 11 item 5) on a bare Node HTTP server, so it runs in `npm test` (the
 * end-to-end case under load is test/faults/sigterm-drain.test.ts, in the fault suite): an idle
 * keep-alive connection is closed at once; a request in flight is answered with
 * `Connection: close`; an answer whose headers were already sent closes its connection when it
 * ends (otherwise the keep-alive timeout, a minute here, would hold the shutdown); a request a
 * client sends on such a connection after draining began is answered with `Connection: close`; new
 * connections are refused; an upgraded socket is destroyed after the grace period; start()
 * resolves once every connection has ended.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createServer, request, Agent, type IncomingMessage, type ServerResponse } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { createDrain } from './drain.ts';

const LONG = 60_000;
const within = <T>(p: Promise<T>, ms: number, what: string) =>
  Promise.race([p, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms).unref())]);

interface Answer {
  status: number;
  connection: string;
  socket: Socket;
  body: string;
}

function get(port: number, path: string, agent: Agent): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent }, (res) => {
      const socket = res.socket as Socket;
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, connection: String(res.headers.connection ?? ''), socket, body: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** A server whose /slow answers wait for release(), and whose /stream sends its headers at once and its end on finish(). */
async function setup() {
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  let finish!: () => void;
  const finished = new Promise<void>((r) => (finish = r));
  const requests: string[] = [];
  const server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    requests.push(req.url ?? '');
    if (req.url === '/slow') await released;
    if (req.url === '/stream') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('part 1;');
      await finished;
      res.end('part 2');
      return;
    }
    res.end(`answer to ${req.url}`);
  });
  server.keepAliveTimeout = LONG;
  server.on('upgrade', (_req, socket) => {
    socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: test\r\nConnection: Upgrade\r\n\r\n');
  });
  const drain = createDrain(server, { wsGraceMs: 100 });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return { server, drain, port, release, finish, requests };
}

const closed = (s: Socket) => (s.destroyed ? Promise.resolve() : new Promise<void>((r) => s.once('close', () => r())));

test('idle keep-alive closed at once, in-flight answered with Connection: close, a started answer closes when it ends, new connections refused', async () => {
  const { server, drain, port, release, finish, requests } = await setup();
  const agent = new Agent({ keepAlive: true, maxSockets: 10 });
  // Its own agent, so the requests below do not reuse the idle connection.
  const idleAgent = new Agent({ keepAlive: true, maxSockets: 1 });
  try {
    // An idle keep-alive connection: answered, kept open by the agent.
    const idle = await get(port, '/first', idleAgent);
    assert.is(idle.status, 200);
    assert.is.not(idle.connection.toLowerCase(), 'close');
    assert.not.ok(idle.socket.destroyed, 'the agent keeps the connection');
    // One request waiting for its answer, and one whose headers are already out.
    const slow = get(port, '/slow', agent);
    slow.catch(() => {}); // awaited below; a failure before that is reported there
    const streamHead = new Promise<IncomingMessage>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path: '/stream', agent }, resolve);
      req.on('error', reject);
      req.end();
    });
    const stream = await streamHead;
    const streamSocket = stream.socket as Socket;
    const streamBody: Buffer[] = [];
    stream.on('data', (c: Buffer) => streamBody.push(c));
    await new Promise<void>((r) => {
      const wait = () => (requests.includes('/slow') ? r() : setTimeout(wait, 10));
      wait();
    });
    assert.is(drain.draining, false);

    const done = drain.start();
    assert.is(drain.draining, true);
    await within(closed(idle.socket), 5000, 'the idle keep-alive connection closed');
    // A new connection is refused: the server no longer listens.
    const refused = await new Promise<string>((resolve) => {
      const s = connect(port, '127.0.0.1');
      s.once('connect', () => (s.destroy(), resolve('connected')));
      s.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? String(e)));
    });
    assert.is(refused, 'ECONNREFUSED');

    release();
    const answered = await slow;
    assert.is(answered.status, 200);
    assert.is(answered.body, 'answer to /slow');
    assert.is(answered.connection.toLowerCase(), 'close', 'the request in flight is answered with Connection: close');
    await within(closed(answered.socket), 5000, 'the answered connection closed');

    // The streamed answer's headers were sent before draining (keep-alive); when it ends, the
    // connection is idle and closed by the sweep, not after the keep-alive timeout.
    finish();
    await new Promise<void>((r) => stream.once('end', () => r()));
    assert.is(Buffer.concat(streamBody).toString(), 'part 1;part 2');
    await within(closed(streamSocket), 5000, 'the connection of the streamed answer closed');
    await within(done, 5000, 'start() resolved once every connection ended');
  } finally {
    agent.destroy();
    idleAgent.destroy();
    release();
    finish();
    drain.force();
    server.close();
  }
});

test('a request that arrives on an open connection while draining is answered with Connection: close', async () => {
  const { server, drain, port, finish, requests } = await setup();
  const s = connect(port, '127.0.0.1');
  try {
    await new Promise<void>((r) => s.once('connect', () => r()));
    let text = '';
    s.on('data', (d: Buffer) => (text += d.toString()));
    // The first answer has started (its headers went out before draining, keep-alive); the
    // client, not knowing, sends its next request on the same connection while the server drains.
    s.write('GET /stream HTTP/1.1\r\nHost: x\r\n\r\n');
    const seen = (what: string, pred: () => boolean) =>
      within(
        new Promise<void>((r) => {
          const wait = () => (pred() ? r() : setTimeout(wait, 10));
          wait();
        }),
        5000,
        what,
      );
    await seen('the first answer started', () => text.includes('part 1;'));
    const done = drain.start();
    s.write('GET /after HTTP/1.1\r\nHost: x\r\n\r\n');
    await seen('the second request reached the server', () => requests.includes('/after'));
    finish();
    await within(closed(s), 5000, 'the connection closed after the second answer');
    assert.equal(requests, ['/stream', '/after']);
    const second = text.slice(text.indexOf('HTTP/1.1', 1));
    assert.match(second, /^HTTP\/1\.1 200/);
    assert.match(second, /\r\nConnection: close\r\n/i, second);
    assert.match(second, 'answer to /after');
    await within(done, 5000, 'start() resolved');
  } finally {
    s.destroy();
    drain.force();
    server.close();
  }
});

test('an upgraded socket that does not close by itself is destroyed after the grace period', async () => {
  const { server, drain, port } = await setup();
  try {
    const s = connect(port, '127.0.0.1');
    await new Promise<void>((r) => s.once('connect', () => r()));
    let head = '';
    s.on('data', (d: Buffer) => (head += d.toString()));
    s.write('GET /ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: test\r\n\r\n');
    await within(
      new Promise<void>((r) => {
        const wait = () => (head.includes('101') ? r() : setTimeout(wait, 10));
        wait();
      }),
      5000,
      'the upgrade',
    );
    const done = drain.start();
    await within(closed(s), 5000, 'the upgraded socket destroyed after wsGraceMs');
    await within(done, 5000, 'start() resolved');
  } finally {
    drain.force();
    server.close();
  }
});

test.run();
