import { Hono, type Context } from 'hono';
import { z } from 'zod';
import type { AppEnv } from '../env.ts';
import { clientIp, requireAuth } from '../middleware.ts';
import { check, idParam, readJson } from '../validate.ts';
import { queryOf } from './users.ts';
import { resolveUserId } from '../../actions/users.ts';
import {
  TOKEN_PAGE_MAX,
  createAccessToken,
  getAccessTokenInfo,
  listAccessTokens,
  listAllAccessTokens,
  revokeAccessToken,
  setAccessTokenActive,
} from '../../actions/access-tokens.ts';
import { badRequest } from '../../errors.ts';
import { isId } from '../../ids.ts';

const Page = z.object({
  page: z.coerce.number().int().min(0).max(10_000).default(0),
  per_page: z.coerce.number().int().min(1).max(TOKEN_PAGE_MAX).default(60),
  q: z.string().max(64).optional(),
});

function userParam(c: Context<AppEnv>): string {
  const id = resolveUserId(c.get('auth'), c.req.param('id') ?? '');
  if (!isId(id)) throw badRequest('invalid_id', 'id is not a valid id');
  return id;
}

/** Personal access tokens: /users/:id/tokens (a user's) and /tokens (one token; all for admins). */
export function accessTokenRoutes() {
  const r = new Hono<AppEnv>();
  r.get('/users/:id/tokens', requireAuth, async (c) => {
    const q = check(Page, queryOf(c));
    return c.json({ items: await listAccessTokens(c.get('deps'), c.get('auth'), userParam(c), q.page, q.per_page), next_cursor: null });
  });
  r.post('/users/:id/tokens', requireAuth, async (c) => {
    const body = await readJson(c, z.object({ description: z.string().max(1024) }));
    return c.json(await createAccessToken(c.get('deps'), c.get('auth'), userParam(c), body.description, clientIp(c)), 201);
  });
  r.get('/tokens', requireAuth, async (c) => {
    const q = check(Page, queryOf(c));
    return c.json({ items: await listAllAccessTokens(c.get('deps'), c.get('auth'), { page: q.page, perPage: q.per_page, term: q.q }), next_cursor: null });
  });
  r.get('/tokens/:id', requireAuth, async (c) => c.json(await getAccessTokenInfo(c.get('deps'), c.get('auth'), idParam(c, 'id'))));
  r.patch('/tokens/:id', requireAuth, async (c) => {
    const id = idParam(c, 'id');
    const body = await readJson(c, z.object({ is_active: z.boolean() }).strict());
    return c.json(await setAccessTokenActive(c.get('deps'), c.get('auth'), id, body.is_active, clientIp(c)));
  });
  r.delete('/tokens/:id', requireAuth, async (c) => {
    await revokeAccessToken(c.get('deps'), c.get('auth'), idParam(c, 'id'), clientIp(c));
    return c.body(null, 204);
  });
  return r;
}
