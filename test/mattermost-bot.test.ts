/**
 * A real third-party bot library against a `serve` process: `mattermost-client` (6.5, the
 * library behind hubot's Mattermost adapter, hubot-matteruser) logs in with a bot's personal
 * access token, loads its team, users and channels over REST, connects to /api/v4/websocket with
 * the authentication challenge, reads a mention and replies — in the channel and in the thread.
 * The replies are checked through the API; revoking the bot's token closes its socket and its next
 * login is refused. PGlite by default; PostgreSQL when RUSTCHAT_TEST_DATABASE_URL is set.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createRequire } from 'node:module';
import { spawnServer, tempDir, type ServerProcess } from './process.ts';
import { createPgDatabase } from './db.ts';

// The library reads these once, when it is loaded: plain http/ws to the test server.
process.env.MATTERMOST_USE_TLS = 'false';
process.env.MATTERMOST_TLS_VERIFY = 'false';
const MattermostClient = createRequire(import.meta.url)('mattermost-client');

const JWT = 'y'.repeat(48);
let pg: Awaited<ReturnType<typeof createPgDatabase>>;
let server: ServerProcess;
let admin = '';
let team: { id: string; name: string };
let channelId = '';
let bot: { user_id: string; username: string };
let botToken = { id: '', token: '' };
let mm: any;
const logged: string[] = [];

async function api(method: string, path: string, token: string, body?: unknown) {
  const res = await fetch(server.url + path, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

/** Resolves with the first matching event of the client, or fails after `ms`. */
function next(client: any, event: string, pred: (...args: any[]) => boolean = () => true, ms = 10_000): Promise<any[]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      client.removeListener(event, on);
      reject(new Error(`no ${event} within ${ms} ms; client log:\n${logged.slice(-30).join('\n')}`));
    }, ms);
    const on = (...args: any[]) => {
      if (!pred(...args)) return;
      clearTimeout(timer);
      client.removeListener(event, on);
      resolve(args);
    };
    client.on(event, on);
  });
}

/** The library's logger interface (log's methods), collected for failure messages. */
const logger = Object.fromEntries(['debug', 'info', 'notice', 'warning', 'warn', 'error', 'critical', 'alert', 'emergency'].map((l) => [l, (...a: unknown[]) => void logged.push(`${l}: ${a.map((x) => (typeof x === 'string' ? x : JSON.stringify(x))).join(' ')}`)]));

function newClient() {
  return new MattermostClient('127.0.0.1', team.name, { httpPort: server.port, wssPort: server.port, autoReconnect: false, logger, pingInterval: 60_000 });
}

