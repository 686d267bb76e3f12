import { z } from 'zod';
import type { Deps } from '../deps.ts';
import { badRequest, conflict, isUniqueViolation, notFound } from '../errors.ts';
import { isId, newId } from '../ids.ts';
import { inTx } from './tx.ts';
import { audit } from './audit.ts';
import { accessChannel, checkInput } from './access.ts';
import { accessIntegrations, accessManaged, actAs, assertIntegrationEnabled } from './integration-access.ts';
import { integrationSettings } from './integration-settings.ts';
import { createPost } from './posts.ts';
import { integrationProps } from './outgoing-webhooks.ts';
import { processSlackAttachments, processSlackText, withoutNulls } from './slack.ts';
import type { Auth } from './tokens.ts';
import type { CommandContext, CommandResponse } from './command-common.ts';
import { builtinCommands } from './builtin-commands.ts';
import * as store from '../store/commands.ts';
import type { CommandRow } from '../store/commands.ts';
import { integrationRequest } from '../outbound/policy.ts';
import { OutboundError } from '../outbound/fetch.ts';

/**
 * A team's custom slash commands (Mattermost's): `/trigger text` calls the command's URL (POST
 * form or GET query) with Mattermost's fields and the command's token, through the SSRF guard;
 * the JSON (or plain text) answer becomes an ephemeral reply or a post in the channel.
 */
export const COMMAND_PAGE_MAX = 200;
const url = z
  .string()
  .max(1024)
  .refine((v) => /^https?:\/\/[^\s]+$/i.test(v), 'must be an http(s) URL');

export const CommandInput = z.object({
  team_id: z.string().refine(isId, 'not a valid id'),
  trigger: z
    .string()
    .trim()
    .min(1)
    .max(128)
    .regex(/^[^\s/][^\s]*$/, 'a trigger is one word, without the leading /'),
  method: z.enum(['P', 'G']).default('P'),
  url,
  username: z
    .string()
    .max(64)
    .refine((v) => v === '' || /^[a-z0-9._-]{1,64}$/i.test(v), 'not a valid username')
    .default(''),
  icon_url: z
    .string()
    .max(1024)
    .refine((v) => v === '' || /^https?:\/\/[^\s]+$/i.test(v), 'must be an http(s) URL')
    .default(''),
  auto_complete: z.boolean().default(false),
  auto_complete_desc: z.string().max(255).default(''),
  auto_complete_hint: z.string().max(255).default(''),
  display_name: z.string().max(64).default(''),
  description: z.string().max(500).default(''),
});
export type CommandInput = z.input<typeof CommandInput>;

export function presentCommand(c: CommandRow) {
  return {
    id: c.id,
    token: c.token,
    team_id: c.team_id,
    creator_id: c.creator_id,
    trigger: c.trigger,
    method: c.method,
    url: c.url,
    username: c.username,
    icon_url: c.icon_url,
    auto_complete: c.auto_complete,
    auto_complete_desc: c.auto_complete_desc,
    auto_complete_hint: c.auto_complete_hint,
    display_name: c.display_name,
    description: c.description,
    create_at: Number(c.create_at),
    update_at: Number(c.update_at),
    delete_at: Number(c.delete_at),
  };
}
export type PresentedCommand = ReturnType<typeof presentCommand>;

const actor = (auth: Auth, ip: string) => ({ id: auth.user.id, ip, via: 'api' as const });

function checkTrigger(trigger: string) {
  if (Object.prototype.hasOwnProperty.call(builtinCommands, trigger.toLowerCase())) throw badRequest('command_trigger_taken', `/${trigger} is a built-in command`);
}

export async function createCommand(deps: Deps, auth: Auth, raw: unknown, ip: string): Promise<PresentedCommand> {
  await assertIntegrationEnabled(deps, 'enable_commands');
  const input = checkInput(CommandInput, raw);
  checkTrigger(input.trigger);
  await accessIntegrations(deps, deps.db, auth, input.team_id);
  try {
    const row = await inTx(deps, async (tx) => {
      const row = await store.insertCommand(tx, { ...input, id: newId(), token: newId(), creator_id: auth.user.id, create_at: deps.now() });
      await audit(tx, deps.now(), actor(auth, ip), 'command_create', { target_type: 'command', target_id: row.id, details: { trigger: row.trigger, url: row.url } });
      return row;
    });
    return presentCommand(row);
  } catch (e) {
    if (isUniqueViolation(e)) throw conflict('command_trigger_taken', `This team already has a /${input.trigger} command`);
    throw e;
  }
}

