/**
 * Personal access tokens over both APIs: created (shown once, stored hashed), usable as a bearer
 * token on /api/v1 and /api/v4, listed without the secret, disabled, enabled and revoked, with
 * the settings that govern who may make them; revocation reaches another process at once through
 * the bus and within 1 s without it.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createHash } from 'node:crypto';
import { testApp } from '../../../test/app.ts';
import { fxUser } from '../../../test/fixtures.ts';
import { authenticate } from '../../actions/tokens.ts';
import { createMemoryBus } from '../../realtime/bus.ts';
import { withServices } from '../../boot.ts';
import { isControl } from '../../contract/events.ts';

let skew = 0;
let pinned: number | undefined;
const t = await testApp({ now: () => (pinned ?? Date.now()) + skew });
test.after.each(async () => {
  skew = 0;
  pinned = undefined;
  await t.req('PATCH', '/api/v1/admin/integration-settings', { token: admin.token, body: { personal_access_tokens: null, enable_bot_accounts: null } });
});

const admin = await fxUser(t.deps, { admin: true });
const code = (r: { body: any }) => r.body?.error?.code;
const me = (token: string) => t.req('GET', '/api/v1/auth/me', { token });
const mmMe = (token: string) => t.req('GET', '/api/v4/users/me', { token });

async function rejects(fn: () => Promise<unknown>, check: (e: any) => boolean) {
  try {
    await fn();
  } catch (e) {
    assert.ok(check(e), `unexpected error: ${e}`);
    return;
  }
  assert.unreachable('should have been rejected');
}

test('an admin creates a token: shown once, stored as a hash, works on both APIs', async () => {
  const r = await t.req('POST', `/api/v1/users/me/tokens`, { token: admin.token, body: { description: 'ci deploys' } });
  assert.is(r.status, 201, JSON.stringify(r.body));
  assert.match(r.body.token, /^[a-z0-9]{26}$/);
  assert.is(r.body.user_id, admin.id);
  assert.is(r.body.description, 'ci deploys');
  assert.is(r.body.is_active, true);
  const rows = await t.deps.db.query<any>('select * from access_tokens where id = $1', [r.body.id]);
  assert.is(rows[0].token_hash, createHash('sha256').update(r.body.token).digest('hex'));
  assert.not.ok(JSON.stringify(rows).includes(r.body.token), 'the token itself is not stored');

  const v1 = await me(r.body.token);
  assert.is(v1.status, 200);
  assert.is(v1.body.id, admin.id);
  const v4 = await mmMe(r.body.token);
  assert.is(v4.status, 200);
  assert.is(v4.body.id, admin.id);
  // The Mattermost clients' spelling of the header works too.
  const upper = await t.req('GET', '/api/v4/users/me', { headers: { authorization: `BEARER ${r.body.token}` } });
  assert.is(upper.status, 200);

  const list = await t.req('GET', `/api/v1/users/${admin.id}/tokens`, { token: admin.token });
  assert.is(list.status, 200);
  const listed = list.body.items.find((x: any) => x.id === r.body.id);
  assert.ok(listed);
  assert.is(listed.token, undefined, 'lists never show the token');
  assert.ok(listed.last_used_at > 0, 'use is recorded');
});

test('unknown, malformed and revoked tokens are 401 on both APIs', async () => {
  assert.is((await me('abcdefghijklmnopqrstuvwxyz')).status, 401);
  assert.is(code(await me('abcdefghijklmnopqrstuvwxyz')), 'invalid_token');
  const v4 = await mmMe('abcdefghijklmnopqrstuvwxyz');
  assert.is(v4.status, 401);
  assert.is(v4.body.id, 'api.context.session_expired.app_error');
  assert.is(v4.headers.get('content-type'), 'application/json');
});

test('who may create: admins by default; users for themselves only with "everyone"; never with another token', async () => {
  const bob = await fxUser(t.deps);
  const denied = await t.req('POST', '/api/v1/users/me/tokens', { token: bob.token, body: { description: 'mine' } });
  assert.is(denied.status, 403);
  const forOther = await t.req('POST', `/api/v1/users/${admin.id}/tokens`, { token: bob.token, body: { description: 'theirs' } });
  assert.is(forOther.status, 403);

  const set = await t.req('PATCH', '/api/v1/admin/integration-settings', { token: admin.token, body: { personal_access_tokens: 'everyone' } });
  assert.is(set.status, 200, JSON.stringify(set.body));
  assert.is(set.body.settings.personal_access_tokens, 'everyone');
  const mine = await t.req('POST', '/api/v1/users/me/tokens', { token: bob.token, body: { description: 'mine' } });
  assert.is(mine.status, 201);
  assert.is((await t.req('POST', `/api/v1/users/${admin.id}/tokens`, { token: bob.token, body: { description: 'theirs' } })).status, 403, 'still not for others');
  // A token cannot mint tokens.
  const minted = await t.req('POST', '/api/v1/users/me/tokens', { token: mine.body.token, body: { description: 'child' } });
  assert.is(minted.status, 403);
  assert.is(code(minted), 'session_required');
  // An admin makes tokens for other users, and sees every token.
  const forBob = await t.req('POST', `/api/v1/users/${bob.id}/tokens`, { token: admin.token, body: { description: 'by admin' } });
  assert.is(forBob.status, 201);
  assert.is((await me(forBob.body.token)).body.id, bob.id);
  const all = await t.req('GET', '/api/v1/tokens?q=by%20admin', { token: admin.token });
  assert.ok(all.body.items.some((x: any) => x.id === forBob.body.id));
  assert.is((await t.req('GET', '/api/v1/tokens', { token: bob.token })).status, 403);
  // Others' tokens are not found (ids are not probed).
  const carol = await fxUser(t.deps);
  assert.is((await t.req('GET', `/api/v1/tokens/${mine.body.id}`, { token: carol.token })).status, 404);
  assert.is((await t.req('DELETE', `/api/v1/tokens/${mine.body.id}`, { token: carol.token })).status, 404);
  assert.is((await t.req('GET', `/api/v1/users/${bob.id}/tokens`, { token: carol.token })).status, 403);
  // Bad input.
  assert.is(code(await t.req('POST', '/api/v1/users/me/tokens', { token: admin.token, body: { description: '  ' } })), 'invalid_description');
  assert.is(code(await t.req('POST', '/api/v1/users/me/tokens', { token: admin.token, body: { description: 'x'.repeat(300) } })), 'invalid_description');
  assert.is(code(await t.req('POST', '/api/v1/users/nope/tokens', { token: admin.token, body: { description: 'x' } })), 'invalid_id');
});

test('disable, enable and revoke; the setting "off" stops every token', async () => {
  const r = await t.req('POST', '/api/v1/users/me/tokens', { token: admin.token, body: { description: 'cycle' } });
  const tok = r.body.token;
  assert.is((await me(tok)).status, 200);
  const off = await t.req('PATCH', `/api/v1/tokens/${r.body.id}`, { token: admin.token, body: { is_active: false } });
  assert.is(off.status, 200);
  assert.is(off.body.is_active, false);
  assert.is((await me(tok)).status, 401, 'disabled at once on this process');
  assert.is((await t.req('PATCH', `/api/v1/tokens/${r.body.id}`, { token: admin.token, body: { is_active: true } })).status, 200);
  assert.is((await me(tok)).status, 200);

  await t.req('PATCH', '/api/v1/admin/integration-settings', { token: admin.token, body: { personal_access_tokens: 'off' } });
  const refused = await me(tok);
  assert.is(refused.status, 401);
  assert.is(code(refused), 'access_tokens_disabled');
  const create = await t.req('POST', '/api/v1/users/me/tokens', { token: admin.token, body: { description: 'nope' } });
  assert.is(create.status, 501);
  await t.req('PATCH', '/api/v1/admin/integration-settings', { token: admin.token, body: { personal_access_tokens: null } });
  assert.is((await me(tok)).status, 200);

  const del = await t.req('DELETE', `/api/v1/tokens/${r.body.id}`, { token: admin.token });
  assert.is(del.status, 204);
  assert.is((await me(tok)).status, 401);
  assert.is((await t.req('GET', `/api/v1/tokens/${r.body.id}`, { token: admin.token })).status, 404);
  const audit = await t.deps.db.query<any>(`select action from audit_log where details->>'token_id' = $1 order by id`, [r.body.id]);
  assert.equal(audit.map((a) => a.action), ['token_create', 'token_disable', 'token_enable', 'token_revoke']);
});

test('a deactivated user’s tokens stop working', async () => {
  const dave = await fxUser(t.deps);
  const r = await t.req('POST', `/api/v1/users/${dave.id}/tokens`, { token: admin.token, body: { description: 'd' } });
  assert.is((await me(r.body.token)).status, 200);
  assert.is((await t.req('PATCH', `/api/v1/admin/users/${dave.id}`, { token: admin.token, body: { active: false } })).status, 200);
  const after = await me(r.body.token);
  assert.is(after.status, 401);
  assert.is(code(after), 'user_inactive');
});

test('Mattermost routes: create (200, token once), list, get, disable, enable, revoke, search', async () => {
  const c = await t.req('POST', '/api/v4/users/me/tokens', { token: admin.token, body: { description: 'mm' } });
  assert.is(c.status, 200);
  assert.equal(Object.keys(c.body).sort(), ['description', 'id', 'is_active', 'token', 'user_id']);
  const list = await t.req('GET', `/api/v4/users/${admin.id}/tokens?page=0&per_page=100`, { token: admin.token });
  const item = list.body.find((x: any) => x.id === c.body.id);
  assert.equal(item, { id: c.body.id, user_id: admin.id, description: 'mm', is_active: true });
  assert.is((await t.req('GET', `/api/v4/users/tokens/${c.body.id}`, { token: admin.token })).body.description, 'mm');
  assert.ok((await t.req('GET', '/api/v4/users/tokens', { token: admin.token })).body.some((x: any) => x.id === c.body.id));
  assert.ok((await t.req('POST', '/api/v4/users/tokens/search', { token: admin.token, body: { term: c.body.id } })).body.some((x: any) => x.id === c.body.id));
  const dis = await t.req('POST', '/api/v4/users/tokens/disable', { token: admin.token, body: { token_id: c.body.id } });
  assert.equal(dis.body, { status: 'OK' });
  assert.is((await mmMe(c.body.token)).status, 401);
  await t.req('POST', '/api/v4/users/tokens/enable', { token: admin.token, body: { token_id: c.body.id } });
  assert.is((await mmMe(c.body.token)).status, 200);
  assert.equal((await t.req('POST', '/api/v4/users/tokens/revoke', { token: admin.token, body: { token_id: c.body.id } })).body, { status: 'OK' });
  assert.is((await mmMe(c.body.token)).status, 401);
  const missing = await t.req('POST', '/api/v4/users/me/tokens', { token: admin.token, body: {} });
  assert.is(missing.status, 400);
});

test('revocation reaches another process at once through the bus', async () => {
  const r = await t.req('POST', '/api/v1/users/me/tokens', { token: admin.token, body: { description: 'bus' } });
  const other = withServices(t.deps);
  assert.is((await authenticate(other, r.body.token)).user.id, admin.id);
  await t.req('DELETE', `/api/v1/tokens/${r.body.id}`, { token: admin.token });
  // Inside the other process's 1 s cache window, yet refused: the bus message cleared it.
  await rejects(() => authenticate(other, r.body.token), (e) => e.status === 401);
});

test('without the bus message, revocation still takes effect within 1 s (cache bound)', async () => {
  const r = await t.req('POST', '/api/v1/users/me/tokens', { token: admin.token, body: { description: 'nobus' } });
  const isolated = withServices({ ...t.deps, bus: createMemoryBus() });
  pinned = Date.now();
  await authenticate(isolated, r.body.token);
  await t.req('DELETE', `/api/v1/tokens/${r.body.id}`, { token: admin.token });
  skew = 999;
  assert.is((await authenticate(isolated, r.body.token)).user.id, admin.id, 'may be served from the cache…');
  skew = 1000;
  await rejects(() => authenticate(isolated, r.body.token), (e) => e.status === 401); // …but not after 1 s
});

test('turning tokens off (or bot accounts) closes the sockets opened with them: sessions_revoked for those tokens', async () => {
  const controls: { session_ids: string[]; user_id: string }[] = [];
  const unsub = t.deps.bus.subscribe((m) => void (isControl(m) && m.control === 'sessions_revoked' && controls.push(m)));
  const person = await t.req('POST', '/api/v1/users/me/tokens', { token: admin.token, body: { description: 'script' } });
  const bot = await t.req('POST', '/api/v1/bots', { token: admin.token, body: { username: 'sockbot' } });
  const botTok = await t.req('POST', `/api/v1/users/${bot.body.user_id}/tokens`, { token: admin.token, body: { description: 'bot' } });
  assert.is(botTok.status, 201);
  const revoked = () => controls.flatMap((c) => c.session_ids.map((id) => `${c.user_id}:${id}`));

  await t.req('PATCH', '/api/v1/admin/integration-settings', { token: admin.token, body: { enable_bot_accounts: false } });
  assert.equal(revoked(), [`${bot.body.user_id}:${botTok.body.id}`], 'bots off: only bot tokens');
  controls.length = 0;
  await t.req('PATCH', '/api/v1/admin/integration-settings', { token: admin.token, body: { personal_access_tokens: 'off' } });
  assert.ok(revoked().includes(`${admin.id}:${person.body.id}`), 'tokens off: every token');
  assert.ok(revoked().includes(`${bot.body.user_id}:${botTok.body.id}`));
  controls.length = 0;
  // Turning them back on announces nothing.
  await t.req('PATCH', '/api/v1/admin/integration-settings', { token: admin.token, body: { personal_access_tokens: null, enable_bot_accounts: null } });
  assert.equal(controls, []);
  unsub();
});

test.after(() => t.close());
test.run();
