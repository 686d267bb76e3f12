import { Hono } from 'hono';
import { z } from 'zod';
import type { AppEnv } from '../env.ts';
import { readJson } from '../validate.ts';
import { addTeamMember, createTeam, getTeam, getTeamByName, joinTeam, listJoinableTeams, listMyTeams, listTeamMembers, presentTeam, presentTeamFor, removeTeamMember, setTeamMemberRole, teamStats } from '../../actions/teams.ts';
import { getUnreads } from '../../actions/unreads.ts';
import { threadTotals } from '../../actions/threads.ts';
import { presentMmTeam, presentMmTeamMember, presentMmTeamUnread } from './presenters.ts';
import { mmJson, mmOk } from './respond.ts';
import { mmId, paging } from './params.ts';
import { mmErrorId, notImplemented } from './errors.ts';
import { clientIp } from '../middleware.ts';
import { siteOrigin } from '../session-cookies.ts';
import { acceptInvite, inviteByEmail, INVITE_MAX_EMAILS, regenerateInviteId } from '../../actions/invites.ts';
import { badRequest, notFound } from '../../errors.ts';


/** Walks a cursor-paged action to Mattermost's page `page` of `perPage`. */
export async function pageOf<T>(fetch: (cursor: string | undefined, limit: number) => Promise<{ items: T[]; next_cursor: string | null }>, page: number, perPage: number): Promise<T[]> {
  let cursor: string | undefined;
  for (let i = 0; ; i++) {
    const res = await fetch(cursor, perPage);
    if (i === page) return res.items;
    if (!res.next_cursor) return [];
    cursor = res.next_cursor;
  }
}

