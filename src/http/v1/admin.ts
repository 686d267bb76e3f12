import { Hono } from 'hono';
import { z } from 'zod';
import type { AppEnv } from '../env.ts';
import { clientIp, requireAuth } from '../middleware.ts';
import { check, idParam, readJson } from '../validate.ts';
import { queryOf } from './users.ts';
import {
  adminAudit,
  adminGetAuthSettings,
  adminGetConfig,
  adminGetUser,
  adminListUsers,
  adminPatchAuthSettings,
  adminPatchConfig,
  adminPatchUser,
  adminResetMfa,
  adminRevokeSessions,
  adminStats,
  assertSystemAdmin,
} from '../../actions/admin.ts';
import { SettingsPatch } from '../../actions/settings.ts';
import { USER_PAGE_MAX } from '../../actions/users.ts';

const bool = z.enum(['true', 'false']).transform((v) => v === 'true');
const UsersQuery = z.object({
  q: z.string().max(64).optional(),
  role: z.enum(['system_admin', 'system_user']).optional(),
  active: bool.optional(),
  cursor: z.string().max(64).optional(),
  limit: z.coerce.number().int().min(1).max(USER_PAGE_MAX).default(100),
});
const UserPatch = z.object({ role: z.enum(['system_admin', 'system_user']).optional(), active: z.boolean().optional() }).strict();
const AuditQuery = z.object({
  action: z.string().max(64).optional(),
  actor_id: z.string().max(26).optional(),
  target_id: z.string().max(64).optional(),
  cursor: z.string().max(20).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

/** System-admin routes. Every route checks the role first, so non-admins learn nothing (403). */
export function adminRoutes() {
  const r = new Hono<AppEnv>();
  r.use('*', requireAuth, async (c, next) => {
    assertSystemAdmin(c.get('auth'));
    await next();
  });
  r.get('/users', async (c) => c.json(await adminListUsers(c.get('deps'), c.get('auth'), check(UsersQuery, queryOf(c)))));
  r.get('/users/:id', async (c) => c.json(await adminGetUser(c.get('deps'), c.get('auth'), idParam(c, 'id'))));
  r.patch('/users/:id', async (c) => {
    const id = idParam(c, 'id');
    const body = await readJson(c, UserPatch);
    return c.json(await adminPatchUser(c.get('deps'), c.get('auth'), id, body, clientIp(c)));
  });
  r.post('/users/:id/sessions/revoke', async (c) => c.json(await adminRevokeSessions(c.get('deps'), c.get('auth'), idParam(c, 'id'), clientIp(c))));
  r.get('/config', async (c) => c.json(await adminGetConfig(c.get('deps'), c.get('auth'))));
  r.patch('/config', async (c) => {
    const body = await readJson(c, SettingsPatch);
    return c.json(await adminPatchConfig(c.get('deps'), c.get('auth'), body, clientIp(c)));
  });
  r.post('/users/:id/mfa/reset', async (c) => c.json(await adminResetMfa(c.get('deps'), c.get('auth'), idParam(c, 'id'), clientIp(c))));
  r.get('/auth-settings', async (c) => c.json(await adminGetAuthSettings(c.get('deps'), c.get('auth'))));
  r.patch('/auth-settings', async (c) => {
    const body = await readJson(c, z.record(z.string().max(64), z.unknown()));
    return c.json(await adminPatchAuthSettings(c.get('deps'), c.get('auth'), body, clientIp(c)));
  });
  r.get('/stats', async (c) => c.json(await adminStats(c.get('deps'), c.get('auth'))));
  r.get('/audit', async (c) => c.json(await adminAudit(c.get('deps'), c.get('auth'), check(AuditQuery, queryOf(c)))));
  return r;
}
