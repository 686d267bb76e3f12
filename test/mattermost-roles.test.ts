/**
 * The integration permissions the Mattermost roles report (GET/POST /api/v4/roles…) say exactly
 * what the actions allow, under each combination of the integration settings an admin changes at
 * runtime: for every user kind and every integration permission, the action it names succeeds when
 * the user's roles carry it and is refused when they do not. The actions are called as they are
 * (no HTTP in between), the roles are read over HTTP as the apps read them.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { testApp } from './app.ts';
import { fxChannel, fxTeam, fxUser, type FxUser } from './fixtures.ts';
import { AppError } from '../src/errors.ts';
import { CLI_ACTOR } from '../src/actions/audit.ts';
import { actAs } from '../src/actions/integration-access.ts';
import { createIncomingWebhook, updateIncomingWebhook } from '../src/actions/incoming-webhooks.ts';
import { createOutgoingWebhook, updateOutgoingWebhook } from '../src/actions/outgoing-webhooks.ts';
import { createCommand, updateCommand } from '../src/actions/custom-commands.ts';
import { createAccessToken, listAccessTokens, mintAccessToken, revokeAccessToken } from '../src/actions/access-tokens.ts';
import { assignBot, createBot, getBot, insertBotAccount, patchBot } from '../src/actions/bots.ts';
import type { Auth } from '../src/auth.ts';

const t = await testApp();
const root = await fxUser(t.deps, { admin: true }); // a system admin, not in the team
const lead = await fxUser(t.deps); // the team's admin
const member = await fxUser(t.deps);
const team = await fxTeam(t.deps, lead, { members: [member] });
const channel = await fxChannel(t.deps, team.id, lead, { members: [member] });

const SUBJECTS: { name: string; user: FxUser; roles: string[] }[] = [
  { name: 'member', user: member, roles: ['system_user', 'team_user'] },
  { name: 'team admin', user: lead, roles: ['system_user', 'team_user', 'team_admin'] },
  { name: 'system admin', user: root, roles: ['system_user', 'system_admin'] },
];

let n = 0;
const uniq = () => `${Date.now().toString(36)}${(n++).toString(36)}`;
const IP = '127.0.0.1';

/** Objects someone else made, and the subject's own token and bots, made with every switch on. */
interface Fixtures {
  othersIncoming: string;
  othersOutgoing: string;
  othersCommand: string;
  ownToken: string;
  ownBot: string;
  ownBotToGive: string;
  othersBot: string;
}

async function fixtures(subject: FxUser): Promise<Fixtures> {
  // "Others'" integrations are made by another admin (a team admin's are the system admin's, and the reverse).
  const other = await actAs(t.deps, subject.id === lead.id ? root.id : lead.id);
  const otherUser = subject.id === member.id ? lead : subject.id === lead.id ? root : lead;
  return {
    othersIncoming: (await createIncomingWebhook(t.deps, other, { channel_id: channel.id }, IP)).id,
    othersOutgoing: (await createOutgoingWebhook(t.deps, other, { team_id: team.id, channel_id: channel.id, callback_urls: ['https://hooks.example.com/out'] }, IP)).id,
    othersCommand: (await createCommand(t.deps, other, { team_id: team.id, trigger: `c${uniq()}`, url: 'https://hooks.example.com/cmd' }, IP)).id,
    ownToken: (await mintAccessToken(t.deps, CLI_ACTOR, { id: subject.id, delete_at: 0 }, 'probe')).id,
    ownBot: (await insertBotAccount(t.deps, CLI_ACTOR, subject.id, { username: `b${uniq()}` })).user_id,
    ownBotToGive: (await insertBotAccount(t.deps, CLI_ACTOR, subject.id, { username: `b${uniq()}` })).user_id,
    othersBot: (await insertBotAccount(t.deps, CLI_ACTOR, otherUser.id, { username: `b${uniq()}` })).user_id,
  };
}

/** For each integration permission Mattermost has, the action it names, done as the subject. */
const PROBES: Record<string, (auth: Auth, f: Fixtures) => Promise<unknown>> = {
  manage_own_incoming_webhooks: (a) => createIncomingWebhook(t.deps, a, { channel_id: channel.id }, IP),
  manage_incoming_webhooks: (a) => createIncomingWebhook(t.deps, a, { channel_id: channel.id }, IP),
  manage_others_incoming_webhooks: (a, f) => updateIncomingWebhook(t.deps, a, f.othersIncoming, { display_name: 'changed' }, IP),
  manage_own_outgoing_webhooks: (a) => createOutgoingWebhook(t.deps, a, { team_id: team.id, channel_id: channel.id, callback_urls: ['https://hooks.example.com/mine'] }, IP),
  manage_outgoing_webhooks: (a) => createOutgoingWebhook(t.deps, a, { team_id: team.id, channel_id: channel.id, callback_urls: ['https://hooks.example.com/mine'] }, IP),
  manage_others_outgoing_webhooks: (a, f) => updateOutgoingWebhook(t.deps, a, f.othersOutgoing, { display_name: 'changed' }, IP),
  manage_own_slash_commands: (a) => createCommand(t.deps, a, { team_id: team.id, trigger: `m${uniq()}`, url: 'https://hooks.example.com/mine' }, IP),
  manage_slash_commands: (a) => createCommand(t.deps, a, { team_id: team.id, trigger: `m${uniq()}`, url: 'https://hooks.example.com/mine' }, IP),
  manage_others_slash_commands: (a, f) => updateCommand(t.deps, a, f.othersCommand, { display_name: 'changed' }, IP),
  create_user_access_token: (a) => createAccessToken(t.deps, a, a.user.id, 'probe', IP),
  read_user_access_token: (a) => listAccessTokens(t.deps, a, a.user.id),
  revoke_user_access_token: (a, f) => revokeAccessToken(t.deps, a, f.ownToken, IP),
  create_bot: (a) => createBot(t.deps, a, { username: `b${uniq()}` }, IP),
  read_bots: (a, f) => getBot(t.deps, a, f.ownBot),
  manage_bots: (a, f) => patchBot(t.deps, a, f.ownBot, { display_name: 'changed' }, IP),
  assign_bot: (a, f) => assignBot(t.deps, a, f.ownBotToGive, member.id === a.user.id ? lead.id : member.id, IP),
  read_others_bots: (a, f) => getBot(t.deps, a, f.othersBot),
  manage_others_bots: (a, f) => patchBot(t.deps, a, f.othersBot, { display_name: 'changed' }, IP),
};

