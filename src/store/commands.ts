import type { Queryable } from '../db/driver.ts';

export interface CommandRow {
  id: string;
  token: string;
  team_id: string;
  creator_id: string;
  trigger: string;
  method: 'P' | 'G';
  url: string;
  username: string;
  icon_url: string;
  auto_complete: boolean;
  auto_complete_desc: string;
  auto_complete_hint: string;
  display_name: string;
  description: string;
  create_at: number;
  update_at: number;
  delete_at: number;
}

export type CommandFields = Pick<CommandRow, 'trigger' | 'method' | 'url' | 'username' | 'icon_url' | 'auto_complete' | 'auto_complete_desc' | 'auto_complete_hint' | 'display_name' | 'description'>;

export async function insertCommand(q: Queryable, c: CommandFields & Pick<CommandRow, 'id' | 'token' | 'team_id' | 'creator_id' | 'create_at'>): Promise<CommandRow> {
  const rows = await q.query<CommandRow>(
    `insert into commands (id, token, team_id, creator_id, trigger, method, url, username, icon_url, auto_complete, auto_complete_desc, auto_complete_hint, display_name, description, create_at, update_at)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $15) returning *`,
    [c.id, c.token, c.team_id, c.creator_id, c.trigger, c.method, c.url, c.username, c.icon_url, c.auto_complete, c.auto_complete_desc, c.auto_complete_hint, c.display_name, c.description, c.create_at],
  );
  return rows[0];
}

export async function getCommand(q: Queryable, id: string): Promise<CommandRow | undefined> {
  return (await q.query<CommandRow>('select * from commands where id = $1 and delete_at = 0', [id]))[0];
}

export async function getCommandByTrigger(q: Queryable, teamId: string, trigger: string): Promise<CommandRow | undefined> {
  return (await q.query<CommandRow>('select * from commands where team_id = $1 and lower(trigger) = lower($2) and delete_at = 0', [teamId, trigger]))[0];
}

export async function listCommands(q: Queryable, o: { teamId: string | null; creatorId?: string; limit: number; offset: number }): Promise<CommandRow[]> {
  return q.query<CommandRow>(
    `select * from commands where delete_at = 0 and ($1::text is null or team_id = $1) and ($2::text is null or creator_id = $2)
      order by lower(trigger), id limit $3 offset $4`,
    [o.teamId, o.creatorId ?? null, o.limit, o.offset],
  );
}

export async function updateCommand(q: Queryable, id: string, f: CommandFields, now: number): Promise<CommandRow | undefined> {
  const rows = await q.query<CommandRow>(
    `update commands set trigger = $2, method = $3, url = $4, username = $5, icon_url = $6, auto_complete = $7, auto_complete_desc = $8, auto_complete_hint = $9,
            display_name = $10, description = $11, update_at = $12
      where id = $1 and delete_at = 0 returning *`,
    [id, f.trigger, f.method, f.url, f.username, f.icon_url, f.auto_complete, f.auto_complete_desc, f.auto_complete_hint, f.display_name, f.description, now],
  );
  return rows[0];
}

export async function setCommandToken(q: Queryable, id: string, token: string, now: number): Promise<CommandRow | undefined> {
  return (await q.query<CommandRow>('update commands set token = $2, update_at = $3 where id = $1 and delete_at = 0 returning *', [id, token, now]))[0];
}

export async function deleteCommand(q: Queryable, id: string, now: number): Promise<boolean> {
  return (await q.query('update commands set delete_at = $2, update_at = $2 where id = $1 and delete_at = 0 returning id', [id, now])).length > 0;
}
