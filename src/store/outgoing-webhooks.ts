import type { Queryable } from '../db/driver.ts';

export interface OutgoingWebhookRow {
  id: string;
  token: string;
  team_id: string;
  channel_id: string;
  creator_id: string;
  trigger_words: string[];
  trigger_when: number;
  callback_urls: string[];
  content_type: string;
  display_name: string;
  description: string;
  username: string;
  icon_url: string;
  create_at: number;
  update_at: number;
  delete_at: number;
}

export type OutgoingWebhookFields = Pick<OutgoingWebhookRow, 'channel_id' | 'trigger_words' | 'trigger_when' | 'callback_urls' | 'content_type' | 'display_name' | 'description' | 'username' | 'icon_url'>;

export async function insertOutgoingWebhook(q: Queryable, h: OutgoingWebhookFields & Pick<OutgoingWebhookRow, 'id' | 'token' | 'team_id' | 'creator_id' | 'create_at'>): Promise<OutgoingWebhookRow> {
  const rows = await q.query<OutgoingWebhookRow>(
    `insert into outgoing_webhooks (id, token, team_id, channel_id, creator_id, trigger_words, trigger_when, callback_urls, content_type, display_name, description, username, icon_url, create_at, update_at)
     values ($1, $2, $3, $4, $5, $6::text::jsonb, $7, $8::text::jsonb, $9, $10, $11, $12, $13, $14, $14) returning *`,
    [h.id, h.token, h.team_id, h.channel_id, h.creator_id, JSON.stringify(h.trigger_words), h.trigger_when, JSON.stringify(h.callback_urls), h.content_type, h.display_name, h.description, h.username, h.icon_url, h.create_at],
  );
  return rows[0];
}

export async function getOutgoingWebhook(q: Queryable, id: string): Promise<OutgoingWebhookRow | undefined> {
  return (await q.query<OutgoingWebhookRow>('select * from outgoing_webhooks where id = $1 and delete_at = 0', [id]))[0];
}

export async function listOutgoingWebhooks(q: Queryable, o: { teamId: string | null; channelId?: string; creatorId?: string; limit: number; offset: number }): Promise<OutgoingWebhookRow[]> {
  return q.query<OutgoingWebhookRow>(
    `select * from outgoing_webhooks where delete_at = 0
        and ($1::text is null or team_id = $1) and ($2::text is null or creator_id = $2) and ($5::text is null or channel_id = $5)
      order by create_at desc, id limit $3 offset $4`,
    [o.teamId, o.creatorId ?? null, o.limit, o.offset, o.channelId ?? null],
  );
}

/** The live hooks that may fire for a post in this channel of this team. */
export async function outgoingWebhooksFor(q: Queryable, teamId: string, channelId: string): Promise<OutgoingWebhookRow[]> {
  return q.query<OutgoingWebhookRow>(`select * from outgoing_webhooks where delete_at = 0 and team_id = $1 and (channel_id = '' or channel_id = $2)`, [teamId, channelId]);
}

export async function countOutgoingWebhooks(q: Queryable): Promise<number> {
  return Number((await q.query<{ n: number }>('select count(*)::int as n from outgoing_webhooks where delete_at = 0'))[0].n);
}

export async function updateOutgoingWebhook(q: Queryable, id: string, f: OutgoingWebhookFields, now: number): Promise<OutgoingWebhookRow> {
  const rows = await q.query<OutgoingWebhookRow>(
    `update outgoing_webhooks set channel_id = $2, trigger_words = $3::text::jsonb, trigger_when = $4, callback_urls = $5::text::jsonb, content_type = $6,
            display_name = $7, description = $8, username = $9, icon_url = $10, update_at = $11
      where id = $1 and delete_at = 0 returning *`,
    [id, f.channel_id, JSON.stringify(f.trigger_words), f.trigger_when, JSON.stringify(f.callback_urls), f.content_type, f.display_name, f.description, f.username, f.icon_url, now],
  );
  return rows[0];
}

export async function setOutgoingWebhookToken(q: Queryable, id: string, token: string, now: number): Promise<OutgoingWebhookRow | undefined> {
  return (await q.query<OutgoingWebhookRow>('update outgoing_webhooks set token = $2, update_at = $3 where id = $1 and delete_at = 0 returning *', [id, token, now]))[0];
}

export async function deleteOutgoingWebhook(q: Queryable, id: string, now: number): Promise<boolean> {
  return (await q.query('update outgoing_webhooks set delete_at = $2, update_at = $2 where id = $1 and delete_at = 0 returning id', [id, now])).length > 0;
}
