import { Hono, type Context } from 'hono';
import { z } from 'zod';
import type { AppEnv } from '../env.ts';
import { apiRateLimit, requireAuth } from '../middleware.ts';
import { idParam } from '../validate.ts';
import { badRequest } from '../../errors.ts';
import { isId } from '../../ids.ts';
import { fileResponse } from '../file-response.ts';
import { getFileInfo, openFileContent, presentFile, uploadFiles, type FileVariant } from '../../actions/files.ts';
import { readMultipart } from '../uploads.ts';
import { check } from '../validate.ts';
import { searchFiles } from '../../actions/file-search.ts';

const searchQuery = z.object({
  q: z.string().optional(),
  team_id: z.string().optional(),
  channel_id: z.string().optional(),
  cursor: z.string().optional(),
  limit: z
    .string()
    .regex(/^\d{1,6}$/, 'expected a positive integer')
    .transform(Number)
    .optional(),
  time_zone: z.string().max(64).optional(),
});

export function filesRoutes() {
  const r = new Hono<AppEnv>();
  r.use('*', requireAuth);

  r.post('/', apiRateLimit('uploads'), async (c) => {
    const upload = await readMultipart(c);
    try {
      const channelId = upload.fields.get('channel_id') ?? c.req.query('channel_id') ?? '';
      if (!isId(channelId)) throw badRequest('invalid_channel_id', 'channel_id (a form field before the files) is required');
      const rows = await uploadFiles(c.get('deps'), c.get('auth'), channelId, upload.parts);
      return c.json({ items: rows.map(presentFile) }, 201);
    } catch (e) {
      upload.abort();
      throw e;
    }
  });

  // Before /:id: `search` is not an id.
  r.get('/search', apiRateLimit('searches'), async (c) => {
    const { q, ...rest } = check(searchQuery, c.req.query());
    const res = await searchFiles(c.get('deps'), c.get('auth'), { q: q ?? '', ...rest });
    return c.json({ items: res.items.map(presentFile), next_cursor: res.next_cursor });
  });

  r.get('/:id/info', async (c) => c.json(await getFileInfo(c.get('deps'), c.get('auth'), idParam(c, 'id'))));

  const serve = (variant: FileVariant) => async (c: Context<AppEnv>) => {
    const content = await openFileContent(c.get('deps'), c.get('auth'), idParam(c, 'id'), {
      rangeHeader: c.req.header('range'),
      download: c.req.query('download') === '1' || c.req.query('download') === 'true',
      variant,
      ifNoneMatch: c.req.header('if-none-match'),
    });
    return fileResponse(content);
  };
  r.get('/:id', serve('file'));
  r.get('/:id/thumbnail', serve('thumbnail'));
  r.get('/:id/preview', serve('preview'));
  return r;
}
