import type { Queryable, Statement } from '../db/driver.ts';

/** A `channels` row. */
export interface ChannelRow {
  id: string;
  team_id: string;
  type: 'O' | 'P' | 'D' | 'G';
  name: string;
  display_name: string;
  header: string;
  purpose: string;
  creator_id: string;
  create_at: number;
  update_at: number;
  delete_at: number;
  last_post_at: number;
  last_root_post_at: number;
  total_msg_count: number;
  total_msg_count_root: number;
}

export type NewChannel = Pick<ChannelRow, 'id' | 'team_id' | 'type' | 'name' | 'display_name' | 'header' | 'purpose' | 'creator_id' | 'create_at' | 'update_at'>;

const INSERT = `insert into channels (id, team_id, type, name, display_name, header, purpose, creator_id, create_at, update_at)
  values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`;
const params = (c: NewChannel) => [c.id, c.team_id, c.type, c.name, c.display_name, c.header, c.purpose, c.creator_id, c.create_at, c.update_at];

/** Inserts a channel; a duplicate (team_id, name) raises a unique violation. */
export async function insertChannel(q: Queryable, c: NewChannel): Promise<ChannelRow> {
  return (await q.query<ChannelRow>(`${INSERT} returning *`, params(c)))[0];
}

/**
 * Inserts a channel unless one with the same (team_id, name) exists; returns the new row or
 * undefined. Under concurrency the unique index makes a racing insert wait for the winner's
 * commit and then do nothing, so exactly one transaction creates the channel.
 */
export async function insertChannelIfAbsent(q: Queryable, c: NewChannel): Promise<ChannelRow | undefined> {
  return (await q.query<ChannelRow>(`${INSERT} on conflict (team_id, name) do nothing returning *`, params(c)))[0];
}

/** Locks a channel row and reads it; also sent on its own, just before a post's insert (actions/posts.ts). */
export function lockChannelStatement(id: string): Statement {
  return { text: 'select * from channels where id = $1 for update', params: [id] };
}

export async function getChannel(q: Queryable, id: string, lock = false): Promise<ChannelRow | undefined> {
  const st = lock ? lockChannelStatement(id) : { text: 'select * from channels where id = $1', params: [id] };
  return (await q.query<ChannelRow>(st.text, st.params))[0];
}

export async function getChannelByName(q: Queryable, teamId: string, name: string): Promise<ChannelRow | undefined> {
  return (await q.query<ChannelRow>('select * from channels where team_id = $1 and name = $2', [teamId, name]))[0];
}

export interface ChannelPatch {
  name?: string;
  display_name?: string;
  header?: string;
  purpose?: string;
}

/** Caller holds FOR UPDATE on the channel row. */
export async function updateChannel(q: Queryable, id: string, p: ChannelPatch, now: number): Promise<ChannelRow> {
  const rows = await q.query<ChannelRow>(
    `update channels set
       name = coalesce($2, name),
       display_name = coalesce($3, display_name),
       header = coalesce($4, header),
       purpose = coalesce($5, purpose),
       update_at = $6
     where id = $1 returning *`,
    [id, p.name ?? null, p.display_name ?? null, p.header ?? null, p.purpose ?? null, now],
  );
  return rows[0];
}

/** Public ↔ private. Caller holds FOR UPDATE on the channel row. */
export async function setChannelType(q: Queryable, id: string, type: 'O' | 'P', now: number): Promise<ChannelRow> {
  return (await q.query<ChannelRow>('update channels set type = $2, update_at = $3 where id = $1 returning *', [id, type, now]))[0];
}

/** Archives (deleteAt = now) or restores (deleteAt = 0). */
export async function setChannelDeleteAt(q: Queryable, id: string, deleteAt: number, now: number): Promise<ChannelRow> {
  return (await q.query<ChannelRow>('update channels set delete_at = $2, update_at = $3 where id = $1 returning *', [id, deleteAt, now]))[0];
}

/** Live public channels of a team the user is not a member of, by display name. */
export async function listBrowsableChannels(q: Queryable, teamId: string, userId: string): Promise<ChannelRow[]> {
  return q.query<ChannelRow>(
    `select c.* from channels c
     where c.team_id = $1 and c.type = 'O' and c.delete_at = 0
       and not exists (select 1 from channel_members m where m.channel_id = c.id and m.user_id = $2)
     order by lower(c.display_name), c.id`,
    [teamId, userId],
  );
}

/**
 * Locks, in id order (so concurrent callers cannot deadlock), the channels of a team the user
 * belongs to, and returns them.
 */
export async function lockUserTeamChannels(q: Queryable, teamId: string, userId: string): Promise<ChannelRow[]> {
  return q.query<ChannelRow>(
    `select c.* from channels c
     where c.team_id = $1 and exists (select 1 from channel_members m where m.channel_id = c.id and m.user_id = $2)
     order by c.id for update`,
    [teamId, userId],
  );
}

/** Locks and returns the team's live default channels (town-square, off-topic), in id order. */
export async function lockDefaultChannels(q: Queryable, teamId: string): Promise<ChannelRow[]> {
  return q.query<ChannelRow>(
    `select * from channels where team_id = $1 and name in ('town-square', 'off-topic') and delete_at = 0 order by id for update`,
    [teamId],
  );
}

/** Users by id (existing ones only), for DM/group creation. */
export async function usersByIds(q: Queryable, ids: string[]): Promise<{ id: string; username: string }[]> {
  return q.query<{ id: string; username: string }>('select id, username from users where id = any($1::text[])', [ids]);
}

/** Archived channels of a team a user may see: public ones, and private ones they are in. By display name. */
export async function listArchivedChannels(q: Queryable, teamId: string, userId: string, limit: number): Promise<ChannelRow[]> {
  return q.query<ChannelRow>(
    `select c.* from channels c
      where c.team_id = $1 and c.delete_at <> 0
        and (c.type = 'O' or exists (select 1 from channel_members m where m.channel_id = c.id and m.user_id = $2))
      order by lower(c.display_name), c.id limit $3`,
    [teamId, userId, limit],
  );
}