export function teamRoutes() {
  const r = new Hono<AppEnv>();
  r.get('/users/:uid/teams', async (c) => {
    const auth = c.get('auth');
    mmId(c, 'uid', true);
    if (c.req.param('uid') !== 'me' && c.req.param('uid') !== auth.user.id) othersNotSupported();
    const rows = await listMyTeams(c.get('deps'), auth);
    return mmJson(c, rows.map((r) => presentMmTeam(presentTeamFor(auth, r.team, r.member))));
  });
  r.get('/users/:uid/teams/members', async (c) => {
    const auth = c.get('auth');
    mmId(c, 'uid', true);
    if (c.req.param('uid') !== 'me' && c.req.param('uid') !== auth.user.id) othersNotSupported();
    const rows = await listMyTeams(c.get('deps'), auth);
    return mmJson(c, rows.map((r) => presentMmTeamMember(r.member)));
  });
  r.get('/users/:uid/teams/unread', async (c) => {
    const auth = c.get('auth');
    mmId(c, 'uid', true);
    if (c.req.param('uid') !== 'me' && c.req.param('uid') !== auth.user.id) othersNotSupported();
    const exclude = c.req.query('exclude_team');
    const deps = c.get('deps');
    const { teams } = await getUnreads(deps, auth);
    const withThreads = c.req.query('include_collapsed_threads') === 'true';
    const out = [];
    for (const t of teams) {
      if (t.team_id === exclude) continue;
      // Followed threads in the team's own channels with unread replies, and their mentions.
      const th = withThreads ? await threadTotals(deps, auth, t.team_id) : undefined;
      out.push(
        presentMmTeamUnread({
          team_id: t.team_id,
          msg_count: t.unread_count,
          mention_count: t.mention_count,
          msg_count_root: t.unread_root_count,
          mention_count_root: t.mention_count_root,
          thread_count: th?.unread_threads,
          thread_mention_count: th?.unread_mentions,
        }),
      );
    }
    return mmJson(c, out);
  });
  r.post('/teams', async (c) => {
    const body = await readJson(c, z.object({ name: z.string(), display_name: z.string(), type: z.unknown().optional(), description: z.string().optional() }));
    // Mattermost's Team.IsValid: the type is required, O or I.
    if (body.type !== 'O' && body.type !== 'I') throw badRequest('invalid_team_type', 'type must be "O" (open) or "I" (invite only)');
    const { team } = await createTeam(c.get('deps'), c.get('auth'), { ...body, type: body.type });
    return mmJson(c, presentMmTeam(presentTeam(team, { withInvite: true })), 201);
  });
  r.get('/teams', async (c) => {
    const { page, perPage } = paging(c);
    const rows = await listJoinableTeams(c.get('deps'), c.get('auth'));
    return mmJson(c, rows.slice(page * perPage, (page + 1) * perPage).map((t) => presentMmTeam(presentTeam(t))));
  });
  r.get('/teams/name/:name', async (c) => {
    const auth = c.get('auth');
    const a = await getTeamByName(c.get('deps'), auth, c.req.param('name'));
    return mmJson(c, presentMmTeam(presentTeamFor(auth, a.team, a.member)));
  });
  r.get('/teams/:tid', async (c) => {
    const auth = c.get('auth');
    const a = await getTeam(c.get('deps'), auth, mmId(c, 'tid'));
    return mmJson(c, presentMmTeam(presentTeamFor(auth, a.team, a.member)));
  });
  r.get('/teams/:tid/stats', async (c) => mmJson(c, await teamStats(c.get('deps'), c.get('auth'), mmId(c, 'tid'))));
  r.get('/teams/:tid/members', async (c) => {
    const { page, perPage } = paging(c);
    const tid = mmId(c, 'tid');
    const items = await pageOf((cursor, limit) => listTeamMembers(c.get('deps'), c.get('auth'), tid, { cursor, limit }), page, perPage);
    return mmJson(c, items.map(presentMmTeamMember));
  });
  r.get('/teams/:tid/members/:uid', async (c) => {
    const tid = mmId(c, 'tid');
    const uid = mmId(c, 'uid', true);
    const deps = c.get('deps');
    const auth = c.get('auth');
    // listTeamMembers authorizes (team members, system admins); walk it to the one member.
    let cursor: string | undefined;
    for (;;) {
      const res = await listTeamMembers(deps, auth, tid, { cursor, limit: 200 });
      const m = res.items.find((x) => x.user_id === uid);
      if (m) return mmJson(c, presentMmTeamMember(m));
      if (!res.next_cursor) throw notFound('member_not_found', 'That user is not a member of this team');
      cursor = res.next_cursor;
    }
  });
  r.post('/teams/:tid/members', async (c) => {
    const auth = c.get('auth');
    const tid = mmId(c, 'tid');
    const body = await readJson(c, z.object({ team_id: z.string().optional(), user_id: z.string() }));
    // Adding yourself is joining (open team); adding others needs team admin (the action checks).
    const { member } = body.user_id === auth.user.id ? await joinTeam(c.get('deps'), auth, tid) : await addTeamMember(c.get('deps'), auth, tid, { user_id: body.user_id });
    return mmJson(c, presentMmTeamMember(member), 201);
  });
  // An emailed invitation opened by someone signed in (Mattermost's addUserToTeamFromInvite).
  r.post('/teams/members/invite', async (c) => {
    const token = c.req.query('token') ?? '';
    const { member } = await acceptInvite(c.get('deps'), c.get('auth'), token, clientIp(c));
    return mmJson(c, presentMmTeamMember(member), 201);
  });
  // Body: an array of addresses. Without ?graceful=true one bad address refuses all; with it,
  // each address gets {email, error} (error null when the invitation went out or is not needed).
  r.post('/teams/:tid/invite/email', async (c) => {
    const tid = mmId(c, 'tid');
    const emails = await readJson(c, z.array(z.string().max(254)).max(INVITE_MAX_EMAILS));
    const graceful = c.req.query('graceful') === 'true';
    const results = await inviteByEmail(c.get('deps'), c.get('auth'), tid, { emails }, { ip: clientIp(c), origin: siteOrigin(c), graceful });
    if (!graceful) return mmOk(c);
    return mmJson(
      c,
      results.map((r) => ({ email: r.email, error: 'error' in r ? { id: mmErrorId(r.error.code, 400), message: r.error.message, detailed_error: '', request_id: '', status_code: 400 } : null })),
    );
  });
  r.post('/teams/:tid/regenerate_invite_id', async (c) => {
    const team = await regenerateInviteId(c.get('deps'), c.get('auth'), mmId(c, 'tid'), clientIp(c));
    return mmJson(c, presentMmTeam(presentTeam(team, { withInvite: true })));
  });
  r.put('/teams/:tid/members/:uid/roles', async (c) => {
    const body = await readJson(c, z.object({ roles: z.string().max(200) }));
    const roles = new Set(body.roles.split(/\s+/).filter(Boolean));
    if (![...roles].every((r) => r === 'team_user' || r === 'team_admin')) throw badRequest('invalid_input', 'roles may only name team_user and team_admin');
    await setTeamMemberRole(c.get('deps'), c.get('auth'), mmId(c, 'tid'), mmId(c, 'uid', true), { role: roles.has('team_admin') ? 'team_admin' : 'team_user' });
    return mmOk(c);
  });
  r.delete('/teams/:tid/members/:uid', async (c) => {
    await removeTeamMember(c.get('deps'), c.get('auth'), mmId(c, 'tid'), mmId(c, 'uid', true));
    return mmOk(c);
  });
  return r;
}

/** Other users' team lists are an admin view RustChat does not offer over v4. */
function othersNotSupported(): never {
  throw notImplemented('GET', '/api/v4/users/{other user}/teams');
}
