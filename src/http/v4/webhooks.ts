import { Hono } from 'hono';
import { z } from 'zod';
import type { AppEnv } from '../env.ts';
import { clientIp } from '../middleware.ts';
import { readJson } from '../validate.ts';
import {
  createIncomingWebhook,
  deleteIncomingWebhook,
  getIncomingWebhook,
  listIncomingWebhooks,
  updateIncomingWebhook,
  type PresentedIncomingWebhook,
} from '../../actions/incoming-webhooks.ts';
import {
  createOutgoingWebhook,
  deleteOutgoingWebhook,
  getOutgoingWebhook,
  listOutgoingWebhooks,
  regenerateOutgoingWebhookToken,
  updateOutgoingWebhook,
  type PresentedOutgoingWebhook,
} from '../../actions/outgoing-webhooks.ts';
import { mmJson, mmOk } from './respond.ts';
import { mmId, paging } from './params.ts';

/** Mattermost's IncomingWebhook (`user_id` is the creator). */
export const presentMmIncomingWebhook = (h: PresentedIncomingWebhook) => ({
  id: h.id,
  create_at: h.create_at,
  update_at: h.update_at,
  delete_at: h.delete_at,
  user_id: h.creator_id,
  channel_id: h.channel_id,
  team_id: h.team_id,
  display_name: h.display_name,
  description: h.description,
  username: h.username,
  icon_url: h.icon_url,
  channel_locked: h.channel_locked,
});

/** Mattermost's OutgoingWebhook. */
export const presentMmOutgoingWebhook = (h: PresentedOutgoingWebhook) => ({
  id: h.id,
  token: h.token,
  create_at: h.create_at,
  update_at: h.update_at,
  delete_at: h.delete_at,
  creator_id: h.creator_id,
  channel_id: h.channel_id,
  team_id: h.team_id,
  trigger_words: h.trigger_words,
  trigger_when: h.trigger_when,
  callback_urls: h.callback_urls,
  display_name: h.display_name,
  description: h.description,
  content_type: h.content_type,
  username: h.username,
  icon_url: h.icon_url,
});
const OUT_EDITABLE = ['team_id', 'channel_id', 'trigger_words', 'trigger_when', 'callback_urls', 'content_type', 'display_name', 'description', 'username', 'icon_url'] as const;
const pickOut = (b: Record<string, unknown>) => Object.fromEntries(OUT_EDITABLE.filter((k) => b[k] !== undefined).map((k) => [k, b[k]]));

const Body = z.record(z.string().max(64), z.unknown());
// Fields of Mattermost's object the update may change; the rest (ids, times) are the server's.
const EDITABLE = ['channel_id', 'display_name', 'description', 'username', 'icon_url', 'channel_locked'] as const;
const pick = (b: Record<string, unknown>) => Object.fromEntries(EDITABLE.filter((k) => b[k] !== undefined).map((k) => [k, b[k]]));

/** `/hooks/incoming…` (api4/webhook.go). */
export function webhookRoutes() {
  const r = new Hono<AppEnv>();
  r.post('/hooks/incoming', async (c) => {
    const body = await readJson(c, Body);
    return mmJson(c, presentMmIncomingWebhook(await createIncomingWebhook(c.get('deps'), c.get('auth'), pick(body), clientIp(c))), 201);
  });
  r.get('/hooks/incoming', async (c) => {
    const { page, perPage } = paging(c);
    const teamId = c.req.query('team_id') || undefined;
    return mmJson(c, (await listIncomingWebhooks(c.get('deps'), c.get('auth'), { teamId, page, perPage })).map(presentMmIncomingWebhook));
  });
  r.get('/hooks/incoming/:id', async (c) => mmJson(c, presentMmIncomingWebhook(await getIncomingWebhook(c.get('deps'), c.get('auth'), mmId(c, 'id')))));
  r.put('/hooks/incoming/:id', async (c) => {
    const id = mmId(c, 'id');
    const body = await readJson(c, Body);
    return mmJson(c, presentMmIncomingWebhook(await updateIncomingWebhook(c.get('deps'), c.get('auth'), id, pick(body), clientIp(c))));
  });
  r.delete('/hooks/incoming/:id', async (c) => {
    await deleteIncomingWebhook(c.get('deps'), c.get('auth'), mmId(c, 'id'), clientIp(c));
    return mmOk(c);
  });
  r.post('/hooks/outgoing', async (c) => {
    const body = await readJson(c, Body);
    return mmJson(c, presentMmOutgoingWebhook(await createOutgoingWebhook(c.get('deps'), c.get('auth'), pickOut(body), clientIp(c))), 201);
  });
  r.get('/hooks/outgoing', async (c) => {
    const { page, perPage } = paging(c);
    const teamId = c.req.query('team_id') || undefined;
    const channelId = c.req.query('channel_id') || undefined;
    return mmJson(c, (await listOutgoingWebhooks(c.get('deps'), c.get('auth'), { teamId, channelId, page, perPage })).map(presentMmOutgoingWebhook));
  });
  r.get('/hooks/outgoing/:id', async (c) => mmJson(c, presentMmOutgoingWebhook(await getOutgoingWebhook(c.get('deps'), c.get('auth'), mmId(c, 'id')))));
  r.put('/hooks/outgoing/:id', async (c) => {
    const id = mmId(c, 'id');
    const body = await readJson(c, Body);
    const { team_id: _t, ...rest } = pickOut(body);
    return mmJson(c, presentMmOutgoingWebhook(await updateOutgoingWebhook(c.get('deps'), c.get('auth'), id, rest, clientIp(c))));
  });
  r.post('/hooks/outgoing/:id/regen_token', async (c) => mmJson(c, presentMmOutgoingWebhook(await regenerateOutgoingWebhookToken(c.get('deps'), c.get('auth'), mmId(c, 'id'), clientIp(c)))));
  r.delete('/hooks/outgoing/:id', async (c) => {
    await deleteOutgoingWebhook(c.get('deps'), c.get('auth'), mmId(c, 'id'), clientIp(c));
    return mmOk(c);
  });
  return r;
}
