/**
 * Mattermost's own JavaScript client (@mattermost/client 11.9) against a real `serve` process:
 * REST (boot, accounts, teams, channels, DMs, preferences, posts with their cursor ids, unreads,
 * reactions, files, search, statuses, errors) and /api/v4/websocket (hello, events, typing,
 * status_change, resume without a new hello, a fresh hello after a restart).
 * PGlite by default; PostgreSQL when RUSTCHAT_TEST_DATABASE_URL is set. Runs dist/rustchat when it
 * exists (as CI builds it), the TypeScript source with RUSTCHAT_TEST_SOURCE=1.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { WebSocket as WsWebSocket } from 'ws';
import mm from '@mattermost/client';
import { spawnServer, tempDir, type ServerProcess } from './process.ts';
import { createPgDatabase } from './db.ts';

// Node 20: the client uses the browser's WebSocket and CloseEvent globals.
(globalThis as any).WebSocket ??= WsWebSocket;
(globalThis as any).CloseEvent ??= class CloseEvent extends Event {
  code: number;
  reason: string;
  wasClean: boolean;
  constructor(type: string, init: { code?: number; reason?: string; wasClean?: boolean } = {}) {
    super(type);
    this.code = init.code ?? 0;
    this.reason = init.reason ?? '';
    this.wasClean = init.wasClean ?? false;
  }
};
// The socket client logs every connect and close; keep the test output readable.
const realLog = console.log;
const NOISE = /^(websocket|got connection id|long timeout|missed websocket event|ping received)/;
console.log = (...args: unknown[]) => {
  if (typeof args[0] === 'string' && NOISE.test(args[0])) return;
  if (args[0] instanceof Event || (args[0] as any)?.constructor?.name === 'ErrorEvent') return;
  realLog(...args);
};

const { Client4, WebSocketClient, ClientError } = mm as any;
type Client = InstanceType<typeof Client4>;

const JWT = 'x'.repeat(48);
let pg: Awaited<ReturnType<typeof createPgDatabase>>;
let server: ServerProcess;
let dataDir: string;
const env = () => ({ RUSTCHAT_JWT_SECRET: JWT, ...(pg ? { RUSTCHAT_DATABASE_URL: pg.url } : {}) });

const S: Record<string, any> = {};
function client(): Client {
  const c = new Client4();
  c.setUrl(server.url);
  return c;
}
async function expectError(p: Promise<unknown>, status: number): Promise<any> {
  try {
    await p;
  } catch (e: any) {
    assert.instance(e, ClientError);
    assert.is(e.status_code, status, `${e.message} (${e.server_error_id})`);
    assert.type(e.server_error_id, 'string');
    assert.ok(e.server_error_id.length > 0);
    return e;
  }
  assert.unreachable(`expected a ${status}`);
}

/** Event collector over a WebSocketClient. */
function socket(token: string) {
  const events: any[] = [];
  const waiters: { pred: (e: any) => boolean; resolve: (e: any) => void }[] = [];
  let missed = 0;
  let gate = true;
  const ws = new WebSocketClient({
    minWebSocketRetryTime: 100,
    reconnectJitterRange: 1,
    maxWebSocketFails: 10_000,
    clientPingInterval: 60_000,
    // While the gate is closed, reconnects go to a dead port (and fail) so the test decides when
    // the client comes back.
    newWebSocketFn: (url: string) => new WsWebSocket(gate ? url : url.replace(/:\d+\//, ':1/')) as any,
  });
  ws.addMessageListener((m: any) => {
    events.push(m);
    for (const w of [...waiters]) if (w.pred(m)) (waiters.splice(waiters.indexOf(w), 1), w.resolve(m));
  });
  ws.addMissedMessageListener(() => missed++);
  ws.initialize(server.url.replace('http', 'ws') + '/api/v4/websocket', token);
  return {
    ws,
    events,
    get missed() {
      return missed;
    },
    setGate(open: boolean) {
      gate = open;
    },
    next(pred: (e: any) => boolean, ms = 10_000): Promise<any> {
      const hit = events.find(pred);
      if (hit) return Promise.resolve(hit);
      return new Promise((resolve, reject) => {
        const w = { pred, resolve };
        waiters.push(w);
        setTimeout(() => reject(new Error(`no matching event within ${ms} ms; got ${events.map((e) => e.event).join(',')}`)), ms).unref();
      });
    },
    /** Events since index i matching pred. */
    since(i: number, pred: (e: any) => boolean) {
      return events.slice(i).filter(pred);
    },
  };
}

test.before(async () => {
  pg = await createPgDatabase();
  dataDir = tempDir('rustchat-mm-');
  server = await spawnServer({ dataDir, env: env(), timeoutMs: 120_000 });
});
test.after(async () => {
  for (const s of [S.wsA, S.wsB]) s?.ws.close();
  await server?.stop();
  await pg?.drop();
  console.log = realLog;
});

test('boot calls: ping, client config, license', async () => {
  const c = client();
  const ping = await c.ping();
  assert.is(ping.status, 'OK');
  const cfg = await c.getClientConfig();
  assert.is(cfg.SiteName, 'RustChat');
  assert.type(cfg.Version, 'string');
  // Before login, Mattermost's limited config: the signed-in keys come after login.
  assert.is(cfg.ExperimentalEnablePostMetadata, undefined);
  const lic = await c.getClientLicenseOld();
  assert.is(lic.IsLicensed, 'false');
  // The raw headers the client depends on.
  const res = await fetch(`${server.url}/api/v4/system/ping`);
  assert.is(res.headers.get('content-type'), 'application/json');
  assert.ok(res.headers.get('x-request-id'));
  assert.ok(res.headers.get('x-version-id'));
});

test('sign-up, login, getMe', async () => {
  const c = client();
  for (const name of ['alice', 'bob', 'carol']) {
    const u = await c.createUser({ email: `${name}@example.com`, username: name, password: 'correct horse 1' } as any, '', '');
    assert.is(u.username, name);
    S[name] = u;
  }
  for (const name of ['alice', 'bob', 'carol']) {
    const cl = client();
    const me = await cl.login(name, 'correct horse 1');
    assert.is(me.id, S[name].id);
    assert.ok(cl.getToken(), 'token from the Token header');
    S[`c_${name}`] = cl;
  }
  const me = await S.c_alice.getMe();
  assert.is(me.username, 'alice');
  assert.is(me.email, 'alice@example.com');
  assert.ok(me.roles.includes('system_admin'), 'first account is admin');
  assert.is((await S.c_alice.getClientConfig()).ExperimentalEnablePostMetadata, 'true', 'the signed-in config');
  await expectError(client().login('alice', 'wrong password!'), 401);
});

test('teams: create makes town-square and off-topic; join; by name', async () => {
  const A: Client = S.c_alice;
  const B: Client = S.c_bob;
  const team = await A.createTeam({ name: 'acme', display_name: 'Acme', type: 'O' } as any);
  S.team = team;
  const chans = await A.getMyChannels(team.id);
  assert.equal(chans.map((c: any) => c.name).sort(), ['off-topic', 'town-square']);
  assert.equal((await A.getTeamByName('acme')).id, team.id);
  await B.addToTeam(team.id, S.bob.id);
  await S.c_carol.addToTeam(team.id, S.carol.id);
  assert.equal((await B.getMyTeams()).map((t: any) => t.id), [team.id]);
  const members = await B.getMyTeamMembers();
  assert.is(members[0].team_id, team.id);
  assert.is(members[0].roles, 'team_user');
  S.townSquare = chans.find((c: any) => c.name === 'town-square');
});

test('channels: create, browse, get by name, members add/remove, stats', async () => {
  const A: Client = S.c_alice;
  const B: Client = S.c_bob;
  const eng = await A.createChannel({ team_id: S.team.id, name: 'eng', display_name: 'Eng', type: 'O' } as any);
  const secret = await A.createChannel({ team_id: S.team.id, name: 'secret', display_name: 'Secret', type: 'P' } as any);
  S.eng = eng;
  S.secret = secret;
  const browse = await B.getChannels(S.team.id, 0, 100);
  assert.ok(browse.some((c: any) => c.id === eng.id));
  assert.not.ok(browse.some((c: any) => c.id === secret.id), 'private channels are not browsable');
  assert.is((await B.getChannelByName(S.team.id, 'eng')).id, eng.id);
  await A.addToChannel(S.bob.id, eng.id);
  assert.is((await A.getChannelStats(eng.id)).member_count, 2);
  await A.removeFromChannel(S.bob.id, eng.id);
  assert.is((await A.getChannelStats(eng.id)).member_count, 1);
  await A.addToChannel(S.bob.id, eng.id);
  const ms = await A.getChannelMembers(eng.id);
  assert.equal(ms.map((m: any) => m.user_id).sort(), [S.alice.id, S.bob.id].sort());
  assert.is((await B.getChannelMember(eng.id, 'me')).roles, 'channel_user');
});

test('a system admin adds a user and a bot to channels of a team it is not in, without joining', async () => {
  const A: Client = S.c_alice; // system admin
  const B: Client = S.c_bob;
  const C: Client = S.c_carol;
  const side = await B.createTeam({ name: 'side', display_name: 'Side', type: 'O' } as any);
  await C.addToTeam(side.id, S.carol.id);
  const pub = await B.createChannel({ team_id: side.id, name: 'side-pub', display_name: 'Side pub', type: 'O' } as any);
  const priv = await B.createChannel({ team_id: side.id, name: 'side-priv', display_name: 'Side priv', type: 'P' } as any);
  const bot = await A.createBot({ username: 'sidebot', display_name: 'Side bot' } as any);
  const loose = await A.createBot({ username: 'loosebot', display_name: 'Not in the team' } as any);
  await A.addToTeam(side.id, bot.user_id);

  await expectError(C.addToChannel(S.carol.id, priv.id), 403);
  await expectError(C.addToChannel(bot.user_id, pub.id), 403);
  assert.is((await A.addToChannel(S.carol.id, pub.id)).user_id, S.carol.id);
  assert.is((await A.addToChannel(bot.user_id, pub.id)).user_id, bot.user_id);
  assert.is((await A.addToChannel(bot.user_id, priv.id)).user_id, bot.user_id);
  assert.equal((await B.getChannelMembers(priv.id)).map((m: any) => m.user_id).sort(), [S.bob.id, bot.user_id].sort(), 'the admin did not join');
  assert.is((await B.getChannelStats(pub.id)).member_count, 3);
  await expectError(A.addToChannel(loose.user_id, priv.id), 400);
});

test('a system admin adds themselves to a private channel of their team; plain users still only join public ones', async () => {
  const A: Client = S.c_alice; // system admin
  const B: Client = S.c_bob;
  const C: Client = S.c_carol;
  const own = await B.createTeam({ name: 'own', display_name: 'Own', type: 'O' } as any);
  await C.addToTeam(own.id, S.carol.id);
  const pub = await B.createChannel({ team_id: own.id, name: 'own-pub', display_name: 'Own pub', type: 'O' } as any);
  const priv = await B.createChannel({ team_id: own.id, name: 'own-priv', display_name: 'Own priv', type: 'P' } as any);
  const members = async (id: string) => (await B.getChannelMembers(id)).map((m: any) => m.user_id).sort();

  // Not in the team yet: refused, as for anyone the admin adds (Mattermost wants a team member too).
  await expectError(A.addToChannel(S.alice.id, priv.id), 400);
  await A.addToTeam(own.id, S.alice.id);
  const m = await A.addToChannel(S.alice.id, priv.id);
  assert.is(m.user_id, S.alice.id);
  assert.is(m.channel_id, priv.id);
  assert.equal(await members(priv.id), [S.alice.id, S.bob.id].sort());
  assert.is((await A.addToChannel(S.alice.id, priv.id)).user_id, S.alice.id, 'again: already a member');
  assert.is((await A.getChannel(priv.id)).id, priv.id);

  // A plain team member: a private channel stays closed to them, a public one is joined.
  await expectError(C.addToChannel(S.carol.id, priv.id), 403);
  assert.is((await C.addToChannel(S.carol.id, pub.id)).user_id, S.carol.id);
  assert.equal(await members(pub.id), [S.bob.id, S.carol.id].sort());
  assert.equal(await members(priv.id), [S.alice.id, S.bob.id].sort());
});

test('DM and group DM are idempotent', async () => {
  const A: Client = S.c_alice;
  const dm1 = await A.createDirectChannel([S.alice.id, S.bob.id]);
  const dm2 = await S.c_bob.createDirectChannel([S.bob.id, S.alice.id]);
  assert.is(dm1.id, dm2.id);
  assert.is(dm1.type, 'D');
  assert.is(dm1.name, [S.alice.id, S.bob.id].sort().join('__'));
  assert.is(dm1.team_id, '');
  const g1 = await A.createGroupChannel([S.alice.id, S.bob.id, S.carol.id]);
  const g2 = await S.c_carol.createGroupChannel([S.carol.id, S.alice.id, S.bob.id]);
  assert.is(g1.id, g2.id);
  assert.is(g1.type, 'G');
  S.dm = dm1;
});

test('preferences', async () => {
  const A: Client = S.c_alice;
  await A.savePreferences(S.alice.id, [{ user_id: S.alice.id, category: 'direct_channel_show', name: S.bob.id, value: 'true' }]);
  const prefs = await A.getMyPreferences();
  assert.ok(prefs.some((p: any) => p.category === 'direct_channel_show' && p.name === S.bob.id && p.value === 'true'));
  await A.deletePreferences(S.alice.id, [{ user_id: S.alice.id, category: 'direct_channel_show', name: S.bob.id, value: 'true' }]);
  assert.not.ok((await A.getMyPreferences()).some((p: any) => p.category === 'direct_channel_show'));
});

test('posts: pending_post_id twice gives one post; get, edit, patch, thread, delete', async () => {
  const A: Client = S.c_alice;
  const p1 = await A.createPost({ channel_id: S.eng.id, message: 'hello eng', pending_post_id: 'pend-1' } as any);
  const p1b = await A.createPost({ channel_id: S.eng.id, message: 'hello eng', pending_post_id: 'pend-1' } as any);
  assert.is(p1b.id, p1.id);
  assert.is(p1.pending_post_id, 'pend-1');
  const list = await A.getPosts(S.eng.id, 0, 60);
  assert.is(list.order.filter((id: string) => id === p1.id).length, 1);
  assert.is((await S.c_bob.getPost(p1.id)).message, 'hello eng');
  const edited = await A.updatePost({ ...p1, message: 'hello eng (edited)' });
  assert.is(edited.message, 'hello eng (edited)');
  assert.ok(edited.edit_at > 0);
  const patched = await A.patchPost({ id: p1.id, message: 'patched' } as any);
  assert.is(patched.message, 'patched');
  const reply = await S.c_bob.createPost({ channel_id: S.eng.id, message: 'a reply', root_id: p1.id } as any);
  const thread = await A.getPostThread(p1.id);
  assert.equal(thread.order, [p1.id, reply.id]); // the requested post first, then oldest first
  assert.is(thread.posts[p1.id].reply_count, 1);
  const gone = await A.createPost({ channel_id: S.eng.id, message: 'to delete' } as any);
  await A.deletePost(gone.id);
  await expectError(A.getPost(gone.id), 404);
});

test('post lists: page / before / after / since with Mattermost cursor ids', async () => {
  const A: Client = S.c_alice;
  const ch = await A.createChannel({ team_id: S.team.id, name: 'history', display_name: 'History', type: 'O' } as any);
  const t0 = Date.now();
  const p: any[] = [];
  for (let i = 1; i <= 5; i++) p.push(await A.createPost({ channel_id: ch.id, message: `m${i}` } as any));
  const page0 = await A.getPosts(ch.id, 0, 2);
  assert.equal(page0.order, [p[4].id, p[3].id]);
  assert.is(page0.next_post_id, p[4].id);
  assert.is(page0.prev_post_id, p[3].id);
  const page1 = await A.getPosts(ch.id, 1, 2);
  assert.equal(page1.order, [p[2].id, p[1].id]);
  const before = await A.getPostsBefore(ch.id, p[2].id, 0, 2);
  assert.equal(before.order, [p[1].id, p[0].id]);
  assert.is(before.next_post_id, p[2].id, 'before on page 0: next is the before post');
  assert.is(before.prev_post_id, p[0].id, 'full page: prev is the oldest');
  const beforeShort = await A.getPostsBefore(ch.id, p[1].id, 0, 2);
  assert.equal(beforeShort.order, [p[0].id]);
  assert.is(beforeShort.prev_post_id, '', 'short page: no older posts');
  const after = await A.getPostsAfter(ch.id, p[1].id, 0, 2);
  assert.equal(after.order, [p[3].id, p[2].id]);
  assert.is(after.prev_post_id, p[1].id, 'after on page 0: prev is the after post');
  assert.is(after.next_post_id, p[3].id);
  const afterShort = await A.getPostsAfter(ch.id, p[3].id, 0, 2);
  assert.equal(afterShort.order, [p[4].id]);
  assert.is(afterShort.next_post_id, '', 'short page: no newer posts');
  const since = await A.getPostsSince(ch.id, t0 - 1);
  assert.equal(new Set(since.order), new Set(p.map((x) => x.id)));
  assert.is(since.next_post_id, '');
  assert.is(since.prev_post_id, '');
  const byIds = await A.getPostsByIds([p[0].id, p[1].id]);
  assert.is(byIds.length, 2);
});

test('view channel and unread counts', async () => {
  const B: Client = S.c_bob;
  await B.viewMyChannel(S.eng.id);
  const before = (await B.getMyTeamUnreads()).find((t: any) => t.team_id === S.team.id);
  assert.is(before.msg_count, 0);
  await S.c_alice.createPost({ channel_id: S.eng.id, message: 'unread for bob @bob' } as any);
  const after = (await B.getMyTeamUnreads()).find((t: any) => t.team_id === S.team.id);
  assert.is(after.msg_count, 1);
  assert.is(after.mention_count, 1);
  const member = await B.getChannelMember(S.eng.id, S.bob.id);
  const channel = await B.getChannel(S.eng.id);
  assert.is(channel.total_msg_count - member.msg_count, 1);
  const unread = await B.getPostsUnread(S.eng.id, S.bob.id);
  assert.ok(unread.order.length >= 1);
  // Around the first unread post: limit_after from it, limit_before read ones, and the cursors
  // are the neighbours outside the list.
  const lastRead = (await B.getPosts(S.eng.id, 0, 1)).order[0];
  const readBefore = (await B.getPostsBefore(S.eng.id, lastRead, 0, 1)).order[0];
  await B.viewMyChannel(S.eng.id);
  const u: string[] = [];
  for (let i = 0; i < 3; i++) u.push((await S.c_alice.createPost({ channel_id: S.eng.id, message: `unread ${i}` } as any)).id);
  const around = await B.getPostsUnread(S.eng.id, S.bob.id, 2, 1);
  assert.equal(around.order, [u[1], u[0], lastRead]);
  assert.is(around.next_post_id, u[2]);
  assert.is(around.prev_post_id, readBefore);
  const view = await B.viewMyChannel(S.eng.id);
  assert.is(view.status, 'OK');
  assert.type(view.last_viewed_at_times[S.eng.id], 'number');
  const cleared = (await B.getMyTeamUnreads()).find((t: any) => t.team_id === S.team.id);
  assert.is(cleared.msg_count, 0);
  assert.is(cleared.mention_count, 0);
});

test('reactions', async () => {
  const post = await S.c_alice.createPost({ channel_id: S.eng.id, message: 'react to me' } as any);
  const r = await S.c_bob.addReaction(S.bob.id, post.id, 'thumbsup');
  assert.is(r.emoji_name, 'thumbsup');
  const list = await S.c_alice.getReactionsForPost(post.id);
  assert.equal(list.map((x: any) => [x.user_id, x.emoji_name]), [[S.bob.id, 'thumbsup']]);
  await expectError(S.c_bob.addReaction(S.alice.id, post.id, 'smile'), 403);
  await S.c_bob.removeReaction(S.bob.id, post.id, 'thumbsup');
  assert.equal(await S.c_alice.getReactionsForPost(post.id), []);
});

test('files: upload with client_ids, info, download, attach to a post', async () => {
  const A: Client = S.c_alice;
  const bytes = new TextEncoder().encode('hello file\n');
  const form = new FormData();
  form.append('channel_id', S.eng.id);
  form.append('client_ids', 'client-file-1');
  form.append('files', new Blob([bytes], { type: 'text/plain' }), 'hello.txt');
  const up = await A.uploadFile(form);
  assert.is(up.file_infos.length, 1);
  assert.equal(up.client_ids, ['client-file-1']);
  const info = await A.doFetch(`${A.getFileRoute(up.file_infos[0].id)}/info`, { method: 'get' });
  assert.is(info.name, 'hello.txt');
  assert.is(info.size, bytes.length);
  const res = await fetch(A.getFileUrl(info.id, 0), { headers: { Authorization: `BEARER ${A.getToken()}` } });
  assert.is(res.status, 200);
  assert.is(await res.text(), 'hello file\n');
  const post = await A.createPost({ channel_id: S.eng.id, message: 'with a file', file_ids: [info.id] } as any);
  assert.equal(post.file_ids, [info.id]);
  assert.is((await A.getPost(post.id)).metadata.files[0].id, info.id);
  const infos = await A.getFileInfosForPost(post.id);
  assert.equal(infos.map((f: any) => f.id), [info.id]);
  assert.is(infos[0].post_id, post.id);
});

test('search with modifiers only finds readable posts', async () => {
  const A: Client = S.c_alice;
  await A.createPost({ channel_id: S.eng.id, message: 'zebra crossing in eng' } as any);
  await A.createPost({ channel_id: S.secret.id, message: 'zebra secret plans' } as any);
  const mine = await A.searchPostsWithParams(S.team.id, { terms: 'zebra', is_or_search: false, page: 0, per_page: 20 });
  assert.is(mine.order.length, 2);
  const inEng = await A.searchPostsWithParams(S.team.id, { terms: 'zebra in:eng from:alice', is_or_search: false, page: 0, per_page: 20 });
  assert.is(inEng.order.length, 1);
  assert.is(inEng.posts[inEng.order[0]].message, 'zebra crossing in eng');
  assert.ok(inEng.matches);
  const carols = await S.c_carol.searchPostsWithParams(S.team.id, { terms: 'zebra', is_or_search: false, page: 0, per_page: 20 });
  assert.is(carols.order.length, 0, 'not a member of eng or secret');
});

test('statuses', async () => {
  const st = await S.c_alice.updateStatus({ user_id: S.alice.id, status: 'dnd' } as any);
  assert.is(st.status, 'dnd');
  const list = await S.c_bob.getStatusesByIds([S.alice.id]);
  assert.is(list[0].status, 'dnd');
  await S.c_alice.updateStatus({ user_id: S.alice.id, status: 'online' } as any);
});

test('errors surface as ClientError with status_code and server_error_id', async () => {
  const e404 = await expectError(S.c_alice.getPost('abcdefghijklmnopqrstuvwxyz'), 404);
  assert.is(e404.server_error_id, 'app.post.get.app_error');
  const e403 = await expectError(S.c_carol.getPosts(S.secret.id, 0, 10), 403);
  assert.is(e403.server_error_id, 'api.context.permissions.app_error');
  await expectError(S.c_carol.getChannel(S.secret.id), 403);
  await expectError(S.c_alice.createPost({ channel_id: 'not-an-id', message: 'x' } as any), 400);
  await expectError(S.c_alice.createPost({ channel_id: S.eng.id, message: 'x'.repeat(16_384) } as any), 400);
  const e501 = await expectError(S.c_alice.getGroups({ page: 0, per_page: 10 } as any), 501);
  assert.is(e501.server_error_id, 'api.context.not_implemented.app_error');
});

test('websocket: hello at seq 0, posted/edited/deleted/reactions as JSON strings', async () => {
  S.wsA = socket(S.c_alice.getToken());
  S.wsB = socket(S.c_bob.getToken());
  const hello = await S.wsB.next((e: any) => e.event === 'hello');
  assert.is(hello.seq, 0);
  assert.type(hello.data.connection_id, 'string');
  assert.is(hello.data.server_version, (await fetch(`${server.url}/api/v4/system/ping`)).headers.get('x-version-id'));
  await S.wsA.next((e: any) => e.event === 'hello');
  const post = await S.c_alice.createPost({ channel_id: S.eng.id, message: 'live!' } as any);
  const posted = await S.wsB.next((e: any) => e.event === 'posted' && JSON.parse(e.data.post).id === post.id);
  assert.type(posted.data.post, 'string');
  assert.is(JSON.parse(posted.data.post).message, 'live!');
  assert.is(posted.data.channel_type, 'O');
  assert.is(posted.data.channel_name, 'eng');
  assert.is(posted.data.channel_display_name, 'Eng');
  assert.is(posted.data.sender_name, 'alice');
  assert.is(posted.broadcast.channel_id, S.eng.id);
  await S.c_alice.patchPost({ id: post.id, message: 'live! (edited)' } as any);
  const edited = await S.wsB.next((e: any) => e.event === 'post_edited' && JSON.parse(e.data.post).id === post.id);
  assert.is(JSON.parse(edited.data.post).message, 'live! (edited)');
  await S.c_bob.addReaction(S.bob.id, post.id, 'tada');
  const reacted = await S.wsA.next((e: any) => e.event === 'reaction_added');
  assert.type(reacted.data.reaction, 'string');
  assert.is(JSON.parse(reacted.data.reaction).emoji_name, 'tada');
  await S.c_bob.removeReaction(S.bob.id, post.id, 'tada');
  await S.wsA.next((e: any) => e.event === 'reaction_removed');
  await S.c_alice.deletePost(post.id);
  const deleted = await S.wsB.next((e: any) => e.event === 'post_deleted' && JSON.parse(e.data.post).id === post.id);
  assert.ok(JSON.parse(deleted.data.post).delete_at > 0);
  // seq rises by exactly 1 per event on each connection (the client would have closed otherwise).
  for (const s of [S.wsA, S.wsB]) s.events.forEach((e: any, i: number) => assert.is(e.seq, i));
});

test('websocket: typing reaches the other member, not the sender; status_change only to self', async () => {
  const markA = S.wsA.events.length;
  const markB = S.wsB.events.length;
  S.wsB.ws.userTyping(S.eng.id, '');
  const typing = await S.wsA.next((e: any) => e.event === 'typing' && e.data.user_id === S.bob.id);
  assert.is(typing.broadcast.channel_id, S.eng.id);
  // A later event to bob proves the typing event would have arrived before it.
  const marker = await S.c_alice.createPost({ channel_id: S.eng.id, message: 'marker 1' } as any);
  await S.wsB.next((e: any) => e.event === 'posted' && JSON.parse(e.data.post).id === marker.id);
  assert.is(S.wsB.since(markB, (e: any) => e.event === 'typing').length, 0, 'the typist gets no typing event');
  await S.c_bob.updateStatus({ user_id: S.bob.id, status: 'away' } as any);
  const sc = await S.wsB.next((e: any) => e.event === 'status_change' && e.data.status === 'away');
  assert.is(sc.data.user_id, S.bob.id);
  const marker2 = await S.c_bob.createPost({ channel_id: S.eng.id, message: 'marker 2' } as any);
  await S.wsA.next((e: any) => e.event === 'posted' && JSON.parse(e.data.post).id === marker2.id);
  assert.is(S.wsA.since(markA, (e: any) => e.event === 'status_change' && e.data.user_id === S.bob.id).length, 0, 'others do not get it');
  await S.c_bob.updateStatus({ user_id: S.bob.id, status: 'online' } as any);
});

test('createPostEphemeral: an admin\'s ephemeral post reaches only the target\'s socket, in sequence; others get 403', async () => {
  const markA = S.wsA.events.length;
  const eph = await S.c_alice.createPostEphemeral(S.bob.id, { channel_id: S.eng.id, message: 'psst, only bob' });
  assert.is(eph.user_id, S.alice.id);
  assert.is(eph.type, 'system_ephemeral');
  const ev = await S.wsB.next((e: any) => e.event === 'ephemeral_message');
  assert.is(JSON.parse(ev.data.post).id, eph.id);
  assert.is(JSON.parse(ev.data.post).message, 'psst, only bob');
  const marker = await S.c_bob.createPost({ channel_id: S.eng.id, message: 'after the ephemeral' } as any);
  await S.wsA.next((e: any) => e.event === 'posted' && JSON.parse(e.data.post).id === marker.id);
  assert.is(S.wsA.since(markA, (e: any) => e.event === 'ephemeral_message').length, 0, 'the sender does not get it');
  for (const s of [S.wsA, S.wsB]) s.events.forEach((e: any, i: number) => assert.is(e.seq, i));
  const e403 = await expectError(S.c_bob.createPostEphemeral(S.alice.id, { channel_id: S.eng.id, message: 'x' }), 403);
  assert.is(e403.server_error_id, 'api.context.permissions.app_error');
  await expectError(S.c_alice.getPost(eph.id), 404);
});

test('websocket: forced disconnect, missed events replayed on resume without a new hello', async () => {
  const B = S.wsB;
  const hellos = B.events.filter((e: any) => e.event === 'hello').length;
  B.setGate(false);
  const closed = new Promise<void>((r) => B.ws.addCloseListener(() => r()));
  B.ws.conn.close();
  await closed;
  const sent: string[] = [];
  for (let i = 0; i < 3; i++) sent.push((await S.c_alice.createPost({ channel_id: S.eng.id, message: `while away ${i}` } as any)).id);
  B.setGate(true);
  for (const id of sent) await B.next((e: any) => e.event === 'posted' && JSON.parse(e.data.post).id === id, 15_000);
  assert.is(B.events.filter((e: any) => e.event === 'hello').length, hellos, 'no new hello');
  assert.is(B.missed, 0, 'missed-message listener not fired');
  B.events.forEach((e: any, i: number) => assert.is(e.seq, i));
});

test('websocket: a server restart gives a fresh hello and fires the missed-message listener', async () => {
  const B = S.wsB;
  const firstId = B.events[0].data.connection_id;
  const port = server.port;
  await server.stop();
  server = await spawnServer({ dataDir, env: env(), args: ['--port', String(port)], timeoutMs: 120_000 });
  const hello = await B.next((e: any) => e.event === 'hello' && e.data.connection_id !== firstId, 20_000);
  assert.is(hello.seq, 0);
  assert.ok(B.missed >= 1, 'missed-message listener fired');
  // The stream works after the restart.
  const post = await S.c_alice.createPost({ channel_id: S.eng.id, message: 'after restart' } as any);
  await B.next((e: any) => e.event === 'posted' && JSON.parse(e.data.post).id === post.id, 10_000);
});

/** A raw socket to /api/v4/websocket: its frames, its close code, or its refused upgrade status. */
function raw(headers: Record<string, string> = {}) {
  const frames: any[] = [];
  const ws = new WsWebSocket(server.url.replace('http', 'ws') + '/api/v4/websocket', { headers });
  const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
  const refused = new Promise<number>((resolve) => ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0)));
  ws.on('error', () => {});
  const next = () =>
    new Promise<any>((resolve) => {
      if (frames.length) return resolve(frames.shift());
      ws.once('message', () => resolve(frames.shift()));
    });
  ws.on('message', (d) => frames.push(JSON.parse(String(d))));
  const open = new Promise<void>((resolve) => ws.on('open', () => resolve()));
  return { ws, next, closed, refused, open };
}

