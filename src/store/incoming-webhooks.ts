import type { Queryable } from '../db/driver.ts';

export interface IncomingWebhookRow {
  id: string;
  team_id: string;
  channel_id: string;
  creator_id: string;
  display_name: string;
  description: string;
  username: string;
  icon_url: string;
  channel_locked: boolean;
  create_at: number;
  update_at: number;
  delete_at: number;
}

export type IncomingWebhookFields = Pick<IncomingWebhookRow, 'channel_id' | 'display_name' | 'description' | 'username' | 'icon_url' | 'channel_locked'>;

export async function insertIncomingWebhook(q: Queryable, h: IncomingWebhookFields & Pick<IncomingWebhookRow, 'id' | 'team_id' | 'creator_id' | 'create_at'>): Promise<IncomingWebhookRow> {
  const rows = await q.query<IncomingWebhookRow>(
    `insert into incoming_webhooks (id, team_id, channel_id, creator_id, display_name, description, username, icon_url, channel_locked, create_at, update_at)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) returning *`,
    [h.id, h.team_id, h.channel_id, h.creator_id, h.display_name, h.description, h.username, h.icon_url, h.channel_locked, h.create_at],
  );
  return rows[0];
}

/** A live hook. */
export async function getIncomingWebhook(q: Queryable, id: string): Promise<IncomingWebhookRow | undefined> {
  return (await q.query<IncomingWebhookRow>('select * from incoming_webhooks where id = $1 and delete_at = 0', [id]))[0];
}

/** Live hooks, newest first, of a team (or every team with teamId null), of one creator when given. */
export async function listIncomingWebhooks(q: Queryable, o: { teamId: string | null; teamIds?: string[]; creatorId?: string; limit: number; offset: number }): Promise<IncomingWebhookRow[]> {
  return q.query<IncomingWebhookRow>(
    `select * from incoming_webhooks where delete_at = 0
        and ($1::text is null or team_id = $1) and ($2::text is null or creator_id = $2)
        and ($5::text is null or team_id in (select jsonb_array_elements_text($5::text::jsonb)))
      order by create_at desc, id limit $3 offset $4`,
    [o.teamId, o.creatorId ?? null, o.limit, o.offset, o.teamIds ? JSON.stringify(o.teamIds) : null],
  );
}

export async function updateIncomingWebhook(q: Queryable, id: string, f: IncomingWebhookFields, now: number): Promise<IncomingWebhookRow> {
  const rows = await q.query<IncomingWebhookRow>(
    `update incoming_webhooks set channel_id = $2, display_name = $3, description = $4, username = $5, icon_url = $6, channel_locked = $7, update_at = $8
      where id = $1 and delete_at = 0 returning *`,
    [id, f.channel_id, f.display_name, f.description, f.username, f.icon_url, f.channel_locked, now],
  );
  return rows[0];
}

export async function deleteIncomingWebhook(q: Queryable, id: string, now: number): Promise<boolean> {
  return (await q.query('update incoming_webhooks set delete_at = $2, update_at = $2 where id = $1 and delete_at = 0 returning id', [id, now])).length > 0;
}
