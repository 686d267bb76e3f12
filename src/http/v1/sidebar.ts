import { Hono, type Context } from 'hono';
import { z } from 'zod';
import type { AppEnv } from '../env.ts';
import { requireAuth } from '../middleware.ts';
import { idParam, readJson } from '../validate.ts';
import * as sidebar from '../../actions/sidebar.ts';

/**
 * My sidebar categories in a team (docs/api/channels.md "Sidebar categories"): favorites,
 * channels, direct messages and custom categories, their order, sorting, muted and collapsed
 * state. The logic lives in actions/sidebar.ts.
 */
const x = (c: Context<AppEnv>) => ({ deps: c.get('deps'), auth: c.get('auth'), tid: idParam(c, 'id') });
const body = (c: Context<AppEnv>) => readJson(c, z.unknown());

export function sidebarRoutes() {
  const r = new Hono<AppEnv>();
  r.use('/:id/categories', requireAuth);
  r.use('/:id/categories/*', requireAuth);
  r.get('/:id/categories', async (c) => {
    const { deps, auth, tid } = x(c);
    return c.json(await sidebar.getCategories(deps, auth, 'me', tid));
  });
  r.post('/:id/categories', async (c) => {
    const { deps, auth, tid } = x(c);
    return c.json(await sidebar.createCategory(deps, auth, 'me', tid, await body(c)), 201);
  });
  r.put('/:id/categories/order', async (c) => {
    const { deps, auth, tid } = x(c);
    return c.json({ order: await sidebar.setCategoryOrder(deps, auth, 'me', tid, ((await body(c)) as { order?: unknown })?.order) });
  });
  r.patch('/:id/categories/:cid', async (c) => {
    const { deps, auth, tid } = x(c);
    return c.json(await sidebar.updateCategory(deps, auth, 'me', tid, c.req.param('cid'), await body(c)));
  });
  r.delete('/:id/categories/:cid', async (c) => {
    const { deps, auth, tid } = x(c);
    await sidebar.deleteCategory(deps, auth, 'me', tid, c.req.param('cid'));
    return c.body(null, 204);
  });
  return r;
}
