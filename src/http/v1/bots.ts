import { Hono } from 'hono';
import { z } from 'zod';
import type { AppEnv } from '../env.ts';
import { clientIp, requireAuth } from '../middleware.ts';
import { check, idParam, readJson } from '../validate.ts';
import { queryOf } from './users.ts';
import { BOT_PAGE_MAX, assignBot, createBot, getBot, listBots, patchBot, setBotActive } from '../../actions/bots.ts';

const ListQuery = z.object({
  page: z.coerce.number().int().min(0).max(10_000).default(0),
  per_page: z.coerce.number().int().min(1).max(BOT_PAGE_MAX).default(60),
  include_deleted: z.enum(['true', 'false']).default('false'),
});
const Body = z.record(z.string().max(64), z.unknown());

/** Bot accounts. */
export function botRoutes() {
  const r = new Hono<AppEnv>();
  r.use('*', requireAuth);
  r.get('/', async (c) => {
    const q = check(ListQuery, queryOf(c));
    return c.json({ items: await listBots(c.get('deps'), c.get('auth'), { page: q.page, perPage: q.per_page, includeDeleted: q.include_deleted === 'true' }), next_cursor: null });
  });
  r.post('/', async (c) => c.json(await createBot(c.get('deps'), c.get('auth'), await readJson(c, Body), clientIp(c)), 201));
  r.get('/:id', async (c) => c.json(await getBot(c.get('deps'), c.get('auth'), idParam(c, 'id'))));
  r.patch('/:id', async (c) => {
    const id = idParam(c, 'id');
    return c.json(await patchBot(c.get('deps'), c.get('auth'), id, await readJson(c, Body), clientIp(c)));
  });
  r.post('/:id/disable', async (c) => c.json(await setBotActive(c.get('deps'), c.get('auth'), idParam(c, 'id'), false, clientIp(c))));
  r.post('/:id/enable', async (c) => c.json(await setBotActive(c.get('deps'), c.get('auth'), idParam(c, 'id'), true, clientIp(c))));
  r.post('/:id/assign/:user_id', async (c) => c.json(await assignBot(c.get('deps'), c.get('auth'), idParam(c, 'id'), idParam(c, 'user_id'), clientIp(c))));
  return r;
}
