import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createPublicKey, verify } from 'node:crypto';
import { serve } from '@hono/node-server';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { testApp, testConfig } from '../../test/app.ts';
import { startPushProxy, type RecordedPush } from '../../test/push-proxy.ts';
import { fxChannel, fxTeam, fxUser, type FxUser } from '../../test/fixtures.ts';
import { connect, until } from '../../test/realtime.ts';
import { withServices } from '../boot.ts';
import { createServer } from '../server.ts';
import { createMemoryBus } from '../realtime/bus.ts';
import { silentLogger } from '../log.ts';
import { newId } from '../ids.ts';
import { insertSession } from '../store/sessions.ts';
import { signSessionToken } from './tokens.ts';

// Mobile push end to end: devices registered over Mattermost's API, posts, a real HTTP push proxy
// started here that records what it is sent. Runs on PGlite, and on PostgreSQL with
// RUSTCHAT_TEST_DATABASE_URL.
const proxy = await startPushProxy();
const t = await testApp({ config: { 'push.proxy_url': `${proxy.url}/`, 'site.collapsed_threads': 'default_off' } });
const mm = (method: string, path: string, token: string, body?: unknown) => t.req(method, `/api/v4${path}`, { token, body });

const ada = await fxUser(t.deps, { username: 'ada' });
const names = ['bob', 'cy', 'dan', 'eve', 'fay', 'gil', 'hal'] as const;
const u = {} as Record<(typeof names)[number], FxUser>;
for (const n of names) u[n] = await fxUser(t.deps, { username: n });
const { bob, cy, dan, eve, fay, gil, hal } = u;
const team = await fxTeam(t.deps, ada, { name: 'acme', members: Object.values(u) });
const general = await fxChannel(t.deps, team.id, ada, { name: 'general', members: Object.values(u) });
await t.deps.db.query(`update channels set display_name = 'General' where id = $1`, [general.id]);

const tokenOf = (u: FxUser) => `tok-${u.username}-0123456789abcdef`;
const device = (u: FxUser, token = tokenOf(u)) => `apple_rn-v2:${token}`;
async function register(u: FxUser, deviceId = device(u), token = u.token) {
  const r = await mm('PUT', '/users/sessions/device', token, { device_id: deviceId, device_notification_disabled: 'false', mobile_version: '2.43.0' });
  assert.is(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body, { status: 'OK' });
}
async function post(from: FxUser, channelId: string, message: string, extra: Record<string, unknown> = {}) {
  const r = await t.req('POST', `/api/v1/channels/${channelId}/posts`, { token: from.token, body: { message, ...extra } });
  assert.is(r.status, 201, JSON.stringify(r.body));
  await t.deps.services.push.idle();
  return r.body;
}
const dm = async (from: FxUser, to: FxUser) => (await t.req('POST', '/api/v1/channels/direct', { token: from.token, body: { user_id: to.id } })).body.id as string;
const pushesFor = (x: FxUser, type = 'message') => proxy.to(tokenOf(x), type);
async function newSession(x: FxUser) {
  const id = newId();
  const now = t.deps.now();
  await insertSession(t.deps.db, { id, user_id: x.id, create_at: now, expires_at: now + 86_400_000, last_activity_at: now, ip: '', user_agent: 'test', device_id: '' });
  return { id, token: await signSessionToken(t.deps, id, x.id, now) };
}
const sessionDevice = async (id: string) => (await t.deps.db.query<{ device_id: string }>('select device_id from sessions where id = $1', [id]))[0]?.device_id;

/** Checks an ES256 JWT with the public key from the client configuration; returns its claims. */
function verifySignature(jwt: string, publicKeyB64: string): Record<string, unknown> {
  const [h, p, s] = jwt.split('.');
  const key = createPublicKey({ key: Buffer.from(publicKeyB64, 'base64'), format: 'der', type: 'spki' });
  assert.ok(verify('sha256', Buffer.from(`${h}.${p}`), { key, dsaEncoding: 'ieee-p1363' }, Buffer.from(s!, 'base64url')), 'signature verifies');
  assert.equal(JSON.parse(Buffer.from(h!, 'base64url').toString()), { alg: 'ES256', typ: 'JWT' });
  return JSON.parse(Buffer.from(p!, 'base64url').toString());
}

