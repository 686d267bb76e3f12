import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { runCli, spawnServer, tempDir, type ServerProcess } from '../../test/process.ts';
import { createPgDatabase, TEST_PG_URL, TEST_REDIS_URL } from '../../test/db.ts';
import { randomBytes } from 'node:crypto';
import WebSocket from 'ws';

// `rustchat user …` as a process: on a fresh embedded data dir (direct mode), against a running
// server on the same data dir (admin socket), and on PostgreSQL (direct, next to a server). The
// embedded cases run in the default pass, the PostgreSQL case in the RUSTCHAT_TEST_DATABASE_URL pass.
const embedded = !TEST_PG_URL;
// Not test.skip: uvu leaves skipped tests out of its Total, which confuses the runner's arithmetic.
const etest: typeof test = embedded ? test : ((() => {}) as unknown as typeof test);
if (!embedded) console.log('[skip] user CLI embedded cases run in the pass without RUSTCHAT_TEST_DATABASE_URL');
const dataDir = tempDir('rustchat-user-cli-');
const cli = (args: string[], o: { input?: string; env?: Record<string, string> } = {}) => runCli(['user', ...args, '--data-dir', dataDir], o);
const json = (r: { stdout: string; stderr: string; code: number | null }) => {
  assert.is(r.code, 0, r.stderr);
  return JSON.parse(r.stdout);
};
let amyPassword = '';
let amyId = '';
let server: ServerProcess | undefined;

etest('direct mode: create (first account is admin), generated password, list', async () => {
  const root = json(await cli(['create', '--email', 'root@example.com', '--username', 'Root', '--password-stdin', '--json'], { input: 'root password\n' }));
  assert.is(root.user.username, 'root');
  assert.is(root.user.roles, 'system_user system_admin');
  assert.not.ok('password' in root, 'a given password is not echoed');
  const amy = json(await cli(['create', '--email', 'amy@example.com', '--username', 'amy', '--json']));
  assert.is(amy.user.roles, 'system_user');
  assert.match(amy.password, /^[A-Za-z0-9]{20}$/);
  amyPassword = amy.password;
  const list = json(await cli(['list', '--json']));
  assert.equal(
    list.map((u: any) => [u.username, u.email]),
    [
      ['amy', 'amy@example.com'],
      ['root', 'root@example.com'],
    ],
  );
  amyId = amy.user.id;
});

etest('with a server running: show, and exit codes (2 usage/invalid input, 1 failures) over the socket', async () => {
  server = await spawnServer({ dataDir });
  const shown = json(await cli(['show', 'AMY@example.com', '--json']));
  assert.is(shown.id, amyId);
  assert.not.ok('password_hash' in shown);
  const text = await cli(['show', amyId]);
  assert.is(text.code, 0);
  assert.match(text.stdout, /username:\s+amy/);
  const cases: [string[], number, RegExp][] = [
    [['create', '--email', 'x@example.com', '--username', 'x y'], 2, /only a–z/],
    [['create', '--email', 'x@example.com', '--username', 'xavier', '--password', 'short'], 2, /at least 8 bytes/],
    [['create', '--email', 'x@example.com', '--username', 'amy', '--password', 'long enough'], 1, /taken/],
    [['create', '--email', 'x@example.com'], 2, /username/],
    [['show', 'nobody'], 1, /No user "nobody"/],
    [['set-role', 'amy', 'king'], 2, /system_admin, system_user/],
    [['delete', 'amy'], 2, /--confirm/],
    [['set-role', 'root', 'system_user'], 1, /last active system admin/],
  ];
  for (const [args, expected, message] of cases) {
    const r = await cli(args);
    assert.is(r.code, expected, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message, args.join(' '));
    assert.is(r.stdout, '', args.join(' '));
  }
});