/** A command the caller may manage; 404 for any other (ids are secrets: never confirm one). */
function accessCommand(deps: Deps, auth: Auth, id: string): Promise<CommandRow> {
  return accessManaged(deps, auth, id, { noun: 'command', load: store.getCommand, missing: () => notFound('command_not_found', 'Command not found') });
}

export async function getCommand(deps: Deps, auth: Auth, id: string): Promise<PresentedCommand> {
  await assertIntegrationEnabled(deps, 'enable_commands');
  return presentCommand(await accessCommand(deps, auth, id));
}

/** A team's custom commands the caller manages (all of them for team admins). */
export async function listCommands(deps: Deps, auth: Auth, o: { teamId: string; page?: number; perPage?: number }): Promise<PresentedCommand[]> {
  await assertIntegrationEnabled(deps, 'enable_commands');
  if (!isId(o.teamId)) throw badRequest('invalid_id', 'team_id is not a valid id');
  const a = await accessIntegrations(deps, deps.db, auth, o.teamId);
  const limit = Math.min(Math.max(o.perPage ?? 60, 1), COMMAND_PAGE_MAX);
  const rows = await store.listCommands(deps.db, { teamId: o.teamId, creatorId: a.manageOthers ? undefined : auth.user.id, limit, offset: (o.page ?? 0) * limit });
  return rows.map(presentCommand);
}

export async function updateCommand(deps: Deps, auth: Auth, id: string, raw: Record<string, unknown>, ip: string): Promise<PresentedCommand> {
  await assertIntegrationEnabled(deps, 'enable_commands');
  const cmd = await accessCommand(deps, auth, id);
  const input = checkInput(CommandInput, { ...presentCommand(cmd), ...raw, team_id: cmd.team_id });
  checkTrigger(input.trigger);
  try {
    const row = await inTx(deps, async (tx) => {
      const row = await store.updateCommand(tx, cmd.id, input, Math.max(deps.now(), cmd.update_at));
      if (!row) throw notFound('command_not_found', 'Command not found');
      await audit(tx, deps.now(), actor(auth, ip), 'command_update', { target_type: 'command', target_id: cmd.id });
      return row;
    });
    return presentCommand(row);
  } catch (e) {
    if (isUniqueViolation(e)) throw conflict('command_trigger_taken', `This team already has a /${input.trigger} command`);
    throw e;
  }
}

export async function regenerateCommandToken(deps: Deps, auth: Auth, id: string, ip: string): Promise<PresentedCommand> {
  await assertIntegrationEnabled(deps, 'enable_commands');
  const cmd = await accessCommand(deps, auth, id);
  const row = await inTx(deps, async (tx) => {
    const row = await store.setCommandToken(tx, cmd.id, newId(), Math.max(deps.now(), cmd.update_at));
    if (!row) throw notFound('command_not_found', 'Command not found');
    await audit(tx, deps.now(), actor(auth, ip), 'command_regenerate_token', { target_type: 'command', target_id: cmd.id });
    return row;
  });
  return presentCommand(row);
}

export async function deleteCommand(deps: Deps, auth: Auth, id: string, ip: string): Promise<void> {
  await assertIntegrationEnabled(deps, 'enable_commands');
  const cmd = await accessCommand(deps, auth, id);
  await inTx(deps, async (tx) => {
    if (!(await store.deleteCommand(tx, cmd.id, deps.now()))) throw notFound('command_not_found', 'Command not found');
    await audit(tx, deps.now(), actor(auth, ip), 'command_delete', { target_type: 'command', target_id: cmd.id });
  });
}

// ---------------------------------------------------------------- execution