for (const x of [ada, ...Object.values(u)]) await register(x);

test('device registration: attached to the session, validated, moved to the session that registers it again', async () => {
  assert.is(await sessionDevice(bob.sessionId), device(bob));
  const row = (await t.deps.db.query<any>('select props, expires_at from sessions where id = $1', [bob.sessionId]))[0];
  assert.is(row.props.mobile, true, 'a mobile session now');
  assert.is(row.props.mobile_version, '2.43.0');
  assert.ok(Number(row.expires_at) > t.deps.now() + 100 * 86_400_000, 'mobile lifetime');
  for (const bad of ['', 'no-colon-token', 'apple_rn-v2:', 'apple:has space', `apple:${'x'.repeat(600)}`]) {
    const r = await mm('PUT', '/users/sessions/device', bob.token, { device_id: bad });
    assert.is(r.status, 400, bad);
    assert.is(r.body.id, 'api.context.invalid_param.app_error');
    assert.not.match(JSON.stringify(r.body), /\n\s+at |\.ts:\d/, 'no stack');
  }
  assert.is((await mm('PUT', '/users/sessions/device', '', { device_id: device(bob) })).status, 401);
  // A long FCM-style token survives intact.
  const s2 = await newSession(hal);
  const long = `android_rn-v2:${'f'.repeat(163)}:APA91b${'x'.repeat(20)}`;
  await register(hal, long, s2.token);
  assert.is(await sessionDevice(s2.id), long);
  // The same phone registering again from another session (reinstall, another login) moves there.
  const s3 = await newSession(hal);
  await register(hal, long, s3.token);
  assert.is(await sessionDevice(s3.id), long);
  assert.is(await sessionDevice(s2.id), '', 'the older session lost it');
  // Another account on the same phone takes it over too.
  const s4 = await newSession(gil);
  await register(gil, long, s4.token);
  assert.is(await sessionDevice(s3.id), '');
  await register(hal);
  await register(gil);
  await t.deps.db.query(`update sessions set device_id = '' where id = $1`, [s4.id]);
});

test('a mention of an offline user: exactly one push with the Mattermost payload, signed; none to the author', async () => {
  const before = proxy.pushes.length;
  const p = await post(ada, general.id, '@bob can you look at the build?');
  const got = pushesFor(bob);
  assert.is(got.length, 1);
  const b = got[0]!.body;
  assert.is(got[0]!.path, '/api/v1/send_push', 'trailing slash of push.proxy_url ignored');
  assert.is(got[0]!.headers['content-type'], 'application/json');
  const config = (await t.req('GET', '/api/v4/config/client?format=old', { token: bob.token })).body;
  assert.is(config.SendPushNotifications, 'true');
  assert.type(config.AsymmetricSigningPublicKey, 'string');
  assert.match(b.ack_id, /^[a-z0-9]{26}$/);
  assert.match(b.server_id, /^[a-z0-9]{26}$/);
  const { signature, ack_id, server_id, ...rest } = b;
  assert.equal(rest, {
    platform: 'apple_rn-v2',
    device_id: tokenOf(bob),
    post_id: p.id,
    category: 'CAN_REPLY',
    message: '@ada: @bob can you look at the build?',
    badge: 1,
    team_id: team.id,
    channel_id: general.id,
    channel_name: 'General',
    type: 'message',
    sender_id: ada.id,
    sender_name: '@ada',
    version: 'v2',
    is_crt_enabled: false,
    is_id_loaded: false,
  });
  assert.equal(verifySignature(signature, config.AsymmetricSigningPublicKey), { ack_id, device_id: tokenOf(bob) });
  assert.is(proxy.pushes.length - before, 1, 'nobody else: the author and unmentioned members get nothing');
  assert.is(pushesFor(ada).length, 0);
  // The badge counts every mention the user has not read.
  await post(cy, general.id, 'again @bob');
  assert.is(pushesFor(bob).at(-1)!.body.badge, 2);
  assert.is(pushesFor(bob).at(-1)!.body.server_id, server_id, 'one server id');
});

