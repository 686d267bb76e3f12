/**
 * MFA through Mattermost's own JavaScript client (@mattermost/client 11.9) against a real `serve`
 * process: enrolment (generateMfaSecret, updateUserMfa), checkUserMfa, login without a code (the
 * error id the apps switch their code screen on), with a wrong, a right and a replayed code, and
 * the admin reset with `rustchat user mfa-reset` over the admin socket. PostgreSQL when
 * RUSTCHAT_TEST_DATABASE_URL is set; dist/rustchat when it is current.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import mm from '@mattermost/client';
import { runCli, spawnServer, tempDir, type ServerProcess } from './process.ts';
import { createPgDatabase } from './db.ts';
import { currentTotp } from '../src/actions/totp.ts';

const { Client4, ClientError } = mm as any;
const JWT = 'm'.repeat(48);
let pg: Awaited<ReturnType<typeof createPgDatabase>>;
let server: ServerProcess;
let dataDir: string;
const env = () => ({ RUSTCHAT_JWT_SECRET: JWT, ...(pg ? { RUSTCHAT_DATABASE_URL: pg.url } : {}) });
const PW = 'a long enough passphrase';

function client() {
  const c = new Client4();
  c.setUrl(server.url);
  return c;
}
async function fails(p: Promise<unknown>): Promise<any> {
  try {
    await p;
  } catch (e: any) {
    assert.instance(e, ClientError);
    return e;
  }
  return assert.unreachable('expected an error');
}
/** A code for a step after any code used so far (each step's code is accepted once). */
let lastStep = 0;
async function freshCode(secret: string): Promise<string> {
  let now = Date.now();
  while (Math.floor(now / 30_000) <= lastStep) {
    await new Promise((r) => setTimeout(r, 500));
    now = Date.now();
  }
  lastStep = Math.floor(now / 30_000);
  return currentTotp(secret, now);
}

test.before(async () => {
  pg = await createPgDatabase();
  dataDir = tempDir();
  server = await spawnServer({ dataDir, env: env(), timeoutMs: 120_000 });
});
test.after(async () => {
  await server?.stop();
  await pg?.drop();
});

let secret = '';
let userId = '';

test('the client config says MFA is available; a user enrols with generateMfaSecret and updateUserMfa', async () => {
  const anon = client();
  const cfg = await anon.getClientConfig();
  assert.is(cfg.EnableMultifactorAuthentication, 'true');
  assert.is(cfg.EnforceMultifactorAuthentication, 'false');
  await anon.createUser({ email: 'root@example.com', username: 'root', password: PW } as any, '', '');
  const u = await anon.createUser({ email: 'mia@example.com', username: 'mia', password: PW } as any, '', '');
  userId = u.id;
  const c = client();
  const me = await c.login('mia', PW);
  assert.is(me.mfa_active, false);
  assert.is((await c.checkUserMfa('mia')).mfa_required, false);
  const g = await c.generateMfaSecret(userId);
  assert.match(g.secret, /^[A-Z2-7]{32}$/);
  // The QR code is a PNG, as the Mattermost web app shows it (data:image/png;base64,…).
  assert.equal([...Buffer.from(g.qr_code, 'base64').subarray(0, 4)], [0x89, 0x50, 0x4e, 0x47]);
  secret = g.secret;
  const bad = await fails(c.updateUserMfa(userId, true, '000000'));
  assert.is(bad.status_code, 400);
  assert.is((await c.updateUserMfa(userId, true, await freshCode(secret))).status, 'OK');
  assert.is((await c.getMe()).mfa_active, true);
  assert.is((await client().checkUserMfa('mia')).mfa_required, true);
  assert.is((await client().checkUserMfa('nobody-here')).mfa_required, false);
});

test('login without a code fails with the id the apps expect; a wrong code, a right one, the same one again', async () => {
  const missing = await fails(client().login('mia', PW));
  assert.is(missing.server_error_id, 'mfa.validate_token.authenticate.app_error');
  assert.is(missing.status_code, 400);
  const wrong = await fails(client().login('mia', PW, '000000'));
  assert.is(wrong.server_error_id, 'api.user.check_user_mfa.bad_code.app_error');
  assert.is(wrong.status_code, 401);
  const code = await freshCode(secret);
  const c = client();
  const me = await c.login('mia', PW, code);
  assert.is(me.id, userId);
  assert.is((await c.getMe()).username, 'mia');
  const replay = await fails(client().login('mia', PW, code));
  assert.is(replay.server_error_id, 'api.user.check_user_mfa.bad_code.app_error');
});

test('deactivating needs a code too; an admin resets MFA with `rustchat user mfa-reset` (over the running server)', async () => {
  const c = client();
  await c.login('mia', PW, await freshCode(secret));
  const noCode = await fails(c.updateUserMfa(userId, false, ''));
  assert.is(noCode.server_error_id, 'mfa.validate_token.authenticate.app_error');
  assert.is((await c.getMe()).mfa_active, true);
  const r = await runCli(['user', 'mfa-reset', 'mia', '--data-dir', dataDir, '--json'], { env: env() });
  assert.is(r.code, 0, r.stderr);
  assert.is(JSON.parse(r.stdout).was_active, true);
  const me = await client().login('mia', PW);
  assert.is(me.mfa_active, false);
  const again = await runCli(['user', 'mfa-reset', 'mia', '--data-dir', dataDir], { env: env() });
  assert.is(again.code, 0);
  assert.match(again.stdout, /nothing to reset/);
});

test.run();
