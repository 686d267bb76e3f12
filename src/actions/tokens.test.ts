import { test } from 'uvu';
import { createHmac } from 'node:crypto';
import * as assert from 'uvu/assert';
import { SignJWT, generateKeyPair, UnsecuredJWT } from 'jose';
import { testApp } from '../../test/app.ts';
import { fxUser } from '../../test/fixtures.ts';
import { authenticate, VERIFIED_TOKENS_MAX, verifiedTokenCount } from './tokens.ts';
import { withServices } from '../boot.ts';
import type { BusMessage, ControlMessage } from '../contract/events.ts';
import { isControl } from '../contract/events.ts';
import { createMemoryBus } from '../realtime/bus.ts';

// A movable clock: session expiry and the 1 s cache are checked without sleeping.
let skew = 0;
let pinned: number | undefined;
const t = await testApp({ now: () => (pinned ?? Date.now()) + skew });
const controls: ControlMessage[] = [];
t.deps.bus.subscribe((m: BusMessage) => {
  if (isControl(m)) controls.push(m);
});

const me = (token: string) => t.req('GET', '/api/v1/auth/me', { token });
const code = (r: { body: any }) => r.body?.error?.code;

test.after.each(() => {
  skew = 0;
  pinned = undefined;
});

async function rejects(fn: () => Promise<unknown>, check: (e: any) => boolean, msg?: string) {
  try {
    await fn();
  } catch (e) {
    assert.ok(check(e), `${msg ?? 'rejected'} with unexpected error: ${e}`);
    return;
  }
  assert.unreachable(`${msg ?? 'call'} should have been rejected`);
}

test('a valid token authenticates', async () => {
  const u = await fxUser(t.deps);
  const r = await me(u.token);
  assert.is(r.status, 200);
  assert.is(r.body.id, u.id);
});

