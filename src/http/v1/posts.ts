import { Hono, type Context } from 'hono';
import { z } from 'zod';
import type { AppEnv } from '../env.ts';
import { apiRateLimit, requireAuth } from '../middleware.ts';
import { check, idParam, readJson } from '../validate.ts';
import * as posts from '../../actions/posts.ts';
import { presentView } from '../../actions/posts.ts';
import { listPinned, pinPost, unpinPost } from '../../actions/pins.ts';
import { listSaved, setPostSaved } from '../../actions/saved.ts';
import { markChannelUnreadFrom } from '../../actions/unreads.ts';
import { presentMember } from '../../actions/channels.ts';

const createSchema = z.object({
  message: z.string().optional(),
  root_id: z.string().optional(),
  file_ids: z.array(z.string()).optional(),
  props: z.record(z.string(), z.unknown()).optional(),
  client_msg_id: z.string().optional(),
});
const editSchema = z.object({ message: z.string() });

const intParam = z
  .string()
  .regex(/^\d{1,15}$/, 'expected a non-negative integer')
  .transform(Number);
const historyQuery = z.object({
  before: z.string().optional(),
  after: z.string().optional(),
  since: intParam.optional(),
  limit: intParam.optional(),
});
const savedQuery = z.object({ team_id: z.string().optional(), channel_id: z.string().optional(), before: z.string().optional(), limit: intParam.optional() });
const threadQuery = z.object({ after: z.string().optional(), limit: intParam.optional() });

const query = <S extends z.ZodTypeAny>(c: Context, schema: S): z.infer<S> => check(schema, c.req.query());

/**
 * Posts (API-v1.md "Posts"): /channels/:id/posts, /channels/:id/pinned, /posts/:id… and /saved, mounted
 * at the API root beside the /channels router. The logic lives in actions/posts.ts and pins.ts.
 */
export function postsRoutes() {
  const r = new Hono<AppEnv>();

  r.get('/channels/:id/posts', requireAuth, async (c) => {
    const id = idParam(c, 'id');
    const page = await posts.listChannelPosts(c.get('deps'), c.get('auth'), id, query(c, historyQuery));
    return c.json({ items: page.items.map(presentView), next_cursor: page.next_cursor });
  });

  r.post('/channels/:id/posts', requireAuth, apiRateLimit('posts'), async (c) => {
    const id = idParam(c, 'id');
    const created = await posts.createPost(c.get('deps'), c.get('auth'), id, await readJson(c, createSchema));
    return c.json(presentView(created), created.created ? 201 : 200);
  });

  r.get('/channels/:id/pinned', requireAuth, async (c) => {
    const items = await listPinned(c.get('deps'), c.get('auth'), idParam(c, 'id'));
    return c.json({ items: items.map(presentView), next_cursor: null });
  });

  r.get('/posts/:id', requireAuth, async (c) => c.json(presentView(await posts.getPost(c.get('deps'), c.get('auth'), idParam(c, 'id')))));

  r.patch('/posts/:id', requireAuth, async (c) => {
    const id = idParam(c, 'id');
    return c.json(presentView(await posts.editPost(c.get('deps'), c.get('auth'), id, await readJson(c, editSchema))));
  });

  r.delete('/posts/:id', requireAuth, async (c) => c.json(presentView(await posts.deletePost(c.get('deps'), c.get('auth'), idParam(c, 'id')))));

  r.get('/posts/:id/thread', requireAuth, async (c) => {
    const id = idParam(c, 'id');
    const t = await posts.getThread(c.get('deps'), c.get('auth'), id, query(c, threadQuery));
    return c.json({ root: presentView(t.root), items: t.items.map(presentView), next_cursor: t.next_cursor });
  });

  r.post('/posts/:id/pin', requireAuth, async (c) => c.json(presentView(await pinPost(c.get('deps'), c.get('auth'), idParam(c, 'id')))));
  r.delete('/posts/:id/pin', requireAuth, async (c) => c.json(presentView(await unpinPost(c.get('deps'), c.get('auth'), idParam(c, 'id')))));

  // Earlier versions of my own post (actions/posts.ts getPostEditHistory).
  r.get('/posts/:id/history', requireAuth, async (c) => {
    const { items } = await posts.getPostEditHistory(c.get('deps'), c.get('auth'), idParam(c, 'id'));
    return c.json({ items, next_cursor: null });
  });

  // Mark the channel unread from this post on (actions/unreads.ts).
  r.post('/posts/:id/unread', requireAuth, async (c) => {
    const { member, unread } = await markChannelUnreadFrom(c.get('deps'), c.get('auth'), idParam(c, 'id'));
    return c.json({ member: presentMember(member), unread });
  });

  // Saved messages (actions/saved.ts).
  r.get('/saved', requireAuth, async (c) => {
    const res = await listSaved(c.get('deps'), c.get('auth'), query(c, savedQuery));
    return c.json({ items: res.items.map(presentView), next_cursor: res.next_cursor });
  });
  r.put('/posts/:id/saved', requireAuth, async (c) => c.json(await setPostSaved(c.get('deps'), c.get('auth'), idParam(c, 'id'), true)));
  r.delete('/posts/:id/saved', requireAuth, async (c) => c.json(await setPostSaved(c.get('deps'), c.get('auth'), idParam(c, 'id'), false)));

  return r;
}
