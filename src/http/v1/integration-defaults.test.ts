/**
 * Issue 17 item 7 as a table: with the configuration's defaults, incoming and outgoing webhooks,
 * custom slash commands, bots and personal access tokens work for system admins, webhooks and
 * commands also for team admins, and plain members get 403; each switch turns its kind off (501
 * to manage it, and its use refused), and the two permission settings widen who may manage.
 * The only non-default here is the network allow-list (integrations.allowed_internal_hosts,
 * file-only), so the outgoing hook and the command can reach the receiver this test starts on
 * loopback.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { testApp } from '../../../test/app.ts';
import { fxChannel, fxTeam, fxUser, type FxUser } from '../../../test/fixtures.ts';
import { startReceiver, waitFor } from '../../../test/receiver.ts';
import { configIntegrationSettings } from '../../actions/integration-settings.ts';
import { testConfig } from '../../../test/app.ts';

const t = await testApp({ config: { 'integrations.allowed_internal_hosts': '127.0.0.1', 'integrations.request_timeout_seconds': 5 } });
const rx = await startReceiver();
rx.handler = (_req, res) => {
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify({ text: 'answered', response_type: 'in_channel' }));
};

const sysadmin = await fxUser(t.deps, { admin: true }); // not a member of the team
const lead = await fxUser(t.deps); // team admin
const member = await fxUser(t.deps);
const team = await fxTeam(t.deps, lead, { members: [member] });
const general = await fxChannel(t.deps, team.id, lead, { name: 'general', members: [member] });

const settings = async (body: Record<string, unknown>) => {
  const r = await t.req('PATCH', '/api/v1/admin/integration-settings', { token: sysadmin.token, body });
  assert.is(r.status, 200, JSON.stringify(r.body));
};
const RESET = { enable_incoming_webhooks: null, enable_outgoing_webhooks: null, enable_commands: null, enable_bot_accounts: null, personal_access_tokens: null, members_manage_integrations: null };
test.after.each(() => settings(RESET));
test.after(async () => {
  await rx.close();
  await t.close();
});

type Kind = 'incoming' | 'outgoing' | 'command' | 'bot' | 'token';
let n = 0;
/** Creates one integration of a kind as a user; returns the response. */
function create(kind: Kind, who: FxUser) {
  const i = ++n;
  switch (kind) {
    case 'incoming':
      return t.req('POST', '/api/v1/hooks/incoming', { token: who.token, body: { channel_id: general.id, display_name: `hook ${i}` } });
    case 'outgoing':
      return t.req('POST', '/api/v1/hooks/outgoing', { token: who.token, body: { team_id: team.id, trigger_words: [`go${i}`], callback_urls: [`${rx.url}/out`] } });
    case 'command':
      return t.req('POST', '/api/v1/commands', { token: who.token, body: { team_id: team.id, trigger: `cmd${i}`, url: `${rx.url}/cmd` } });
    case 'bot':
      return t.req('POST', '/api/v1/bots', { token: who.token, body: { username: `bot${i}` } });
    case 'token':
      return t.req('POST', '/api/v1/users/me/tokens', { token: who.token, body: { description: `token ${i}` } });
  }
}

const KINDS: Kind[] = ['incoming', 'outgoing', 'command', 'bot', 'token'];
const SWITCH: Record<Kind, [string, unknown]> = {
  incoming: ['enable_incoming_webhooks', false],
  outgoing: ['enable_outgoing_webhooks', false],
  command: ['enable_commands', false],
  bot: ['enable_bot_accounts', false],
  token: ['personal_access_tokens', 'off'],
};

test('the defaults are what the table below assumes', () => {
  const d = configIntegrationSettings(testConfig());
  assert.equal(
    { in: d.enable_incoming_webhooks, out: d.enable_outgoing_webhooks, cmd: d.enable_commands, bots: d.enable_bot_accounts, pats: d.personal_access_tokens, members: d.members_manage_integrations },
    { in: true, out: true, cmd: true, bots: true, pats: 'admins', members: false },
  );
});

test('defaults: who may create each kind (system admin, team admin, member)', async () => {
  const expected: Record<Kind, [number, number, number]> = {
    incoming: [201, 201, 403],
    outgoing: [201, 201, 403],
    command: [201, 201, 403],
    bot: [201, 403, 403],
    token: [201, 403, 403],
  };
  for (const kind of KINDS) {
    const got = [];
    for (const who of [sysadmin, lead, member]) got.push((await create(kind, who)).status);
    assert.equal(got, expected[kind], kind);
  }
});

