/**
 * OpenID Connect single sign-on against a real provider (npm `oidc-provider`, started here):
 * the authorization code flow with PKCE, state and nonce over HTTP; refused answers (tampered
 * state, a replayed code, ID tokens with the wrong audience, issuer, nonce or signature, expired);
 * accounts made on first login, found again by subject, linked by email under each rule; password
 * login turned off for SSO accounts; group → role mapping; the Mattermost mobile redirect.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { testApp, type TestContext } from '../../test/app.ts';
import { startTestIdp, type TestIdp } from '../../test/oidc-idp.ts';
import { forgetAuthSettings } from '../actions/auth-settings.ts';

const SITE = 'http://rustchat.test';
const idp: TestIdp = await startTestIdp({ redirectUris: [`${SITE}/signup/openid/complete`] });
const oidc = (extra: Record<string, unknown> = {}) => ({
  'server.site_url': SITE,
  'oidc.issuer': idp.issuer,
  'oidc.client_id': idp.clientId,
  'oidc.client_secret': idp.clientSecret,
  'oidc.scopes': 'openid email profile groups',
  'oidc.button_text': 'Sign in with Test IdP',
  ...extra,
});
const t = await testApp({ config: oidc({ 'oidc.admin_groups': 'chat-admins' }) });
const PW = 'a long enough passphrase';

idp.accounts.set('alice', { email: 'alice@example.com', email_verified: true, name: 'Alice Liddell', preferred_username: 'Alice.L' });
idp.accounts.set('bob', { email: 'bob@example.com', email_verified: false, preferred_username: 'bob' });
idp.accounts.set('bob-verified', { email: 'bob@example.com', email_verified: true, preferred_username: 'bob' });
idp.accounts.set('eve', { email: 'eve@example.com', email_verified: true, preferred_username: 'eve', groups: ['chat-admins'] });
idp.accounts.set('mallory', { email: 'mallory@other.org', email_verified: true, preferred_username: 'mallory' });

const cookiesOf = (h: Headers) => Object.fromEntries(h.getSetCookie().map((c) => c.split(';')[0]!.split('=') as [string, string]));
const users = async () => (await t.deps.db.query<{ n: number }>('select count(*)::int as n from users'))[0]!.n;
const sessions = async (ctx: TestContext = t) => (await ctx.deps.db.query<{ n: number }>('select count(*)::int as n from sessions'))[0]!.n;

/** Starts a login at our server; returns the provider URL and the flow cookie. */
async function start(ctx: TestContext, path = '/oauth/openid/login?redirect_to=/acme/channels/town-square') {
  const r = await ctx.req('GET', path);
  assert.is(r.status, 302, JSON.stringify(r.body));
  const flow = Object.entries(cookiesOf(r.headers)).find(([k]) => k.startsWith('RCOIDC_'))!;
  return { location: r.headers.get('location')!, cookie: `${flow[0]}=${flow[1]}`, setCookie: r.headers.getSetCookie().join('\n') };
}
/** A whole login: ours → provider (log in as `login`) → our callback. */
async function sso(ctx: TestContext, login: string, o: { path?: string; mutate?: (u: URL) => void; cookie?: (c: string) => string } = {}) {
  const s = await start(ctx, o.path);
  const back = await idp.browse(s.location, login);
  assert.is(back.origin + back.pathname, `${SITE}/signup/openid/complete`);
  o.mutate?.(back);
  const res = await ctx.req('GET', back.pathname + back.search, { headers: { cookie: o.cookie ? o.cookie(s.cookie) : s.cookie } });
  return { res, back, cookie: s.cookie };
}

let root = '';

test('setup: a password admin; the client config and site info advertise SSO', async () => {
  root = (await t.req('POST', '/api/v1/auth/register', { body: { email: 'root@example.com', username: 'root', password: PW } })).body.token;
  const cfg = await t.req('GET', '/api/v4/config/client?format=old');
  assert.is(cfg.body.EnableSignUpWithOpenId, 'true');
  assert.is(cfg.body.OpenIdButtonText, 'Sign in with Test IdP');
  const site = await t.req('GET', '/api/v1/site/info');
  assert.equal(site.body.sso, { button_text: 'Sign in with Test IdP', login_url: '/oauth/openid/login' });
});

