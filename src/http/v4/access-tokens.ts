import { Hono } from 'hono';
import { z } from 'zod';
import type { AppEnv } from '../env.ts';
import { clientIp } from '../middleware.ts';
import { readJson } from '../validate.ts';
import {
  createAccessToken,
  getAccessTokenInfo,
  listAccessTokens,
  listAllAccessTokens,
  revokeAccessToken,
  setAccessTokenActive,
  type PresentedAccessToken,
} from '../../actions/access-tokens.ts';
import { mmJson, mmOk } from './respond.ts';
import { mmId, paging } from './params.ts';

/** Mattermost's UserAccessToken: `token` only in the answer to create. */
export const presentMmAccessToken = (t: PresentedAccessToken & { token?: string }) => ({
  id: t.id,
  ...(t.token ? { token: t.token } : {}),
  user_id: t.user_id,
  description: t.description,
  is_active: t.is_active,
});

const TokenId = z.object({ token_id: z.string().max(64) });

/** `/users/{id}/tokens` and `/users/tokens/…` (api4/user.go). The fixed paths come first. */
export function accessTokenRoutes() {
  const r = new Hono<AppEnv>();
  r.get('/users/tokens', async (c) => {
    const { page, perPage } = paging(c);
    return mmJson(c, (await listAllAccessTokens(c.get('deps'), c.get('auth'), { page, perPage })).map(presentMmAccessToken));
  });
  r.post('/users/tokens/search', async (c) => {
    const body = await readJson(c, z.object({ term: z.string().max(64) }));
    return mmJson(c, (await listAllAccessTokens(c.get('deps'), c.get('auth'), { term: body.term, perPage: 200 })).map(presentMmAccessToken));
  });
  r.post('/users/tokens/revoke', async (c) => {
    const body = await readJson(c, TokenId);
    await revokeAccessToken(c.get('deps'), c.get('auth'), body.token_id, clientIp(c));
    return mmOk(c);
  });
  r.post('/users/tokens/disable', async (c) => {
    const body = await readJson(c, TokenId);
    await setAccessTokenActive(c.get('deps'), c.get('auth'), body.token_id, false, clientIp(c));
    return mmOk(c);
  });
  r.post('/users/tokens/enable', async (c) => {
    const body = await readJson(c, TokenId);
    await setAccessTokenActive(c.get('deps'), c.get('auth'), body.token_id, true, clientIp(c));
    return mmOk(c);
  });
  r.get('/users/tokens/:tid', async (c) => mmJson(c, presentMmAccessToken(await getAccessTokenInfo(c.get('deps'), c.get('auth'), mmId(c, 'tid')))));
  r.post('/users/:uid/tokens', async (c) => {
    const body = await readJson(c, z.object({ description: z.string().max(1024).optional() }).passthrough());
    return mmJson(c, presentMmAccessToken(await createAccessToken(c.get('deps'), c.get('auth'), mmId(c, 'uid', true), body.description ?? '', clientIp(c))));
  });
  r.get('/users/:uid/tokens', async (c) => {
    const { page, perPage } = paging(c);
    return mmJson(c, (await listAccessTokens(c.get('deps'), c.get('auth'), mmId(c, 'uid', true), page, perPage)).map(presentMmAccessToken));
  });
  return r;
}
