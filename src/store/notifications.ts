import type { Queryable } from '../db/driver.ts';

/**
 * Offline notification emails waiting for their batch (table email_notifications, written by the
 * post statement in store/posts.ts). The sender is src/actions/notification-emails.ts.
 * The table has no foreign keys (0018_posting_constraints.sql): a row can outlive its post or
 * recipient; notificationPosts joins such posts away and the sender deletes every row it claimed.
 */

/** Interval preference (seconds) → the wait before a batch is due, in SQL. "Immediately" (30) waits for nothing. */
const WAIT_MS = `case p.value when '900' then 900000 when '3600' then 3600000 else 0 end`;

/** Recipients whose oldest waiting row is older than their email interval, oldest first. */
export async function dueNotificationUsers(q: Queryable, now: number, limit: number): Promise<string[]> {
  const rows = await q.query<{ user_id: string }>(
    `select n.user_id
       from email_notifications n
       left join preferences p on p.user_id = n.user_id and p.category = 'notifications' and p.name = 'email_interval'
      group by n.user_id, p.value
     having min(n.create_at) + ${WAIT_MS} <= $1
      order by min(n.create_at)
      limit $2`,
    [now, limit],
  );
  return rows.map((r) => r.user_id);
}

/** When the next batch falls due (ms), if any row waits. */
export async function nextNotificationDue(q: Queryable): Promise<number | undefined> {
  const [row] = await q.query<{ at: number | null }>(
    `select min(f.due)::bigint as at from (
       select min(n.create_at) + ${WAIT_MS} as due
         from email_notifications n
         left join preferences p on p.user_id = n.user_id and p.category = 'notifications' and p.name = 'email_interval'
        group by n.user_id, p.value) f`,
  );
  return row?.at == null ? undefined : Number(row.at);
}

/** Locks a recipient's waiting rows for this transaction; rows another sender holds are skipped. */
export async function claimUserNotifications(q: Queryable, userId: string): Promise<string[]> {
  const rows = await q.query<{ post_id: string }>('select post_id from email_notifications where user_id = $1 order by create_at for update skip locked', [userId]);
  return rows.map((r) => r.post_id);
}

export async function deleteUserNotifications(q: Queryable, userId: string, postIds: string[]): Promise<void> {
  await q.query('delete from email_notifications where user_id = $1 and post_id in (select jsonb_array_elements_text($2::text::jsonb))', [userId, JSON.stringify(postIds)]);
}

/**
 * Deletes every waiting notification (the site switched notification emails off); returns how
 * many. Rows another sender holds are waited for: that sender deletes them as it emails them.
 */
export async function deleteAllNotifications(q: Queryable): Promise<number> {
  const [row] = await q.query<{ n: number }>('with d as (delete from email_notifications returning 1) select count(*)::int as n from d');
  return Number(row?.n ?? 0);
}

/** A waiting post as the recipient would see it, with what decides whether it is still worth an email. */
export interface NotificationPost {
  id: string;
  message: string;
  create_at: number;
  delete_at: number;
  author_username: string;
  author_display_name: string;
  channel_id: string;
  channel_type: 'O' | 'P' | 'D' | 'G';
  channel_name: string;
  channel_display_name: string;
  channel_delete_at: number;
  team_name: string | null;
  /** The recipient's membership: null when they left the channel. */
  last_viewed_at: number | null;
  member_notify: Record<string, unknown> | null;
}

export async function notificationPosts(q: Queryable, userId: string, postIds: string[]): Promise<NotificationPost[]> {
  const rows = await q.query<NotificationPost>(
    `select p.id, p.message, p.create_at, p.delete_at,
            a.username as author_username, a.display_name as author_display_name,
            c.id as channel_id, c.type as channel_type, c.name as channel_name, c.display_name as channel_display_name,
            c.delete_at as channel_delete_at, t.name as team_name,
            cm.last_viewed_at, cm.notify_props as member_notify
       from posts p
       join channels c on c.id = p.channel_id
       join users a on a.id = p.user_id
       left join teams t on t.id = c.team_id and c.team_id <> ''
       left join channel_members cm on cm.channel_id = c.id and cm.user_id = $1
      where p.id in (select jsonb_array_elements_text($2::text::jsonb))
      order by p.create_at, p.id`,
    [userId, JSON.stringify(postIds)],
  );
  return rows.map((r) => ({
    ...r,
    create_at: Number(r.create_at),
    delete_at: Number(r.delete_at),
    channel_delete_at: Number(r.channel_delete_at),
    last_viewed_at: r.last_viewed_at == null ? null : Number(r.last_viewed_at),
  }));
}

/** A team the user belongs to (links to direct messages need one), by name. */
export async function anyTeamNameOf(q: Queryable, userId: string): Promise<string | undefined> {
  const [row] = await q.query<{ name: string }>(
    `select t.name from teams t join team_members m on m.team_id = t.id where m.user_id = $1 and t.delete_at = 0 order by t.name limit 1`,
    [userId],
  );
  return row?.name;
}
