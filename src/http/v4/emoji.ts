import { Hono } from 'hono';
import { z } from 'zod';
import type { AppEnv } from '../env.ts';
import { apiRateLimit, clientIp } from '../middleware.ts';
import { readJson } from '../validate.ts';
import { badRequest, forbidden } from '../../errors.ts';
import * as emoji from '../../actions/emoji.ts';
import { emojiImageResponse, readEmojiUpload } from '../emoji-upload.ts';
import { presentMmEmoji } from './presenters.ts';
import { mmHeaders, mmJson, mmOk } from './respond.ts';
import { mmId, paging } from './params.ts';

const emojiField = z.object({ name: z.string(), creator_id: z.string().optional() }).passthrough();
const searchBody = z.object({ term: z.string(), prefix_only: z.boolean().optional() });

/**
 * Mattermost's custom emoji routes (`/emoji…`) over actions/emoji.ts. The fixed segments
 * (names, search, autocomplete, name/{name}) come before /emoji/{id}.
 */
export function emojiRoutes() {
  const r = new Hono<AppEnv>();
  const list = (rows: Parameters<typeof emoji.presentEmoji>[0][]) => rows.map(presentMmEmoji);

  // Multipart: `image` (the file) and `emoji` (JSON {name, creator_id}), in either order.
  r.post('/emoji', apiRateLimit('uploads'), async (c) => {
    const { fields, image } = await readEmojiUpload(c);
    let meta: z.infer<typeof emojiField>;
    try {
      meta = emojiField.parse(JSON.parse(fields.get('emoji') ?? ''));
    } catch {
      throw badRequest('invalid_input', 'Invalid or missing emoji in request body');
    }
    const auth = c.get('auth');
    if (meta.creator_id !== undefined && meta.creator_id !== auth.user.id) throw forbidden('emoji_other_user', 'You can only create an emoji as yourself');
    if (!image) throw badRequest('no_image', 'Invalid or missing image in request body');
    return mmJson(c, presentMmEmoji(await emoji.createEmoji(c.get('deps'), auth, { name: meta.name, image })));
  });

  r.get('/emoji', async (c) => {
    const sort = c.req.query('sort') ?? '';
    if (sort !== '' && sort !== 'name') throw badRequest('invalid_param', 'Invalid sort parameter');
    const { page, perPage } = paging(c);
    const rows = await emoji.listEmoji(c.get('deps'), c.get('auth'), { sort: sort === 'name' ? 'name' : 'create_at', offset: page * perPage, limit: perPage });
    return mmJson(c, list(rows));
  });

  r.post('/emoji/names', async (c) => {
    const names = await readJson(c, z.array(z.string()));
    if (!names.length) throw badRequest('invalid_input', 'Invalid or missing names in request body');
    return mmJson(c, list(await emoji.emojiByNames(c.get('deps'), c.get('auth'), names)));
  });

  r.post('/emoji/search', async (c) => {
    const body = await readJson(c, searchBody);
    return mmJson(c, list(await emoji.searchEmoji(c.get('deps'), c.get('auth'), body.term, { prefixOnly: body.prefix_only })));
  });

  r.get('/emoji/autocomplete', async (c) => {
    const name = c.req.query('name') ?? '';
    if (!name) throw badRequest('invalid_param', 'Invalid or missing name parameter');
    return mmJson(c, list(await emoji.searchEmoji(c.get('deps'), c.get('auth'), name, { prefixOnly: true, limit: emoji.MAX_EMOJI_AUTOCOMPLETE })));
  });

  r.get('/emoji/name/:name', async (c) => mmJson(c, presentMmEmoji(await emoji.getEmojiByName(c.get('deps'), c.get('auth'), c.req.param('name')))));

  r.get('/emoji/:id', async (c) => mmJson(c, presentMmEmoji(await emoji.getEmoji(c.get('deps'), c.get('auth'), mmId(c, 'id')))));

  r.get('/emoji/:id/image', async (c) => {
    const { emoji: row, stream } = await emoji.openEmojiImage(c.get('deps'), c.get('auth'), mmId(c, 'id'));
    return emojiImageResponse(row, stream, c.req.header('if-none-match'), mmHeaders(c));
  });

  r.delete('/emoji/:id', async (c) => {
    await emoji.deleteEmoji(c.get('deps'), c.get('auth'), mmId(c, 'id'), clientIp(c));
    return mmOk(c);
  });

  return r;
}