test('a direct message: pushed with the text alone and the sender as the title', async () => {
  const ch = await dm(ada, cy);
  const before = pushesFor(cy).length;
  const p = await post(ada, ch, 'lunch?');
  const got = pushesFor(cy).slice(before);
  assert.is(got.length, 1);
  assert.is(got[0]!.body.message, 'lunch?');
  assert.is(got[0]!.body.channel_name, '@ada');
  assert.is(got[0]!.body.channel_id, ch);
  assert.is(got[0]!.body.post_id, p.id);
  assert.not.ok('team_id' in got[0]!.body, 'no team (left out when empty, as Mattermost does)');
  assert.is(pushesFor(ada).length, 0, 'never to the author');
});

test('a muted channel sends nothing, even for a mention; a channel push level of none neither', async () => {
  assert.is((await mm('PUT', `/channels/${general.id}/members/${dan.id}/notify_props`, dan.token, { channel_id: general.id, user_id: dan.id, mark_unread: 'mention' })).status, 200);
  await post(ada, general.id, '@dan muted?');
  assert.is(pushesFor(dan).length, 0);
  await post(ada, general.id, '@channel all hands');
  assert.is(pushesFor(dan).length, 0);
  assert.is((await mm('PUT', `/channels/${general.id}/members/${dan.id}/notify_props`, dan.token, { channel_id: general.id, user_id: dan.id, mark_unread: 'all', push: 'none' })).status, 200);
  await post(ada, general.id, '@dan level none?');
  assert.is(pushesFor(dan).length, 0);
  assert.is((await mm('PUT', `/channels/${general.id}/members/${dan.id}/notify_props`, dan.token, { channel_id: general.id, user_id: dan.id, push: 'default' })).status, 200);
  await post(ada, general.id, '@dan back');
  assert.is(pushesFor(dan).length, 1);
});

