import type { Queryable } from '../db/driver.ts';
import type { TeamRow } from './teams.ts';
import type { ChannelRow } from './channels.ts';

/** 'active' (live), 'archived' (soft-deleted) or 'all'. */
export type ListState = 'active' | 'archived' | 'all';

function builder() {
  const params: unknown[] = [];
  const p = (v: unknown) => {
    params.push(v);
    return `$${params.length}`;
  };
  return { params, p };
}

/** strpos, not LIKE: the search string is matched literally. */
const matches = (fields: string[], x: string) => `(${fields.map((c) => `strpos(lower(${c}), ${x}) > 0`).join(' or ')})`;

export type TeamListRow = TeamRow & { member_count: number };

/** Every team (the console's list), by name, with its member count; keyset cursor: the last name. */
export async function listTeamsForAdmin(q: Queryable, f: { q?: string; state: ListState; after?: string; limit: number }): Promise<TeamListRow[]> {
  const { params, p } = builder();
  const where: string[] = [];
  if (f.state === 'active') where.push('t.delete_at = 0');
  if (f.state === 'archived') where.push('t.delete_at <> 0');
  if (f.q) where.push(matches(['t.name', 't.display_name'], p(f.q.toLowerCase())));
  if (f.after !== undefined) where.push(`t.name > ${p(f.after)}`);
  return q.query<TeamListRow>(
    `select t.*, (select count(*)::int from team_members m where m.team_id = t.id) as member_count
       from teams t ${where.length ? `where ${where.join(' and ')}` : ''} order by t.name limit ${p(f.limit)}`,
    params,
  );
}

export type ChannelListRow = ChannelRow & { member_count: number; team_name: string; team_display_name: string; team_delete_at: number };

/**
 * Every public and private team channel (never DMs or groups), by name then id, with member
 * counts and the team's names. Keyset cursor: the last row's (name, id).
 */
export async function listChannelsForAdmin(
  q: Queryable,
  f: { q?: string; teamId?: string; type?: 'O' | 'P'; state: ListState; after?: { name: string; id: string }; limit: number },
): Promise<ChannelListRow[]> {
  const { params, p } = builder();
  const where: string[] = [`c.type in ('O', 'P')`];
  if (f.state === 'active') where.push('c.delete_at = 0');
  if (f.state === 'archived') where.push('c.delete_at <> 0');
  if (f.type) where.push(`c.type = ${p(f.type)}`);
  if (f.teamId) where.push(`c.team_id = ${p(f.teamId)}`);
  if (f.q) where.push(matches(['c.name', 'c.display_name'], p(f.q.toLowerCase())));
  if (f.after) where.push(`(c.name, c.id) > (${p(f.after.name)}, ${p(f.after.id)})`);
  return q.query<ChannelListRow>(
    `select c.*, t.name as team_name, t.display_name as team_display_name, t.delete_at as team_delete_at,
            (select count(*)::int from channel_members m where m.channel_id = c.id) as member_count
       from channels c join teams t on t.id = c.team_id
      where ${where.join(' and ')} order by c.name, c.id limit ${p(f.limit)}`,
    params,
  );
}

/** Un-deletes a team. */
export async function restoreTeam(q: Queryable, id: string, now: number): Promise<TeamRow> {
  return (await q.query<TeamRow>('update teams set delete_at = 0, update_at = $2 where id = $1 returning *', [id, now]))[0];
}

/** Members of a team with their account names, by username (the console's member list). */
export async function teamMembersForAdmin(q: Queryable, teamId: string, after: string | undefined, limit: number) {
  return q.query<{ user_id: string; username: string; display_name: string; role: string; delete_at: number }>(
    `select m.user_id, u.username, u.display_name, m.role, u.delete_at from team_members m join users u on u.id = m.user_id
      where m.team_id = $1 ${after !== undefined ? 'and u.username > $3' : ''} order by u.username limit $2`,
    after !== undefined ? [teamId, limit, after] : [teamId, limit],
  );
}

/** Members of a channel with their account names, by username. */
export async function channelMembersForAdmin(q: Queryable, channelId: string, after: string | undefined, limit: number) {
  return q.query<{ user_id: string; username: string; display_name: string; role: string; delete_at: number }>(
    `select m.user_id, u.username, u.display_name, m.role, u.delete_at from channel_members m join users u on u.id = m.user_id
      where m.channel_id = $1 ${after !== undefined ? 'and u.username > $3' : ''} order by u.username limit $2`,
    after !== undefined ? [channelId, limit, after] : [channelId, limit],
  );
}
