import { Hono, type Context } from 'hono';
import { z } from 'zod';
import type { AppEnv } from '../env.ts';
import { readJson } from '../validate.ts';
import * as sidebar from '../../actions/sidebar.ts';
import { mmJson, mmOk } from './respond.ts';
import { mmId } from './params.ts';

/**
 * The sidebar categories the Mattermost apps draw and change (favorite a channel, move it to a
 * category, create, rename, sort, mute, collapse, reorder and delete categories), stored per user
 * and team by actions/sidebar.ts. Mattermost's objects are the native ones.
 */
const ids = (c: Context<AppEnv>) => ({ deps: c.get('deps'), auth: c.get('auth'), uid: mmId(c, 'uid', true), tid: mmId(c, 'tid') });
const body = (c: Context<AppEnv>) => readJson(c, z.unknown());

export function categoryRoutes() {
  const r = new Hono<AppEnv>();
  const base = '/users/:uid/teams/:tid/channels/categories';
  r.get(base, async (c) => {
    const x = ids(c);
    return mmJson(c, await sidebar.getCategories(x.deps, x.auth, x.uid, x.tid));
  });
  r.post(base, async (c) => {
    const x = ids(c);
    return mmJson(c, await sidebar.createCategory(x.deps, x.auth, x.uid, x.tid, await body(c)), 201);
  });
  r.put(base, async (c) => {
    const x = ids(c);
    return mmJson(c, await sidebar.updateCategories(x.deps, x.auth, x.uid, x.tid, await body(c)));
  });
  r.get(`${base}/order`, async (c) => {
    const x = ids(c);
    return mmJson(c, await sidebar.getCategoryOrder(x.deps, x.auth, x.uid, x.tid));
  });
  r.put(`${base}/order`, async (c) => {
    const x = ids(c);
    return mmJson(c, await sidebar.setCategoryOrder(x.deps, x.auth, x.uid, x.tid, await body(c)));
  });
  r.get(`${base}/:cid`, async (c) => {
    const x = ids(c);
    return mmJson(c, await sidebar.getCategory(x.deps, x.auth, x.uid, x.tid, c.req.param('cid')));
  });
  r.put(`${base}/:cid`, async (c) => {
    const x = ids(c);
    return mmJson(c, await sidebar.updateCategory(x.deps, x.auth, x.uid, x.tid, c.req.param('cid'), await body(c)));
  });
  r.delete(`${base}/:cid`, async (c) => {
    const x = ids(c);
    await sidebar.deleteCategory(x.deps, x.auth, x.uid, x.tid, c.req.param('cid'));
    return mmOk(c);
  });
  return r;
}