test('online (live socket): no push; away or offline: push; dnd: never', async () => {
  const server = await new Promise<Server>((resolve) => {
    const s = serve({ fetch: t.server.app.fetch, hostname: '127.0.0.1', port: 0 }, () => resolve(s as Server)) as Server;
  });
  t.server.injectWebSocket(server);
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const sockets: { close(): Promise<unknown> }[] = [];
  try {
    const { c } = await connect(base, eve.token);
    sockets.push(c);
    // Wait for the stored status, which the push decision reads: GET /users/me/status already
    // answers "online" from the live socket before presence has written the row (the CI failure:
    // "@eve while online" pushed because the row was not there yet).
    await until(async () => (await t.deps.db.query<{ status: string }>('select status from user_status where user_id = $1', [eve.id]))[0]?.status === 'online' || undefined, 'eve online');
    const before = pushesFor(eve).length;
    await post(ada, general.id, '@eve while online');
    await post(ada, await dm(ada, eve), 'dm while online');
    // Say which push it was and what the stored status said if one comes through anyway.
    const extra = pushesFor(eve).slice(before);
    if (extra.length) {
      const st = await t.deps.db.query('select status, manual, last_activity_at from user_status where user_id = $1', [eve.id]);
      assert.unreachable(`pushed while online: ${JSON.stringify(extra.map((p) => p.body))}; status now ${JSON.stringify(st)}`);
    }
    assert.is((await t.req('PUT', '/api/v1/users/me/status', { token: eve.token, body: { status: 'away' } })).status, 200);
    await post(ada, general.id, '@eve while away');
    assert.is(pushesFor(eve).length, before + 1);
    assert.is((await t.req('PUT', '/api/v1/users/me/status', { token: eve.token, body: { status: 'dnd' } })).status, 200);
    await post(ada, general.id, '@eve dnd');
    await post(ada, await dm(ada, eve), 'dm dnd');
    assert.is(pushesFor(eve).length, before + 1);
    // push_status "online": pushed even while online.
    assert.is((await t.req('PUT', '/api/v1/users/me/status', { token: eve.token, body: { status: 'online' } })).status, 200);
    assert.is((await mm('PUT', '/users/me/patch', eve.token, { notify_props: { push_status: 'online' } })).status, 200);
    await post(ada, general.id, '@eve online but push_status online');
    assert.is(pushesFor(eve).length, before + 2);
  } finally {
    for (const c of sockets) await c.close();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
});

test('push levels: "all" pushes every post (generic text in no mode but full); "none" nothing; group messages count as all', async () => {
  assert.is((await mm('PUT', '/users/me/patch', fay.token, { notify_props: { push: 'all' } })).status, 200);
  const before = pushesFor(fay).length;
  await post(ada, general.id, 'plain post, no mention');
  const got = pushesFor(fay).slice(before);
  assert.is(got.length, 1);
  assert.is(got[0]!.body.message, '@ada: plain post, no mention');
  assert.is((await mm('PUT', '/users/me/patch', fay.token, { notify_props: { push: 'none' } })).status, 200);
  await post(ada, general.id, '@fay none?');
  assert.is(pushesFor(fay).length, before + 1);
  assert.is((await mm('PUT', '/users/me/patch', fay.token, { notify_props: { push: 'mention' } })).status, 200);
  const g = (await t.req('POST', '/api/v4/channels/group', { token: ada.token, body: [ada.id, fay.id, gil.id] })).body.id;
  await post(ada, g, 'group hello');
  const last = pushesFor(fay).at(-1)!.body;
  assert.is(last.message, '@ada: group hello');
  assert.is(last.channel_name, '@ada, @gil', 'the other members');
  assert.is(pushesFor(gil).at(-1)!.body.channel_name, '@ada, @fay');
});

test('a reply in a followed thread (collapsed threads on): pushed as a thread reply', async () => {
  await t.req('PUT', `/api/v4/users/${gil.id}/preferences`, { token: gil.token, body: [{ user_id: gil.id, category: 'display_settings', name: 'collapsed_reply_threads', value: 'on' }] });
  const root = await post(gil, general.id, 'a question from gil');
  const before = pushesFor(gil).length;
  await post(ada, general.id, 'an answer', { root_id: root.id });
  const got = pushesFor(gil).slice(before);
  assert.is(got.length, 1, 'the root author follows the thread');
  assert.is(got[0]!.body.root_id, root.id);
  assert.is(got[0]!.body.channel_name, 'Reply in General');
  assert.is(got[0]!.body.is_crt_enabled, true);
  // Reading the thread on another device clears it on this one (root_id names the thread).
  const other = await newSession(gil);
  const clears = pushesFor(gil, 'clear').length;
  const read = await mm('PUT', `/users/${gil.id}/teams/${team.id}/threads/${root.id}/read/${Date.now()}`, other.token);
  assert.is(read.status, 200, JSON.stringify(read.body));
  await t.deps.services.push.idle();
  const c = pushesFor(gil, 'clear').slice(clears);
  assert.is(c.length, 1);
  assert.is(c[0]!.body.root_id, root.id);
  assert.is(c[0]!.body.channel_id, general.id);
  assert.is(c[0]!.body.is_crt_enabled, true);
  await mm('PUT', `/users/${gil.id}/teams/${team.id}/threads/${root.id}/read/${Date.now()}`, other.token);
  await t.deps.services.push.idle();
  assert.is(pushesFor(gil, 'clear').length, clears + 1, 'nothing unread: no clear');
  // Without collapsed threads a reply that does not mention the user sends nothing.
  const hb = pushesFor(hal).length;
  const hroot = await post(hal, general.id, 'hal asks');
  await post(ada, general.id, 'reply to hal', { root_id: hroot.id });
  assert.is(pushesFor(hal).length, hb);
});

test('reading the channel elsewhere sends a "clear" push to the other devices, not the reading session', async () => {
  const other = await newSession(bob);
  const otherToken = 'tok-bob-second-device';
  await register(bob, device(bob, otherToken), other.token);
  await post(ada, general.id, '@bob one more');
  assert.is(proxy.to(otherToken).length, 1, 'both devices get the mention');
  const cleared = pushesFor(bob, 'clear').length;
  const r = await mm('POST', '/channels/members/me/view', other.token, { channel_id: general.id });
  assert.is(r.status, 200);
  await t.deps.services.push.idle();
  const clears = pushesFor(bob, 'clear').slice(cleared);
  assert.is(clears.length, 1);
  assert.is(proxy.to(otherToken, 'clear').length, 0);
  const c = clears[0]!.body;
  assert.is(c.channel_id, general.id);
  assert.is(c.cont_ava, 1);
  assert.is(c.version, 'v2');
  assert.not.ok('badge' in c, 'badge 0 is left out (omitempty)');
  // Nothing to clear: no push.
  await mm('POST', '/channels/members/me/view', other.token, { channel_id: general.id });
  await t.deps.services.push.idle();
  assert.is(pushesFor(bob, 'clear').length, cleared + 1);
  await t.deps.db.query(`update sessions set device_id = '' where id = $1`, [other.id]);
});

test('logout removes the device: no push to a logged-out session', async () => {
  const s = await newSession(hal);
  await register(hal, device(hal, 'tok-hal-phone-2'), s.token);
  const before = pushesFor(hal).length;
  await post(ada, general.id, '@hal before logout');
  assert.is(proxy.to('tok-hal-phone-2').length, 1);
  assert.is((await mm('POST', '/users/logout', s.token)).status, 200);
  await post(ada, general.id, '@hal after logout');
  assert.is(proxy.to('tok-hal-phone-2').length, 1);
  assert.is(pushesFor(hal).length, before + 2, 'the other session still gets them');
});

test('a device the proxy reports gone (REMOVE) is taken off its session; a proxy FAIL is not', async () => {
  const s = await newSession(cy);
  await register(cy, 'android_rn-v2:gone-token', s.token);
  const f = await newSession(cy);
  await register(cy, 'android_rn-v2:fail-token', f.token);
  await post(ada, general.id, '@cy are you there');
  assert.is(proxy.to('gone-token').length, 1);
  assert.is(await sessionDevice(s.id), '');
  assert.is(await sessionDevice(f.id), 'android_rn-v2:fail-token');
  assert.is(t.deps.services.push.stats.removed, 1);
  await post(ada, general.id, '@cy again');
  assert.is(proxy.to('gone-token').length, 1, 'not tried again');
  assert.is(proxy.to('fail-token').length, 2);
  await t.deps.db.query(`update sessions set device_id = '' where id = $1`, [f.id]);
});

test('a proxy that cannot be reached is tried again; the push arrives once', async () => {
  proxy.failNext(1);
  const before = pushesFor(bob).length;
  await post(ada, general.id, '@bob through a hiccup');
  assert.is(proxy.refused, 1);
  assert.is(pushesFor(bob).length, before + 1);
  const metrics = await t.req('GET', '/metrics', { ip: '127.0.0.1' });
  assert.match(metrics.body, /rustchat_push_sent_total\{type="message"\} \d+/);
  assert.match(metrics.body, /rustchat_push_retried_total 1/);
  assert.match(metrics.body, /rustchat_push_failed_total\{reason="device_removed"\} 1/);
});

test('system/ping: CanReceiveNotifications "true" with a proxy, "false" for a gone device or without a proxy, "unknown" when it cannot tell', async () => {
  const ping = async (q: string) => (await t.req('GET', `/api/v4/system/ping${q}`)).body;
  const before = proxy.pushes.length;
  assert.is((await ping(`?device_id=${encodeURIComponent(device(bob))}`)).CanReceiveNotifications, 'true');
  const test_ = proxy.pushes.at(-1)!.body;
  assert.is(test_.type, 'test');
  assert.is(test_.platform, 'apple_rn-v2');
  assert.is(test_.device_id, tokenOf(bob));
  assert.is(test_.badge, -1);
  assert.is((await ping(`?device_id=${encodeURIComponent(device(bob))}`)).CanReceiveNotifications, 'true');
  assert.is(proxy.pushes.length, before + 1, 'answer reused for a minute');
  assert.is((await ping('?device_id=apple_rn-v2:gone-x')).CanReceiveNotifications, 'false');
  assert.is((await ping('?device_id=android_rn-v2:fail-x')).CanReceiveNotifications, 'unknown');
  assert.is((await ping('?device_id=garbage')).CanReceiveNotifications, 'unknown');
  assert.not.ok('CanReceiveNotifications' in (await ping('')));
  // The same database without a proxy configured: "false", and the apps are told push is off.
  const off = withServices({ config: testConfig(), db: t.deps.db, bus: createMemoryBus(), log: silentLogger, now: Date.now, jwtKey: t.deps.jwtKey });
  const app = createServer(off).app;
  const body = await (await app.request(`/api/v4/system/ping?device_id=${encodeURIComponent(device(bob))}`)).json();
  assert.is(body.CanReceiveNotifications, 'false');
  const config = await (await app.request('/api/v4/config/client?format=old', { headers: { authorization: `Bearer ${bob.token}` } })).json();
  assert.is(config.SendPushNotifications, 'false');
  assert.not.ok('AsymmetricSigningPublicKey' in config);
  const ack = await app.request('/api/v4/notifications/ack', { method: 'POST', headers: { authorization: `Bearer ${bob.token}`, 'content-type': 'application/json' }, body: JSON.stringify({ id: newId(), type: 'message', platform: 'ios' }) });
  assert.is(ack.status, 501);
  await off.services.close();
});

test("a webhook's post: its override name and icon follow the console's switches (runtime settings), not the file", async () => {
  const root = await fxUser(t.deps, { admin: true });
  const setOverrides = async (on: boolean | null) => {
    const r = await t.req('PATCH', '/api/v1/admin/integration-settings', { token: root.token, body: { enable_post_username_override: on, enable_post_icon_override: on } });
    assert.is(r.status, 200, JSON.stringify(r.body));
  };
  const hook = await mm('POST', '/hooks/incoming', ada.token, { channel_id: general.id, display_name: 'CI' });
  assert.is(hook.status, 201, JSON.stringify(hook.body));
  const fire = async (text: string) => {
    const before = pushesFor(bob).length;
    const r = await t.req('POST', `/hooks/${hook.body.id}`, { body: { text, username: 'ci-bot', icon_url: 'https://ci.example.com/icon.png' } });
    assert.is(r.status, 200, JSON.stringify(r.body));
    await t.deps.services.push.idle();
    const got = pushesFor(bob).slice(before);
    assert.is(got.length, 1);
    return got[0]!.body;
  };
  try {
    // The file has both off (the default); an admin turns them on in the console.
    await setOverrides(true);
    const on = await fire('@bob build 41 failed');
    assert.is(on.sender_name, 'ci-bot');
    assert.is(on.override_username, 'ci-bot');
    assert.is(on.override_icon_url, 'https://ci.example.com/icon.png');
    assert.is(on.from_webhook, 'true');
    assert.is(on.message, 'ci-bot: @bob build 41 failed');
    // The id_loaded receipt builds the same notification later: by then the admin turned them off.
    await setOverrides(false);
    const ack = await mm('POST', '/notifications/ack', bob.token, { id: newId(), type: 'message', platform: 'ios', post_id: on.post_id, is_id_loaded: true });
    assert.is(ack.status, 200, JSON.stringify(ack.body));
    assert.is(ack.body.sender_name, '@ada', 'the stored override is no longer shown');
    assert.not.ok('override_username' in ack.body || 'override_icon_url' in ack.body);
    const off = await fire('@bob build 42 failed');
    assert.is(off.sender_name, '@ada');
    assert.not.ok('override_username' in off || 'override_icon_url' in off);
  } finally {
    await setOverrides(null);
  }
});

test('id_loaded: the push carries ids only; the ack answers the notification to a member and nobody else', async () => {
  const idl = withServices({ config: testConfig({ 'push.proxy_url': proxy.url, 'push.contents': 'id_loaded' }), db: t.deps.db, bus: createMemoryBus(), log: silentLogger, now: Date.now, jwtKey: t.deps.jwtKey });
  const app = createServer(idl).app;
  const call = async (method: string, path: string, token: string, body?: unknown) => {
    const r = await app.request(path, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json; charset=utf-8' }, body: body === undefined ? undefined : JSON.stringify(body) });
    return { status: r.status, body: await r.json(), type: r.headers.get('content-type') };
  };
  const before = pushesFor(bob).length;
  const r = await call('POST', `/api/v1/channels/${general.id}/posts`, ada.token, { message: '@bob the launch code is swordfish' });
  assert.is(r.status, 201);
  await idl.services.push.idle();
  const got: RecordedPush[] = pushesFor(bob).slice(before);
  assert.is(got.length, 1);
  const b = got[0]!.body;
  assert.not.ok(got[0]!.raw.includes('swordfish'), 'the text never leaves the server');
  assert.not.ok('channel_name' in b || 'sender_name' in b, 'nor names');
  assert.is(b.is_id_loaded, true);
  assert.is(b.message, "You've received a new message.");
  assert.is(b.post_id, r.body.id);
  assert.is(b.channel_id, general.id);
  assert.is(b.category, 'CAN_REPLY');
  // The app's receipt (iOS sends this content type) fetches the notification.
  const ack = await call('POST', '/api/v4/notifications/ack', bob.token, { id: b.ack_id, received_at: Date.now(), platform: 'ios', type: 'message', post_id: b.post_id, is_id_loaded: true });
  assert.is(ack.status, 200);
  assert.is(ack.type, 'application/json');
  assert.is(ack.body.message, '@ada: @bob the launch code is swordfish');
  assert.is(ack.body.channel_name, 'General');
  assert.is(ack.body.sender_name, '@ada');
  assert.is(ack.body.post_id, b.post_id);
  await until(async () => proxy.acks.find((a) => a.body.id === b.ack_id), 'ack passed on to the proxy');
  assert.is(proxy.acks.find((a) => a.body.id === b.ack_id)!.body.is_id_loaded, true);
  // Not a member of the channel (a private one): refused, nothing told.
  const priv = await fxChannel(t.deps, team.id, ada, { type: 'P', name: 'secret', members: [cy] });
  const pr = await call('POST', `/api/v1/channels/${priv.id}/posts`, ada.token, { message: '@cy private words' });
  await idl.services.push.idle();
  const refused = await call('POST', '/api/v4/notifications/ack', bob.token, { id: newId(), type: 'message', platform: 'android', post_id: pr.body.id, is_id_loaded: true });
  assert.ok(refused.status === 403 || refused.status === 404, String(refused.status));
  assert.not.ok(JSON.stringify(refused.body).includes('private words'));
  // A plain receipt answers OK.
  const plain = await call('POST', '/api/v4/notifications/ack', bob.token, { id: newId(), type: 'message', platform: 'android', post_id: b.post_id, is_id_loaded: false });
  assert.equal(plain.body, { status: 'OK' });
  const bad = await call('POST', '/api/v4/notifications/ack', bob.token, { id: 5 });
  assert.is(bad.status, 400);
  await idl.services.close();
});

test.after(async () => {
  await t.close();
  await proxy.close();
});

test.run();
