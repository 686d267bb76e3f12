import { Hono } from 'hono';
import { z } from 'zod';
import type { AppEnv } from '../env.ts';
import { clientIp, requireAuth } from '../middleware.ts';
import { check, readJson } from '../validate.ts';
import { badRequest } from '../../errors.ts';
import { isId } from '../../ids.ts';
import type { Context } from 'hono';

/** The query parameters, refusing NUL (PostgreSQL text cannot hold it) with the body's error code. */
export function queryOf(c: Context): Record<string, string> {
  const q = c.req.query();
  for (const [k, v] of Object.entries(q)) if (k.includes('\u0000') || v.includes('\u0000')) throw badRequest('invalid_characters', `Query parameter ${k.replace(/\u0000/g, '')} contains a NUL character`);
  return q;
}
import { deleteProfileImage, openProfileImage, setProfileImage } from '../../actions/profile-image.ts';
import { pictureResponse, readPictureUpload } from '../profile-image.ts';
import { getUserNotifySettings, saveNotifySettings } from '../../actions/notify-props.ts';
import { getUserProfile, getUsersByIds, patchProfile, ProfilePatchSchema, resolveUserId, searchUsers, USER_PAGE_MAX } from '../../actions/users.ts';

const id = z.string().refine(isId, 'not a valid id');
const ListQuery = z.object({
  q: z.string().max(64).optional(),
  team_id: id.optional(),
  channel_id: id.optional(),
  cursor: z.string().max(64).optional(),
  limit: z.coerce.number().int().min(1).max(USER_PAGE_MAX).default(60),
});
const IdsBody = z.object({ ids: z.array(id).max(USER_PAGE_MAX) });

/**
 * Users: search/list, by ids, one profile, profile edits. Auth is per route so the presence
 * module can mount its /users/me/status routes under the same prefix.
 */
export function usersRoutes() {
  const r = new Hono<AppEnv>();
  r.get('/', requireAuth, async (c) => {
    const query = check(ListQuery, queryOf(c));
    return c.json(await searchUsers(c.get('deps'), c.get('auth'), query));
  });
  r.post('/ids', requireAuth, async (c) => {
    const body = await readJson(c, IdsBody);
    return c.json(await getUsersByIds(c.get('deps'), c.get('auth'), body.ids));
  });
  const userId = (c: Context<AppEnv>): string => {
    const v = resolveUserId(c.get('auth'), c.req.param('id') ?? '');
    if (!isId(v)) throw badRequest('invalid_id', 'id is not a valid id');
    return v;
  };
  // Notification settings: notify props (Mattermost's keys) and the email interval in seconds.
  r.get('/:id/notify_props', requireAuth, async (c) => c.json(await getUserNotifySettings(c.get('deps'), c.get('auth'), userId(c))));
  r.patch('/:id/notify_props', requireAuth, async (c) => {
    const body = await readJson(c, z.object({ notify_props: z.record(z.string(), z.unknown()).optional(), email_interval: z.union([z.number(), z.string()]).optional() }));
    return c.json(await saveNotifySettings(c.get('deps'), c.get('auth'), userId(c), body));
  });
  r.get('/:id', requireAuth, async (c) => c.json(await getUserProfile(c.get('deps'), c.get('auth'), userId(c))));
  r.patch('/:id', requireAuth, async (c) => {
    const id = userId(c);
    const patch = await readJson(c, ProfilePatchSchema);
    return c.json(await patchProfile(c.get('deps'), c.get('auth'), id, patch));
  });
  // Profile pictures: any signed-in user reads; yourself or a system admin changes.
  r.get('/:id/image', requireAuth, async (c) => {
    const id = userId(c);
    return pictureResponse(c, id, await openProfileImage(c.get('deps'), c.get('auth'), id));
  });
  r.post('/:id/image', requireAuth, async (c) => {
    const id = userId(c);
    return c.json(await setProfileImage(c.get('deps'), c.get('auth'), id, await readPictureUpload(c), clientIp(c)));
  });
  r.delete('/:id/image', requireAuth, async (c) => c.json(await deleteProfileImage(c.get('deps'), c.get('auth'), userId(c), clientIp(c))));
  return r;
}
