/**
 * Followed threads across two `serve` processes sharing PostgreSQL and Redis
 * (RUSTCHAT_TEST_DATABASE_URL and RUSTCHAT_TEST_REDIS_URL; skipped without them): replies posted
 * on process A update the follower's thread unread counts on a socket connected to process B,
 * reads and "mark all read" on one process reach the other, and the events, applied with the web
 * client's reducer to a state loaded before, equal a fresh fetch.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { randomBytes } from 'node:crypto';
import { spawnServer, type ServerProcess } from '../../test/process.ts';
import { createPgDatabase, TEST_PG_URL, TEST_REDIS_URL } from '../../test/db.ts';
import { api, connect, ok, registerUser, type Api, type TestUser, type WsClient } from '../../test/realtime.ts';
import { applyEvents, emptyState, loadMyChannels, loadUserThreads, type ClientEvent, type ClientState } from './reducer.ts';

const enabled = !!(TEST_PG_URL && TEST_REDIS_URL);
let A: ServerProcess;
let B: ServerProcess;
let pg: Awaited<ReturnType<typeof createPgDatabase>>;
let a: Api;
let b: Api;
let alice: TestUser;
let bob: TestUser;
let teamId: string;
let channelId: string;

test.before(async () => {
  if (!enabled) return;
  try {
    pg = await createPgDatabase();
    // A channel prefix of its own, so parallel suites on the same Redis do not see each other.
    const env = { RUSTCHAT_DATABASE_URL: pg!.url, RUSTCHAT_JWT_SECRET: randomBytes(24).toString('hex'), RUSTCHAT_REDIS_URL: TEST_REDIS_URL, RUSTCHAT_REDIS_CHANNEL_PREFIX: `test-${randomBytes(6).toString('hex')}` };
    A = await spawnServer({ env });
    B = await spawnServer({ env, args: ['--no-migrate'] });
    a = api(A.url);
    b = api(B.url);
    alice = await registerUser(a, 'ali');
    bob = await registerUser(a, 'bob');
    const team = await ok(a('POST', '/teams', { type: 'O', name: `t${Date.now().toString(36)}`, display_name: 'Team' }, alice.token));
    teamId = team.id;
    await ok(a('POST', `/teams/${teamId}/members`, { user_id: bob.id }, alice.token));
    const ch = await ok(a('POST', '/channels', { team_id: teamId, name: `c${Date.now().toString(36)}`, display_name: 'C', type: 'public' }, alice.token));
    channelId = ch.id;
    await ok(a('POST', `/channels/${channelId}/members`, { user_id: bob.id }, alice.token));
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

/** The user's channels and followed threads of the team, as the web client loads them (from `x`). */
async function threadsState(x: Api, who: TestUser): Promise<ClientState> {
  let s = emptyState(who.id);
  s = loadMyChannels(s, (await ok(x('GET', '/channels', undefined, who.token))).items);
  const threads = await ok(x('GET', `/threads?team_id=${teamId}&limit=200`, undefined, who.token));
  return loadUserThreads(s, threads.items);
}
const threadsOnly = (s: ClientState) => s.userThreads;
/** The socket's thread events since `from` (frames index), as the client receives them. */
const threadEvents = (c: WsClient, from: number): ClientEvent[] =>
  c.frames.slice(from).filter((f) => typeof f.event === 'string' && f.event.startsWith('thread_')).map((f) => ({ event: f.event, data: f.data }) as ClientEvent);