test('defaults: each kind works end to end for a system admin', async () => {
  // Incoming: the hook posts.
  const hook = (await create('incoming', sysadmin)).body;
  const posted = await t.req('POST', `/hooks/${hook.id}`, { body: { text: 'from the hook' } });
  assert.is(posted.status, 200, JSON.stringify(posted.body));
  const last = async () => (await t.deps.db.query<any>('select * from posts where channel_id = $1 order by seq desc limit 1', [general.id]))[0];
  assert.is((await last()).message, 'from the hook');

  // Outgoing: a trigger word reaches the receiver and its answer is posted.
  const out = (await create('outgoing', sysadmin)).body;
  const before = rx.requests.length;
  await t.req('POST', `/api/v1/channels/${general.id}/posts`, { token: member.token, body: { message: `${out.trigger_words[0]} now` } });
  await waitFor(() => rx.requests.slice(before).find((r) => r.url === '/out'), 'the outgoing hook to fire');
  await waitFor(async () => ((await last()).message === 'answered' ? true : undefined), 'the answer to be posted');

  // Custom command: executed through its URL.
  const cmd = (await create('command', sysadmin)).body;
  const ran = await t.req('POST', '/api/v1/commands/execute', { token: member.token, body: { command: `/${cmd.trigger}`, channel_id: general.id } });
  assert.is(ran.status, 200, JSON.stringify(ran.body));
  assert.is((await last()).message, 'answered');

  // Bot with a token: posts.
  const bot = (await create('bot', sysadmin)).body;
  const botToken = (await t.req('POST', `/api/v1/users/${bot.user_id}/tokens`, { token: sysadmin.token, body: { description: 'ci' } })).body.token;
  await t.req('POST', `/api/v1/teams/${team.id}/members`, { token: lead.token, body: { user_id: bot.user_id } });
  await t.req('POST', `/api/v1/channels/${general.id}/members`, { token: lead.token, body: { user_id: bot.user_id } });
  const botPost = await t.req('POST', `/api/v1/channels/${general.id}/posts`, { token: botToken, body: { message: 'bot says hi' } });
  assert.is(botPost.status, 201, JSON.stringify(botPost.body));

  // Personal access token: authenticates.
  const pat = (await create('token', sysadmin)).body.token;
  assert.is((await t.req('GET', '/api/v1/auth/me', { token: pat })).body.username, sysadmin.username);
});

test('each switch turns its kind off: managing answers 501 (Mattermost does too) and using it is refused', async () => {
  // Made while on, used while off.
  const hook = (await create('incoming', lead)).body;
  const out = (await create('outgoing', lead)).body;
  const cmd = (await create('command', lead)).body;
  const bot = (await create('bot', sysadmin)).body;
  const botToken = (await t.req('POST', `/api/v1/users/${bot.user_id}/tokens`, { token: sysadmin.token, body: { description: 'ci' } })).body.token;
  const pat = (await create('token', sysadmin)).body.token;

  for (const kind of KINDS) {
    const [key, value] = SWITCH[kind];
    await settings({ [key]: value });
    for (const who of kind === 'bot' || kind === 'token' ? [sysadmin] : [sysadmin, lead]) {
      const r = await create(kind, who);
      assert.is(r.status, 501, `${kind} while ${key} = ${value}`);
    }
    // The other kinds are unaffected.
    for (const other of KINDS.filter((k) => k !== kind)) assert.is((await create(other, sysadmin)).status, 201, `${other} while ${key} = ${value}`);
    switch (kind) {
      case 'incoming':
        assert.is((await t.req('POST', `/hooks/${hook.id}`, { body: { text: 'x' } })).status, 501);
        break;
      case 'outgoing': {
        const before = rx.requests.length;
        await t.req('POST', `/api/v1/channels/${general.id}/posts`, { token: member.token, body: { message: `${out.trigger_words[0]} please` } });
        await new Promise((r) => setTimeout(r, 300));
        assert.is(rx.requests.length, before, 'a turned-off outgoing hook is not called');
        break;
      }
      case 'command': {
        const r = await t.req('POST', '/api/v1/commands/execute', { token: member.token, body: { command: `/${cmd.trigger}`, channel_id: general.id } });
        // As in Mattermost, turned-off custom commands no longer exist for the caller.
        assert.is(r.status, 404, 'a turned-off custom command does not run');
        assert.is(r.body.error.code, 'command_not_found');
        assert.is(rx.requests.filter((q) => q.url.startsWith('/cmd')).length, 1, 'its URL was called once: by the earlier run while on');
        const builtin = await t.req('POST', '/api/v1/commands/execute', { token: member.token, body: { command: '/shrug ok', channel_id: general.id } });
        assert.is(builtin.status, 200, 'built-ins keep working');
        break;
      }
      case 'bot':
        assert.is((await t.req('GET', '/api/v1/auth/me', { token: botToken })).status, 401);
        assert.is((await t.req('GET', '/api/v1/auth/me', { token: pat })).status, 200, "people's tokens keep working");
        break;
      case 'token':
        assert.is((await t.req('GET', '/api/v1/auth/me', { token: pat })).status, 401);
        assert.is((await t.req('GET', '/api/v1/auth/me', { token: botToken })).status, 401, 'bot tokens too');
        break;
    }
    await settings({ [key]: null });
  }
  // Back on: what existed works again.
  assert.is((await t.req('POST', `/hooks/${hook.id}`, { body: { text: 'back' } })).status, 200);
  assert.is((await t.req('GET', '/api/v1/auth/me', { token: botToken })).status, 200);
  assert.is((await t.req('GET', '/api/v1/auth/me', { token: pat })).status, 200);
});

test('widening: members_manage_integrations lets members manage their own hooks and commands; personal_access_tokens = everyone their own tokens', async () => {
  await settings({ members_manage_integrations: true });
  for (const kind of ['incoming', 'outgoing', 'command'] as const) assert.is((await create(kind, member)).status, 201, kind);
  assert.is((await create('token', member)).status, 403, 'tokens have their own setting');
  assert.is((await create('bot', member)).status, 403, 'bots stay with system admins');
  await settings({ members_manage_integrations: null, personal_access_tokens: 'everyone' });
  assert.is((await create('incoming', member)).status, 403);
  const own = await create('token', member);
  assert.is(own.status, 201);
  assert.is((await t.req('GET', '/api/v1/auth/me', { token: own.body.token })).body.username, member.username);
  assert.is((await t.req('POST', `/api/v1/users/${lead.id}/tokens`, { token: member.token, body: { description: 'not mine' } })).status, 403, "never someone else's");
});

test.run();
