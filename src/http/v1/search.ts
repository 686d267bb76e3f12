import { Hono } from 'hono';
import { z } from 'zod';
import type { AppEnv } from '../env.ts';
import { apiRateLimit, requireAuth } from '../middleware.ts';
import { check } from '../validate.ts';
import { presentView } from '../../actions/posts.ts';
import { searchPosts } from '../../actions/search.ts';

const searchQuery = z.object({
  q: z.string(),
  team_id: z.string().optional(),
  cursor: z.string().optional(),
  limit: z
    .string()
    .regex(/^\d{1,6}$/, 'expected a positive integer')
    .transform(Number)
    .optional(),
  time_zone: z.string().max(64).optional(),
});

/** GET /api/v1/search (docs/api/search.md). */
export function searchRoutes() {
  const r = new Hono<AppEnv>();
  r.get('/', requireAuth, apiRateLimit('searches'), async (c) => {
    const res = await searchPosts(c.get('deps'), c.get('auth'), check(searchQuery, c.req.query()));
    return c.json({ items: res.items.map(presentView), next_cursor: res.next_cursor, matches: res.matches, terms: res.terms });
  });
  return r;
}