/** Whether the action went through; a refusal is a 403, 404 or 501 (anything else fails the test). */
async function allowed(probe: () => Promise<unknown>): Promise<boolean | string> {
  try {
    await probe();
    return true;
  } catch (e) {
    if (e instanceof AppError && [403, 404, 501].includes(e.status)) return false;
    return `unexpected ${e instanceof AppError ? `${e.status} ${e.code}` : String(e)}`;
  }
}

const ALL_ON = { enable_incoming_webhooks: true, enable_outgoing_webhooks: true, enable_commands: true, members_manage_integrations: true, personal_access_tokens: 'everyone', enable_bot_accounts: true };
const RESET = Object.fromEntries(Object.keys(ALL_ON).map((k) => [k, null]));
async function setSettings(body: Record<string, unknown>) {
  const r = await t.req('PATCH', '/api/v1/admin/integration-settings', { token: root.token, body });
  assert.is(r.status, 200, JSON.stringify(r.body));
}

const CONFIGS: Record<string, unknown>[] = [
  {}, // the file's defaults: admins manage integrations, tokens for admins, bots on
  ALL_ON,
  { enable_incoming_webhooks: false, enable_outgoing_webhooks: false, enable_commands: false, members_manage_integrations: true, personal_access_tokens: 'off', enable_bot_accounts: false },
  { enable_incoming_webhooks: true, enable_outgoing_webhooks: false, enable_commands: true, members_manage_integrations: true, personal_access_tokens: 'admins', enable_bot_accounts: false },
  { enable_incoming_webhooks: false, enable_outgoing_webhooks: true, enable_commands: false, members_manage_integrations: false, personal_access_tokens: 'everyone', enable_bot_accounts: true },
];

test('each integration permission a role reports is one its action grants, and each it lacks is refused', async () => {
  const outcomes = new Map<string, Set<boolean>>(Object.keys(PROBES).map((p) => [p, new Set()]));
  try {
    for (const config of CONFIGS) {
      for (const s of SUBJECTS) {
        await setSettings(ALL_ON);
        const f = await fixtures(s.user);
        await setSettings({ ...RESET, ...config });
        const r = await t.req('POST', '/api/v4/roles/names', { token: s.user.token, body: s.roles });
        assert.is(r.status, 200);
        assert.is(r.body.length, s.roles.length);
        const held = new Set<string>(r.body.flatMap((role: { permissions: string[] }) => role.permissions));
        const auth = await actAs(t.deps, s.user.id);
        for (const [permission, probe] of Object.entries(PROBES)) {
          const got = await allowed(() => probe(auth, f));
          assert.is(got, held.has(permission), `${s.name}, ${permission} (reported: ${held.has(permission)}) under ${JSON.stringify(config)}`);
          if (typeof got === 'boolean') outcomes.get(permission)!.add(got);
        }
      }
    }
  } finally {
    await setSettings(RESET);
  }
  // Not vacuous: every permission was both granted and refused somewhere in the matrix.
  for (const [permission, seen] of outcomes) assert.is(seen.size, 2, permission);
});

test('the roles follow the console: turning members_manage_integrations on gives team_user the own-integration permissions', async () => {
  const teamUser = async () => (await t.req('GET', '/api/v4/roles/name/team_user', { token: member.token })).body.permissions as string[];
  assert.not.ok((await teamUser()).includes('manage_own_incoming_webhooks'), 'off by default');
  await setSettings({ members_manage_integrations: true });
  try {
    const p = await teamUser();
    for (const name of ['manage_own_incoming_webhooks', 'manage_incoming_webhooks', 'manage_own_outgoing_webhooks', 'manage_own_slash_commands']) assert.ok(p.includes(name), name);
    assert.not.ok(p.includes('manage_others_incoming_webhooks'), 'their own only');
    const admin = (await t.req('GET', '/api/v4/roles/name/team_admin', { token: member.token })).body.permissions as string[];
    assert.ok(admin.includes('manage_others_slash_commands'));
  } finally {
    await setSettings({ members_manage_integrations: null });
  }
  assert.not.ok((await teamUser()).includes('manage_own_incoming_webhooks'));
  assert.is((await t.req('GET', '/api/v4/roles/name/constructor', { token: member.token })).status, 404, 'no role from the prototype');
});

test.after(() => t.close());
test.run();