test('the login redirect carries PKCE (S256), state, nonce and our redirect URI; the flow cookie is HttpOnly and SameSite=Lax', async () => {
  const s = await start(t);
  const u = new URL(s.location);
  assert.is(u.origin, idp.issuer);
  assert.is(u.searchParams.get('client_id'), idp.clientId);
  assert.is(u.searchParams.get('response_type'), 'code');
  assert.is(u.searchParams.get('redirect_uri'), `${SITE}/signup/openid/complete`);
  assert.is(u.searchParams.get('code_challenge_method'), 'S256');
  assert.match(u.searchParams.get('code_challenge')!, /^[A-Za-z0-9_-]{43}$/);
  assert.ok(u.searchParams.get('state')!.length >= 32);
  assert.ok(u.searchParams.get('nonce')!.length >= 32);
  assert.is(u.searchParams.get('scope'), 'openid email profile groups');
  assert.match(s.setCookie, /HttpOnly/);
  assert.match(s.setCookie, /SameSite=Lax/);
  assert.not.match(s.setCookie, /code_verifier|nonce/); // sealed, not readable
});

let aliceId = '';
test('first SSO login creates the account (JIT), sets the session cookies and returns to the app', async () => {
  const before = await users();
  const { res } = await sso(t, 'alice');
  assert.is(res.status, 302, JSON.stringify(res.body));
  assert.is(res.headers.get('location'), '/acme/channels/town-square');
  const c = cookiesOf(res.headers);
  assert.ok(c.MMAUTHTOKEN && c.MMCSRF && c.MMUSERID);
  assert.match(res.headers.getSetCookie().find((x) => x.startsWith('MMAUTHTOKEN'))!, /HttpOnly; SameSite=Lax/);
  assert.ok(res.headers.getSetCookie().some((x) => /^RCOIDC_[^=]+=;/.test(x)), 'the flow cookie is cleared');
  assert.is(await users(), before + 1);
  const me = await t.req('GET', '/api/v1/auth/me', { token: c.MMAUTHTOKEN });
  assert.is(me.status, 200);
  assert.is(me.body.username, 'alice.l');
  assert.is(me.body.email, 'alice@example.com');
  assert.is(me.body.display_name, 'Alice Liddell');
  assert.is(me.body.auth_service, 'openid');
  assert.is(me.body.roles, 'system_user');
  aliceId = me.body.id;
  // The web client takes the cookie session over (same-site request with X-Requested-With only).
  const cookie = `MMAUTHTOKEN=${c.MMAUTHTOKEN}`;
  assert.is((await t.req('POST', '/api/v1/auth/cookie-session', { headers: { cookie } })).status, 401);
  const ex = await t.req('POST', '/api/v1/auth/cookie-session', { headers: { cookie, 'x-requested-with': 'XMLHttpRequest' } });
  assert.is(ex.status, 200);
  assert.is(ex.body.token, c.MMAUTHTOKEN);
  assert.is(ex.body.user.id, aliceId);
  // The Mattermost API sees the same session through the cookie.
  assert.is((await t.req('GET', '/api/v4/users/me', { headers: { cookie } })).body.auth_service, 'openid');
  const [row] = await t.deps.db.query<any>(`select * from audit_log where action = 'login' and actor_id = $1`, [aliceId]);
  assert.is(row.details.via, 'openid');
  assert.is(row.details.account, 'created');
});

test('the second login maps to the same user (by issuer and subject), even after the email changed at the provider', async () => {
  idp.accounts.set('alice', { ...idp.accounts.get('alice')!, email: 'alice.liddell@example.com' });
  const before = await users();
  const { res } = await sso(t, 'alice');
  assert.is(res.status, 302);
  assert.is(await users(), before);
  assert.is(cookiesOf(res.headers).MMUSERID, aliceId);
  const ids = await t.deps.db.query<any>('select * from user_identities where user_id = $1', [aliceId]);
  assert.is(ids.length, 1);
  assert.is(ids[0].subject, 'alice');
  assert.is(ids[0].issuer, idp.issuer);
});

test('a tampered or missing state is refused before the code is used; no session is made', async () => {
  const n = await sessions();
  const bad = await sso(t, 'alice', { mutate: (u) => u.searchParams.set('state', u.searchParams.get('state')!.slice(0, -2) + 'xx') });
  assert.is(bad.res.status, 302);
  assert.is(bad.res.headers.get('location'), '/login?sso_error=sso_state_mismatch');
  const noCookie = await sso(t, 'alice', { cookie: () => '' });
  assert.is(noCookie.res.headers.get('location'), '/login?sso_error=sso_state_mismatch');
  // A flow cookie from another login (another state) does not fit either.
  const other = await start(t);
  const swapped = await sso(t, 'alice', { cookie: () => other.cookie });
  assert.is(swapped.res.headers.get('location'), '/login?sso_error=sso_state_mismatch');
  assert.is(await sessions(), n);
});

test('a replayed callback (the same code) is refused', async () => {
  const first = await sso(t, 'alice');
  assert.is(first.res.status, 302);
  assert.ok(cookiesOf(first.res.headers).MMAUTHTOKEN);
  const n = await sessions();
  const again = await t.req('GET', first.back.pathname + first.back.search, { headers: { cookie: first.cookie } });
  assert.is(again.headers.get('location'), '/login?sso_error=sso_failed');
  assert.is(await sessions(), n);
});

