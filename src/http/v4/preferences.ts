import { Hono } from 'hono';
import { z } from 'zod';
import type { AppEnv } from '../env.ts';
import { notFound } from '../../errors.ts';
import { readJson } from '../validate.ts';
import { deletePreferences, getOnePreference, getPreferences, savePreferences } from '../../actions/preferences.ts';
import { presentMmPreference } from './presenters.ts';
import { mmJson, mmOk } from './respond.ts';
import { mmId } from './params.ts';

export function preferenceRoutes() {
  const r = new Hono<AppEnv>();
  r.get('/users/:uid/preferences', async (c) => {
    const rows = await getPreferences(c.get('deps'), c.get('auth'), mmId(c, 'uid', true));
    return mmJson(c, rows.map(presentMmPreference));
  });
  r.get('/users/:uid/preferences/:category', async (c) => {
    const rows = await getPreferences(c.get('deps'), c.get('auth'), mmId(c, 'uid', true), c.req.param('category'));
    return mmJson(c, rows.map(presentMmPreference));
  });
  r.get('/users/:uid/preferences/:category/name/:name', async (c) => {
    const row = await getOnePreference(c.get('deps'), c.get('auth'), mmId(c, 'uid', true), c.req.param('category'), c.req.param('name'));
    if (!row) throw notFound('preference_not_found', 'Preference not found');
    return mmJson(c, presentMmPreference(row));
  });
  r.put('/users/:uid/preferences', async (c) => {
    const userId = mmId(c, 'uid', true);
    await savePreferences(c.get('deps'), c.get('auth'), userId, await readJson(c, z.unknown()));
    return mmOk(c);
  });
  r.post('/users/:uid/preferences/delete', async (c) => {
    const userId = mmId(c, 'uid', true);
    await deletePreferences(c.get('deps'), c.get('auth'), userId, await readJson(c, z.unknown()));
    return mmOk(c);
  });
  return r;
}
