import { z } from 'zod';
import type { Deps } from '../deps.ts';
import type { Db } from '../db/driver.ts';
import { AppError, badRequest, forbidden, notFound } from '../errors.ts';
import { isId, newId } from '../ids.ts';
import { inTx } from './tx.ts';
import { audit } from './audit.ts';
import { accessChannel, checkInput, type ChannelRow } from './access.ts';
import { accessIntegrations, accessManaged, actAs, assertIntegrationEnabled, assertMayPostAs } from './integration-access.ts';
import { integrationSettings, type IntegrationSettings } from './integration-settings.ts';
import { processSlackAttachments, processSlackText, withoutNulls } from './slack.ts';
import type { Auth } from './tokens.ts';
import type { PostRow } from '../store/posts.ts';
import * as store from '../store/outgoing-webhooks.ts';
import type { OutgoingWebhookRow } from '../store/outgoing-webhooks.ts';
import { integrationRequest } from '../outbound/policy.ts';
import { OutboundError } from '../outbound/fetch.ts';
import { WEBHOOK_PAGE_MAX } from './integration-access.ts';

/**
 * Outgoing webhooks (Mattermost's): a post in a public channel of the team whose first word is a
 * trigger word (exactly, or as a prefix), or any post in the hook's channel, is sent to the
 * callback URLs with the hook's token; a JSON answer with `text` or `attachments` is posted back
 * into the channel as the hook's creator. Requests go through the SSRF guard (src/outbound/).
 */

export const CONTENT_TYPES = ['application/x-www-form-urlencoded', 'application/json'] as const;
const httpUrl = z
  .string()
  .max(1024)
  .refine((v) => /^https?:\/\/[^\s]+$/i.test(v), 'must be an http(s) URL');

export const OutgoingWebhookInput = z.object({
  team_id: z.string().refine(isId, 'not a valid id'),
  channel_id: z
    .string()
    .refine((v) => v === '' || isId(v), 'not a valid id')
    .default(''),
  trigger_words: z.array(z.string().trim().min(1).max(64).regex(/^\S+$/, 'a trigger word has no spaces')).max(20).default([]),
  trigger_when: z.union([z.literal(0), z.literal(1)]).default(0),
  callback_urls: z.array(httpUrl).min(1).max(5),
  content_type: z.enum(CONTENT_TYPES).default('application/x-www-form-urlencoded'),
  display_name: z.string().max(64).default(''),
  description: z.string().max(500).default(''),
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
});
export type OutgoingWebhookInput = z.input<typeof OutgoingWebhookInput>;

/** The token is shown to those who manage the hook: the receiver checks it. */
export function presentOutgoingWebhook(h: OutgoingWebhookRow) {
  return {
    id: h.id,
    token: h.token,
    team_id: h.team_id,
    channel_id: h.channel_id,
    creator_id: h.creator_id,
    trigger_words: h.trigger_words,
    trigger_when: h.trigger_when,
    callback_urls: h.callback_urls,
    content_type: h.content_type,
    display_name: h.display_name,
    description: h.description,
    username: h.username,
    icon_url: h.icon_url,
    create_at: Number(h.create_at),
    update_at: Number(h.update_at),
    delete_at: Number(h.delete_at),
  };
}
export type PresentedOutgoingWebhook = ReturnType<typeof presentOutgoingWebhook>;

const actor = (auth: Auth, ip: string) => ({ id: auth.user.id, ip, via: 'api' as const });

// Whether any outgoing hook exists, per database, re-read at most every 5 s: most servers have
// none, and then a post costs no extra query.
const hookCount = new WeakMap<Db, { at: number; n: Promise<number> }>();
function anyHooks(deps: Deps): Promise<number> {
  const e = hookCount.get(deps.db);
  const now = Date.now();
  if (e && now - e.at < 5000) return e.n;
  const n = store.countOutgoingWebhooks(deps.db);
  hookCount.set(deps.db, { at: now, n });
  return n;
}
const forgetCount = (deps: Deps) => hookCount.delete(deps.db);