for (const mode of ['aud', 'expired', 'iss', 'nonce', 'signature'] as const) {
  test(`an ID token with ${{ aud: 'the wrong audience', expired: 'an expiry in the past', iss: 'the wrong issuer', nonce: 'the wrong nonce', signature: 'a signature by another key' }[mode]} is refused`, async () => {
    const n = await sessions();
    idp.tamper = mode;
    try {
      const { res } = await sso(t, 'alice');
      assert.is(res.headers.get('location'), '/login?sso_error=sso_failed');
      assert.not.ok(cookiesOf(res.headers).MMAUTHTOKEN);
    } finally {
      idp.tamper = undefined;
    }
    assert.is(await sessions(), n);
  });
}

test('the IdP refusing (access_denied) comes back as sso_denied', async () => {
  const s = await start(t);
  const state = new URL(s.location).searchParams.get('state')!;
  const r = await t.req('GET', `/signup/openid/complete?error=access_denied&state=${state}`, { headers: { cookie: s.cookie } });
  assert.is(r.headers.get('location'), '/login?sso_error=sso_denied');
});

let bobId = '';
test('linking by email (verified): an unverified email does not link; a verified one links to the existing account', async () => {
  const reg = await t.req('POST', '/api/v1/auth/register', { body: { email: 'bob@example.com', username: 'bob', password: PW } });
  bobId = reg.body.user.id;
  const unverified = await sso(t, 'bob');
  assert.is(unverified.res.headers.get('location'), '/login?sso_error=sso_account_exists');
  const verified = await sso(t, 'bob-verified');
  assert.is(verified.res.status, 302);
  assert.is(cookiesOf(verified.res.headers).MMUSERID, bobId);
  const [row] = await t.deps.db.query<any>(`select * from audit_log where action = 'sso_link' and success`);
  assert.is(row.target_id, bobId);
  // Linked accounts keep their password (oidc.disable_password_login is off here).
  assert.is((await t.req('POST', '/api/v1/auth/login', { body: { login_id: 'bob', password: PW } })).status, 200);
});

test('sign-up domain allow-list applies to SSO-made accounts', async () => {
  assert.is((await t.req('PATCH', '/api/v1/admin/auth-settings', { token: root, body: { signup_email_domains: 'example.com' } })).status, 200);
  const r = await sso(t, 'mallory');
  assert.is(r.res.headers.get('location'), '/login?sso_error=email_domain_not_allowed');
  assert.is((await t.req('PATCH', '/api/v1/admin/auth-settings', { token: root, body: { signup_email_domains: null } })).status, 200);
});

test('group mapping: a member of oidc.admin_groups becomes system admin, and loses it when removed from the group', async () => {
  const first = await sso(t, 'eve');
  const token = cookiesOf(first.res.headers).MMAUTHTOKEN!;
  assert.is((await t.req('GET', '/api/v1/auth/me', { token })).body.roles, 'system_user system_admin');
  idp.accounts.set('eve', { ...idp.accounts.get('eve')!, groups: ['staff'] });
  const second = await sso(t, 'eve');
  assert.is((await t.req('GET', '/api/v1/auth/me', { token: cookiesOf(second.res.headers).MMAUTHTOKEN })).body.roles, 'system_user');
  const changes = await t.deps.db.query<any>(`select * from audit_log where action = 'role_change' order by id`);
  assert.is(changes.length, 2);
});

test('mobile: /oauth/openid/mobile_login returns to the app scheme with MMAUTHTOKEN and MMCSRF; a foreign redirect is refused', async () => {
  const bad = await t.req('GET', '/oauth/openid/mobile_login?redirect_to=' + encodeURIComponent('https://evil.example/callback'));
  assert.is(bad.status, 400);
  assert.match(String(bad.body), /redirect_to must start with one of: mmauth:\/\/, mmauthbeta:\/\//);
  const { res } = await sso(t, 'alice', { path: '/oauth/openid/mobile_login?redirect_to=' + encodeURIComponent('mmauth://callback') });
  assert.is(res.status, 200);
  const html = String(res.body);
  const href = /id="back" href="([^"]+)"/.exec(html)![1]!.replace(/&#38;/g, '&');
  const back = new URL(href);
  assert.is(back.protocol, 'mmauth:');
  const token = back.searchParams.get('MMAUTHTOKEN')!;
  assert.ok(back.searchParams.get('MMCSRF'));
  assert.is(back.searchParams.get('srv'), SITE);
  const csp = res.headers.get('content-security-policy')!;
  assert.match(csp, /script-src 'nonce-/);
  assert.is(res.headers.get('referrer-policy'), 'no-referrer');
  const me = await t.req('GET', '/api/v4/users/me', { headers: { authorization: `BEARER ${token}` } });
  assert.is(me.body.id, aliceId);
  const [s] = await t.deps.db.query<any>(`select * from sessions where user_id = $1 order by create_at desc limit 1`, [aliceId]);
  assert.is(s.props.mobile, true);
  assert.is(s.props.via, 'openid');
  assert.ok(Number(s.expires_at) - Number(s.create_at) >= 179 * 86_400_000, 'mobile lifetime (180 days)');
});

