import { Hono, type Context } from 'hono';
import { z } from 'zod';
import type { AppEnv } from '../env.ts';
import { apiRateLimit, clientIp, requireAuth } from '../middleware.ts';
import { check, readJson } from '../validate.ts';
import { badRequest } from '../../errors.ts';
import * as emoji from '../../actions/emoji.ts';
import { emojiImageResponse, readEmojiUpload } from '../emoji-upload.ts';

const intParam = z
  .string()
  .regex(/^\d{1,15}$/, 'expected a non-negative integer')
  .transform(Number);
const listQuery = z.object({ sort: z.enum(['create_at', 'name']).optional(), cursor: z.string().optional(), limit: intParam.optional() });
const searchQuery = z.object({ q: z.string(), prefix: z.enum(['0', '1', 'true', 'false']).optional(), limit: intParam.optional() });
const namesBody = z.object({ names: z.array(z.string()) });
const query = <S extends z.ZodTypeAny>(c: Context, schema: S): z.infer<S> => check(schema, c.req.query());

const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 200;

/** Custom emoji (docs/api/emoji.md), mounted at /emoji. The logic lives in actions/emoji.ts. */
export function emojiRoutes() {
  const r = new Hono<AppEnv>();
  r.use('*', requireAuth);

  r.get('/', async (c) => {
    const q = query(c, listQuery);
    const limit = Math.min(q.limit || DEFAULT_LIMIT, MAX_LIMIT);
    const sort = q.sort ?? 'create_at';
    const rows = await emoji.listEmoji(c.get('deps'), c.get('auth'), { sort, after: q.cursor, limit });
    const last = rows[rows.length - 1];
    return c.json({ items: rows.map(emoji.presentEmoji), next_cursor: rows.length === limit ? (sort === 'name' ? last.name : last.id) : null });
  });

  r.post('/', apiRateLimit('uploads'), async (c) => {
    const { fields, image } = await readEmojiUpload(c);
    if (!image) throw badRequest('no_image', 'The upload has no image part');
    const row = await emoji.createEmoji(c.get('deps'), c.get('auth'), { name: fields.get('name'), image });
    return c.json(emoji.presentEmoji(row), 201);
  });

  r.post('/names', async (c) => {
    const { names } = await readJson(c, namesBody);
    return c.json({ items: (await emoji.emojiByNames(c.get('deps'), c.get('auth'), names)).map(emoji.presentEmoji) });
  });

  r.get('/search', async (c) => {
    const q = query(c, searchQuery);
    const prefixOnly = q.prefix === '1' || q.prefix === 'true';
    const rows = await emoji.searchEmoji(c.get('deps'), c.get('auth'), q.q, { prefixOnly, limit: q.limit || undefined });
    return c.json({ items: rows.map(emoji.presentEmoji) });
  });

  r.get('/name/:name', async (c) => c.json(emoji.presentEmoji(await emoji.getEmojiByName(c.get('deps'), c.get('auth'), c.req.param('name')))));

  r.get('/:id', async (c) => c.json(emoji.presentEmoji(await emoji.getEmoji(c.get('deps'), c.get('auth'), c.req.param('id')))));

  r.get('/:id/image', async (c) => {
    const { emoji: row, stream } = await emoji.openEmojiImage(c.get('deps'), c.get('auth'), c.req.param('id'));
    return emojiImageResponse(row, stream, c.req.header('if-none-match'));
  });

  r.delete('/:id', async (c) => {
    await emoji.deleteEmoji(c.get('deps'), c.get('auth'), c.req.param('id'), clientIp(c));
    return c.json({ status: 'ok' });
  });

  return r;
}
