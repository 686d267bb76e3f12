import { Hono } from 'hono';
import { z } from 'zod';
import type { AppEnv } from '../env.ts';
import { readJson } from '../validate.ts';
import { badRequest } from '../../errors.ts';
import { myStatus, setMyStatus, statusesByIds } from '../../actions/presence.ts';
import { presentMmStatus } from './presenters.ts';
import { mmJson } from './respond.ts';
import { mmId } from './params.ts';

export function statusRoutes() {
  const r = new Hono<AppEnv>();
  r.post('/users/status/ids', async (c) => {
    const ids = await readJson(c, z.array(z.string()).min(1).max(500));
    return mmJson(c, (await statusesByIds(c.get('deps'), { ids })).map(presentMmStatus));
  });
  r.get('/users/:uid/status', async (c) => {
    const uid = mmId(c, 'uid', true);
    const deps = c.get('deps');
    if (uid === c.get('auth').user.id) return mmJson(c, presentMmStatus(await myStatus(deps, uid)));
    const [s] = await statusesByIds(deps, { ids: [uid] });
    if (!s) throw badRequest('invalid_id', 'Unknown user');
    return mmJson(c, presentMmStatus(s));
  });
  r.put('/users/:uid/status', async (c) => {
    const uid = mmId(c, 'uid', true);
    const body = await readJson(c, z.object({ user_id: z.string().optional(), status: z.string(), dnd_end_time: z.number().optional() }));
    if (uid !== c.get('auth').user.id || (body.user_id && body.user_id !== uid)) throw badRequest('invalid_param', 'You can only set your own status');
    return mmJson(c, presentMmStatus(await setMyStatus(c.get('deps'), uid, { status: body.status })));
  });
  return r;
}
