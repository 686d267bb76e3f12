/**
 * Bot accounts: created by system admins, no password login, tokens made for them by admins or
 * their owner; a bot's posts are marked from_bot on both APIs; disabling ends its tokens at once
 * and enabling restores them; ownership moves; the setting turns bots off; Mattermost routes.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { testApp } from '../../../test/app.ts';
import { fxChannel, fxJoin, fxTeam, fxUser } from '../../../test/fixtures.ts';

const t = await testApp();
const admin = await fxUser(t.deps, { admin: true });
const bob = await fxUser(t.deps);
const team = await fxTeam(t.deps, admin, { members: [bob] });
const ch = await fxChannel(t.deps, team.id, admin, { name: 'builds', members: [bob] });

async function newBot(username: string) {
  const r = await t.req('POST', '/api/v1/bots', { token: admin.token, body: { username, display_name: 'CI Bot', description: 'posts builds' } });
  assert.is(r.status, 201, JSON.stringify(r.body));
  return r.body;
}
async function tokenFor(userId: string, by = admin.token) {
  const r = await t.req('POST', `/api/v1/users/${userId}/tokens`, { token: by, body: { description: 'bot token' } });
  assert.is(r.status, 201, JSON.stringify(r.body));
  return r.body.token as string;
}
async function joinTeamAndChannel(userId: string) {
  await t.deps.db.query(`insert into team_members (team_id, user_id, role, create_at) values ($1, $2, 'team_user', 0)`, [team.id, userId]);
  await fxJoin(t.deps, ch.id, { id: userId } as any);
}

test('an admin creates a bot; it is a user marked is_bot that cannot log in', async () => {
  const bot = await newBot('cibot');
  assert.equal(Object.keys(bot).sort(), ['create_at', 'delete_at', 'description', 'display_name', 'owner_id', 'update_at', 'user_id', 'username']);
  assert.is(bot.owner_id, admin.id);
  assert.is(bot.display_name, 'CI Bot');
  const mm = await t.req('GET', `/api/v4/users/${bot.user_id}`, { token: bob.token });
  assert.is(mm.body.is_bot, true);
  assert.is((await t.req('GET', `/api/v4/users/${bob.id}`, { token: bob.token })).body.is_bot, false);
  assert.is((await t.req('GET', `/api/v1/users/${bot.user_id}`, { token: bob.token })).body.is_bot, true);
  const login = await t.req('POST', '/api/v1/auth/login', { body: { login_id: 'cibot', password: 'anything at all' } });
  assert.is(login.status, 401);
  assert.is((await t.req('POST', '/api/v1/bots', { token: bob.token, body: { username: 'bobbot' } })).status, 403);
  assert.is((await t.req('POST', '/api/v1/bots', { token: admin.token, body: { username: 'cibot' } })).body.error.code, 'username_taken');
  assert.is((await t.req('POST', '/api/v1/bots', { token: admin.token, body: { username: 'no spaces please' } })).body.error.code, 'invalid_username');
});

test('a bot token posts; its posts are marked from_bot on both APIs; a person cannot claim from_bot', async () => {
  const bot = await newBot('postbot');
  await joinTeamAndChannel(bot.user_id);
  const token = await tokenFor(bot.user_id);
  const p = await t.req('POST', '/api/v4/posts', { token, body: { channel_id: ch.id, message: 'build 7 passed' } });
  assert.is(p.status, 201, JSON.stringify(p.body));
  assert.is(p.body.props.from_bot, 'true');
  const v1 = await t.req('GET', `/api/v1/posts/${p.body.id}`, { token: bob.token });
  assert.is(v1.body.props.from_bot, 'true');
  assert.is(v1.body.user_id, bot.user_id);
  const fake = await t.req('POST', `/api/v1/channels/${ch.id}/posts`, { token: bob.token, body: { message: 'me too', props: { from_bot: 'true' } } });
  assert.is(fake.body.props.from_bot, undefined);
});

test('a bot posts message attachments alone through the API (Mattermost accepts props.attachments without a message); an empty post is still refused', async () => {
  const bot = await newBot('attachbot');
  await joinTeamAndChannel(bot.user_id);
  const token = await tokenFor(bot.user_id);
  const attachments = [{ color: '#36a64f', title: 'Build 8', text: 'passed', fields: [{ title: 'branch', value: 'main', short: true }] }];
  const p = await t.req('POST', '/api/v4/posts', { token, body: { channel_id: ch.id, message: '', props: { attachments } } });
  assert.is(p.status, 201, JSON.stringify(p.body));
  assert.equal(p.body.props.attachments, attachments);
  const v1 = await t.req('POST', `/api/v1/channels/${ch.id}/posts`, { token, body: { props: { attachments } } });
  assert.is(v1.status, 201, JSON.stringify(v1.body));
  for (const props of [{}, { attachments: [] }, { attachments: 'x' }]) {
    const empty = await t.req('POST', '/api/v4/posts', { token, body: { channel_id: ch.id, message: ' ', props } });
    assert.is(empty.status, 400, JSON.stringify(props));
  }
});

test('disable ends the bot’s tokens at once; enable brings them back', async () => {
  const bot = await newBot('cyclebot');
  const token = await tokenFor(bot.user_id);
  assert.is((await t.req('GET', '/api/v1/auth/me', { token })).status, 200);
  const off = await t.req('POST', `/api/v1/bots/${bot.user_id}/disable`, { token: admin.token });
  assert.is(off.status, 200);
  assert.ok(off.body.delete_at > 0);
  assert.is((await t.req('GET', '/api/v1/auth/me', { token })).status, 401);
  assert.ok((await t.req('GET', '/api/v1/bots', { token: admin.token })).body.items.every((b: any) => b.user_id !== bot.user_id), 'disabled bots are hidden by default');
  assert.ok((await t.req('GET', '/api/v1/bots?include_deleted=true', { token: admin.token })).body.items.some((b: any) => b.user_id === bot.user_id));
  await t.req('POST', `/api/v1/bots/${bot.user_id}/enable`, { token: admin.token });
  assert.is((await t.req('GET', '/api/v1/auth/me', { token })).status, 200);
});

test('ownership: the owner manages the bot and its tokens; others see nothing', async () => {
  const bot = await newBot('ownedbot');
  assert.is((await t.req('GET', `/api/v1/bots/${bot.user_id}`, { token: bob.token })).status, 404);
  const moved = await t.req('POST', `/api/v1/bots/${bot.user_id}/assign/${bob.id}`, { token: admin.token });
  assert.is(moved.body.owner_id, bob.id);
  assert.ok((await t.req('GET', '/api/v1/bots', { token: bob.token })).body.items.some((b: any) => b.user_id === bot.user_id));
  const token = await tokenFor(bot.user_id, bob.token);
  assert.is((await t.req('GET', '/api/v1/auth/me', { token })).body.id, bot.user_id);
  const patched = await t.req('PATCH', `/api/v1/bots/${bot.user_id}`, { token: bob.token, body: { description: 'mine now', display_name: 'Owned' } });
  assert.is(patched.body.description, 'mine now');
  assert.is(patched.body.display_name, 'Owned');
  const carol = await fxUser(t.deps);
  assert.is((await t.req('PATCH', `/api/v1/bots/${bot.user_id}`, { token: carol.token, body: { description: 'x' } })).status, 404);
  assert.is((await t.req('POST', `/api/v1/users/${bot.user_id}/tokens`, { token: carol.token, body: { description: 'x' } })).status, 403);
  assert.is((await t.req('POST', `/api/v1/bots/${bot.user_id}/assign/${bot.user_id}`, { token: admin.token })).status, 404, 'a bot cannot own a bot');
});

test('Mattermost routes and the enable_bot_accounts setting', async () => {
  const c = await t.req('POST', '/api/v4/bots', { token: admin.token, body: { username: 'mmbot', display_name: 'MM', description: 'd' } });
  assert.is(c.status, 201);
  assert.is(c.headers.get('content-type'), 'application/json');
  assert.ok((await t.req('GET', '/api/v4/bots?page=0&per_page=100', { token: admin.token })).body.some((b: any) => b.user_id === c.body.user_id));
  const put = await t.req('PUT', `/api/v4/bots/${c.body.user_id}`, { token: admin.token, body: { display_name: 'MM2' } });
  assert.is(put.body.display_name, 'MM2');
  const token = await tokenFor(c.body.user_id);
  assert.is((await t.req('POST', `/api/v4/bots/${c.body.user_id}/disable`, { token: admin.token })).body.delete_at > 0, true);
  assert.is((await t.req('POST', `/api/v4/bots/${c.body.user_id}/enable`, { token: admin.token })).body.delete_at, 0);
  await t.req('PATCH', '/api/v1/admin/integration-settings', { token: admin.token, body: { enable_bot_accounts: false } });
  const refused = await t.req('GET', '/api/v4/users/me', { token });
  assert.is(refused.status, 401);
  assert.is((await t.req('GET', '/api/v4/bots', { token: admin.token })).status, 501);
  await t.req('PATCH', '/api/v1/admin/integration-settings', { token: admin.token, body: { enable_bot_accounts: null } });
  // The token cache holds a refusal for nobody: the next request goes to the database.
  assert.is((await t.req('GET', '/api/v4/users/me', { token })).status, 200);
});

test.after(() => t.close());
test.run();