test('websocket edge cases: cookie auth, bad token, actions before auth, unknown action, big frame, auth timeout', async () => {
  const token = S.c_alice.getToken();
  const byCookie = raw({ Cookie: `MMAUTHTOKEN=${token}` });
  const hello = await byCookie.next();
  assert.equal([hello.event, hello.seq], ['hello', 0]);
  byCookie.ws.send(JSON.stringify({ action: 'ping', seq: 1 }));
  const pong = await byCookie.next();
  assert.equal([pong.status, pong.seq_reply, pong.data.text], ['OK', 1, 'pong']);
  byCookie.ws.send(JSON.stringify({ action: 'no_such_action', seq: 2 }));
  const fail = await byCookie.next();
  assert.equal([fail.status, fail.seq_reply], ['FAIL', 2]);
  assert.type(fail.error.id, 'string');
  byCookie.ws.send('x'.repeat(9 * 1024));
  assert.is(await byCookie.closed, 1009);

  const bad = raw({ Authorization: 'Bearer not-a-token' });
  assert.is(await bad.refused, 401);

  const anon = raw();
  await anon.open;
  anon.ws.send(JSON.stringify({ action: 'ping', seq: 1 }));
  const denied = await anon.next();
  assert.is(denied.status, 'FAIL');
  anon.ws.send(JSON.stringify({ action: 'authentication_challenge', seq: 2, data: { token: 'nope' } }));
  assert.is(await anon.closed, 4001);

  // Sends nothing: only the 5 s authentication timeout can close it.
  const idle = raw();
  await idle.open;
  assert.is(await idle.closed, 4001);
});

test('logout: the token then fails', async () => {
  const C: Client = S.c_carol;
  await C.logout();
  const bad = client();
  bad.setToken(S.c_carol_token ?? '');
  const c2 = client();
  const me = await c2.login('carol', 'correct horse 1');
  const token = c2.getToken();
  // Logout revokes the session everywhere: its Mattermost socket is closed too.
  const sock = raw({ Authorization: `BEARER ${token}` });
  assert.is((await sock.next()).event, 'hello');
  await c2.logout();
  assert.is(await sock.closed, 4003);
  c2.setToken(token);
  const e = await expectError(c2.getMe(), 401);
  assert.is(e.server_error_id, 'api.context.session_expired.app_error');
  assert.is(me.username, 'carol');
});

test.run();
