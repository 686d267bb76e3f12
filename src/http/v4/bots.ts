import { Hono } from 'hono';
import { z } from 'zod';
import type { AppEnv } from '../env.ts';
import { clientIp } from '../middleware.ts';
import { readJson } from '../validate.ts';
import { assignBot, createBot, getBot, listBots, patchBot, setBotActive } from '../../actions/bots.ts';
import { mmJson } from './respond.ts';
import { mmId, paging } from './params.ts';

const Body = z.record(z.string().max(64), z.unknown());
const pick = (b: Record<string, unknown>, keys: string[]) => Object.fromEntries(keys.filter((k) => b[k] !== undefined).map((k) => [k, b[k]]));

/** `/bots…` (api4/bot.go); the Bot object is the native one, which has Mattermost's fields. */
export function botRoutes() {
  const r = new Hono<AppEnv>();
  r.post('/bots', async (c) => mmJson(c, await createBot(c.get('deps'), c.get('auth'), pick(await readJson(c, Body), ['username', 'display_name', 'description']), clientIp(c)), 201));
  r.get('/bots', async (c) => {
    const { page, perPage } = paging(c);
    return mmJson(c, await listBots(c.get('deps'), c.get('auth'), { page, perPage, includeDeleted: c.req.query('include_deleted') === 'true' || c.req.query('only_orphaned') === 'true' }));
  });
  r.get('/bots/:id', async (c) => mmJson(c, await getBot(c.get('deps'), c.get('auth'), mmId(c, 'id'))));
  r.put('/bots/:id', async (c) => {
    const id = mmId(c, 'id');
    return mmJson(c, await patchBot(c.get('deps'), c.get('auth'), id, pick(await readJson(c, Body), ['username', 'display_name', 'description']), clientIp(c)));
  });
  r.post('/bots/:id/disable', async (c) => mmJson(c, await setBotActive(c.get('deps'), c.get('auth'), mmId(c, 'id'), false, clientIp(c))));
  r.post('/bots/:id/enable', async (c) => mmJson(c, await setBotActive(c.get('deps'), c.get('auth'), mmId(c, 'id'), true, clientIp(c))));
  r.post('/bots/:id/assign/:uid', async (c) => mmJson(c, await assignBot(c.get('deps'), c.get('auth'), mmId(c, 'id'), mmId(c, 'uid'), clientIp(c))));
  return r;
}
