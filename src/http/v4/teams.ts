import { Hono } from 'hono';
import { z } from 'zod';
import type { AppEnv } from '../env.ts';
import type { Auth } from '../../actions/tokens.ts';
import { readJson } from '../validate.ts';
import { addTeamMember, createTeam, getTeam, getTeamByName, joinTeam, listJoinableTeams, listMyTeams, listTeamMembers, removeTeamMember, setTeamMemberRole } from '../../actions/teams.ts';
import { getUnreads } from '../../actions/unreads.ts';
import { presentMmTeam, presentMmTeamMember, presentMmTeamUnread } from './presenters.ts';
import { mmJson, mmOk } from './respond.ts';
import { mmId, paging } from './params.ts';
import { notImplemented } from './errors.ts';
import { badRequest, notFound } from '../../errors.ts';

const showInvite = (auth: Auth, member?: { role: string }) => auth.isSystemAdmin || member?.role === 'team_admin';

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
    return mmJson(c, rows.map((r) => presentMmTeam(r.team, { showInvite: showInvite(auth, r.member) })));
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
    const { teams } = await getUnreads(c.get('deps'), auth);
    return mmJson(
      c,
      teams
        .filter((t) => t.team_id !== exclude)
        .map((t) => presentMmTeamUnread({ team_id: t.team_id, msg_count: t.unread_count, mention_count: t.mention_count, msg_count_root: t.unread_root_count, mention_count_root: t.mention_count_root })),
    );
  });
  r.post('/teams', async (c) => {
    const body = await readJson(c, z.object({ name: z.string(), display_name: z.string(), type: z.enum(['O', 'I']).optional(), description: z.string().optional() }));
    const { team } = await createTeam(c.get('deps'), c.get('auth'), body);
    return mmJson(c, presentMmTeam(team, { showInvite: true }), 201);
  });
  r.get('/teams', async (c) => {
    const { page, perPage } = paging(c);
    const rows = await listJoinableTeams(c.get('deps'), c.get('auth'));
    return mmJson(c, rows.slice(page * perPage, (page + 1) * perPage).map((t) => presentMmTeam(t)));
  });
  r.get('/teams/name/:name', async (c) => {
    const auth = c.get('auth');
    const a = await getTeamByName(c.get('deps'), auth, c.req.param('name'));
    return mmJson(c, presentMmTeam(a.team, { showInvite: showInvite(auth, a.member) }));
  });
  r.get('/teams/:tid', async (c) => {
    const auth = c.get('auth');
    const a = await getTeam(c.get('deps'), auth, mmId(c, 'tid'));
    return mmJson(c, presentMmTeam(a.team, { showInvite: showInvite(auth, a.member) }));
  });
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