async function checkInputFor(deps: Deps, auth: Auth, input: z.infer<typeof OutgoingWebhookInput>) {
  if (input.channel_id) {
    const { channel } = await accessChannel(deps.db, auth, input.channel_id, { mode: 'read' });
    if (channel.type !== 'O') throw forbidden('channel_not_public', 'Outgoing webhooks only watch public channels');
    if (channel.team_id !== input.team_id) throw badRequest('invalid_channel', "The channel must be in the hook's team");
  } else if (!input.trigger_words.length) throw badRequest('triggers_required', 'Give a channel, trigger words, or both');
}

export async function createOutgoingWebhook(deps: Deps, auth: Auth, raw: unknown, ip: string): Promise<PresentedOutgoingWebhook> {
  await assertIntegrationEnabled(deps, 'enable_outgoing_webhooks');
  const input = checkInput(OutgoingWebhookInput, raw);
  await accessIntegrations(deps, deps.db, auth, input.team_id);
  await checkInputFor(deps, auth, input);
  const row = await inTx(deps, async (tx) => {
    const row = await store.insertOutgoingWebhook(tx, { ...input, id: newId(), token: newId(), creator_id: auth.user.id, create_at: deps.now() });
    await audit(tx, deps.now(), actor(auth, ip), 'webhook_create', { target_type: 'outgoing_webhook', target_id: row.id, details: { callback_urls: row.callback_urls } });
    return row;
  });
  forgetCount(deps);
  return presentOutgoingWebhook(row);
}

/** A hook the caller may manage; 404 for any other (ids are secrets: never confirm one). */
function accessHook(deps: Deps, auth: Auth, id: string): Promise<OutgoingWebhookRow> {
  return accessManaged(deps, auth, id, { noun: 'hook', load: store.getOutgoingWebhook, missing: () => notFound('webhook_not_found', 'Webhook not found') });
}

export async function getOutgoingWebhook(deps: Deps, auth: Auth, id: string): Promise<PresentedOutgoingWebhook> {
  await assertIntegrationEnabled(deps, 'enable_outgoing_webhooks');
  return presentOutgoingWebhook(await accessHook(deps, auth, id));
}

export async function listOutgoingWebhooks(deps: Deps, auth: Auth, o: { teamId?: string; channelId?: string; page?: number; perPage?: number }): Promise<PresentedOutgoingWebhook[]> {
  await assertIntegrationEnabled(deps, 'enable_outgoing_webhooks');
  const limit = Math.min(Math.max(o.perPage ?? 60, 1), WEBHOOK_PAGE_MAX);
  let creatorId: string | undefined;
  let teamId = o.teamId;
  if (o.channelId) {
    if (!isId(o.channelId)) throw badRequest('invalid_id', 'channel_id is not a valid id');
    const { channel } = await accessChannel(deps.db, auth, o.channelId, { mode: 'read' });
    teamId = channel.team_id;
  }
  if (teamId) {
    if (!isId(teamId)) throw badRequest('invalid_id', 'team_id is not a valid id');
    const a = await accessIntegrations(deps, deps.db, auth, teamId);
    if (!a.manageOthers) creatorId = auth.user.id;
  } else if (!auth.isSystemAdmin) creatorId = auth.user.id;
  const rows = await store.listOutgoingWebhooks(deps.db, { teamId: teamId ?? null, channelId: o.channelId, creatorId, limit, offset: (o.page ?? 0) * limit });
  return rows.map(presentOutgoingWebhook);
}

export async function updateOutgoingWebhook(deps: Deps, auth: Auth, id: string, raw: Record<string, unknown>, ip: string): Promise<PresentedOutgoingWebhook> {
  await assertIntegrationEnabled(deps, 'enable_outgoing_webhooks');
  const hook = await accessHook(deps, auth, id);
  const input = checkInput(OutgoingWebhookInput, { ...presentOutgoingWebhook(hook), ...raw, team_id: hook.team_id });
  await checkInputFor(deps, auth, input);
  const row = await inTx(deps, async (tx) => {
    const row = await store.updateOutgoingWebhook(tx, hook.id, input, Math.max(deps.now(), hook.update_at));
    if (!row) throw notFound('webhook_not_found', 'Webhook not found');
    await audit(tx, deps.now(), actor(auth, ip), 'webhook_update', { target_type: 'outgoing_webhook', target_id: hook.id });
    return row;
  });
  return presentOutgoingWebhook(row);
}

