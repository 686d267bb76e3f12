import { Hono, type Context } from 'hono';
import { z } from 'zod';
import type { AppEnv } from '../env.ts';
import { clientIp, requireAuth } from '../middleware.ts';
import { siteOrigin } from '../session-cookies.ts';
import { acceptInvite, inviteByEmail, inviteSchema, regenerateInviteId } from '../../actions/invites.ts';
import { check, idParam, readJson } from '../validate.ts';
import * as teams from '../../actions/teams.ts';
import { presentTeam, presentTeamFor, presentTeamMember } from '../../actions/teams.ts';
import { browseTeamChannels, presentChannel } from '../../actions/channels.ts';
import { listMyTeamChannels } from '../../actions/unreads.ts';
import { badRequest } from '../../errors.ts';
import { isId } from '../../ids.ts';

const OK = { status: 'ok' } as const;

/** `?cursor=&limit=` of a member list: cursor is a user id. */
export function pageQuery(c: Context) {
  const q = check(z.object({ cursor: z.string().optional(), limit: z.coerce.number().int().min(1).max(200).optional() }), c.req.query());
  if (q.cursor !== undefined && q.cursor !== '' && !isId(q.cursor)) throw badRequest('invalid_id', 'cursor is not a valid id');
  return q;
}

/** /api/v1/teams (API-v1.md "Teams"); the logic lives in actions/teams.ts. */
export function teamsRoutes() {
  const r = new Hono<AppEnv>();
  r.use('*', requireAuth);

  r.get('/', async (c) => {
    const auth = c.get('auth');
    const rows = await teams.listMyTeams(c.get('deps'), auth);
    return c.json({ items: rows.map((t) => ({ ...presentTeamFor(auth, t.team, t.member), member: presentTeamMember(t.member) })), next_cursor: null });
  });

  r.post('/', async (c) => {
    const { team, member } = await teams.createTeam(c.get('deps'), c.get('auth'), await readJson(c, teams.createTeamSchema));
    return c.json({ ...presentTeam(team, { withInvite: true }), member: presentTeamMember(member) }, 201);
  });

  r.get('/public', async (c) => {
    const rows = await teams.listJoinableTeams(c.get('deps'), c.get('auth'));
    return c.json({ items: rows.map((t) => presentTeam(t)), next_cursor: null });
  });

  // A signed-in person opens an emailed invitation link.
  r.post('/invites/accept', async (c) => {
    const body = await readJson(c, z.object({ token: z.string().max(200) }));
    const r = await acceptInvite(c.get('deps'), c.get('auth'), body.token, clientIp(c));
    return c.json({ team: r.team, member: presentTeamMember(r.member) }, r.created ? 201 : 200);
  });

  r.get('/:id', async (c) => {
    const auth = c.get('auth');
    const { team, member } = await teams.getTeam(c.get('deps'), auth, idParam(c, 'id'));
    return c.json(presentTeamFor(auth, team, member));
  });

  r.patch('/:id', async (c) => {
    const id = idParam(c, 'id');
    const team = await teams.updateTeam(c.get('deps'), c.get('auth'), id, await readJson(c, teams.updateTeamSchema));
    return c.json(presentTeam(team, { withInvite: true }));
  });

  r.delete('/:id', async (c) => {
    const team = await teams.deleteTeam(c.get('deps'), c.get('auth'), idParam(c, 'id'));
    return c.json(presentTeam(team));
  });

  r.post('/:id/join', async (c) => {
    const id = idParam(c, 'id');
    const { member, created } = await teams.joinTeam(c.get('deps'), c.get('auth'), id, await readJson(c, teams.joinTeamSchema));
    return c.json(presentTeamMember(member), created ? 201 : 200);
  });

  r.post('/:id/invites', async (c) => {
    const id = idParam(c, 'id');
    const items = await inviteByEmail(c.get('deps'), c.get('auth'), id, await readJson(c, inviteSchema), { ip: clientIp(c), origin: siteOrigin(c), graceful: c.req.query('graceful') === 'true' });
    return c.json({ items });
  });

  r.post('/:id/regenerate_invite_id', async (c) => {
    const team = await regenerateInviteId(c.get('deps'), c.get('auth'), idParam(c, 'id'), clientIp(c));
    return c.json(presentTeam(team, { withInvite: true }));
  });

  r.post('/:id/leave', async (c) => {
    await teams.leaveTeam(c.get('deps'), c.get('auth'), idParam(c, 'id'));
    return c.json(OK);
  });

  r.get('/:id/members', async (c) => {
    const id = idParam(c, 'id');
    const page = await teams.listTeamMembers(c.get('deps'), c.get('auth'), id, pageQuery(c));
    return c.json({ items: page.items.map(presentTeamMember), next_cursor: page.next_cursor });
  });

  r.post('/:id/members', async (c) => {
    const id = idParam(c, 'id');
    const { member, created } = await teams.addTeamMember(c.get('deps'), c.get('auth'), id, await readJson(c, teams.addTeamMemberSchema));
    return c.json(presentTeamMember(member), created ? 201 : 200);
  });

  r.patch('/:id/members/:user_id', async (c) => {
    const id = idParam(c, 'id');
    const userId = idParam(c, 'user_id');
    const m = await teams.setTeamMemberRole(c.get('deps'), c.get('auth'), id, userId, await readJson(c, teams.teamRoleSchema));
    return c.json(presentTeamMember(m));
  });

  r.delete('/:id/members/:user_id', async (c) => {
    const id = idParam(c, 'id');
    await teams.removeTeamMember(c.get('deps'), c.get('auth'), id, idParam(c, 'user_id'));
    return c.json(OK);
  });

  r.get('/:id/channels', async (c) => {
    return c.json(await listMyTeamChannels(c.get('deps'), c.get('auth'), idParam(c, 'id')));
  });

  r.get('/:id/channels/browse', async (c) => {
    const rows = await browseTeamChannels(c.get('deps'), c.get('auth'), idParam(c, 'id'));
    return c.json({ items: rows.map(presentChannel), next_cursor: null });
  });

  return r;
}