test('a web return path is kept on this site', async () => {
  const { res } = await sso(t, 'alice', { path: '/oauth/openid/login?redirect_to=' + encodeURIComponent('//evil.example/x') });
  assert.is(res.headers.get('location'), '/');
});

test('SSO accounts get no local MFA prompt even when MFA is required (the provider does its own)', async () => {
  await t.deps.db.query(`insert into site_settings (key, value) values ('auth.mfa', '"required"'::jsonb)`);
  forgetAuthSettings(t.deps);
  const { res } = await sso(t, 'alice');
  const token = cookiesOf(res.headers).MMAUTHTOKEN!;
  assert.is((await t.req('GET', '/api/v1/teams', { token })).status, 200);
  await t.deps.db.query(`delete from site_settings where key = 'auth.mfa'`);
  forgetAuthSettings(t.deps);
});

test('linking off, sign-up off, and password login disabled for SSO accounts (another server)', async () => {
  const off = await testApp({ config: oidc({ 'oidc.link_by_email': 'off', 'oidc.create_accounts': false }) });
  try {
    await off.req('POST', '/api/v1/auth/register', { body: { email: 'root@example.com', username: 'root', password: PW } });
    await off.req('POST', '/api/v1/auth/register', { body: { email: 'alice.liddell@example.com', username: 'alice', password: PW } });
    assert.is((await sso(off, 'alice')).res.headers.get('location'), '/login?sso_error=sso_account_exists');
    assert.is((await sso(off, 'eve')).res.headers.get('location'), '/login?sso_error=sso_signup_disabled');
    assert.is(await sessions(off), 2); // the two registrations only
  } finally {
    await off.close();
  }
  const strict = await testApp({ config: oidc({ 'oidc.link_by_email': 'always', 'oidc.disable_password_login': true }) });
  try {
    await strict.req('POST', '/api/v1/auth/register', { body: { email: 'root@example.com', username: 'root', password: PW } });
    await strict.req('POST', '/api/v1/auth/register', { body: { email: 'bob@example.com', username: 'bob', password: PW } });
    // Before linking the password works; 'always' links an unverified email.
    assert.is((await strict.req('POST', '/api/v1/auth/login', { body: { login_id: 'bob', password: PW } })).status, 200);
    assert.is((await sso(strict, 'bob')).res.status, 302);
    const pw = await strict.req('POST', '/api/v1/auth/login', { body: { login_id: 'bob', password: PW } });
    assert.is(pw.status, 403);
    assert.is(pw.body.error.code, 'password_login_disabled');
    assert.match(pw.body.error.message, /Sign in with Test IdP/);
    // A wrong password still says only "wrong credentials".
    assert.is((await strict.req('POST', '/api/v1/auth/login', { body: { login_id: 'bob', password: 'wrong password!' } })).body.error.code, 'invalid_credentials');
    const v4 = await strict.req('POST', '/api/v4/users/login', { body: { login_id: 'bob', password: PW } });
    assert.is(v4.body.id, 'api.user.login.use_auth_service.app_error');
  } finally {
    await strict.close();
  }
});

test('provider logout (oidc.logout_from_provider): an SSO session\'s logout returns the provider\'s end-session URL; a password session\'s does not', async () => {
  const srv = await testApp({ config: oidc({ 'oidc.logout_from_provider': true }) });
  try {
    const root2 = (await srv.req('POST', '/api/v1/auth/register', { body: { email: 'root@example.com', username: 'root', password: PW } })).body.token;
    const plain = await srv.req('POST', '/api/v1/auth/logout', { token: root2 });
    assert.is(plain.status, 204);
    const { res } = await sso(srv, 'alice');
    const token = cookiesOf(res.headers).MMAUTHTOKEN!;
    const out = await srv.req('POST', '/api/v1/auth/logout', { token });
    assert.is(out.status, 200);
    const u = new URL(out.body.provider_logout_url);
    assert.is(u.origin, idp.issuer);
    assert.is(u.searchParams.get('post_logout_redirect_uri'), `${SITE}/login`);
    assert.is(u.searchParams.get('id_token_hint')!.split('.').length, 3);
    assert.is((await srv.req('GET', '/api/v1/auth/me', { token })).status, 401); // our session is gone first
  } finally {
    await srv.close();
  }
});

test.after(async () => {
  await t.close();
  await idp.close();
});

test.run();
