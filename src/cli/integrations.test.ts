import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { randomBytes } from 'node:crypto';
import { runCli, spawnServer, tempDir, type ServerProcess } from '../../test/process.ts';
import { createPgDatabase, TEST_PG_URL, TEST_REDIS_URL } from '../../test/db.ts';

// `rustchat bot …` and `rustchat token …` as processes: on a fresh embedded data dir (direct
// mode, then over the admin socket of a running server) and on PostgreSQL next to a running
// server. The embedded cases run in the default pass, the PostgreSQL case in the
// RUSTCHAT_TEST_DATABASE_URL pass.
const embedded = !TEST_PG_URL;
const etest: typeof test = embedded ? test : ((() => {}) as unknown as typeof test);
if (!embedded) console.log('[skip] bot/token CLI embedded cases run in the pass without RUSTCHAT_TEST_DATABASE_URL');

type Run = (args: string[], input?: string) => ReturnType<typeof runCli>;
const json = (r: { stdout: string; stderr: string; code: number | null }) => {
  assert.is(r.code, 0, r.stderr);
  return JSON.parse(r.stdout);
};

async function call(server: ServerProcess, method: string, path: string, token?: string, body?: unknown) {
  const res = await fetch(server.url + path, {
    method,
    headers: { ...(body ? { 'content-type': 'application/json' } : {}), ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

/** Waits (at most 2 s) until the token is refused by the server: revocation's 1 s bound. */
async function refusedWithin(server: ServerProcess, token: string): Promise<number> {
  const start = Date.now();
  while (Date.now() - start < 2000) {
    if ((await call(server, 'GET', '/api/v1/auth/me', token)).status === 401) return Date.now() - start;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('token still accepted after 2 s');
}

let server: ServerProcess | undefined;
const dataDir = tempDir('rustchat-bot-cli-');
const cli: Run = (args, input) => runCli([...args, '--data-dir', dataDir], { input });

etest('direct mode: bot create (with owner and token), list, token create/list; bad input exits 2, failures 1', async () => {
  json(await cli(['user', 'create', '--email', 'root@example.com', '--username', 'root', '--password-stdin', '--json'], 'root password'));
  const made = json(await cli(['bot', 'create', 'buildbot', '--display-name', 'Build bot', '--description', 'posts CI results', '--owner', 'root', '--with-token', 'ci', '--json']));
  assert.is(made.bot.username, 'buildbot');
  assert.is(made.bot.owner_username, 'root');
  assert.match(made.token.token, /^[a-z0-9]{26}$/);
  assert.is(made.token.description, 'ci');

  const text = await cli(['bot', 'create', 'plainbot']);
  assert.is(text.code, 0, text.stderr);
  assert.match(text.stdout, /^created bot plainbot \([a-z0-9]{26}\)\n$/);

  const list = json(await cli(['bot', 'list', '--json']));
  assert.equal(
    list.map((b: any) => [b.username, b.display_name, b.owner_username]),
    [
      ['buildbot', 'Build bot', 'root'],
      ['plainbot', 'plainbot', ''],
    ],
  );
  const table = await cli(['bot', 'list']);
  assert.match(table.stdout, /^buildbot\s+Build bot\s+owner root\s+active\s+[a-z0-9]{26}\n/);

  const t = await cli(['token', 'create', 'root', '--description', 'deploy script']);
  assert.is(t.code, 0, t.stderr);
  const [, secret] = t.stdout.match(/shown only now:\n([a-z0-9]{26})\n$/) ?? [];
  assert.ok(secret, t.stdout);
  const tokens = json(await cli(['token', 'list', 'root', '--json']));
  assert.equal(tokens.map((x: any) => x.description), ['deploy script']);
  assert.not.ok('token' in tokens[0] || 'token_hash' in tokens[0], 'lists never show the secret');

  const cases: [string[], number, RegExp][] = [
    [['bot', 'create', 'Bad Name'], 2, /only a–z/],
    [['bot', 'create', 'buildbot'], 1, /taken/],
    [['bot', 'create', 'other', '--owner', 'buildbot'], 2, /must be an active person/],
    [['bot', 'create', 'other', '--owner', 'nobody'], 1, /No user "nobody"/],
    [['bot', 'disable', 'root'], 1, /"root" is not a bot/],
    [['token', 'create', 'root'], 2, /--description/],
    [['token', 'create', 'root', '--description', ' '], 2, /description is required/],
    [['token', 'create', 'nobody', '--description', 'x'], 1, /No user "nobody"/],
    [['token', 'revoke', 'not-an-id'], 2, /not a token id/],
    [['token', 'revoke', 'a'.repeat(26)], 1, /No access token/],
  ];
  for (const [args, expected, message] of cases) {
    const r = await cli(args);
    assert.is(r.code, expected, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message, args.join(' '));
    assert.is(r.stdout, '', args.join(' '));
  }
});

etest('with a server running (admin socket): the bot token posts; disable and revoke end tokens in the server at once; audited as cli', async () => {
  server = await spawnServer({ dataDir });
  const root = (await call(server, 'POST', '/api/v1/auth/login', undefined, { login_id: 'root', password: 'root password' })).body.token;
  const team = (await call(server, 'POST', '/api/v1/teams', root, { type: 'O', name: 'acme', display_name: 'Acme' })).body;
  const channel = (await call(server, 'GET', `/api/v1/teams/${team.id}/channels`, root)).body.items.find((c: any) => c.name === 'town-square');

  const made = json(await cli(['bot', 'create', 'deploybot', '--with-token', '--json']));
  const botToken = made.token.token;
  assert.is(made.token.description, 'created with rustchat bot create');
  await call(server, 'POST', `/api/v1/teams/${team.id}/members`, root, { user_id: made.bot.user_id });
  await call(server, 'POST', `/api/v1/channels/${channel.id}/members`, root, { user_id: made.bot.user_id });
  const post = await call(server, 'POST', `/api/v1/channels/${channel.id}/posts`, botToken, { message: 'deployed v1' });
  assert.is(post.status, 201, JSON.stringify(post.body));
  assert.is(post.body.props.from_bot, 'true');
  assert.ok((await call(server, 'GET', '/api/v1/bots', root)).body.items.some((b: any) => b.username === 'deploybot'), 'the server sees the bot');

  // Disable through the socket: the server's own cache is cleared, so it is refused at once.
  assert.match((await cli(['bot', 'disable', 'deploybot'])).stdout, /^deploybot is disabled\n$/);
  assert.is((await call(server, 'GET', '/api/v1/auth/me', botToken)).status, 401);
  assert.equal(json(await cli(['bot', 'list', '--json'])).map((b: any) => b.username), ['buildbot', 'plainbot']);
  assert.ok(json(await cli(['bot', 'list', '--all', '--json'])).some((b: any) => b.username === 'deploybot' && b.delete_at > 0));
  assert.match((await cli(['bot', 'enable', made.bot.user_id])).stdout, /^deploybot is active\n$/);
  assert.is((await call(server, 'GET', '/api/v1/auth/me', botToken)).status, 200);

  const t = json(await cli(['token', 'create', 'deploybot', '--description', 'second', '--json']));
  assert.is((await call(server, 'GET', '/api/v4/users/me', t.token)).body.username, 'deploybot');
  const revoked = await cli(['token', 'revoke', t.id]);
  assert.is(revoked.stdout, `revoked token ${t.id} of deploybot\n`);
  assert.is((await call(server, 'GET', '/api/v4/users/me', t.token)).status, 401, 'refused at once');
  assert.is((await cli(['token', 'revoke', t.id])).code, 1, 'already revoked');

  const audit = (await call(server, 'GET', '/api/v1/admin/audit?limit=100', root)).body.items.filter((i: any) => i.details?.via === 'cli').map((i: any) => i.action);
  for (const a of ['bot_create', 'bot_disable', 'bot_enable', 'token_create', 'token_revoke']) assert.ok(audit.includes(a), a);

  // Settings: turned-off bots and tokens are refused with a reason; revoking still works.
  const patch = await call(server, 'PATCH', '/api/v1/admin/integration-settings', root, { enable_bot_accounts: false, personal_access_tokens: 'off' });
  assert.is(patch.status, 200, JSON.stringify(patch.body));
  const off = await cli(['bot', 'create', 'late']);
  assert.is(off.code, 1);
  assert.match(off.stderr, /enable_bot_accounts/);
  const noTokens = await cli(['token', 'create', 'root', '--description', 'x']);
  assert.is(noTokens.code, 1);
  assert.match(noTokens.stderr, /personal_access_tokens/);
  const rootTokens = json(await cli(['token', 'list', 'root', '--json']));
  assert.is((await cli(['token', 'revoke', rootTokens[0].id])).code, 0);

  assert.is(await server.stop(), 0);
  server = undefined;
});

test('PostgreSQL: the command line talks to the database; a running server refuses a revoked token within 1 s', async () => {
  const pg = await createPgDatabase();
  if (!pg) {
    console.log('[skip] bot/token CLI on PostgreSQL: RUSTCHAT_TEST_DATABASE_URL is not set');
    return;
  }
  const env: Record<string, string> = { RUSTCHAT_DATABASE_URL: pg.url, RUSTCHAT_JWT_SECRET: 'x'.repeat(40) };
  if (TEST_REDIS_URL) Object.assign(env, { RUSTCHAT_REDIS_URL: TEST_REDIS_URL, RUSTCHAT_REDIS_CHANNEL_PREFIX: `rc-botcli-${randomBytes(4).toString('hex')}` });
  const pgDir = tempDir('rustchat-bot-cli-pg-');
  const pcli: Run = (args, input) => runCli([...args, '--data-dir', pgDir], { env, input });
  let s: ServerProcess | undefined;
  try {
    json(await pcli(['user', 'create', '--email', 'boss@example.com', '--username', 'boss', '--password-stdin', '--json'], 'boss password'));
    s = await spawnServer({ env, dataDir: pgDir });
    const made = json(await pcli(['bot', 'create', 'pgbot', '--owner', 'boss', '--with-token', 'ops', '--json']));
    assert.is((await call(s, 'GET', '/api/v4/users/me', made.token.token)).body.username, 'pgbot');
    const human = json(await pcli(['token', 'create', 'boss@example.com', '--description', 'laptop', '--json']));
    assert.is((await call(s, 'GET', '/api/v1/auth/me', human.token)).body.username, 'boss');
    assert.equal(json(await pcli(['token', 'list', 'pgbot', '--json'])).map((t: any) => t.id), [made.token.id]);

    assert.is((await pcli(['token', 'revoke', human.id])).code, 0);
    await refusedWithin(s, human.token);
    assert.is((await pcli(['bot', 'disable', 'pgbot'])).code, 0);
    await refusedWithin(s, made.token.token);
    assert.equal(json(await pcli(['bot', 'list', '--json'])), []);
  } finally {
    await s?.stop();
    await pg.drop();
  }
});

test.after(async () => {
  await server?.stop();
});
test.run();
