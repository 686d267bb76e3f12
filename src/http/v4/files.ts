import { Hono, type Context } from 'hono';
import type { AppEnv } from '../env.ts';
import { badRequest } from '../../errors.ts';
import { isId } from '../../ids.ts';
import { getFileInfo, openFileContent, uploadFiles } from '../../actions/files.ts';
import { fileResponse } from '../file-response.ts';
import { readMultipart } from '../v1/files.ts';
import { presentMmFileInfo } from './presenters.ts';
import { mmHeaders, mmJson } from './respond.ts';
import { mmId } from './params.ts';

export function fileRoutes() {
  const r = new Hono<AppEnv>();

  // Multipart: `channel_id` (a field, or the query), the files, and optionally one `client_ids`
  // field per file (the apps' ids for their optimistic previews), echoed back in order.
  r.post('/files', async (c) => {
    const upload = await readMultipart(c);
    try {
      const channelId = upload.fields.get('channel_id') ?? c.req.query('channel_id') ?? '';
      if (!isId(channelId)) throw badRequest('invalid_channel_id', 'channel_id (a form field before the files) is required');
      const rows = await uploadFiles(c.get('deps'), c.get('auth'), channelId, upload.parts);
      const clientIds = upload.all('client_ids');
      return mmJson(c, { file_infos: rows.map(presentMmFileInfo), client_ids: clientIds.slice(0, rows.length) }, 201);
    } catch (e) {
      upload.abort();
      throw e;
    }
  });

  r.get('/files/:fid/info', async (c) => mmJson(c, presentMmFileInfo(await getFileInfo(c.get('deps'), c.get('auth'), mmId(c, 'fid')))));

  const serve = (thumbnail: boolean) => async (c: Context<AppEnv>) => {
    const content = await openFileContent(c.get('deps'), c.get('auth'), mmId(c, 'fid'), {
      rangeHeader: c.req.header('range'),
      download: c.req.query('download') === '1' || c.req.query('download') === 'true',
      thumbnail,
      ifNoneMatch: c.req.header('if-none-match'),
    });
    return fileResponse(content, mmHeaders(c, {}));
  };
  r.get('/files/:fid', serve(false));
  r.get('/files/:fid/thumbnail', serve(true));
  // RustChat keeps one preview size: the thumbnail serves as the preview too.
  r.get('/files/:fid/preview', serve(true));
  return r;
}