test('alg:none, other algorithms, other keys and tampered tokens are 401 invalid_token', async () => {
  const u = await fxUser(t.deps);
  const now = Math.floor(Date.now() / 1000);
  const claims = { sid: u.sessionId, sub: u.id, iat: now, exp: now + 3600 };
  const none = new UnsecuredJWT(claims).encode();
  const hs512 = await new SignJWT(claims).setProtectedHeader({ alg: 'HS512' }).sign(t.deps.jwtKey);
  const hs384 = await new SignJWT(claims).setProtectedHeader({ alg: 'HS384' }).sign(t.deps.jwtKey);
  const { privateKey } = await generateKeyPair('RS256');
  const rs256 = await new SignJWT(claims).setProtectedHeader({ alg: 'RS256' }).sign(privateKey);
  const otherKey = await new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode('x'.repeat(48)));
  // Same signature, payload swapped for another user's id.
  const [h, , s] = u.token.split('.');
  const other = await fxUser(t.deps);
  const forged = `${h}.${Buffer.from(JSON.stringify({ ...claims, sub: other.id })).toString('base64url')}.${s}`;
  // Header rewritten to alg:none but signature kept.
  const downgraded = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${u.token.split('.')[1]}.`;
  for (const [name, token] of Object.entries({ none, hs512, hs384, rs256, otherKey, forged, downgraded, garbage: 'abc.def.ghi', empty: '..' })) {
    const r = await me(token);
    assert.is(r.status, 401, name);
    assert.is(code(r), 'invalid_token', name);
  }
});

test('only the canonical HS256 signature passes; crit/b64 headers, bad claim types and future nbf are rejected', async () => {
  const u = await fxUser(t.deps);
  const now = Math.floor(Date.now() / 1000);
  const claims = { sid: u.sessionId, sub: u.id, iat: now, exp: now + 3600 };
  const sign = (header: object, payload: object) => {
    const h = Buffer.from(JSON.stringify(header)).toString('base64url');
    const p = Buffer.from(JSON.stringify(payload)).toString('base64url');
    return `${h}.${p}.${createHmac('sha256', t.deps.jwtKey).update(`${h}.${p}`).digest('base64url')}`;
  };
  const good = sign({ alg: 'HS256', typ: 'JWT' }, claims);
  assert.is((await me(good)).status, 200, 'the hand-made token is valid');
  const [h, p, sig] = good.split('.');
  const cases = {
    // Same MAC bytes, other spellings of them: Node's base64url decoder would accept these.
    padded: `${h}.${p}.${sig}=`,
    junkInSignature: `${h}.${p}.${sig.slice(0, 10)}$${sig.slice(10)}`,
    truncated: `${h}.${p}.${sig.slice(0, -1)}`,
    fourParts: `${good}.x`,
    crit: sign({ alg: 'HS256', crit: ['exp'] }, claims),
    b64: sign({ alg: 'HS256', b64: false, crit: ['b64'] }, claims),
    expAsString: sign({ alg: 'HS256' }, { ...claims, exp: String(now + 3600) }),
    noIat: sign({ alg: 'HS256' }, { sid: u.sessionId, sub: u.id, exp: now + 3600 }),
    sidNotString: sign({ alg: 'HS256' }, { ...claims, sid: 1 }),
    futureNbf: sign({ alg: 'HS256' }, { ...claims, nbf: now + 600 }),
    payloadArray: sign({ alg: 'HS256' }, [claims]),
  };
  for (const [name, token] of Object.entries(cases)) {
    const r = await me(token);
    assert.is(r.status, 401, name);
    assert.is(code(r), 'invalid_token', name);
  }
});

test('missing or malformed Authorization is 401 unauthorized', async () => {
  const r = await t.req('GET', '/api/v1/auth/me');
  assert.is(r.status, 401);
  assert.is(code(r), 'unauthorized');
  const r2 = await t.req('GET', '/api/v1/auth/me', { headers: { authorization: 'Basic Zm9vOmJhcg==' } });
  assert.is(r2.status, 401);
});

test('tokens without the session claims are rejected', async () => {
  const u = await fxUser(t.deps);
  const now = Math.floor(Date.now() / 1000);
  const noSid = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject(u.id).setIssuedAt(now).setExpirationTime(now + 60).sign(t.deps.jwtKey);
  const noExp = await new SignJWT({ sid: u.sessionId }).setProtectedHeader({ alg: 'HS256' }).setSubject(u.id).setIssuedAt(now).sign(t.deps.jwtKey);
  for (const token of [noSid, noExp]) {
    const r = await me(token);
    assert.is(r.status, 401);
    assert.is(code(r), 'invalid_token');
  }
});

test('an expired JWT is 401 session_expired', async () => {
  const u = await fxUser(t.deps);
  const past = Math.floor(Date.now() / 1000) - 7200;
  const token = await new SignJWT({ sid: u.sessionId }).setProtectedHeader({ alg: 'HS256' }).setSubject(u.id).setIssuedAt(past).setExpirationTime(past + 60).sign(t.deps.jwtKey);
  const r = await me(token);
  assert.is(r.status, 401);
  assert.is(code(r), 'session_expired');
});

test('a token naming another user’s session is 401', async () => {
  const a = await fxUser(t.deps);
  const b = await fxUser(t.deps);
  const now = Math.floor(Date.now() / 1000);
  const token = await new SignJWT({ sid: a.sessionId }).setProtectedHeader({ alg: 'HS256' }).setSubject(b.id).setIssuedAt(now).setExpirationTime(now + 60).sign(t.deps.jwtKey);
  const r = await me(token);
  assert.is(r.status, 401);
  assert.is(code(r), 'session_revoked');
});

test('sessions expire after the idle lifetime, and use slides it', async () => {
  const day = 86_400_000;
  const lifetime = t.deps.config.auth.session_lifetime_days * day;
  const login = await registerAndLogin('slider');
  // Used 29 days in: the session slides forward…
  skew = lifetime - day;
  assert.is((await me(login)).status, 200);
  // …so 31 days after login it is still alive,
  skew = lifetime + day;
  assert.is((await me(login)).status, 200);
  // but a month of silence after the last use ends it.
  skew = lifetime + day + lifetime + 2000;
  const r = await me(login);
  assert.is(r.status, 401);
  assert.is(code(r), 'session_expired');
});

test('logout revokes at once on another process sharing the bus', async () => {
  const token = await registerAndLogin('twoproc');
  // A second "process": same database and bus, its own cache.
  const other = withServices(t.deps);
  const before = await authenticate(other, token);
  assert.ok(before.session.id);
  controls.length = 0;
  const out = await t.req('POST', '/api/v1/auth/logout', { token });
  assert.is(out.status, 204);
  assert.equal(controls, [{ control: 'sessions_revoked', session_ids: [before.session.id], user_id: before.user.id }]);
  // Still inside the other process's 1 s cache window, yet refused: the bus message cleared it.
  await rejects(() => authenticate(other, token), (e: any) => e.status === 401 && e.code === 'session_revoked');
  assert.is((await me(token)).status, 401);
});

test('without the bus message, revocation still takes effect within 1 s (cache bound)', async () => {
  const token = await registerAndLogin('nobus');
  // A process on another bus that never hears about the logout.
  const isolated = withServices({ ...t.deps, bus: createMemoryBus() });
  pinned = Date.now();
  const a = await authenticate(isolated, token);
  await t.req('POST', '/api/v1/auth/logout', { token });
  skew = 999;
  const cached = await authenticate(isolated, token); // may still be served from cache…
  assert.is(cached.session.id, a.session.id);
  skew = 1000;
  await rejects(() => authenticate(isolated, token), (e: any) => e.status === 401); // …but not after 1 s
});

let n = 0;
async function registerAndLogin(prefix: string): Promise<string> {
  const username = `${prefix}${n++}`;
  const r = await t.req('POST', '/api/v1/auth/register', { body: { email: `${username}@example.com`, username, password: 'long enough pw' } });
  assert.is(r.status, 201, JSON.stringify(r.body));
  return r.body.token;
}

test.after(() => t.close());
/** An HS256 token signed here (jose is slow for thousands). */
function hs256(key: Uint8Array, claims: Record<string, unknown>): string {
  const part = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const body = `${part({ alg: 'HS256', typ: 'JWT' })}.${part(claims)}`;
  return `${body}.${createHmac('sha256', key).update(body).digest('base64url')}`;
}

test('a verified token is kept: not verified again, but its clock is checked every time', async () => {
  const u = await fxUser(t.deps);
  const now = Math.floor(Date.now() / 1000);
  const token = hs256(t.deps.jwtKey, { sid: u.sessionId, sub: u.id, iat: now, exp: now + 120 });
  const before = verifiedTokenCount(t.deps);
  assert.is((await me(token)).status, 200);
  assert.is(verifiedTokenCount(t.deps), before + 1);
  assert.is((await me(token)).status, 200);
  assert.is(verifiedTokenCount(t.deps), before + 1, 'the second use is answered from the kept claims');
  // Past its exp the same kept token is refused.
  skew = 200_000;
  const r = await me(token);
  assert.is(r.status, 401);
  assert.is(code(r), 'session_expired');
  skew = 0;
  // One character changed (a kept token's prefix): verified afresh, and refused.
  const last = token.at(-1) === 'A' ? 'B' : 'A';
  const r2 = await me(token.slice(0, -1) + last);
  assert.is(r2.status, 401);
  assert.is(code(r2), 'invalid_token');
  // Revoking the session still ends a kept token at once (the session is looked at after).
  await t.deps.db.query('update sessions set revoked_at = $2 where id = $1', [u.sessionId, Date.now()]);
  (await import('./tokens.ts')).forgetSessions(t.deps, [u.sessionId]);
  const r3 = await me(token);
  assert.is(r3.status, 401);
  assert.is(code(r3), 'session_revoked');
});

test('a token that is not yet valid (nbf) is refused, also when kept', async () => {
  const u = await fxUser(t.deps);
  const now = Math.floor(Date.now() / 1000);
  const token = hs256(t.deps.jwtKey, { sid: u.sessionId, sub: u.id, iat: now, exp: now + 600, nbf: now + 100 });
  skew = 150_000; // after nbf: accepted and kept
  assert.is((await me(token)).status, 200);
  skew = 0; // the clock back before nbf: the kept token is refused
  const r = await me(token);
  assert.is(r.status, 401);
  assert.is(code(r), 'invalid_token');
});

test('the kept tokens are bounded', async () => {
  const now = Math.floor(Date.now() / 1000);
  for (let i = 0; i < VERIFIED_TOKENS_MAX + 50; i++) {
    // Valid MACs for sessions that do not exist: verified (and kept), then refused by the session lookup.
    await authenticate(t.deps, hs256(t.deps.jwtKey, { sid: `nosuchsession${i}`, sub: 'nobody', iat: now, exp: now + 60 })).catch(() => {});
  }
  assert.is(verifiedTokenCount(t.deps), VERIFIED_TOKENS_MAX);
});

test.run();
