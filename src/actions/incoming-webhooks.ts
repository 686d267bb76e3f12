import { z } from 'zod';
import type { Deps } from '../deps.ts';
import { badRequest, forbidden, notFound } from '../errors.ts';
import { isId, newId } from '../ids.ts';
import { inTx } from './tx.ts';
import { audit } from './audit.ts';
import { accessChannel, checkInput } from './access.ts';
import { accessIntegrations, accessManaged, actAs, assertMayPostAs, assertIntegrationEnabled, WEBHOOK_PAGE_MAX } from './integration-access.ts';
import { assertUnderLimit, rateLimitStore } from './rate-limit.ts';
import { createPost, MAX_MESSAGE_CHARS, type CreatedPost } from './posts.ts';
import { getOrCreateDirect } from './channels.ts';
import { processSlackAttachments, processSlackText, withoutNulls } from './slack.ts';
import type { Auth } from './tokens.ts';
import * as store from '../store/incoming-webhooks.ts';
import type { IncomingWebhookRow } from '../store/incoming-webhooks.ts';
import { getChannelByName } from '../store/channels.ts';

/**
 * Incoming webhooks (Mattermost's format, which is Slack's): `POST /hooks/{id}` with a JSON body
 * (or a form with a `payload=` JSON field, or plain form fields) posts into the hook's channel as
 * the hook's creator, marked `from_webhook`. The id is the secret part of the URL.
 */

export { WEBHOOK_PAGE_MAX };
const USERNAME = /^[a-z0-9._-]{1,64}$/i;
const httpUrl = z
  .string()
  .max(1024)
  .refine((v) => v === '' || /^https?:\/\/[^\s]+$/i.test(v), 'must be an http(s) URL');

export const IncomingWebhookInput = z.object({
  channel_id: z.string().refine(isId, 'not a valid id'),
  display_name: z.string().max(64).default(''),
  description: z.string().max(500).default(''),
  username: z.string().max(64).refine((v) => v === '' || USERNAME.test(v), 'not a valid username').default(''),
  icon_url: httpUrl.default(''),
  channel_locked: z.boolean().default(false),
});
export type IncomingWebhookInput = z.input<typeof IncomingWebhookInput>;

export function presentIncomingWebhook(h: IncomingWebhookRow) {
  return {
    id: h.id,
    team_id: h.team_id,
    channel_id: h.channel_id,
    creator_id: h.creator_id,
    display_name: h.display_name,
    description: h.description,
    username: h.username,
    icon_url: h.icon_url,
    channel_locked: h.channel_locked,
    create_at: Number(h.create_at),
    update_at: Number(h.update_at),
    delete_at: Number(h.delete_at),
  };
}
export type PresentedIncomingWebhook = ReturnType<typeof presentIncomingWebhook>;

const actor = (auth: Auth, ip: string) => ({ id: auth.user.id, ip, via: 'api' as const });

/** The hook's channel must be a team channel the creator can read (a member, for private ones). */
async function checkHookChannel(deps: Deps, auth: Auth, channelId: string) {
  const { channel } = await accessChannel(deps.db, auth, channelId, { mode: 'read' });
  if (!channel.team_id) throw badRequest('invalid_channel', 'Webhooks post into team channels, not direct or group messages');
  if (channel.delete_at !== 0) throw forbidden('channel_archived', 'This channel is archived');
  return channel;
}

export async function createIncomingWebhook(deps: Deps, auth: Auth, raw: unknown, ip: string): Promise<PresentedIncomingWebhook> {
  await assertIntegrationEnabled(deps, 'enable_incoming_webhooks');
  const input = checkInput(IncomingWebhookInput, raw);
  const channel = await checkHookChannel(deps, auth, input.channel_id);
  await accessIntegrations(deps, deps.db, auth, channel.team_id);
  const row = await inTx(deps, async (tx) => {
    const row = await store.insertIncomingWebhook(tx, { ...input, id: newId(), team_id: channel.team_id, creator_id: auth.user.id, create_at: deps.now() });
    await audit(tx, deps.now(), actor(auth, ip), 'webhook_create', { target_type: 'incoming_webhook', target_id: row.id, details: { channel_id: row.channel_id } });
    return row;
  });
  return presentIncomingWebhook(row);
}

/** A hook the caller may manage; 404 for any other (ids are secrets: never confirm one). */
function accessHook(deps: Deps, auth: Auth, id: string): Promise<IncomingWebhookRow> {
  return accessManaged(deps, auth, id, { noun: 'hook', load: store.getIncomingWebhook, missing: () => notFound('webhook_not_found', 'Webhook not found') });
}