const Answer = z.preprocess(
  withoutNulls,
  z
  .object({
    response_type: z.string().optional(),
    text: z.string().optional(),
    username: z.string().max(64).optional(),
    icon_url: z.string().max(1024).optional(),
    type: z.string().max(64).optional(),
    props: z.record(z.string(), z.unknown()).optional(),
    goto_location: z.string().max(2048).optional(),
    attachments: z.unknown().optional(),
    extra_responses: z.array(z.unknown()).max(10).optional(),
    skip_slack_parsing: z.boolean().optional(),
  })
  .passthrough(),
);
type Answer = z.infer<typeof Answer>;

const failure = (cmd: CommandRow, why: string): CommandResponse => ({ response_type: 'ephemeral', text: `Command with a trigger of '/${cmd.trigger}' failed: ${why}`, goto_location: '' });

/** A relative or http(s) place to go; anything else (javascript:, data:) is dropped. */
const safeGoto = (v: string | undefined) => (v && (/^https?:\/\//i.test(v) || (v.startsWith('/') && !v.startsWith('//'))) ? v : '');

/**
 * Runs a team's custom command for `ctx`, or returns undefined when the team has none with this
 * trigger. A failure of the remote side is answered as an ephemeral text, as Mattermost does.
 */
export async function runCustomCommand(ctx: CommandContext): Promise<CommandResponse | undefined> {
  const { deps } = ctx;
  const settings = await integrationSettings(deps);
  if (!settings.enable_commands) return undefined;
  const cmd = await store.getCommandByTrigger(deps.db, ctx.teamId, ctx.trigger);
  if (!cmd) return undefined;
  const team = (await deps.db.query<{ name: string }>('select name from teams where id = $1', [ctx.teamId]))[0];
  const responseUrl = ctx.origin ? `${ctx.origin}/hooks/commands/${await createCommandWebhook(deps, cmd, ctx)}` : '';
  const fields: Record<string, string> = {
    channel_id: ctx.channel.id,
    channel_name: ctx.channel.name,
    command: `/${ctx.trigger}`,
    response_url: responseUrl,
    team_domain: team?.name ?? '',
    team_id: ctx.teamId,
    text: ctx.args,
    token: cmd.token,
    trigger_id: '',
    user_id: ctx.auth.user.id,
    user_name: ctx.auth.user.username,
    root_id: ctx.rootId,
  };
  const encoded = new URLSearchParams(fields).toString();
  let target = cmd.url;
  if (cmd.method === 'G') target += (target.includes('?') ? '&' : '?') + encoded;
  let answer: Answer;
  try {
    const res = await integrationRequest(deps.config, {
      method: cmd.method === 'G' ? 'GET' : 'POST',
      url: target,
      headers: { authorization: `Token ${cmd.token}`, accept: 'application/json', ...(cmd.method === 'P' ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
      body: cmd.method === 'P' ? encoded : undefined,
    });
    if (res.status < 200 || res.status > 299) return failure(cmd, `the command's URL answered ${res.status}`);
    const text = res.body.toString('utf8');
    const type = String(res.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    if (type === 'application/json') {
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        return failure(cmd, 'the answer is not valid JSON');
      }
      const r = Answer.safeParse(json);
      if (!r.success) return failure(cmd, 'the answer is not a command response');
      answer = r.data;
    } else answer = { text, response_type: 'ephemeral' };
  } catch (e) {
    deps.log.warn('slash command request failed', { command_id: cmd.id, code: e instanceof OutboundError ? e.code : 'error', reason: (e as Error).message });
    return failure(cmd, e instanceof OutboundError && e.code === 'forbidden_address' ? 'its URL is not allowed (see integrations.allowed_internal_hosts)' : e instanceof OutboundError && e.code === 'timeout' ? 'it did not answer in time' : 'its URL could not be reached');
  }
  const first = await handleAnswer(ctx, cmd, answer);
  const extra: CommandResponse[] = [];
  for (const x of answer.extra_responses ?? []) {
    const r = Answer.safeParse(x);
    if (r.success) extra.push(await handleAnswer(ctx, cmd, r.data));
  }
  return extra.length ? { ...first, extra_responses: extra } : first;
}

/** How long a response_url takes answers, and how many (Mattermost's CommandWebhook limits). */
export const COMMAND_WEBHOOK_TTL_MS = 30 * 60_000;
export const COMMAND_WEBHOOK_MAX_USES = 5;

/** Makes the response_url of one run of a command (and forgets expired ones); returns its id. */
async function createCommandWebhook(deps: Deps, cmd: CommandRow, ctx: CommandContext): Promise<string> {
  const id = newId();
  const now = deps.now();
  await deps.db.query('delete from command_webhooks where create_at < $1', [now - COMMAND_WEBHOOK_TTL_MS]);
  await deps.db.query('insert into command_webhooks (id, command_id, user_id, channel_id, root_id, create_at) values ($1, $2, $3, $4, $5, $6)', [id, cmd.id, ctx.auth.user.id, ctx.channel.id, ctx.rootId, now]);
  return id;
}

/**
 * A delayed answer POSTed to a command's response_url: counted against the URL's 5 uses in 30
 * minutes, then handled as the command's own answer would be, as the user who ran it, who must
 * still be active and able to read the channel. Returns the responses for that user's sockets.
 */
export async function answerCommandWebhook(deps: Deps, id: string, raw: unknown): Promise<{ ctx: CommandContext; responses: CommandResponse[] }> {
  await assertIntegrationEnabled(deps, 'enable_commands');
  if (!isId(id)) throw notFound('command_webhook_not_found', 'Unable to find the command webhook');
  const parsed = Answer.safeParse(raw);
  if (!parsed.success) throw badRequest('command_webhook_invalid', 'Unable to parse the command response');
  const rows = await deps.db.query<{ command_id: string; user_id: string; channel_id: string; root_id: string }>(
    `update command_webhooks set use_count = use_count + 1 where id = $1 and use_count < $2 and create_at >= $3 returning command_id, user_id, channel_id, root_id`,
    [id, COMMAND_WEBHOOK_MAX_USES, deps.now() - COMMAND_WEBHOOK_TTL_MS],
  );
  const hook = rows[0];
  if (!hook) {
    const exists = (await deps.db.query('select 1 from command_webhooks where id = $1', [id])).length > 0;
    if (exists) throw badRequest('command_webhook_expired', 'This response URL has expired or was used too many times');
    throw notFound('command_webhook_not_found', 'Unable to find the command webhook');
  }
  const cmd = await store.getCommand(deps.db, hook.command_id);
  if (!cmd) throw badRequest('command_not_found', 'The command of this response URL no longer exists');
  const auth = await actAs(deps, hook.user_id);
  const { channel } = await accessChannel(deps.db, auth, hook.channel_id, { mode: 'read' });
  const ctx: CommandContext = { deps, auth, channel, rootId: hook.root_id, teamId: cmd.team_id, trigger: cmd.trigger, args: '', command: '' };
  const responses = [await handleAnswer(ctx, cmd, parsed.data)];
  for (const x of parsed.data.extra_responses ?? []) {
    const r = Answer.safeParse(x);
    if (r.success) responses.push(await handleAnswer(ctx, cmd, r.data));
  }
  return { ctx, responses };
}

/** Posts an in_channel answer as the caller (from_webhook, overrides per settings); returns the response for the caller. */
async function handleAnswer(ctx: CommandContext, cmd: CommandRow, a: Answer): Promise<CommandResponse> {
  const attachments = processSlackAttachments(a.attachments);
  const text = a.skip_slack_parsing ? (a.text ?? '') : processSlackText(a.text ?? '');
  const responseType = a.response_type === 'in_channel' ? 'in_channel' : 'ephemeral';
  const settings = await integrationSettings(ctx.deps);
  const res: CommandResponse = { response_type: responseType, text, goto_location: safeGoto(a.goto_location), ...(attachments.length ? { attachments } : {}), ...(a.props ? { props: a.props } : {}) };
  if (responseType === 'in_channel' && (text.trim() || attachments.length)) {
    const props = integrationProps(settings, { extra: a.props, username: a.username, defaultUsername: cmd.username || cmd.display_name, iconUrl: a.icon_url || cmd.icon_url, attachments });
    const type = attachments.length ? 'slack_attachment' : a.type && a.type.startsWith('custom_') ? a.type : '';
    await createPost(ctx.deps, ctx.auth, ctx.channel.id, { message: text.slice(0, 16_383), root_id: ctx.rootId || undefined }, { props, type });
  }
  return res;
}