export async function regenerateOutgoingWebhookToken(deps: Deps, auth: Auth, id: string, ip: string): Promise<PresentedOutgoingWebhook> {
  await assertIntegrationEnabled(deps, 'enable_outgoing_webhooks');
  const hook = await accessHook(deps, auth, id);
  const row = await inTx(deps, async (tx) => {
    const row = await store.setOutgoingWebhookToken(tx, hook.id, newId(), Math.max(deps.now(), hook.update_at));
    if (!row) throw notFound('webhook_not_found', 'Webhook not found');
    await audit(tx, deps.now(), actor(auth, ip), 'webhook_regenerate_token', { target_type: 'outgoing_webhook', target_id: hook.id });
    return row;
  });
  return presentOutgoingWebhook(row);
}

export async function deleteOutgoingWebhook(deps: Deps, auth: Auth, id: string, ip: string): Promise<void> {
  await assertIntegrationEnabled(deps, 'enable_outgoing_webhooks');
  const hook = await accessHook(deps, auth, id);
  await inTx(deps, async (tx) => {
    if (!(await store.deleteOutgoingWebhook(tx, hook.id, deps.now()))) throw notFound('webhook_not_found', 'Webhook not found');
    await audit(tx, deps.now(), actor(auth, ip), 'webhook_delete', { target_type: 'outgoing_webhook', target_id: hook.id });
  });
  forgetCount(deps);
}

// ---------------------------------------------------------------- firing

/** The trigger word a message fires a hook with ('' for a channel hook without words), or undefined. */
export function matchTrigger(hook: Pick<OutgoingWebhookRow, 'trigger_words' | 'trigger_when' | 'channel_id'>, message: string): string | undefined {
  if (!hook.trigger_words.length) return hook.channel_id ? '' : undefined;
  const first = message.trim().split(/\s+/)[0] ?? '';
  if (!first) return undefined;
  return hook.trigger_words.find((w) => (hook.trigger_when === 1 ? first.startsWith(w) : first === w));
}

const OutgoingResponse = z.preprocess(
  withoutNulls,
  z
  .object({
    text: z.string().optional(),
    response_type: z.string().optional(),
    username: z.string().max(64).optional(),
    icon_url: z.string().max(1024).optional(),
    type: z.string().max(64).optional(),
    props: z.record(z.string(), z.unknown()).optional(),
    attachments: z.unknown().optional(),
  })
  .passthrough(),
);

/** Props of a post the server makes for a hook or command: from_webhook, overrides where allowed. */
export function integrationProps(settings: IntegrationSettings, o: { extra?: Record<string, unknown>; username?: string; iconUrl?: string; defaultUsername?: string; attachments?: Record<string, unknown>[] }): Record<string, unknown> {
  const props: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o.extra ?? {})) if (!['from_webhook', 'override_username', 'override_icon_url', 'attachments', 'from_bot'].includes(k)) props[k] = v;
  props.from_webhook = 'true';
  if (settings.enable_post_username_override) props.override_username = o.username || o.defaultUsername || 'webhook';
  if (settings.enable_post_icon_override && o.iconUrl && /^https?:\/\//i.test(o.iconUrl)) props.override_icon_url = o.iconUrl;
  if (o.attachments?.length) props.attachments = o.attachments;
  return props;
}

/** Sends one hook's payload to one URL (one retry on a connection failure or 5xx); returns the parsed answer or undefined. */
async function call(deps: Deps, hook: OutgoingWebhookRow, url: string, body: string): Promise<z.infer<typeof OutgoingResponse> | undefined> {
  for (let attempt = 1; ; attempt++) {
    try {
      const res = await integrationRequest(deps.config, { method: 'POST', url, body, headers: { 'content-type': hook.content_type, accept: 'application/json' } });
      if (res.status >= 500 && attempt < 2) continue;
      if (res.status < 200 || res.status > 299) {
        deps.log.warn('outgoing webhook answered with an error', { hook_id: hook.id, status: res.status });
        return undefined;
      }
      const text = res.body.toString('utf8').trim();
      if (!text) return undefined;
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        deps.log.warn('outgoing webhook answer is not JSON', { hook_id: hook.id });
        return undefined;
      }
      const r = OutgoingResponse.safeParse(json);
      return r.success ? r.data : undefined;
    } catch (e) {
      if (e instanceof OutboundError && e.code === 'connect_failed' && attempt < 2) {
        await new Promise((r) => setTimeout(r, 500));
        continue;
      }
      deps.log.warn('outgoing webhook request failed', { hook_id: hook.id, code: e instanceof OutboundError ? e.code : 'error', reason: (e as Error).message });
      return undefined;
    }
  }
}