test.before(async () => {
  pg = await createPgDatabase();
  server = await spawnServer({ dataDir: tempDir('rustchat-mmbot-'), env: { RUSTCHAT_JWT_SECRET: JWT, ...(pg ? { RUSTCHAT_DATABASE_URL: pg.url } : {}) }, timeoutMs: 120_000 });
  const reg = await fetch(`${server.url}/api/v1/auth/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'ada', email: 'ada@example.com', password: 'a long password' }) });
  assert.is(reg.status, 201, await reg.clone().text());
  admin = ((await reg.json()) as any).token;
  team = (await api('POST', '/api/v1/teams', admin, { type: 'O', name: 'ops', display_name: 'Ops' })).body;
  channelId = (await api('GET', `/api/v1/teams/${team.id}/channels`, admin)).body.items.find((c: any) => c.name === 'town-square').id;
  // The bot, made and let in over Mattermost's API, as an admin would for hubot.
  const made = await api('POST', '/api/v4/bots', admin, { username: 'hubot', display_name: 'Hubot' });
  assert.is(made.status, 201, JSON.stringify(made.body));
  bot = made.body;
  const tok = await api('POST', `/api/v4/users/${bot.user_id}/tokens`, admin, { description: 'hubot adapter' });
  assert.is(tok.status, 200, JSON.stringify(tok.body));
  botToken = tok.body;
  assert.is((await api('POST', `/api/v4/teams/${team.id}/members`, admin, { team_id: team.id, user_id: bot.user_id })).status, 201);
  assert.is((await api('POST', `/api/v4/channels/${channelId}/members`, admin, { user_id: bot.user_id })).status, 201);
});

test.after(async () => {
  if (mm) {
    mm.autoReconnect = false;
    mm.disconnect();
    // Its pinger outlives a socket the server closed.
    clearInterval(mm._pongTimeout);
  }
  await server?.stop();
  await pg?.drop();
});

test('the bot logs in with its token, loads its team, users and channels, and connects the socket', async () => {
  mm = newClient();
  const loggedIn = next(mm, 'loggedIn');
  const profiles = next(mm, 'profilesLoaded');
  const channels = next(mm, 'channelsLoaded');
  const hello = next(mm, 'hello');
  mm.on('error', (e: unknown) => logged.push(`error event: ${JSON.stringify(e)}`));
  mm.tokenLogin(botToken.token);
  const [self] = await loggedIn;
  assert.is(self.id, bot.user_id);
  assert.is(self.username, 'hubot');
  assert.is(self.is_bot, true);
  await Promise.all([profiles, channels, hello]);
  assert.is(mm.teamID, team.id, 'found its team by name');
  assert.ok(mm.getChannelByID(channelId), 'knows the channel it was added to');
  assert.ok(Object.values(mm.users).some((u: any) => u.username === 'ada'), 'loaded the team members');
  assert.is(mm.me.id, bot.user_id);
  assert.ok(Array.isArray(mm.preferences));
  assert.ok(!logged.some((l) => l.startsWith('error')), logged.filter((l) => l.startsWith('error')).join('\n'));
});

test('a mention reaches the bot over the socket; it replies in the channel and in the thread', async () => {
  // The bot: answer every message that mentions it, like a hubot "respond" script.
  mm.on('message', (msg: any) => {
    const post = JSON.parse(msg.data.post);
    const mentions: string[] = msg.data.mentions ? JSON.parse(msg.data.mentions) : [];
    if (post.user_id === mm.self.id || !mentions.includes(mm.self.id)) return;
    const sender = msg.data.sender_name.replace(/^@/, '');
    mm.postMessage(`PONG, @${sender}`, post.channel_id);
    mm.customMessage({ message: 'details in the thread', root_id: post.id }, post.channel_id);
  });
  const seen = next(mm, 'message', (m: any) => JSON.parse(m.data.post).message.includes('@hubot'));
  const asked = await api('POST', `/api/v1/channels/${channelId}/posts`, admin, { message: '@hubot ping' });
  assert.is(asked.status, 201);
  const [msg] = await seen;
  assert.is(msg.data.channel_name, 'town-square');
  assert.is(msg.data.team_id, team.id);

  let posts: any[] = [];
  for (let i = 0; i < 100; i++) {
    const all = (await api('GET', `/api/v4/channels/${channelId}/posts`, admin)).body.posts;
    posts = Object.values(all).filter((p: any) => p.user_id === bot.user_id);
    if (posts.length >= 2) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const reply = posts.find((p) => p.message === 'PONG, @ada');
  assert.ok(reply, `the channel reply exists: ${JSON.stringify(posts)}`);
  assert.is(reply.root_id, '');
  assert.is(reply.props.from_bot, 'true');
  const threaded = posts.find((p) => p.message === 'details in the thread');
  assert.ok(threaded, 'the thread reply exists');
  assert.is(threaded.root_id, asked.body.id);
  const thread = await api('GET', `/api/v4/posts/${asked.body.id}/thread`, admin);
  assert.ok(thread.body.order.includes(threaded.id));
});

test('the bot starts a direct message; a revoked token closes its socket and the next login is refused', async () => {
  const ada = Object.values(mm.users).find((u: any) => u.username === 'ada') as any;
  const dm = await new Promise<any>((resolve) => mm.getUserDirectMessageChannel(ada.id, resolve));
  assert.ok(dm?.id, JSON.stringify(dm));
  mm.postMessage('hello in private', dm.id);
  let found = false;
  for (let i = 0; i < 50 && !found; i++) {
    const r = await api('GET', `/api/v4/channels/${dm.id}/posts`, admin);
    found = Object.values(r.body.posts ?? {}).some((p: any) => p.message === 'hello in private');
    if (!found) await new Promise((r) => setTimeout(r, 100));
  }
  assert.ok(found, 'ada reads the direct message');

  const closed = next(mm, 'close');
  assert.is((await api('DELETE', `/api/v1/tokens/${botToken.id}`, admin)).status, 204);
  await closed;
  const again = newClient();
  // The library retries a refused login forever (autoReconnect is not consulted there).
  let refused = '';
  again.reconnect = () => false;
  again.on('loggedIn', () => (refused = 'logged in'));
  const from = logged.length;
  again.tokenLogin(botToken.token);
  for (let i = 0; i < 100 && !refused; i++) {
    refused = logged.slice(from).find((l) => l.startsWith('error: Login call failed')) ?? '';
    if (!refused) await new Promise((r) => setTimeout(r, 50));
  }
  assert.match(refused, /401.*session_expired/);
});

test.run();