export async function getIncomingWebhook(deps: Deps, auth: Auth, id: string): Promise<PresentedIncomingWebhook> {
  await assertIntegrationEnabled(deps, 'enable_incoming_webhooks');
  return presentIncomingWebhook(await accessHook(deps, auth, id));
}

/**
 * Hooks newest first. With a team: all of its hooks for those who manage others' hooks, else
 * the caller's own. Without: every hook for system admins, else the caller's own.
 */
export async function listIncomingWebhooks(deps: Deps, auth: Auth, o: { teamId?: string; page?: number; perPage?: number }): Promise<PresentedIncomingWebhook[]> {
  await assertIntegrationEnabled(deps, 'enable_incoming_webhooks');
  const limit = Math.min(Math.max(o.perPage ?? 60, 1), WEBHOOK_PAGE_MAX);
  const offset = (o.page ?? 0) * limit;
  let creatorId: string | undefined;
  if (o.teamId) {
    if (!isId(o.teamId)) throw badRequest('invalid_id', 'team_id is not a valid id');
    const a = await accessIntegrations(deps, deps.db, auth, o.teamId);
    if (!a.manageOthers) creatorId = auth.user.id;
  } else if (!auth.isSystemAdmin) creatorId = auth.user.id;
  const rows = await store.listIncomingWebhooks(deps.db, { teamId: o.teamId ?? null, creatorId, limit, offset });
  return rows.map(presentIncomingWebhook);
}

/** Replaces a hook's settings (the channel must stay in the hook's team). */
export async function updateIncomingWebhook(deps: Deps, auth: Auth, id: string, raw: Record<string, unknown>, ip: string): Promise<PresentedIncomingWebhook> {
  await assertIntegrationEnabled(deps, 'enable_incoming_webhooks');
  const hook = await accessHook(deps, auth, id);
  const input = checkInput(IncomingWebhookInput, { ...presentIncomingWebhook(hook), ...raw });
  if (input.channel_id !== hook.channel_id) {
    const channel = await checkHookChannel(deps, auth, input.channel_id);
    if (channel.team_id !== hook.team_id) throw badRequest('invalid_channel', "The channel must be in the hook's team");
  }
  const row = await inTx(deps, async (tx) => {
    const row = await store.updateIncomingWebhook(tx, hook.id, input, Math.max(deps.now(), hook.update_at));
    if (!row) throw notFound('webhook_not_found', 'Webhook not found');
    await audit(tx, deps.now(), actor(auth, ip), 'webhook_update', { target_type: 'incoming_webhook', target_id: hook.id });
    return row;
  });
  return presentIncomingWebhook(row);
}

export async function deleteIncomingWebhook(deps: Deps, auth: Auth, id: string, ip: string): Promise<void> {
  await assertIntegrationEnabled(deps, 'enable_incoming_webhooks');
  const hook = await accessHook(deps, auth, id);
  await inTx(deps, async (tx) => {
    if (!(await store.deleteIncomingWebhook(tx, hook.id, deps.now()))) throw notFound('webhook_not_found', 'Webhook not found');
    await audit(tx, deps.now(), actor(auth, ip), 'webhook_delete', { target_type: 'incoming_webhook', target_id: hook.id });
  });
}

// ---------------------------------------------------------------- execution

/** What a caller may send to POST /hooks/{id} (Mattermost's IncomingWebhookRequest). */
export const IncomingWebhookPayload = z.preprocess(
  withoutNulls,
  z
  .object({
    text: z.string().optional(),
    channel: z.string().max(128).optional(),
    username: z.string().max(64).optional(),
    icon_url: z.string().max(1024).optional(),
    icon_emoji: z.string().max(64).optional(),
    type: z.string().max(64).optional(),
    props: z.record(z.string(), z.unknown()).optional(),
    attachments: z.unknown().optional(),
  })
  .passthrough(),
);
export type IncomingWebhookPayload = z.infer<typeof IncomingWebhookPayload>;

/** Splits a long text into posts of at most MAX_MESSAGE_CHARS code points, at line breaks where possible. */
export function splitMessage(text: string): string[] {
  const chars = [...text];
  if (chars.length <= MAX_MESSAGE_CHARS) return [text];
  const out: string[] = [];
  let i = 0;
  while (i < chars.length) {
    let end = Math.min(i + MAX_MESSAGE_CHARS, chars.length);
    if (end < chars.length) {
      const nl = chars.lastIndexOf('\n', end - 1);
      if (nl > i) end = nl + 1;
    }
    out.push(chars.slice(i, end).join(''));
    i = end;
  }
  return out;
}

