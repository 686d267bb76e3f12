/**
 * Identity in a real server process — dist/rustchat when it is current (always in CI), so the
 * on-demand chunks (openid-client, otpauth, qrcode, the common-password list) are proven to load
 * inside the single executable: a breached password refused, MFA enrolment with its QR code and a
 * login with a code, and a whole SSO login against a real OpenID provider over HTTP.
 * PostgreSQL when RUSTCHAT_TEST_DATABASE_URL is set.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createServer } from 'node:net';
import { binaryChoice, spawnServer, type ServerProcess } from './process.ts';
import { createPgDatabase } from './db.ts';
import { startTestIdp, type TestIdp } from './oidc-idp.ts';
import { currentTotp } from '../src/actions/totp.ts';

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });

let server: ServerProcess;
let idp: TestIdp;
let pg: Awaited<ReturnType<typeof createPgDatabase>>;
const PW = 'a long enough passphrase';

async function api(method: string, path: string, o: { token?: string; body?: unknown; headers?: Record<string, string> } = {}) {
  const res = await fetch(server.url + path, {
    method,
    redirect: 'manual',
    headers: { ...(o.body ? { 'content-type': 'application/json' } : {}), ...(o.token ? { authorization: `Bearer ${o.token}` } : {}), ...o.headers },
    body: o.body ? JSON.stringify(o.body) : undefined,
  });
  const text = await res.text();
  let body: any = text;
  try {
    body = JSON.parse(text);
  } catch {
    /* not JSON */
  }
  return { status: res.status, body, headers: res.headers };
}

test.before(async () => {
  pg = await createPgDatabase();
  const port = await freePort();
  const site = `http://127.0.0.1:${port}`;
  idp = await startTestIdp({ redirectUris: [`${site}/signup/openid/complete`] });
  idp.accounts.set('dora', { email: 'dora@example.com', email_verified: true, name: 'Dora', preferred_username: 'dora' });
  server = await spawnServer({
    args: ['--port', String(port)],
    timeoutMs: 120_000,
    env: {
      RUSTCHAT_SITE_URL: site,
      RUSTCHAT_OIDC_ISSUER: idp.issuer,
      RUSTCHAT_OIDC_CLIENT_ID: idp.clientId,
      RUSTCHAT_OIDC_CLIENT_SECRET: idp.clientSecret,
      RUSTCHAT_JWT_SECRET: 'identity-process-secret-'.padEnd(48, 'x'),
      ...(pg ? { RUSTCHAT_DATABASE_URL: pg.url } : {}),
    },
  });
  console.log(`[info] identity process tests run ${binaryChoice().use ? 'dist/rustchat' : 'the TypeScript source'} (${binaryChoice().reason})`);
});
test.after(async () => {
  await server?.stop();
  await idp?.close();
  await pg?.drop();
});

test('a common password is refused; MFA enrolment draws its QR code; login needs and takes a code', async () => {
  const weak = await api('POST', '/api/v1/auth/register', { body: { email: 'root@example.com', username: 'root', password: 'password123' } });
  assert.is(weak.status, 400);
  assert.is(weak.body.error.code, 'password_breached');
  const reg = await api('POST', '/api/v1/auth/register', { body: { email: 'root@example.com', username: 'root', password: PW } });
  assert.is(reg.status, 201, JSON.stringify(reg.body) + server.output().split('\n').filter((l) => l.includes('"error"')).join('\n').slice(0, 3000));
  const g = await api('POST', '/api/v1/auth/mfa/generate', { token: reg.body.token });
  assert.match(g.body.qr_code, /^data:image\/svg\+xml;base64,/);
  const v4 = await api('POST', `/api/v4/users/${reg.body.user.id}/mfa/generate`, { token: reg.body.token });
  assert.is(v4.status, 200);
  const secret = v4.body.secret;
  assert.is((await api('POST', '/api/v1/auth/mfa/confirm', { token: reg.body.token, body: { code: await currentTotp(secret, Date.now()) } })).status, 200);
  const noCode = await api('POST', '/api/v1/auth/login', { body: { login_id: 'root', password: PW } });
  assert.is(noCode.body.error.code, 'mfa_required');
  // The confirm used this step's code: the next login waits for the next step.
  await new Promise((r) => setTimeout(r, 30_000 - (Date.now() % 30_000) + 200));
  const ok = await api('POST', '/api/v1/auth/login', { body: { login_id: 'root', password: PW, token: await currentTotp(secret, Date.now()) } });
  assert.is(ok.status, 200, JSON.stringify(ok.body));
});

test('an SSO login completes through the provider and creates the account', async () => {
  const cfg = await api('GET', '/api/v4/config/client?format=old');
  assert.is(cfg.body.EnableSignUpWithOpenId, 'true');
  const start = await api('GET', '/oauth/openid/login?redirect_to=/settings');
  assert.is(start.status, 302, JSON.stringify(start.body));
  const flowCookie = start.headers.getSetCookie().find((c) => c.startsWith('RCOIDC_'))!.split(';')[0]!;
  const back = await idp.browse(start.headers.get('location')!, 'dora');
  const done = await api('GET', back.pathname + back.search, { headers: { cookie: flowCookie } });
  assert.is(done.status, 302, typeof done.body === 'string' ? done.body.slice(0, 300) : JSON.stringify(done.body));
  assert.is(done.headers.get('location'), '/settings');
  const token = done.headers.getSetCookie().find((c) => c.startsWith('MMAUTHTOKEN='))!.split(';')[0]!.slice('MMAUTHTOKEN='.length);
  const me = await api('GET', '/api/v1/auth/me', { token });
  assert.is(me.body.username, 'dora');
  assert.is(me.body.auth_service, 'openid');
});

test.run();
