import { Hono, type Context } from 'hono';
import { z } from 'zod';
import type { AppEnv } from '../env.ts';
import { requireAuth } from '../middleware.ts';
import { idParam, readJson } from '../validate.ts';
import { getPreferences, savePreferences } from '../../actions/preferences.ts';

/** `me` or a user id (another user's: system admins only, checked by the action). */
const userId = (c: Context<AppEnv>) => (c.req.param('id') === 'me' ? c.get('auth').user.id : idParam(c, 'id'));
const present = (p: { user_id: string; category: string; name: string; value: string }) => ({ user_id: p.user_id, category: p.category, name: p.name, value: p.value });

/**
 * A user's preferences (the same rows as Mattermost's: `recent_emojis`, `flagged_post`,
 * `favorite_channel`, display settings, …), mounted at /users before the user routes.
 */
export function preferencesRoutes() {
  const r = new Hono<AppEnv>();
  r.get('/:id/preferences', requireAuth, async (c) => {
    const category = c.req.query('category') || undefined;
    const rows = await getPreferences(c.get('deps'), c.get('auth'), userId(c), category);
    return c.json({ items: rows.map(present), next_cursor: null });
  });
  r.put('/:id/preferences', requireAuth, async (c) => {
    const rows = await savePreferences(c.get('deps'), c.get('auth'), userId(c), await readJson(c, z.unknown()));
    return c.json({ items: rows.map(present) });
  });
  return r;
}
