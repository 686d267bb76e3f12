import { Hono, type Context } from 'hono';
import { z } from 'zod';
import type { AppEnv } from '../env.ts';
import { requireAuth } from '../middleware.ts';
import { check, idParam, readJson } from '../validate.ts';
import * as threads from '../../actions/threads.ts';

const intParam = z
  .string()
  .regex(/^\d{1,15}$/, 'expected a non-negative integer')
  .transform(Number);
const boolParam = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');
const listQuery = z.object({
  team_id: z.string().optional(),
  before: z.string().optional(),
  after: z.string().optional(),
  limit: intParam.optional(),
  since: intParam.optional(),
  unread: boolParam.optional(),
  include_deleted: boolParam.optional(),
  exclude_direct: boolParam.optional(),
});
const readBody = z.object({ timestamp: z.number().int().min(0).optional() });
const unreadBody = z.object({ post_id: z.string() });
const readAllBody = z.object({ team_id: z.string() });

const query = <S extends z.ZodTypeAny>(c: Context, schema: S): z.infer<S> => check(schema, c.req.query());

/**
 * Threads I follow (collapsed reply threads, docs/api/threads.md). A thread's id is its root
 * post's id. The logic lives in actions/threads.ts.
 */
export function threadsRoutes() {
  const r = new Hono<AppEnv>();
  r.use('*', requireAuth);

  r.get('/', async (c) => c.json(await threads.listThreads(c.get('deps'), c.get('auth'), query(c, listQuery))));

  // Before /:id so that "read" is not taken for an id.
  r.post('/read', async (c) => {
    const body = await readJson(c, readAllBody);
    return c.json(await threads.markAllThreadsRead(c.get('deps'), c.get('auth'), body.team_id));
  });

  r.get('/:id', async (c) => c.json(await threads.getThreadState(c.get('deps'), c.get('auth'), idParam(c, 'id'))));
  r.put('/:id/following', async (c) => c.json(await threads.setThreadFollowing(c.get('deps'), c.get('auth'), idParam(c, 'id'), true)));
  r.delete('/:id/following', async (c) => c.json(await threads.setThreadFollowing(c.get('deps'), c.get('auth'), idParam(c, 'id'), false)));
  r.post('/:id/read', async (c) => {
    const id = idParam(c, 'id');
    const body = await readJson(c, readBody);
    return c.json(await threads.markThreadRead(c.get('deps'), c.get('auth'), id, body.timestamp));
  });
  r.post('/:id/unread', async (c) => {
    const id = idParam(c, 'id');
    const body = await readJson(c, unreadBody);
    return c.json(await threads.markThreadUnread(c.get('deps'), c.get('auth'), id, body.post_id));
  });
  return r;
}
