import { Hono } from 'hono';
import { z } from 'zod';
import type { AppEnv } from '../env.ts';
import { clientIp, requireAuth } from '../middleware.ts';
import { check, idParam, readJson } from '../validate.ts';
import { queryOf } from './users.ts';
import {
  WEBHOOK_PAGE_MAX,
  createIncomingWebhook,
  deleteIncomingWebhook,
  getIncomingWebhook,
  listIncomingWebhooks,
  updateIncomingWebhook,
} from '../../actions/incoming-webhooks.ts';
import {
  createOutgoingWebhook,
  deleteOutgoingWebhook,
  getOutgoingWebhook,
  listOutgoingWebhooks,
  regenerateOutgoingWebhookToken,
  updateOutgoingWebhook,
} from '../../actions/outgoing-webhooks.ts';

const ListQuery = z.object({
  team_id: z.string().max(26).optional(),
  channel_id: z.string().max(26).optional(),
  page: z.coerce.number().int().min(0).max(10_000).default(0),
  per_page: z.coerce.number().int().min(1).max(WEBHOOK_PAGE_MAX).default(60),
});
const HookBody = z.record(z.string().max(64), z.unknown());

/** Webhooks: /hooks/incoming (the hook's URL to post to is /hooks/{id}, outside the API). */
export function webhookRoutes() {
  const r = new Hono<AppEnv>();
  r.use('*', requireAuth);
  r.get('/incoming', async (c) => {
    const q = check(ListQuery, queryOf(c));
    return c.json({ items: await listIncomingWebhooks(c.get('deps'), c.get('auth'), { teamId: q.team_id, page: q.page, perPage: q.per_page }), next_cursor: null });
  });
  r.post('/incoming', async (c) => c.json(await createIncomingWebhook(c.get('deps'), c.get('auth'), await readJson(c, HookBody), clientIp(c)), 201));
  r.get('/incoming/:id', async (c) => c.json(await getIncomingWebhook(c.get('deps'), c.get('auth'), idParam(c, 'id'))));
  r.patch('/incoming/:id', async (c) => {
    const id = idParam(c, 'id');
    return c.json(await updateIncomingWebhook(c.get('deps'), c.get('auth'), id, await readJson(c, HookBody), clientIp(c)));
  });
  r.delete('/incoming/:id', async (c) => {
    await deleteIncomingWebhook(c.get('deps'), c.get('auth'), idParam(c, 'id'), clientIp(c));
    return c.body(null, 204);
  });
  r.get('/outgoing', async (c) => {
    const q = check(ListQuery, queryOf(c));
    return c.json({ items: await listOutgoingWebhooks(c.get('deps'), c.get('auth'), { teamId: q.team_id, channelId: q.channel_id, page: q.page, perPage: q.per_page }), next_cursor: null });
  });
  r.post('/outgoing', async (c) => c.json(await createOutgoingWebhook(c.get('deps'), c.get('auth'), await readJson(c, HookBody), clientIp(c)), 201));
  r.get('/outgoing/:id', async (c) => c.json(await getOutgoingWebhook(c.get('deps'), c.get('auth'), idParam(c, 'id'))));
  r.patch('/outgoing/:id', async (c) => {
    const id = idParam(c, 'id');
    return c.json(await updateOutgoingWebhook(c.get('deps'), c.get('auth'), id, await readJson(c, HookBody), clientIp(c)));
  });
  r.post('/outgoing/:id/regen_token', async (c) => c.json(await regenerateOutgoingWebhookToken(c.get('deps'), c.get('auth'), idParam(c, 'id'), clientIp(c))));
  r.delete('/outgoing/:id', async (c) => {
    await deleteOutgoingWebhook(c.get('deps'), c.get('auth'), idParam(c, 'id'), clientIp(c));
    return c.body(null, 204);
  });
  return r;
}