cluster('replies posted on A update the follower’s thread counts on a socket on B', async () => {
  const root = await ok(b('POST', `/channels/${channelId}/posts`, { message: 'release plan?' }, alice.token));
  const { c: aliceB } = await connect(B.url, alice.token);
  // Alice follows once the thread has a reply (the root's author); her state from B, before.
  const first = await ok(a('POST', `/channels/${channelId}/posts`, { message: 'friday', root_id: root.id }, bob.token));
  const e1 = await aliceB.nextEvent('thread_updated', (f) => f.data.thread.id === root.id);
  assert.is(e1.data.thread.unread_replies, 1);
  assert.is(e1.data.thread.unread_mentions, 0);
  assert.is(e1.data.thread.following, true);
  assert.equal(e1.data.thread.participants, [alice.id, bob.id]);
  assert.ok(first.id);

  const before = await threadsState(b, alice);
  const from = aliceB.frames.length;
  await ok(a('POST', `/channels/${channelId}/posts`, { message: `@${alice.username} can you sign off?`, root_id: root.id }, bob.token));
  await ok(a('POST', `/channels/${channelId}/posts`, { message: 'and one more thing', root_id: root.id }, bob.token));
  const e3 = await aliceB.nextEvent('thread_updated', (f) => f.data.thread.reply_count === 3);
  assert.is(e3.data.thread.unread_replies, 3);
  assert.is(e3.data.thread.unread_mentions, 1);

  // The events applied to the state loaded from B equal a fresh fetch from A.
  const applied = applyEvents(before, threadEvents(aliceB, from));
  const fresh = await threadsState(a, alice);
  assert.equal(threadsOnly(applied), threadsOnly(fresh));
  assert.is(fresh.userThreads[root.id]!.unread_replies, 3);
  assert.is(fresh.userThreads[root.id]!.unread_mentions, 1);

  // Bob's own replies leave his counts at zero, on his socket on B too.
  const bobThread = await ok(b('GET', `/threads/${root.id}`, undefined, bob.token));
  assert.is(bobThread.following, true);
  assert.is(bobThread.unread_replies, 0);
  await aliceB.close();
});

cluster('reading on A and mark all read on B reach the other process', async () => {
  const root = await ok(a('POST', `/channels/${channelId}/posts`, { message: 'second topic' }, alice.token));
  await ok(b('POST', `/channels/${channelId}/posts`, { message: 'reply on B', root_id: root.id }, bob.token));
  const { c: aliceB } = await connect(B.url, alice.token);
  const { c: aliceA } = await connect(A.url, alice.token);
  const before = await threadsState(b, alice);
  assert.ok(Object.values(before.userThreads).filter((t) => t.unread_replies > 0).length >= 1);

  // Read one thread through A: its socket on B hears it.
  const from = aliceB.frames.length;
  await ok(a('POST', `/threads/${root.id}/read`, {}, alice.token));
  const read = await aliceB.nextEvent('thread_read_changed', (f) => f.data.thread_id === root.id);
  assert.is(read.data.unread_replies, 0);
  assert.is(read.data.unread_mentions, 0);

  // Mark every thread of the team read through B: the socket on A hears it; nothing is unread.
  await ok(b('POST', '/threads/read', { team_id: teamId }, alice.token));
  const all = await aliceA.nextEvent('thread_read_changed', (f) => f.data.thread_id === '');
  assert.is(all.data.team_id, teamId);
  await aliceB.nextEvent('thread_read_changed', (f) => f.data.thread_id === '');
  const totals = (await ok(a('GET', `/threads?team_id=${teamId}`, undefined, alice.token))).totals;
  assert.is(totals.unread_threads, 0);
  assert.is(totals.unread_mentions, 0);
  const applied = applyEvents(before, threadEvents(aliceB, from));
  assert.equal(threadsOnly(applied), threadsOnly(await threadsState(a, alice)));

  // A new reply on B after that counts again on A's socket.
  await ok(b('POST', `/channels/${channelId}/posts`, { message: 'news', root_id: root.id }, bob.token));
  const again = await aliceA.nextEvent('thread_updated', (f) => f.data.thread.id === root.id && f.data.thread.unread_replies === 1);
  assert.is(again.data.thread.reply_count, 2);
  await Promise.all([aliceA.close(), aliceB.close()]);
});

test.run();