etest('with a server running, commands go through <data_dir>/admin.sock (0600) and act at once', async () => {
  assert.ok(server);
  const sock = join(dataDir, 'admin.sock');
  assert.ok(statSync(sock).isSocket());
  assert.is(statSync(sock).mode & 0o777, 0o600);
  const post = async (path: string, body: unknown, token?: string) => {
    const res = await fetch(server!.url + path, { method: 'POST', headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: JSON.stringify(body) });
    return { status: res.status, body: res.status === 204 ? null : await res.json() };
  };
  const me = async (token: string) => (await fetch(server!.url + '/api/v1/auth/me', { headers: { authorization: `Bearer ${token}` } })).status;

  const amy = await post('/api/v1/auth/login', { login_id: 'amy', password: amyPassword });
  assert.is(amy.status, 200);
  assert.is(await me(amy.body.token), 200);

  // The server holds the data-dir lock; without the socket this would fail with "in use".
  const off = json(await cli(['deactivate', 'amy', '--json']));
  assert.ok(off.delete_at > 0);
  assert.is(await me(amy.body.token), 401, 'revoked in the server process at once');
  assert.is((await post('/api/v1/auth/login', { login_id: 'amy', password: amyPassword })).status, 403);

  const reset = json(await cli(['reset-password', 'amy', '--json']));
  assert.match(reset.password, /^[A-Za-z0-9]{20}$/);
  assert.is((await cli(['activate', 'amy'])).code, 0);
  assert.is((await post('/api/v1/auth/login', { login_id: 'amy', password: reset.password })).status, 200);
  const chosen = await cli(['reset-password', 'amy', '--password-stdin'], { input: 'chosen password\n' });
  assert.is(chosen.code, 0, chosen.stderr);
  assert.not.match(chosen.stdout, /password: /);
  assert.is((await post('/api/v1/auth/login', { login_id: 'amy', password: 'chosen password' })).status, 200);

  assert.is((await cli(['set-role', 'amy', 'system_admin'])).code, 0);
  const del = json(await cli(['delete', 'amy', '--confirm', '--json']));
  assert.is(del.deleted.username, 'amy');
  assert.equal(
    json(await cli(['list', '--json', '--inactive'])).map((u: any) => u.username),
    ['root'],
  );

  // The audit log (read over HTTP) records what the command line did.
  const root = await post('/api/v1/auth/login', { login_id: 'root', password: 'root password' });
  const res = await fetch(`${server.url}/api/v1/admin/audit?limit=100`, { headers: { authorization: `Bearer ${root.body.token}` } });
  const items = ((await res.json()) as any).items;
  const cliActions = items.filter((i: any) => i.details?.via === 'cli').map((i: any) => i.action);
  for (const a of ['user_deactivate', 'password_reset', 'user_activate', 'role_change', 'user_delete']) assert.ok(cliActions.includes(a), a);

  assert.is(await server.stop(), 0);
  server = undefined;
  assert.not.ok(existsSync(sock), 'socket removed on shutdown');
});

test('PostgreSQL: the command line connects directly, and a running server honours its changes', async () => {
  const pg = await createPgDatabase();
  if (!pg) {
    console.log('[skip] user CLI on PostgreSQL: RUSTCHAT_TEST_DATABASE_URL is not set');
    return;
  }
  const env: Record<string, string> = { RUSTCHAT_DATABASE_URL: pg.url, RUSTCHAT_JWT_SECRET: 'x'.repeat(40) };
  if (TEST_REDIS_URL) Object.assign(env, { RUSTCHAT_REDIS_URL: TEST_REDIS_URL, RUSTCHAT_REDIS_CHANNEL_PREFIX: `rc-cli-${randomBytes(4).toString('hex')}` });
  const pgDir = tempDir('rustchat-user-cli-pg-');
  const pcli = (args: string[], input?: string) => runCli(['user', ...args, '--data-dir', pgDir], { env, input });
  let s: ServerProcess | undefined;
  try {
    const boss = json(await pcli(['create', '--email', 'boss@example.com', '--username', 'boss', '--password-stdin', '--json'], 'boss password'));
    assert.is(boss.user.roles, 'system_user system_admin');
    s = await spawnServer({ env, dataDir: pgDir });
    assert.not.ok(existsSync(join(pgDir, 'admin.sock')), 'no socket in PostgreSQL mode');
    const login = await fetch(`${s.url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ login_id: 'boss', password: 'boss password' }) });
    const token = ((await login.json()) as any).token;
    json(await pcli(['create', '--email', 'deputy@example.com', '--username', 'deputy', '--system-admin', '--json']));
    // Another process revokes: the server's session cache lets it through for at most ~1 s.
    assert.is((await pcli(['reset-password', 'boss', '--password-stdin'], 'new boss password')).code, 0);
    let status = 0;
    for (let i = 0; i < 40 && status !== 401; i++) {
      status = (await fetch(`${s.url}/api/v1/auth/me`, { headers: { authorization: `Bearer ${token}` } })).status;
      if (status !== 401) await new Promise((r) => setTimeout(r, 100));
    }
    assert.is(status, 401);
    assert.equal(
      json(await pcli(['list', '--json'])).map((u: any) => u.username),
      ['boss', 'deputy'],
    );
    if (TEST_REDIS_URL) {
      // With Redis, the command publishes sessions_revoked like a server would, and the server's hub
      // closes the deactivated user's WebSocket at once. (Its 30 s heartbeat sweep of revoked
      // sessions would close it eventually anyway; the 5 s bound below is what the bus adds.)
      const again = await fetch(`${s.url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ login_id: 'deputy', password: 'x' }) });
      assert.is(again.status, 401);
      const reset = json(await pcli(['reset-password', 'deputy', '--json']));
      const dep = await fetch(`${s.url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ login_id: 'deputy', password: reset.password }) });
      const depToken = ((await dep.json()) as any).token;
      const ws = new WebSocket(`${s.url.replace('http', 'ws')}/api/v1/ws`, { headers: { authorization: `Bearer ${depToken}` } });
      await new Promise<void>((resolve, reject) => {
        ws.once('message', () => resolve()); // hello
        ws.once('error', reject);
      });
      const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
      assert.is((await pcli(['deactivate', 'deputy'])).code, 0);
      const code = await Promise.race([closed, new Promise<string>((r) => setTimeout(() => r('still open after 5 s'), 5_000))]);
      assert.type(code, 'number', String(code));
    } else console.log('[skip] user CLI: WebSocket closed through Redis: RUSTCHAT_TEST_REDIS_URL is not set');
  } finally {
    await s?.stop();
    await pg.drop();
  }
});

test.after(async () => {
  await server?.stop();
});
test.run();
