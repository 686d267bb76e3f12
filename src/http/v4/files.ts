import { apiRateLimit } from '../middleware.ts';
import { Hono, type Context } from 'hono';
import { z } from 'zod';
import type { AppEnv } from '../env.ts';
import { badRequest } from '../../errors.ts';
import { isId } from '../../ids.ts';
import { getFileInfo, openFileContent, presentFile, uploadFiles, type FileVariant } from '../../actions/files.ts';
import { presentPostFile } from '../../actions/posts.ts';
import { fileResponse } from '../file-response.ts';
import { readMultipart } from '../uploads.ts';
import { presentMmFileInfo } from './presenters.ts';
import { mmHeaders, mmJson } from './respond.ts';
import { MAX_PAGE, mmId } from './params.ts';
import { readJson } from '../validate.ts';
import { notImplemented } from './errors.ts';
import { searchFiles, FILE_SEARCH_MAX_LIMIT } from '../../actions/file-search.ts';

const searchSchema = z.object({
  terms: z.string(),
  is_or_search: z.boolean().optional(),
  time_zone_offset: z.number().optional(),
  include_deleted_channels: z.boolean().optional(),
  page: z.number().int().min(0).max(MAX_PAGE).optional(),
  per_page: z.number().int().min(1).max(200).optional(),
});

/**
 * File search (the apps' Files tab; the web app's channel files list searches `channel:<id>`):
 * Mattermost's FileInfoList, newest first.
 */
async function search(c: Context<AppEnv>, teamId: string | undefined) {
  const body = await readJson(c, searchSchema);
  if (body.is_or_search) throw notImplemented('POST', '/api/v4/files/search with is_or_search');
  const perPage = Math.min(body.per_page ?? 60, FILE_SEARCH_MAX_LIMIT);
  const res = await searchFiles(c.get('deps'), c.get('auth'), { q: body.terms, team_id: teamId, offset: (body.page ?? 0) * perPage, limit: perPage });
  const infos = res.items.map((f) => presentMmFileInfo(presentPostFile(f)));
  return mmJson(c, {
    order: infos.map((f) => f.id),
    file_infos: Object.fromEntries(infos.map((f) => [f.id, f])),
    next_file_info_id: '',
    prev_file_info_id: '',
    first_inaccessible_file_time: 0,
  });
}

export function fileRoutes() {
  const r = new Hono<AppEnv>();

  // Multipart: `channel_id` (a field, or the query), the files, and optionally one `client_ids`
  // field per file (the apps' ids for their optimistic previews), echoed back in order.
  r.post('/files', apiRateLimit('uploads'), async (c) => {
    const upload = await readMultipart(c);
    try {
      const channelId = upload.fields.get('channel_id') ?? c.req.query('channel_id') ?? '';
      if (!isId(channelId)) throw badRequest('invalid_channel_id', 'channel_id (a form field before the files) is required');
      const rows = await uploadFiles(c.get('deps'), c.get('auth'), channelId, upload.parts);
      const clientIds = upload.all('client_ids');
      return mmJson(c, { file_infos: rows.map((f) => presentMmFileInfo(presentFile(f))), client_ids: clientIds.slice(0, rows.length) }, 201);
    } catch (e) {
      upload.abort();
      throw e;
    }
  });

  r.post('/files/search', apiRateLimit('searches'), (c) => search(c, undefined));
  r.post('/teams/:tid/files/search', apiRateLimit('searches'), (c) => search(c, mmId(c, 'tid')));

  r.get('/files/:fid/info', async (c) => mmJson(c, presentMmFileInfo(await getFileInfo(c.get('deps'), c.get('auth'), mmId(c, 'fid')))));

  const serve = (variant: FileVariant) => async (c: Context<AppEnv>) => {
    const content = await openFileContent(c.get('deps'), c.get('auth'), mmId(c, 'fid'), {
      rangeHeader: c.req.header('range'),
      download: c.req.query('download') === '1' || c.req.query('download') === 'true',
      variant,
      ifNoneMatch: c.req.header('if-none-match'),
    });
    return fileResponse(content, mmHeaders(c, {}));
  };
  r.get('/files/:fid', serve('file'));
  r.get('/files/:fid/thumbnail', serve('thumbnail'));
  r.get('/files/:fid/preview', serve('preview'));
  return r;
}
