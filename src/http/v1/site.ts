import { Hono } from 'hono';
import type { AppEnv } from '../env.ts';
import { siteInfo } from '../../actions/settings.ts';

/** Public site information for the login page (no auth). */
export function siteRoutes() {
  const r = new Hono<AppEnv>();
  r.get('/info', async (c) => c.json(await siteInfo(c.get('deps'))));
  return r;
}
