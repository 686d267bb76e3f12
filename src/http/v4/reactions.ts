import { apiRateLimit } from '../middleware.ts';
import { Hono } from 'hono';
import { z } from 'zod';
import type { AppEnv } from '../env.ts';
import { readJson } from '../validate.ts';
import { forbidden } from '../../errors.ts';
import { addReaction, listReactions, listReactionsOfPosts, removeReaction } from '../../actions/reactions.ts';
import { presentMmReaction } from './presenters.ts';
import { mmJson, mmOk } from './respond.ts';
import { mmId } from './params.ts';

export function reactionRoutes() {
  const r = new Hono<AppEnv>();
  r.post('/reactions', apiRateLimit('reactions'), async (c) => {
    const body = await readJson(c, z.object({ user_id: z.string(), post_id: z.string(), emoji_name: z.string(), create_at: z.number().optional() }));
    const auth = c.get('auth');
    if (body.user_id !== auth.user.id) throw forbidden('forbidden', 'You can only react as yourself');
    const { reaction } = await addReaction(c.get('deps'), auth, body.post_id, body.emoji_name);
    return mmJson(c, presentMmReaction(reaction, reaction.channel_id));
  });
  r.delete('/users/:uid/posts/:pid/reactions/:name', apiRateLimit('reactions'), async (c) => {
    const auth = c.get('auth');
    const uid = mmId(c, 'uid', true);
    if (uid !== auth.user.id) throw forbidden('forbidden', "You cannot remove another user's reaction");
    await removeReaction(c.get('deps'), auth, mmId(c, 'pid'), c.req.param('name'));
    return mmOk(c);
  });
  r.get('/posts/:pid/reactions', async (c) => {
    const rows = await listReactions(c.get('deps'), c.get('auth'), mmId(c, 'pid'));
    return mmJson(c, rows.map((r) => presentMmReaction(r, r.channel_id)));
  });
  r.post('/posts/ids/reactions', async (c) => {
    const ids = await readJson(c, z.array(z.string()).max(200));
    // Posts the caller cannot see are left out.
    const byPost = await listReactionsOfPosts(c.get('deps'), c.get('auth'), ids);
    const out: Record<string, ReturnType<typeof presentMmReaction>[]> = {};
    for (const [id, rows] of byPost) out[id] = rows.map((r) => presentMmReaction(r, r.channel_id));
    return mmJson(c, out);
  });
  return r;
}
