/**
 * /api/v4/websocket across two `serve` processes sharing PostgreSQL and Redis, driven by
 * Mattermost's own client (skipped without RUSTCHAT_TEST_DATABASE_URL and RUSTCHAT_TEST_REDIS_URL):
 * the Mattermost serializer rides the same hub and bus as the native socket, so a post, an edit,
 * a reaction and typing made through one process reach the Mattermost sockets on the other.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { randomBytes } from 'node:crypto';
import { WebSocket as WsWebSocket } from 'ws';
import mm from '@mattermost/client';
import { spawnServer, type ServerProcess } from './process.ts';
import { createPgDatabase, TEST_PG_URL, TEST_REDIS_URL } from './db.ts';

(globalThis as any).WebSocket ??= WsWebSocket;
(globalThis as any).CloseEvent ??= class CloseEvent extends Event {
  code: number;
  constructor(type: string, init: { code?: number } = {}) {
    super(type);
    this.code = init.code ?? 0;
  }
};
const realLog = console.log;
console.log = (...args: unknown[]) => {
  if (typeof args[0] === 'string' && /^(websocket|got connection id)/.test(args[0])) return;
  realLog(...args);
};

const { Client4, WebSocketClient } = mm as any;
const enabled = !!(TEST_PG_URL && TEST_REDIS_URL);
let A: ServerProcess;
let B: ServerProcess;
let pg: Awaited<ReturnType<typeof createPgDatabase>>;
const sockets: any[] = [];

function client(url: string) {
  const c = new Client4();
  c.setUrl(url);
  return c;
}
function listen(url: string, token: string) {
  const events: any[] = [];
  const waiters: { pred: (e: any) => boolean; resolve: (e: any) => void }[] = [];
  const ws = new WebSocketClient({ minWebSocketRetryTime: 100, reconnectJitterRange: 1, clientPingInterval: 60_000, newWebSocketFn: (u: string) => new WsWebSocket(u) as any });
  ws.addMessageListener((m: any) => {
    events.push(m);
    for (const w of [...waiters]) if (w.pred(m)) (waiters.splice(waiters.indexOf(w), 1), w.resolve(m));
  });
  ws.addMissedMessageListener(() => {});
  ws.initialize(url.replace('http', 'ws') + '/api/v4/websocket', token);
  sockets.push(ws);
  return {
    ws,
    events,
    next(pred: (e: any) => boolean, ms = 10_000): Promise<any> {
      const hit = events.find(pred);
      if (hit) return Promise.resolve(hit);
      return new Promise((resolve, reject) => {
        waiters.push({ pred, resolve });
        setTimeout(() => reject(new Error(`no matching event; got ${events.map((e) => e.event).join(',')}`)), ms).unref();
      });
    },
  };
}

test.before(async () => {
  if (!enabled) return;
  pg = await createPgDatabase();
  const env = { RUSTCHAT_DATABASE_URL: pg!.url, RUSTCHAT_JWT_SECRET: randomBytes(24).toString('hex'), RUSTCHAT_REDIS_URL: TEST_REDIS_URL, RUSTCHAT_REDIS_CHANNEL_PREFIX: `mm-${randomBytes(6).toString('hex')}` };
  A = await spawnServer({ env, timeoutMs: 120_000 });
  B = await spawnServer({ env, args: ['--no-migrate'], timeoutMs: 120_000 });
});
test.after(async () => {
  for (const s of sockets) s.close();
  await Promise.all([A?.stop(), B?.stop()]);
  await pg?.drop();
  console.log = realLog;
});

test('events made through process A reach Mattermost sockets on process B', async () => {
  if (!enabled) return console.log('  skipped (needs RUSTCHAT_TEST_DATABASE_URL and RUSTCHAT_TEST_REDIS_URL)');
  const onA = client(A.url);
  const onB = client(B.url);
  const alice = await onA.createUser({ email: 'alice@example.com', username: 'alice', password: 'correct horse 1' } as any, '', '');
  const bob = await onA.createUser({ email: 'bob@example.com', username: 'bob', password: 'correct horse 1' } as any, '', '');
  await onA.login('alice', 'correct horse 1');
  await onB.login('bob', 'correct horse 1');
  const team = await onA.createTeam({ name: 'acme', display_name: 'Acme', type: 'O' } as any);
  await onB.addToTeam(team.id, bob.id);
  const ch = await onA.createChannel({ team_id: team.id, name: 'eng', display_name: 'Eng', type: 'O' } as any);
  await onA.addToChannel(bob.id, ch.id);

  const bobOnB = listen(B.url, onB.getToken());
  const aliceOnA = listen(A.url, onA.getToken());
  await bobOnB.next((e) => e.event === 'hello');
  await aliceOnA.next((e) => e.event === 'hello');

  const post = await onA.createPost({ channel_id: ch.id, message: 'across processes' } as any);
  const posted = await bobOnB.next((e) => e.event === 'posted' && JSON.parse(e.data.post).id === post.id);
  assert.is(JSON.parse(posted.data.post).message, 'across processes');
  await onA.patchPost({ id: post.id, message: 'edited on A' } as any);
  await bobOnB.next((e) => e.event === 'post_edited' && JSON.parse(e.data.post).message === 'edited on A');
  await onB.addReaction(bob.id, post.id, 'tada');
  await aliceOnA.next((e) => e.event === 'reaction_added' && JSON.parse(e.data.reaction).user_id === bob.id);
  aliceOnA.ws.userTyping(ch.id, '');
  const typing = await bobOnB.next((e) => e.event === 'typing');
  assert.is(typing.data.user_id, alice.id);
  for (const s of [bobOnB, aliceOnA]) s.events.forEach((e: any, i: number) => assert.is(e.seq, i));
});

test.run();