/** Posts a hook's answer in the hook's channel as the hook's creator (posts.ts passes its createPost). */
export type PostAnswer = (creator: Auth, input: { message: string; root_id: string }, server: { props: Record<string, unknown>; type: string; integration: boolean }) => Promise<unknown>;

/**
 * Fires the outgoing hooks a new post matches, in the background (the poster never waits).
 * Posts made by hooks and commands (from_webhook) and system posts never fire hooks. Returns a
 * promise that settles when every callback has been handled (tests wait on it). Answers are
 * posted through `postAnswer`: posting is posts.ts's, which calls this (no import cycle).
 */
export async function fireOutgoingWebhooks(deps: Deps, auth: Auth, channel: ChannelRow, post: PostRow, postAnswer: PostAnswer): Promise<void> {
  if (channel.type !== 'O' || post.type !== '' || post.props?.from_webhook === 'true') return;
  if ((await anyHooks(deps)) === 0) return;
  const settings = await integrationSettings(deps);
  if (!settings.enable_outgoing_webhooks) return;
  const hooks = await store.outgoingWebhooksFor(deps.db, channel.team_id, channel.id);
  const team = hooks.length ? (await deps.db.query<{ name: string }>('select name from teams where id = $1', [channel.team_id]))[0] : undefined;
  await Promise.all(
    hooks.map(async (hook) => {
      const trigger = matchTrigger(hook, post.message);
      if (trigger === undefined) return;
      // A hook speaks for its creator: once they are deactivated or may no longer post here (left
      // the team), the channel's messages are not sent to their URL and no answer is posted.
      let creator: Auth;
      try {
        creator = await actAs(deps, hook.creator_id);
        await assertMayPostAs(deps.db, creator, channel.id);
      } catch (e) {
        deps.log.warn('outgoing webhook not fired: its creator may no longer post here', { hook_id: hook.id, code: e instanceof AppError ? e.code : 'error' });
        return;
      }
      // Mattermost's OutgoingWebhookPayload: JSON has the timestamp in milliseconds (a number),
      // the form in whole seconds; file_ids is one comma-separated string in both.
      const payload = {
        token: hook.token,
        team_id: channel.team_id,
        team_domain: team?.name ?? '',
        channel_id: channel.id,
        channel_name: channel.name,
        timestamp: Number(post.create_at),
        user_id: auth.user.id,
        user_name: auth.user.username,
        post_id: post.id,
        text: post.message,
        trigger_word: trigger,
        file_ids: post.file_ids.join(','),
      };
      const body = hook.content_type === 'application/json' ? JSON.stringify(payload) : new URLSearchParams({ ...payload, timestamp: String(Math.floor(payload.timestamp / 1000)) }).toString();
      for (const url of hook.callback_urls) {
        const answer = await call(deps, hook, url, body);
        if (!answer) continue;
        try {
          const attachments = processSlackAttachments(answer.attachments);
          const text = processSlackText(answer.text ?? '');
          if (!text.trim() && !attachments.length) continue;
          const props = integrationProps(settings, { extra: answer.props, username: answer.username, defaultUsername: hook.username, iconUrl: answer.icon_url || hook.icon_url, attachments });
          props.webhook_display_name = hook.display_name;
          const rootId = answer.response_type === 'comment' ? post.root_id || post.id : '';
          await postAnswer(creator, { message: text.slice(0, 16_383), root_id: rootId }, { props, type: attachments.length ? 'slack_attachment' : '', integration: true });
        } catch (e) {
          deps.log.warn('outgoing webhook answer could not be posted', { hook_id: hook.id, reason: (e as Error).message });
        }
      }
    }),
  );
}
