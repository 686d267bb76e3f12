import type { Queryable } from '../db/driver.ts';

export interface TeamRow {
  id: string;
  name: string;
  display_name: string;
  description: string;
  type: 'O' | 'I';
  invite_id: string;
  allow_open_invite: boolean;
  creator_id: string;
  create_at: number;
  update_at: number;
  delete_at: number;
}

export type TeamRole = 'team_user' | 'team_admin';

export interface TeamMemberRow {
  team_id: string;
  user_id: string;
  role: TeamRole;
  create_at: number;
}

export async function insertTeam(q: Queryable, t: Omit<TeamRow, 'delete_at'>): Promise<TeamRow> {
  const rows = await q.query<TeamRow>(
    `insert into teams (id, name, display_name, description, type, invite_id, allow_open_invite, creator_id, create_at, update_at)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) returning *`,
    [t.id, t.name, t.display_name, t.description, t.type, t.invite_id, t.allow_open_invite, t.creator_id, t.create_at, t.update_at],
  );
  return rows[0];
}

/** A team by id, live or deleted. `lock` takes FOR UPDATE (caller is in a transaction). */
export async function getTeam(q: Queryable, id: string, lock = false): Promise<TeamRow | undefined> {
  return (await q.query<TeamRow>(`select * from teams where id = $1${lock ? ' for update' : ''}`, [id]))[0];
}

export async function getTeamByName(q: Queryable, name: string): Promise<TeamRow | undefined> {
  return (await q.query<TeamRow>('select * from teams where lower(name) = lower($1)', [name]))[0];
}

/** Live teams the user belongs to, by display name. */
export async function listUserTeams(q: Queryable, userId: string): Promise<TeamRow[]> {
  return q.query<TeamRow>(
    `select t.* from teams t join team_members m on m.team_id = t.id
     where m.user_id = $1 and t.delete_at = 0 order by lower(t.display_name), t.id`,
    [userId],
  );
}

/** Live open teams the user is not in. */
export async function listJoinableTeams(q: Queryable, userId: string): Promise<TeamRow[]> {
  return q.query<TeamRow>(
    `select t.* from teams t
     where t.type = 'O' and t.allow_open_invite and t.delete_at = 0
       and not exists (select 1 from team_members m where m.team_id = t.id and m.user_id = $1)
     order by lower(t.display_name), t.id`,
    [userId],
  );
}

export interface TeamPatch {
  display_name?: string;
  description?: string;
  type?: 'O' | 'I';
  allow_open_invite?: boolean;
}

export async function updateTeam(q: Queryable, id: string, p: TeamPatch, now: number): Promise<TeamRow> {
  const rows = await q.query<TeamRow>(
    `update teams set
       display_name = coalesce($2, display_name),
       description = coalesce($3, description),
       type = coalesce($4, type),
       allow_open_invite = coalesce($5, allow_open_invite),
       update_at = $6
     where id = $1 returning *`,
    [id, p.display_name ?? null, p.description ?? null, p.type ?? null, p.allow_open_invite ?? null, now],
  );
  return rows[0];
}

export async function softDeleteTeam(q: Queryable, id: string, now: number): Promise<TeamRow> {
  return (await q.query<TeamRow>('update teams set delete_at = $2, update_at = $2 where id = $1 returning *', [id, now]))[0];
}

export async function getTeamMember(q: Queryable, teamId: string, userId: string): Promise<TeamMemberRow | undefined> {
  return (await q.query<TeamMemberRow>('select * from team_members where team_id = $1 and user_id = $2', [teamId, userId]))[0];
}

/** Inserts a membership; returns undefined when the user was already a member. */
export async function insertTeamMember(q: Queryable, m: TeamMemberRow): Promise<TeamMemberRow | undefined> {
  const rows = await q.query<TeamMemberRow>(
    `insert into team_members (team_id, user_id, role, create_at) values ($1, $2, $3, $4)
     on conflict (team_id, user_id) do nothing returning *`,
    [m.team_id, m.user_id, m.role, m.create_at],
  );
  return rows[0];
}

export async function setTeamMemberRole(q: Queryable, teamId: string, userId: string, role: TeamRole): Promise<TeamMemberRow | undefined> {
  return (await q.query<TeamMemberRow>('update team_members set role = $3 where team_id = $1 and user_id = $2 returning *', [teamId, userId, role]))[0];
}

export async function deleteTeamMember(q: Queryable, teamId: string, userId: string): Promise<boolean> {
  const rows = await q.query('delete from team_members where team_id = $1 and user_id = $2 returning user_id', [teamId, userId]);
  return rows.length > 0;
}

/** Members in user-id order, keyset-paged after `afterUserId`. */
export async function listTeamMembers(q: Queryable, teamId: string, afterUserId: string, limit: number): Promise<TeamMemberRow[]> {
  return q.query<TeamMemberRow>(
    'select * from team_members where team_id = $1 and user_id > $2 order by user_id limit $3',
    [teamId, afterUserId, limit],
  );
}

export async function teamMemberIds(q: Queryable, teamId: string): Promise<string[]> {
  return (await q.query<{ user_id: string }>('select user_id from team_members where team_id = $1', [teamId])).map((r) => r.user_id);
}

/** A user's `delete_at` (0 = active, else when deactivated), or undefined when there is no such user. */
export async function userDeleteAt(q: Queryable, userId: string): Promise<number | undefined> {
  const [r] = await q.query<{ delete_at: number | string }>('select delete_at from users where id = $1', [userId]);
  return r ? Number(r.delete_at) : undefined;
}

/** Members of a team, and those of them whose account is active. */
export async function teamMemberCounts(q: Queryable, teamId: string): Promise<{ total: number; active: number }> {
  const [r] = await q.query<{ total: number; active: number }>(
    `select count(*)::int as total, count(*) filter (where u.delete_at = 0)::int as active
       from team_members tm join users u on u.id = tm.user_id where tm.team_id = $1`,
    [teamId],
  );
  return r;
}

/** Replaces a team's invite id (old invite links stop working). */
export async function setInviteId(q: Queryable, id: string, inviteId: string, now: number): Promise<TeamRow> {
  const rows = await q.query<TeamRow>('update teams set invite_id = $2, update_at = $3 where id = $1 returning *', [id, inviteId, now]);
  return rows[0];
}
