/**
 * /api/v4/websocket across two `serve` processes sharing PostgreSQL and Redis, driven by
 * Mattermost's own client (skipped without RUSTCHAT_TEST_DATABASE_URL and RUSTCHAT_TEST_REDIS_URL):
 * the Mattermost serializer rides the same hub and bus as the native socket, so a post, an edit,
 * a reaction and typing made through one process reach the Mattermost sockets on the other; an
 * admin's settings change made through one process is in force on the other at once (not after
 * its 5 s settings cache) and reaches its Mattermost sockets as config_changed.
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

test("a settings change made through A is in force on B at once, and B's Mattermost sockets get config_changed", async () => {
  if (!enabled) return console.log('  skipped (needs RUSTCHAT_TEST_DATABASE_URL and RUSTCHAT_TEST_REDIS_URL)');
  // alice (the first account: system admin), bob and #eng come from the test above.
  const onA = client(A.url);
  const onB = client(B.url);
  await onA.login('alice', 'correct horse 1');
  await onB.login('bob', 'correct horse 1');
  const team = await onA.getTeamByName('acme');
  const ch = await onA.getChannelByName(team.id, 'eng');
  const hook = await onA.createIncomingWebhook({ channel_id: ch.id, display_name: 'ci' } as any);
  const callHook = (base: string) => fetch(`${base}/hooks/${hook.id}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text: 'build green' }) });
  const admin = (base: string, path: string, body: unknown) =>
    fetch(`${base}/api/v1/admin/${path}`, { method: 'PATCH', headers: { 'content-type': 'application/json', authorization: `Bearer ${onA.getToken()}` }, body: JSON.stringify(body) });
  const bobOnB = listen(B.url, onB.getToken());
  await bobOnB.next((e) => e.event === 'hello');

  // B's caches hold the settings in force (read within the last 5 s).
  assert.is((await callHook(B.url)).status, 200);
  assert.is((await onB.getClientConfig()).EnableIncomingWebhooks, 'true');
  const t0 = Date.now();
  assert.is((await admin(A.url, 'integration-settings', { enable_incoming_webhooks: false })).status, 200);
  const changed = await bobOnB.next((e) => e.event === 'config_changed' && e.data.config.EnableIncomingWebhooks === 'false', 4000);
  const refused = await callHook(B.url);
  const took = Date.now() - t0;
  assert.is(refused.status, 501);
  assert.ok(took < 2000, `in force on B after ${took} ms (the cache alone would take up to 5 s)`);
  assert.equal(changed.data.config, await onB.getClientConfig(), "B's client config as GET /config/client?format=old answers it");

  assert.is((await onB.getClientConfig()).SiteName, 'RustChat');
  assert.is((await admin(A.url, 'config', { site_name: 'Acme Chat' })).status, 200);
  await bobOnB.next((e) => e.event === 'config_changed' && e.data.config.SiteName === 'Acme Chat', 4000);
  assert.is((await onB.getClientConfig()).SiteName, 'Acme Chat');

  await admin(A.url, 'integration-settings', { enable_incoming_webhooks: null });
  await admin(A.url, 'config', { site_name: null });
  await bobOnB.next((e) => e.event === 'config_changed' && e.data.config.SiteName === 'RustChat' && e.data.config.EnableIncomingWebhooks === 'true', 4000);
  assert.is((await callHook(B.url)).status, 200);
  bobOnB.events.forEach((e: any, i: number) => assert.is(e.seq, i));
});

test.run();
