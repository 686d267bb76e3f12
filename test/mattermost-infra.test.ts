/**
 * /api/v4 plumbing through app.request: headers, error shape, the three ways to send a token,
 * the cookie CSRF rule, 501 for unknown routes, client config, preferences and their events.
 * (The real Mattermost client drives a server process in mattermost-client.test.ts.)
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { testApp, type TestContext } from './app.ts';
import { fxChannel, fxTeam, fxUser, type FxUser } from './fixtures.ts';
import { createUser } from '../src/actions/accounts.ts';
import { CLI_ACTOR } from '../src/actions/audit.ts';
import { readSiteSettings, siteSettings } from '../src/actions/settings.ts';
import { SETTINGS_CACHE_MS } from '../src/actions/setting-group.ts';

let t: TestContext;
let alice: FxUser;
let bob: FxUser;
let admin: FxUser;

test.before(async () => {
  t = await testApp({ config: { 'site.name': 'Acme Chat', 'files.max_upload_bytes': 12345, 'auth.open_signup': false } });
  alice = await fxUser(t.deps);
  bob = await fxUser(t.deps);
  admin = await fxUser(t.deps, { admin: true });
});
test.after(() => t.close());

function assertMmHeaders(h: Headers) {
  assert.is(h.get('content-type'), 'application/json');
  assert.ok(h.get('x-request-id'));
  assert.match(h.get('x-version-id') ?? '', /^\d+\.\d+\.\d+\./);
}

test('ping: no auth, exact JSON content type, request and version ids', async () => {
  const r = await t.req('GET', '/api/v4/system/ping');
  assert.is(r.status, 200);
  assert.is(r.body.status, 'OK');
  assertMmHeaders(r.headers);
  const s = await t.req('GET', '/api/v4/system/ping?get_server_status=true');
  assert.is(s.body.database_status, 'OK');
});

test('client config and license reflect the configuration', async () => {
  const cfg = () => t.req('GET', '/api/v4/config/client?format=old', { token: alice.token });
  const r = await cfg();
  assert.is(r.status, 200);
  assertMmHeaders(r.headers);
  assert.is(r.body.SiteName, 'Acme Chat');
  assert.is(r.body.MaxFileSize, '12345');
  assert.is(r.body.EnableSignUpWithEmail, 'false');
  assert.is(r.body.ExperimentalEnablePostMetadata, 'true');
  for (const v of Object.values(r.body)) assert.type(v, 'string');
  const l = await t.req('GET', '/api/v4/license/client?format=old');
  assert.equal(l.body, { IsLicensed: 'false' });
  // Runtime site settings (admin API) win over the file, here too.
  const patch = await t.req('PATCH', '/api/v1/admin/config', { token: admin.token, body: { site_name: 'Renamed Chat', open_signup: true } });
  assert.is(patch.status, 200, JSON.stringify(patch.body));
  const after = await cfg();
  assert.is(after.body.SiteName, 'Renamed Chat');
  assert.is(after.body.EnableSignUpWithEmail, 'true');
  await t.req('PATCH', '/api/v1/admin/config', { token: admin.token, body: { site_name: null, open_signup: null } });
  assert.is((await cfg()).body.SiteName, 'Acme Chat');
  // EmailSettings.SendEmailNotifications: email.send_notifications, on by default, an admin's switch.
  assert.is(after.body.SendEmailNotifications, 'true');
  const off = await t.req('PATCH', '/api/v1/admin/email-settings', { token: admin.token, body: { send_notifications: false } });
  assert.is(off.status, 200, JSON.stringify(off.body));
  assert.is((await cfg()).body.SendEmailNotifications, 'false');
  await t.req('PATCH', '/api/v1/admin/email-settings', { token: admin.token, body: { send_notifications: null } });
  assert.is((await cfg()).body.SendEmailNotifications, 'true');
  const bad = await t.req('GET', '/api/v4/config/client');
  assert.is(bad.status, 501);
  assert.is(bad.body.status_code, 501);
});

test('client config: site name and open sign-up come from the settings cache — no query per request, a change seen at once here and within the bound elsewhere', async () => {
  const cfg = async (token?: string) => (await t.req('GET', '/api/v4/config/client?format=old', { token })).body;
  const db = t.deps.db;
  const query = db.query;
  const seen: string[] = [];
  db.query = ((sql: string, params?: readonly unknown[]) => {
    if (/site_settings/.test(sql)) seen.push(sql);
    return query.call(db, sql, params);
  }) as typeof db.query;
  try {
    await cfg(alice.token); // fills the caches
    seen.length = 0;
    for (let i = 0; i < 5; i++) {
      assert.is((await cfg(alice.token)).SiteName, 'Acme Chat');
      assert.is((await cfg()).EnableSignUpWithEmail, 'false');
    }
    assert.equal(seen, [], 'no site_settings query while the cache is fresh');
  } finally {
    db.query = query;
  }
  // An admin's change here drops this process's cache: the next request shows it.
  assert.is((await t.req('PATCH', '/api/v1/admin/config', { token: admin.token, body: { site_name: 'Cached Chat' } })).status, 200);
  assert.is((await cfg()).SiteName, 'Cached Chat');
  // A change made by another process (the row written directly) is seen once the entry is older than the bound.
  await t.deps.db.query(`update site_settings set value = '"Elsewhere Chat"'::jsonb where key = 'site_name'`);
  assert.is((await siteSettings(t.deps)).site_name, 'Cached Chat', 'still the cached value');
  const later = { ...t.deps, now: () => Date.now() + SETTINGS_CACHE_MS };
  assert.is((await siteSettings(later)).site_name, 'Elsewhere Chat');
  assert.equal((await readSiteSettings(t.deps)).overridden, ['site_name'], 'the console reads the table itself');
  await t.req('PATCH', '/api/v1/admin/config', { token: admin.token, body: { site_name: null } });
  assert.is((await cfg()).SiteName, 'Acme Chat');
});

test('client config: the integration switches follow the admin\'s runtime settings', async () => {
  const cfg = async () => (await t.req('GET', '/api/v4/config/client?format=old', { token: alice.token })).body;
  const set = async (body: Record<string, unknown>) => {
    const r = await t.req('PATCH', '/api/v1/admin/integration-settings', { token: admin.token, body });
    assert.is(r.status, 200, JSON.stringify(r.body));
  };
  // [client config key, integrations.* setting, the file's default, the value to flip to, the key's value then]
  const cases: [string, string, string, unknown, string][] = [
    ['EnableIncomingWebhooks', 'enable_incoming_webhooks', 'true', false, 'false'],
    ['EnableOutgoingWebhooks', 'enable_outgoing_webhooks', 'true', false, 'false'],
    ['EnableCommands', 'enable_commands', 'true', false, 'false'],
    ['EnablePostUsernameOverride', 'enable_post_username_override', 'false', true, 'true'],
    ['EnablePostIconOverride', 'enable_post_icon_override', 'false', true, 'true'],
    ['EnableOnlyAdminIntegrations', 'members_manage_integrations', 'true', true, 'false'],
    ['EnableUserAccessTokens', 'personal_access_tokens', 'true', 'off', 'false'],
    ['EnableBotAccountCreation', 'enable_bot_accounts', 'true', false, 'false'],
  ];
  const before = await cfg();
  for (const [key, , def] of cases) assert.is(before[key], def, key);
  for (const [key, setting, def, flip, flipped] of cases) {
    await set({ [setting]: flip });
    const now = await cfg();
    assert.is(now[key], flipped, `${key} after ${setting} = ${JSON.stringify(flip)}`);
    // Only that key moved.
    for (const [other, , otherDef] of cases) if (other !== key) assert.is(now[other], otherDef, `${other} while ${setting} is flipped`);
    await set({ [setting]: null });
    assert.is((await cfg())[key], def, `${key} after ${setting} is reset`);
  }
  await set({ personal_access_tokens: 'everyone' });
  assert.is((await cfg()).EnableUserAccessTokens, 'true');
  await set({ personal_access_tokens: null });
});

test('client config: before login only the limited keys (Mattermost\'s GenerateLimitedClientConfig)', async () => {
  const url = '/api/v4/config/client?format=old';
  // Keys of the signed-in config only: the integration switches, limits, notification switches.
  const signedInOnly = [
    'EnableIncomingWebhooks', 'EnableOutgoingWebhooks', 'EnableCommands', 'EnablePostUsernameOverride', 'EnablePostIconOverride',
    'EnableOnlyAdminIntegrations', 'EnableUserAccessTokens', 'MaxFileSize', 'MaxPostSize', 'SessionLengthWebInHours',
    'SessionLengthMobileInHours', 'SendEmailNotifications', 'SendPushNotifications', 'CollapsedThreads', 'ExperimentalEnablePostMetadata',
  ];
  const full = (await t.req('GET', url, { token: alice.token })).body;
  for (const k of signedInOnly) assert.type(full[k], 'string', `${k} in the signed-in config`);
  const anon = await t.req('GET', url);
  const expired = await t.req('GET', url, { token: 'not-a-token' });
  const cookie = await t.req('GET', url, { headers: { cookie: `MMAUTHTOKEN=${alice.token}` } });
  assert.is(anon.status, 200);
  assert.is(expired.status, 200, 'a dead token gets the limited config, not a 401');
  assertMmHeaders(anon.headers);
  assert.equal(expired.body, anon.body);
  assert.equal(cookie.body, full, 'a cookie session is signed in too');
  for (const k of signedInOnly) assert.not.ok(k in anon.body, `${k} before login`);
  // What the login screen needs is there, and every limited key has the signed-in value.
  for (const k of ['Version', 'SiteName', 'EnableSignUpWithEmail', 'EnableMultifactorAuthentication', 'EnableSignUpWithOpenId', 'PasswordMinimumLength']) assert.type(anon.body[k], 'string', k);
  for (const [k, v] of Object.entries(anon.body)) assert.is(full[k], v, k);
});

test('unknown route: 501 in Mattermost shape', async () => {
  const r = await t.req('GET', '/api/v4/groups', { token: alice.token });
  assert.is(r.status, 501);
  assertMmHeaders(r.headers);
  assert.is(r.body.id, 'api.context.not_implemented.app_error');
  assert.is(r.body.status_code, 501);
  assert.is(r.body.detailed_error, '');
  assert.is(r.body.request_id, r.headers.get('x-request-id'));
});

test('unknown route without a token: still 501, not 401', async () => {
  const r = await t.req('GET', '/api/v4/groups');
  assert.is(r.status, 501);
  assert.is(r.body.id, 'api.context.not_implemented.app_error');
});

test('no token / bad token: 401 session_expired shape', async () => {
  for (const headers of [{}, { authorization: 'Bearer nope' }, { authorization: 'Basic abc' }] as Record<string, string>[]) {
    const r = await t.req('GET', '/api/v4/users/me/preferences', { headers });
    assert.is(r.status, 401);
    assertMmHeaders(r.headers);
    assert.is(r.body.id, 'api.context.session_expired.app_error');
    assert.is(r.body.status_code, 401);
  }
});

test('token accepted as BEARER, bearer, token, Token header', async () => {
  for (const headers of [
    { authorization: `BEARER ${alice.token}` },
    { authorization: `bearer ${alice.token}` },
    { authorization: `Token ${alice.token}` },
    { token: alice.token },
  ] as Record<string, string>[]) {
    const r = await t.req('GET', '/api/v4/users/me/preferences', { headers });
    assert.is(r.status, 200, JSON.stringify(headers).slice(0, 20));
    assert.equal(r.body, []);
  }
});

test('cookie sessions: GET passes, writes need X-Requested-With or a matching CSRF token', async () => {
  const cookie = `MMAUTHTOKEN=${alice.token}; MMCSRF=csrf123`;
  const pref = [{ user_id: alice.id, category: 'display_settings', name: 'use_military_time', value: 'true' }];
  const get = await t.req('GET', '/api/v4/users/me/preferences', { headers: { cookie } });
  assert.is(get.status, 200);
  const noCsrf = await t.req('PUT', `/api/v4/users/${alice.id}/preferences`, { headers: { cookie }, body: pref });
  assert.is(noCsrf.status, 401);
  const wrong = await t.req('PUT', `/api/v4/users/${alice.id}/preferences`, { headers: { cookie, 'x-csrf-token': 'other' }, body: pref });
  assert.is(wrong.status, 401);
  const ok1 = await t.req('PUT', `/api/v4/users/${alice.id}/preferences`, { headers: { cookie, 'x-csrf-token': 'csrf123' }, body: pref });
  assert.is(ok1.status, 200);
  const ok2 = await t.req('PUT', `/api/v4/users/${alice.id}/preferences`, { headers: { cookie, 'x-requested-with': 'XMLHttpRequest' }, body: pref });
  assert.is(ok2.status, 200);
});

test('preferences: save, read by category and name, delete; events only to the user', async () => {
  t.takeEvents();
  const prefs = [
    { user_id: alice.id, category: 'direct_channel_show', name: bob.id, value: 'true' },
    { user_id: alice.id, category: 'favorite_channel', name: 'x', value: 'true' },
  ];
  const put = await t.req('PUT', `/api/v4/users/me/preferences`, { token: alice.token, body: prefs });
  assert.is(put.status, 200);
  assert.equal(put.body, { status: 'OK' });
  const ev = t.takeEvents();
  assert.is(ev.length, 1);
  assert.is(ev[0].event, 'preferences_changed');
  assert.equal(ev[0].broadcast.user_ids, [alice.id]);
  assert.equal(ev[0].data.preferences, prefs);

  const all = await t.req('GET', '/api/v4/users/me/preferences', { token: alice.token });
  assert.ok(all.body.some((p: any) => p.category === 'direct_channel_show' && p.name === bob.id && p.value === 'true'));
  const cat = await t.req('GET', '/api/v4/users/me/preferences/favorite_channel', { token: alice.token });
  assert.equal(cat.body, [prefs[1]]);
  const one = await t.req('GET', `/api/v4/users/${alice.id}/preferences/favorite_channel/name/x`, { token: alice.token });
  assert.equal(one.body, prefs[1]);
  const missing = await t.req('GET', `/api/v4/users/${alice.id}/preferences/favorite_channel/name/nope`, { token: alice.token });
  assert.is(missing.status, 404);

  // Overwrite keeps one row.
  await t.req('PUT', `/api/v4/users/me/preferences`, { token: alice.token, body: [{ ...prefs[1], value: 'false' }] });
  const cat2 = await t.req('GET', '/api/v4/users/me/preferences/favorite_channel', { token: alice.token });
  assert.equal(cat2.body, [{ ...prefs[1], value: 'false' }]);
  t.takeEvents();

  const del = await t.req('POST', `/api/v4/users/me/preferences/delete`, { token: alice.token, body: [prefs[1]] });
  assert.is(del.status, 200);
  const dev = t.takeEvents();
  assert.is(dev[0].event, 'preferences_deleted');
  assert.equal(dev[0].broadcast.user_ids, [alice.id]);
  const cat3 = await t.req('GET', '/api/v4/users/me/preferences/favorite_channel', { token: alice.token });
  assert.equal(cat3.body, []);
});

test('preferences: other users are 403 (admin allowed), bad bodies 400, nothing written', async () => {
  t.takeEvents();
  const p = [{ user_id: alice.id, category: 'c', name: 'n', value: 'v' }];
  const r = await t.req('PUT', `/api/v4/users/${alice.id}/preferences`, { token: bob.token, body: p });
  assert.is(r.status, 403);
  assert.is(r.body.id, 'api.context.permissions.app_error');
  const g = await t.req('GET', `/api/v4/users/${alice.id}/preferences`, { token: bob.token });
  assert.is(g.status, 403);
  // user_id in the body must match the path
  const mismatch = await t.req('PUT', `/api/v4/users/me/preferences`, { token: bob.token, body: p });
  assert.is(mismatch.status, 400);
  assert.is(mismatch.body.status_code, 400);
  for (const body of [{}, [], [{ user_id: bob.id, category: 'x'.repeat(33), name: 'n', value: 'v' }], 'str']) {
    const b = await t.req('PUT', `/api/v4/users/me/preferences`, { token: bob.token, body });
    assert.is(b.status, 400, JSON.stringify(body));
    assert.is(b.body.id, 'api.context.invalid_body_param.app_error');
  }
  const notJson = await t.req('PUT', `/api/v4/users/me/preferences`, { token: bob.token, raw: '{nope', headers: { 'content-type': 'application/json' } });
  assert.is(notJson.status, 400);
  const badId = await t.req('GET', `/api/v4/users/nope/preferences`, { token: bob.token });
  assert.is(badId.status, 400);
  assert.is(badId.body.id, 'api.context.invalid_url_param.app_error');
  assert.is(t.takeEvents().length, 0);
  const adm = await t.req('PUT', `/api/v4/users/${alice.id}/preferences`, { token: admin.token, body: p });
  assert.is(adm.status, 200);
  const got = await t.req('GET', `/api/v4/users/${alice.id}/preferences/c`, { token: alice.token });
  assert.equal(got.body, p);
});

test('body over the limit: 413 in Mattermost shape', async () => {
  const big = JSON.stringify([{ user_id: alice.id, category: 'c', name: 'n', value: 'x'.repeat(2 * 1024 * 1024) }]);
  const r = await t.req('PUT', '/api/v4/users/me/preferences', { token: alice.token, raw: big, headers: { 'content-type': 'application/json', 'content-length': String(big.length) } });
  assert.is(r.status, 413);
  assertMmHeaders(r.headers);
  assert.is(r.body.status_code, 413);
});

test('users: by usernames, search, autocomplete, patch, default image', async () => {
  const team = await fxTeam(t.deps, alice, { members: [bob] });
  const ch = await fxChannel(t.deps, team.id, alice, { type: 'O' });
  const byName = await t.req('POST', '/api/v4/users/usernames', { token: alice.token, body: [bob.username, bob.username.toUpperCase(), 'nobody-here'] });
  assert.is(byName.status, 200);
  assert.equal(byName.body.map((u: any) => u.id), [bob.id]);
  assert.is(byName.body[0].email, '', 'no email of others');
  const search = await t.req('POST', '/api/v4/users/search', { token: alice.token, body: { term: bob.username.slice(0, 5), team_id: team.id } });
  assert.ok(search.body.some((u: any) => u.id === bob.id));
  const ac = await t.req('GET', `/api/v4/users/autocomplete?in_team=${team.id}&in_channel=${ch.id}&name=`, { token: alice.token });
  assert.equal(ac.body.users.map((u: any) => u.id), [alice.id]);
  assert.ok(ac.body.out_of_channel.some((u: any) => u.id === bob.id));
  const patched = await t.req('PUT', '/api/v4/users/me/patch', { token: bob.token, body: { first_name: 'Bob', last_name: 'B', timezone: { useAutomaticTimezone: 'false', manualTimezone: 'Europe/Paris' } } });
  assert.is(patched.status, 200, JSON.stringify(patched.body));
  assert.is(patched.body.first_name, 'Bob');
  assert.equal(patched.body.timezone, { useAutomaticTimezone: 'false', automaticTimezone: '', manualTimezone: 'Europe/Paris' });
  const other = await t.req('PUT', `/api/v4/users/${alice.id}/patch`, { token: bob.token, body: { first_name: 'Mallory' } });
  assert.is(other.status, 403);
  const img = await t.req('GET', `/api/v4/users/${bob.id}/image`, { token: alice.token });
  assert.is(img.status, 200);
  assert.is(img.headers.get('content-type'), 'image/png');
  assert.ok(img.headers.get('x-version-id'));
  const un = await t.req('GET', `/api/v4/users/username/${bob.username}`, { token: alice.token });
  assert.is(un.body.id, bob.id);
  assert.is((await t.req('GET', '/api/v4/users/username/nobody-at-all', { token: alice.token })).status, 404);
  // Member roles: Mattermost's space-separated list onto our one role.
  await t.req('POST', `/api/v4/channels/${ch.id}/members`, { token: alice.token, body: { user_id: bob.id } });
  const promote = await t.req('PUT', `/api/v4/channels/${ch.id}/members/${bob.id}/roles`, { token: alice.token, body: { roles: 'channel_user channel_admin' } });
  assert.is(promote.status, 200, JSON.stringify(promote.body));
  assert.is((await t.req('GET', `/api/v4/channels/${ch.id}/members/${bob.id}`, { token: alice.token })).body.roles, 'channel_user channel_admin');
  const badRole = await t.req('PUT', `/api/v4/channels/${ch.id}/members/${bob.id}/roles`, { token: alice.token, body: { roles: 'system_admin' } });
  assert.is(badRole.status, 400);
  const teamRole = await t.req('PUT', `/api/v4/teams/${team.id}/members/${bob.id}/roles`, { token: bob.token, body: { roles: 'team_user team_admin' } });
  assert.is(teamRole.status, 403, 'a team user cannot promote themself');
  // Archived channels appear only with include_deleted=true.
  await t.req('DELETE', `/api/v4/channels/${ch.id}`, { token: alice.token });
  const live = await t.req('GET', `/api/v4/users/me/teams/${team.id}/channels`, { token: alice.token });
  assert.not.ok(live.body.some((x: any) => x.id === ch.id));
  const all = await t.req('GET', `/api/v4/users/me/teams/${team.id}/channels?include_deleted=true`, { token: alice.token });
  assert.ok(all.body.some((x: any) => x.id === ch.id && x.delete_at > 0));
  const tm = await t.req('GET', `/api/v4/teams/${team.id}/members/${bob.id}`, { token: alice.token });
  assert.is(tm.body.roles, 'team_user');
  const tmAdmin = await t.req('GET', `/api/v4/teams/${team.id}/members/me`, { token: alice.token });
  assert.is(tmAdmin.body.roles, 'team_user team_admin');
  assert.is((await t.req('GET', `/api/v4/teams/${team.id}/members/${bob.id}`, { token: admin.token })).status, 200);
  assert.is((await t.req('GET', `/api/v4/teams/${team.id}/members/${alice.id}`, { token: (await fxUser(t.deps)).token })).status, 403);
});

test('roles: the apps get permissions that match what the actions allow', async () => {
  const r = await t.req('POST', '/api/v4/roles/names', { token: alice.token, body: ['channel_user', 'team_user', 'system_user', 'made_up'] });
  assert.equal(r.body.map((x: any) => x.name).sort(), ['channel_user', 'system_user', 'team_user']);
  const cu = r.body.find((x: any) => x.name === 'channel_user');
  assert.ok(cu.permissions.includes('create_post'));
  assert.not.ok(cu.permissions.includes('delete_others_posts'));
  assert.is((await t.req('GET', '/api/v4/roles/name/made_up', { token: alice.token })).status, 404);
});

test('sidebar categories: derived from channels and favorite preferences until changed; only my own', async () => {
  const team = await fxTeam(t.deps, alice, { members: [bob] });
  const a = await fxChannel(t.deps, team.id, alice, { name: 'alpha' });
  const z = await fxChannel(t.deps, team.id, alice, { name: 'zulu' });
  await t.req('PUT', '/api/v4/users/me/preferences', { token: alice.token, body: [{ user_id: alice.id, category: 'favorite_channel', name: z.id, value: 'true' }] });
  const dm = await t.req('POST', '/api/v4/channels/direct', { token: alice.token, body: [alice.id, bob.id] });
  assert.is(dm.status, 201);
  const r = await t.req('GET', `/api/v4/users/me/teams/${team.id}/channels/categories`, { token: alice.token });
  assert.is(r.status, 200);
  const byType = Object.fromEntries(r.body.categories.map((c: any) => [c.type, c.channel_ids]));
  assert.equal(byType.favorites, [z.id]);
  assert.equal(byType.channels, [a.id]);
  assert.equal(byType.direct_messages, [dm.body.id]);
  assert.equal(r.body.order, r.body.categories.map((c: any) => c.id));
  // Changes are stored (test/mattermost-apps and src/http/v1/sidebar.test.ts cover them); bad ones are refused.
  const empty = await t.req('PUT', `/api/v4/users/me/teams/${team.id}/channels/categories`, { token: alice.token, body: [] });
  assert.is(empty.status, 400);
  const fav = r.body.categories.find((c: any) => c.type === 'favorites');
  const moved = await t.req('PUT', `/api/v4/users/me/teams/${team.id}/channels/categories`, { token: alice.token, body: [{ ...fav, channel_ids: [a.id, z.id] }] });
  assert.is(moved.status, 200, JSON.stringify(moved.body));
  assert.equal(moved.body[0].channel_ids, [a.id, z.id]);
  const others = await t.req('PUT', `/api/v4/users/${alice.id}/teams/${team.id}/channels/categories`, { token: bob.token, body: [fav] });
  assert.is(others.status, 403);
  assert.is((await t.req('GET', `/api/v4/users/${alice.id}/teams/${team.id}/channels/categories`, { token: bob.token })).status, 403);
});

test('login failures: 401 with the Mattermost id, then 429 with Retry-After', async () => {
  const ok = await t.req('POST', '/api/v4/users', { body: { email: 'x@example.com', username: 'xlogin', password: 'password123' } });
  // Sign-up is closed in this app's config (not the first account): 403 in Mattermost's shape.
  assert.is(ok.status, 403);
  assert.is(ok.body.id, 'api.user.create_user.signup_email_disabled.app_error');
  let last: any;
  for (let i = 0; i < 11; i++) last = await t.req('POST', '/api/v4/users/login', { body: { login_id: alice.username, password: `wrong-${i}-password` } });
  assert.is(last.status, 429);
  assert.is(last.body.id, 'api.context.rate_limit.app_error');
  assert.ok(Number(last.headers.get('retry-after')) > 0);
  assertMmHeaders(last.headers);
  const first = await t.req('POST', '/api/v4/users/login', { body: { login_id: 'nobody-here', password: 'whatever-password' } });
  assert.is(first.status, 401);
  assert.is(first.body.id, 'api.user.login.invalid_credentials_email_username');
});

test('posts since: more than one page of changes all come back, deleted ones included', async () => {
  const team = await fxTeam(t.deps, alice);
  const ch = await fxChannel(t.deps, team.id, alice);
  const t0 = t.deps.now() - 1;
  const ids: string[] = [];
  for (let i = 0; i < 230; i++) ids.push((await t.req('POST', '/api/v4/posts', { token: alice.token, body: { channel_id: ch.id, message: `p${i}` } })).body.id);
  await t.req('DELETE', `/api/v4/posts/${ids[0]}`, { token: alice.token });
  const r = await t.req('GET', `/api/v4/channels/${ch.id}/posts?since=${t0}`, { token: alice.token });
  assert.is(r.status, 200);
  assert.is(r.body.order.length, 230);
  assert.ok(r.body.posts[ids[0]].delete_at > 0);
  assert.equal([r.body.next_post_id, r.body.prev_post_id], ['', '']);
});

test('pending_post_id: 20 concurrent copies make one post', async () => {
  const team = await fxTeam(t.deps, alice);
  const ch = await fxChannel(t.deps, team.id, alice);
  t.takeEvents();
  const rs = await Promise.all(Array.from({ length: 20 }, () => t.req('POST', '/api/v4/posts', { token: alice.token, body: { channel_id: ch.id, message: 'once', pending_post_id: 'same-key' } })));
  for (const r of rs) assert.is(r.status, 201);
  assert.is(new Set(rs.map((r) => r.body.id)).size, 1);
  assert.is(rs[0].body.pending_post_id, 'same-key');
  assert.is(t.takeEvents().filter((e) => e.event === 'posted').length, 1);
});

test('own sessions: list (no tokens), revoke one, change password', async () => {
  const u = await fxUser(t.deps);
  const list = await t.req('GET', '/api/v4/users/me/sessions', { token: u.token });
  assert.is(list.status, 200);
  assert.is(list.body.length, 1);
  assert.is(list.body[0].token, '');
  assert.is(list.body[0].id, u.sessionId);
  assert.is((await t.req('GET', `/api/v4/users/${alice.id}/sessions`, { token: u.token })).status, 501);
  const rev = await t.req('POST', '/api/v4/users/me/sessions/revoke', { token: u.token, body: { session_id: u.sessionId } });
  assert.is(rev.status, 200);
  assert.is((await t.req('GET', '/api/v4/users/me', { token: u.token })).status, 401);
  await createUser(t.deps, CLI_ACTOR, { email: 'pw@example.com', username: 'pwuser', password: 'old password 1' });
  const login = () => t.req('POST', '/api/v4/users/login', { body: { login_id: 'pwuser', password: 'old password 1' } });
  const s1 = (await login()).headers.get('token')!;
  const s2 = (await login()).headers.get('token')!;
  const wrong = await t.req('PUT', '/api/v4/users/me/password', { headers: { authorization: `BEARER ${s1}` }, body: { current_password: 'not it at all', new_password: 'new password 123' } });
  assert.ok(wrong.status >= 400 && wrong.status < 500, String(wrong.status));
  const pw = await t.req('PUT', '/api/v4/users/me/password', { headers: { authorization: `BEARER ${s1}` }, body: { current_password: 'old password 1', new_password: 'new password 123' } });
  assert.is(pw.status, 200, JSON.stringify(pw.body));
  assert.is((await t.req('GET', '/api/v4/users/me', { headers: { authorization: `BEARER ${s1}` } })).status, 200, 'the changing session stays');
  assert.is((await t.req('GET', '/api/v4/users/me', { headers: { authorization: `BEARER ${s2}` } })).status, 401, 'the other sessions end');
  assert.is((await t.req('POST', '/api/v4/users/login', { body: { login_id: 'pwuser', password: 'new password 123' } })).status, 200);
});

test('channel search and autocomplete: public ones for all team members, private ones only for members', async () => {
  const team = await fxTeam(t.deps, alice, { members: [bob] });
  const pub = await fxChannel(t.deps, team.id, alice, { name: 'gardening-club' });
  const priv = await fxChannel(t.deps, team.id, alice, { name: 'gardening-secret', type: 'P' });
  const search = await t.req('POST', `/api/v4/teams/${team.id}/channels/search`, { token: bob.token, body: { term: 'garden' } });
  assert.equal(search.body.map((c: any) => c.id), [pub.id]);
  const acBob = await t.req('GET', `/api/v4/teams/${team.id}/channels/autocomplete?name=garden`, { token: bob.token });
  assert.equal(acBob.body.map((c: any) => c.id), [pub.id]);
  const acAlice = await t.req('GET', `/api/v4/teams/${team.id}/channels/autocomplete?name=garden`, { token: alice.token });
  assert.equal(acAlice.body.map((c: any) => c.id).sort(), [pub.id, priv.id].sort());
  const outsider = await fxUser(t.deps);
  assert.is((await t.req('POST', `/api/v4/teams/${team.id}/channels/search`, { token: outsider.token, body: { term: 'garden' } })).status, 403);
});

test.run();
