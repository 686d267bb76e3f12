import { Hono } from 'hono';
import { z } from 'zod';
import type { AppEnv } from '../env.ts';
import { clientIp, requireAuth } from '../middleware.ts';
import { siteOrigin } from '../session-cookies.ts';
import { check, idParam, readJson } from '../validate.ts';
import { queryOf } from './users.ts';
import { commandSuggestions, executeCommand } from '../../actions/commands.ts';
import { COMMAND_PAGE_MAX, createCommand, deleteCommand, getCommand, listCommands, regenerateCommandToken, updateCommand } from '../../actions/custom-commands.ts';

const ListQuery = z.object({
  team_id: z.string().max(26),
  page: z.coerce.number().int().min(0).max(10_000).default(0),
  per_page: z.coerce.number().int().min(1).max(COMMAND_PAGE_MAX).default(60),
});
const Body = z.record(z.string().max(64), z.unknown());
const Execute = z.object({ command: z.string().max(4000), channel_id: z.string().max(26), root_id: z.string().max(26).optional(), team_id: z.string().max(26).optional() });

/** Slash commands: run one, autocomplete, and a team's custom commands. */
export function commandRoutes() {
  const r = new Hono<AppEnv>();
  r.use('*', requireAuth);
  r.post('/execute', async (c) => c.json(await executeCommand(c.get('deps'), c.get('auth'), { ...(await readJson(c, Execute)), origin: siteOrigin(c) })));
  r.get('/autocomplete', async (c) => {
    const q = check(z.object({ team_id: z.string().max(26), q: z.string().max(128).default('') }), queryOf(c));
    return c.json({ items: await commandSuggestions(c.get('deps'), c.get('auth'), q.team_id, q.q), next_cursor: null });
  });
  r.get('/', async (c) => {
    const q = check(ListQuery, queryOf(c));
    return c.json({ items: await listCommands(c.get('deps'), c.get('auth'), { teamId: q.team_id, page: q.page, perPage: q.per_page }), next_cursor: null });
  });
  r.post('/', async (c) => c.json(await createCommand(c.get('deps'), c.get('auth'), await readJson(c, Body), clientIp(c)), 201));
  r.get('/:id', async (c) => c.json(await getCommand(c.get('deps'), c.get('auth'), idParam(c, 'id'))));
  r.patch('/:id', async (c) => {
    const id = idParam(c, 'id');
    return c.json(await updateCommand(c.get('deps'), c.get('auth'), id, await readJson(c, Body), clientIp(c)));
  });
  r.post('/:id/regen_token', async (c) => c.json(await regenerateCommandToken(c.get('deps'), c.get('auth'), idParam(c, 'id'), clientIp(c))));
  r.delete('/:id', async (c) => {
    await deleteCommand(c.get('deps'), c.get('auth'), idParam(c, 'id'), clientIp(c));
    return c.body(null, 204);
  });
  return r;
}
