import { Hono } from 'hono';
import { z } from 'zod';
import type { AppEnv } from '../env.ts';
import { apiRateLimit, requireAuth } from '../middleware.ts';
import { idParam, readJson } from '../validate.ts';
import { addReaction, listReactions, presentReaction, removeReaction } from '../../actions/reactions.ts';

const addSchema = z.object({ emoji_name: z.string() });

/** Reactions on a post: /posts/:id/reactions (mounted at the API root). */
export function reactionsRoutes() {
  const r = new Hono<AppEnv>();

  r.get('/posts/:id/reactions', requireAuth, async (c) => {
    const items = await listReactions(c.get('deps'), c.get('auth'), idParam(c, 'id'));
    return c.json({ items: items.map(presentReaction), next_cursor: null });
  });

  r.post('/posts/:id/reactions', requireAuth, apiRateLimit('reactions'), async (c) => {
    const id = idParam(c, 'id');
    const { emoji_name } = await readJson(c, addSchema);
    const { reaction, created } = await addReaction(c.get('deps'), c.get('auth'), id, emoji_name);
    return c.json(presentReaction(reaction), created ? 201 : 200);
  });

  r.delete('/posts/:id/reactions/:emoji_name', requireAuth, apiRateLimit('reactions'), async (c) => {
    const id = idParam(c, 'id');
    const { removed } = await removeReaction(c.get('deps'), c.get('auth'), id, c.req.param('emoji_name'));
    return c.json({ status: 'ok', removed });
  });

  return r;
}
