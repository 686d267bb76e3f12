import { Hono } from 'hono';
import { z } from 'zod';
import type { AppEnv } from '../env.ts';
import { clientIp, requireAuth } from '../middleware.ts';
import { check, idParam, readJson } from '../validate.ts';
import { queryOf } from './users.ts';
import {
  adminAudit,
  adminCreateUser,
  adminResetPassword,
  adminGetAuthSettings,
  adminGetConfig,
  adminGetUser,
  adminListUsers,
  adminPatchAuthSettings,
  adminPatchConfig,
  adminPatchUser,
  adminResetMfa,
  adminRevokeSessions,
  adminServerInfo,
  adminStats,
  actorOf,
  assertSystemAdmin,
} from '../../actions/admin.ts';
import { SettingsPatch } from '../../actions/settings.ts';
import { adminSendPasswordReset } from '../../actions/password-reset.ts';
import { siteOrigin } from '../session-cookies.ts';
import {
  adminAddChannelMember,
  adminAddTeamMember,
  adminArchiveTeam,
  adminChannelMembers,
  adminListChannels,
  adminListTeams,
  adminRemoveChannelMember,
  adminRemoveTeamMember,
  adminRestoreTeam,
  adminSetChannelArchived,
  adminTeamMembers,
} from '../../actions/admin-teams.ts';
import { adminGetIntegrationSettings, adminPatchIntegrationSettings } from '../../actions/integration-settings.ts';
import { USER_PAGE_MAX } from '../../actions/users.ts';
import { adminListOutbox, adminRetryEmail } from '../../actions/email.ts';
import { adminGetEmailSettings, adminPatchEmailSettings } from '../../actions/email-settings.ts';

const bool = z.enum(['true', 'false']).transform((v) => v === 'true');
const UsersQuery = z.object({
  q: z.string().max(64).optional(),
  role: z.enum(['system_admin', 'system_user']).optional(),
  active: bool.optional(),
  cursor: z.string().max(64).optional(),
  limit: z.coerce.number().int().min(1).max(USER_PAGE_MAX).default(100),
});
const UserPatch = z.object({ role: z.enum(['system_admin', 'system_user']).optional(), active: z.boolean().optional() }).strict();
const UserCreate = z
  .object({
    email: z.string().max(254),
    username: z.string().max(64),
    password: z.string().min(1).max(1024).optional(),
    display_name: z.string().max(64).optional(),
    role: z.enum(['system_admin', 'system_user']).optional(),
  })
  .strict();
