import { Hono } from 'hono';
import { z } from 'zod';
import type { AppEnv } from '../env.ts';
import { requireAuth } from '../middleware.ts';
import { readJson } from '../validate.ts';
import { myStatus, setMyStatus, statusesByIds, STATUSES } from '../../actions/presence.ts';

/** Presence routes, mounted at /users next to the user routes (docs/api/status.md). */
export function statusRoutes() {
  const r = new Hono<AppEnv>();
  r.get('/me/status', requireAuth, async (c) => c.json(await myStatus(c.get('deps'), c.get('auth').user.id)));
  r.put('/me/status', requireAuth, async (c) => {
    const body = await readJson(c, z.object({ status: z.enum(STATUSES), manual: z.boolean().optional() }));
    return c.json(await setMyStatus(c.get('deps'), c.get('auth').user.id, body));
  });
  r.post('/status/ids', requireAuth, async (c) => {
    const body = await readJson(c, z.object({ ids: z.array(z.string()).min(1) }));
    return c.json({ items: await statusesByIds(c.get('deps'), body) });
  });
  return r;
}