/** Where the payload's `channel` points: the hook's channel, `#name`/`name` in the team, or `@user` (a DM with the creator). */
async function targetChannel(deps: Deps, creator: Auth, hook: IncomingWebhookRow, name: string | undefined): Promise<string> {
  if (!name) return hook.channel_id;
  let channelId: string;
  if (name.startsWith('@')) {
    const rows = await deps.db.query<{ id: string }>('select id from users where lower(username) = lower($1) and delete_at = 0', [name.slice(1)]);
    if (!rows[0]) throw badRequest('webhook_user_not_found', `No user named ${name.slice(1)}`);
    channelId = (await getOrCreateDirect(deps, creator, { user_id: rows[0].id })).channel.id;
  } else {
    const ch = await getChannelByName(deps.db, hook.team_id, name.replace(/^#/, '').toLowerCase());
    if (!ch) throw notFound('webhook_channel_not_found', `No channel named ${name} in the hook's team`);
    channelId = ch.id;
  }
  if (hook.channel_locked && channelId !== hook.channel_id) throw forbidden('webhook_channel_locked', 'This webhook may only post to its own channel');
  return channelId;
}

/**
 * Runs an incoming webhook: validates the payload, applies the per-hook rate limit, resolves
 * the channel, and creates the post(s) as the creator with from_webhook and, where the settings
 * allow, the username and icon overrides. Returns the first post.
 */
export async function executeIncomingWebhook(deps: Deps, hookId: string, raw: unknown): Promise<CreatedPost> {
  const settings = await assertIntegrationEnabled(deps, 'enable_incoming_webhooks');
  if (!isId(hookId)) throw badRequest('webhook_not_found', 'Invalid webhook');
  const hook = await store.getIncomingWebhook(deps.db, hookId);
  if (!hook) throw badRequest('webhook_not_found', 'Invalid webhook');
  const r = IncomingWebhookPayload.safeParse(raw);
  if (!r.success) throw badRequest('webhook_invalid_payload', `Unable to parse the webhook payload: ${r.error.issues[0]?.path.join('.')} ${r.error.issues[0]?.message}`);
  const p = r.data;
  const attachments = processSlackAttachments(p.attachments);
  const text = processSlackText(p.text ?? '');
  if (!text.trim() && !attachments.length) throw badRequest('webhook_text_missing', 'No text specified');
  const type = p.type ?? '';
  if (type && !type.startsWith('custom_')) throw badRequest('invalid_post_type', 'type must be empty or start with custom_');

  const limit = { max: settings.incoming_webhook_rate_per_minute, windowMs: 60_000 };
  const rl = rateLimitStore(deps);
  const key = `hook:${hook.id}`;
  await assertUnderLimit(rl, key, limit, deps.now(), 'This webhook is posting too often; try again later');

  const creator = await actAs(deps, hook.creator_id);
  const channelId = await targetChannel(deps, creator, hook, p.channel);
  await assertMayPostAs(deps.db, creator, channelId);

  const props: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(p.props ?? {})) if (!['from_webhook', 'override_username', 'override_icon_url', 'attachments', 'from_bot'].includes(k)) props[k] = v;
  props.from_webhook = 'true';
  props.webhook_display_name = hook.display_name;
  if (settings.enable_post_username_override) props.override_username = p.username || hook.username || 'webhook';
  if (settings.enable_post_icon_override) {
    const icon = p.icon_url || hook.icon_url;
    if (icon && /^https?:\/\//i.test(icon)) props.override_icon_url = icon;
    if (p.icon_emoji) props.override_icon_emoji = p.icon_emoji;
  }
  if (attachments.length) props.attachments = attachments;
  const postType = attachments.length ? 'slack_attachment' : type;

  await rl.hit(key, limit.windowMs, deps.now());
  // A long text becomes several posts; the attachments go with the last one.
  const parts = splitMessage(text);
  let first: CreatedPost | undefined;
  for (let i = 0; i < parts.length; i++) {
    const last = i === parts.length - 1;
    const partProps = last ? props : { ...props, attachments: undefined };
    if (!last) delete partProps.attachments;
    const created = await createPost(deps, creator, channelId, { message: parts[i] }, { props: partProps, type: last ? postType : type, integration: true });
    first ??= created;
  }
  return first!;
}