const PasswordReset = z.object({ password: z.string().min(1).max(1024).optional() }).strict();
const AuditQuery = z.object({
  action: z.string().max(64).optional(),
  actor_id: z.string().max(26).optional(),
  target_id: z.string().max(64).optional(),
  since: z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
  until: z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
  cursor: z.string().max(20).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

const state = z.enum(['active', 'archived', 'all']).default('active');
const TeamsQuery = z.object({
  q: z.string().max(64).optional(),
  state,
  cursor: z.string().max(64).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
const ChannelsQuery = z.object({
  q: z.string().max(64).optional(),
  team_id: z.string().max(26).optional(),
  type: z.enum(['O', 'P']).optional(),
  state,
  cursor: z.string().max(128).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
const MembersQuery = z.object({ cursor: z.string().max(64).optional(), limit: z.coerce.number().int().min(1).max(200).default(100) });
const MemberAdd = z.object({ user_id: z.string().max(26) }).strict();

const OutboxQuery = z.object({
  status: z.enum(['pending', 'sent', 'dead']).optional(),
  cursor: z.string().max(64).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

/** System-admin routes. Every route checks the role first, so non-admins learn nothing (403). */
export function adminRoutes() {
  const r = new Hono<AppEnv>();
  r.use('*', requireAuth, async (c, next) => {
    assertSystemAdmin(c.get('auth'));
    await next();
  });
  r.get('/users', async (c) => c.json(await adminListUsers(c.get('deps'), c.get('auth'), check(UsersQuery, queryOf(c)))));
  r.post('/users', async (c) => {
    const body = await readJson(c, UserCreate);
    return c.json(await adminCreateUser(c.get('deps'), c.get('auth'), body, clientIp(c)), 201);
  });
  r.post('/users/:id/password', async (c) => {
    const id = idParam(c, 'id');
    const body = await readJson(c, PasswordReset);
    return c.json(await adminResetPassword(c.get('deps'), c.get('auth'), id, body, clientIp(c)));
  });
  r.post('/users/:id/password/reset-email', async (c) => {
    const id = idParam(c, 'id');
    return c.json(await adminSendPasswordReset(c.get('deps'), actorOf(c.get('auth'), clientIp(c)), id, siteOrigin(c)));
  });
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
  r.get('/integration-settings', async (c) => c.json(await adminGetIntegrationSettings(c.get('deps'))));
  r.patch('/integration-settings', async (c) => {
    const body = await readJson(c, z.record(z.string().max(64), z.unknown()));
    return c.json(await adminPatchIntegrationSettings(c.get('deps'), c.get('auth'), body, clientIp(c)));
  });
  r.get('/email-settings', async (c) => c.json(await adminGetEmailSettings(c.get('deps'))));
  r.patch('/email-settings', async (c) => {
    const body = await readJson(c, z.record(z.string().max(64), z.unknown()));
    return c.json(await adminPatchEmailSettings(c.get('deps'), c.get('auth'), body, clientIp(c)));
  });
  r.get('/email/outbox', async (c) => c.json(await adminListOutbox(c.get('deps'), check(OutboxQuery, queryOf(c)))));
  r.post('/email/outbox/:id/retry', async (c) => {
    const auth = c.get('auth');
    await adminRetryEmail(c.get('deps'), { id: auth.user.id, ip: clientIp(c), via: 'api' }, idParam(c, 'id'));
    return c.body(null, 204);
  });
  r.get('/stats', async (c) => c.json(await adminStats(c.get('deps'), c.get('auth'))));
  r.get('/server', async (c) => c.json(await adminServerInfo(c.get('deps'), c.get('auth'))));
  r.get('/teams', async (c) => c.json(await adminListTeams(c.get('deps'), c.get('auth'), check(TeamsQuery, queryOf(c)))));
  r.post('/teams/:id/archive', async (c) => c.json(await adminArchiveTeam(c.get('deps'), c.get('auth'), idParam(c, 'id'), clientIp(c))));
  r.post('/teams/:id/restore', async (c) => c.json(await adminRestoreTeam(c.get('deps'), c.get('auth'), idParam(c, 'id'), clientIp(c))));
  r.get('/teams/:id/members', async (c) => c.json(await adminTeamMembers(c.get('deps'), c.get('auth'), idParam(c, 'id'), check(MembersQuery, queryOf(c)))));
  r.post('/teams/:id/members', async (c) => {
    const id = idParam(c, 'id');
    const body = await readJson(c, MemberAdd);
    const r = await adminAddTeamMember(c.get('deps'), c.get('auth'), id, body.user_id, clientIp(c));
    return c.json(r, r.created ? 201 : 200);
  });
  r.delete('/teams/:id/members/:user_id', async (c) => {
    await adminRemoveTeamMember(c.get('deps'), c.get('auth'), idParam(c, 'id'), idParam(c, 'user_id'), clientIp(c));
    return c.body(null, 204);
  });
  r.get('/channels', async (c) => c.json(await adminListChannels(c.get('deps'), c.get('auth'), check(ChannelsQuery, queryOf(c)))));
  r.post('/channels/:id/archive', async (c) => c.json(await adminSetChannelArchived(c.get('deps'), c.get('auth'), idParam(c, 'id'), true, clientIp(c))));
  r.post('/channels/:id/restore', async (c) => c.json(await adminSetChannelArchived(c.get('deps'), c.get('auth'), idParam(c, 'id'), false, clientIp(c))));
  r.get('/channels/:id/members', async (c) => c.json(await adminChannelMembers(c.get('deps'), c.get('auth'), idParam(c, 'id'), check(MembersQuery, queryOf(c)))));
  r.post('/channels/:id/members', async (c) => {
    const id = idParam(c, 'id');
    const body = await readJson(c, MemberAdd);
    const r = await adminAddChannelMember(c.get('deps'), c.get('auth'), id, body.user_id, clientIp(c));
    return c.json(r, r.created ? 201 : 200);
  });
  r.delete('/channels/:id/members/:user_id', async (c) => {
    await adminRemoveChannelMember(c.get('deps'), c.get('auth'), idParam(c, 'id'), idParam(c, 'user_id'), clientIp(c));
    return c.body(null, 204);
  });
  r.get('/audit', async (c) => c.json(await adminAudit(c.get('deps'), c.get('auth'), check(AuditQuery, queryOf(c)))));
  return r;
}
