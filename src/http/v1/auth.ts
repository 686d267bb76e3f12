import { Hono } from 'hono';
import { z } from 'zod';
import type { AppEnv } from '../env.ts';
import { clientIp, requireAuth } from '../middleware.ts';
import { idParam, readJson } from '../validate.ts';
import { changePassword, login, register } from '../../actions/accounts.ts';
import { listOwnSessions, logout, revokeOwnSession, type ClientMeta } from '../../actions/sessions.ts';
import { getUserProfile } from '../../actions/users.ts';

// Bounds here only stop absurd inputs early; the actions apply the real rules with their own codes.
const RegisterBody = z.object({
  email: z.string().max(1000),
  username: z.string().max(1000),
  password: z.string().max(1000),
  display_name: z.string().max(1000).optional(),
});
const LoginBody = z.object({
  login_id: z.string().max(1000),
  password: z.string().max(1000),
  device_id: z.string().max(128).optional(),
});
const PasswordBody = z.object({
  current_password: z.string().max(1000),
  new_password: z.string().max(1000),
});

export function authRoutes() {
  const r = new Hono<AppEnv>();
  const meta = (c: Parameters<typeof clientIp>[0], deviceId?: string): ClientMeta => ({
    ip: clientIp(c),
    user_agent: c.req.header('user-agent') ?? '',
    device_id: deviceId,
  });

  r.post('/register', async (c) => {
    const body = await readJson(c, RegisterBody);
    return c.json(await register(c.get('deps'), body, meta(c)), 201);
  });
  r.post('/login', async (c) => {
    const body = await readJson(c, LoginBody);
    return c.json(await login(c.get('deps'), body, meta(c, body.device_id)));
  });
  r.post('/logout', requireAuth, async (c) => {
    await logout(c.get('deps'), c.get('auth'), clientIp(c));
    return c.body(null, 204);
  });
  r.get('/me', requireAuth, async (c) => c.json(await getUserProfile(c.get('deps'), c.get('auth'), c.get('auth').user.id)));
  r.get('/sessions', requireAuth, async (c) => c.json({ items: await listOwnSessions(c.get('deps'), c.get('auth')), next_cursor: null }));
  r.delete('/sessions/:id', requireAuth, async (c) => {
    await revokeOwnSession(c.get('deps'), c.get('auth'), idParam(c, 'id'), clientIp(c));
    return c.body(null, 204);
  });
  r.post('/password', requireAuth, async (c) => {
    const body = await readJson(c, PasswordBody);
    return c.json(await changePassword(c.get('deps'), c.get('auth'), body, clientIp(c)));
  });
  return r;
}
