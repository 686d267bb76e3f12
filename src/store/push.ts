import type { Queryable } from '../db/driver.ts';

/**
 * Mobile push: the devices (a session's device_id) and what deciding a push needs. The rules
 * themselves are in src/actions/push.ts.
 */

/** A live session with a device: where one push goes. */
export interface DeviceSession {
  session_id: string;
  user_id: string;
  device_id: string;
  props: Record<string, unknown>;
}

/**
 * Attaches a device to a session (Mattermost's PUT /users/sessions/device) and merges `props`
 * into the session's props; `expiresAt` is the mobile lifetime from now. Returns false when the
 * session is no longer live.
 */
export async function attachDevice(q: Queryable, sessionId: string, deviceId: string, props: Record<string, unknown>, expiresAt: number, now: number): Promise<boolean> {
  const rows = await q.query(
    `update sessions set device_id = $2, props = props || $3::text::jsonb, expires_at = greatest(expires_at, $4)
      where id = $1 and revoked_at = 0 and expires_at > $5 returning id`,
    [sessionId, deviceId, JSON.stringify(props), expiresAt, now],
  );
  return rows.length > 0;
}

/**
 * Takes a device away from every other session (of any user): a phone gets the pushes of the
 * session that registered it last, never those of an account it was used with before.
 */
export async function detachDeviceElsewhere(q: Queryable, deviceId: string, keepSessionId: string): Promise<number> {
  const rows = await q.query(`update sessions set device_id = '' where device_id = $1 and id <> $2 returning id`, [deviceId, keepSessionId]);
  return rows.length;
}

/** Removes a device the push proxy reported gone (only if the session still has that device). */
export async function removeDevice(q: Queryable, sessionId: string, deviceId: string): Promise<boolean> {
  const rows = await q.query(`update sessions set device_id = '' where id = $1 and device_id = $2 returning id`, [sessionId, deviceId]);
  return rows.length > 0;
}

/** Live sessions with a device, of these users. */
export async function liveDevices(q: Queryable, userIds: string[], now: number): Promise<DeviceSession[]> {
  if (!userIds.length) return [];
  return q.query<DeviceSession>(
    `select id as session_id, user_id, device_id, props from sessions
      where user_id in (select jsonb_array_elements_text($1::text::jsonb)) and device_id <> '' and revoked_at = 0 and expires_at > $2
      order by user_id, create_at`,
    [JSON.stringify(userIds), now],
  );
}

/** A channel member who might get a push for a post: only members with a device are read. */
export interface PushCandidate {
  user_id: string;
  username: string;
  user_notify: Record<string, unknown>;
  member_notify: Record<string, unknown>;
  /** user_status.status, 'offline' without a row. */
  status: string;
  /** The display_settings/collapsed_reply_threads preference ("on" | "off"), if set. */
  crt_pref: string | null;
  /** Follows the thread of the post (replies only). */
  follows: boolean;
}

/**
 * Members of a channel, other than the author, live and not bots, with at least one live device
 * session — the only ones a push could reach — with what the push rules read.
 */
export async function pushCandidates(q: Queryable, channelId: string, authorId: string, rootId: string, now: number): Promise<PushCandidate[]> {
  return q.query<PushCandidate>(
    `select u.id as user_id, u.username, u.notify_props as user_notify, cm.notify_props as member_notify,
            coalesce(st.status, 'offline') as status, pr.value as crt_pref,
            ($3 <> '' and exists (select 1 from thread_members tm where tm.post_id = $3 and tm.user_id = u.id and tm.following)) as follows
       from channel_members cm
       join users u on u.id = cm.user_id
       left join user_status st on st.user_id = u.id
       left join preferences pr on pr.user_id = u.id and pr.category = 'display_settings' and pr.name = 'collapsed_reply_threads'
      where cm.channel_id = $1 and cm.user_id <> $2 and u.delete_at = 0 and not u.is_bot
        and exists (select 1 from sessions s where s.user_id = u.id and s.device_id <> '' and s.revoked_at = 0 and s.expires_at > $4)
      order by u.id`,
    [channelId, authorId, rootId, now],
  );
}

/** The usernames of a channel's members (a group message's title). */
export async function memberUsernames(q: Queryable, channelId: string): Promise<{ id: string; username: string }[]> {
  return q.query(`select u.id, u.username from channel_members cm join users u on u.id = cm.user_id where cm.channel_id = $1 order by u.username`, [channelId]);
}

/**
 * The app icon's badge per user: mentions in live channels (of live teams); with collapsed
 * threads, mentions in root posts plus unread mentions in the threads the user follows, as
 * Mattermost counts it. `crt` lists the users whose badge counts the collapsed way.
 */
export async function badgeCounts(q: Queryable, userIds: string[], crt: string[]): Promise<Map<string, number>> {
  if (!userIds.length) return new Map();
  const rows = await q.query<{ user_id: string; n: number }>(
    `with u(id) as (select jsonb_array_elements_text($1::text::jsonb)), c(id) as (select jsonb_array_elements_text($2::text::jsonb))
     select u.id as user_id,
       coalesce((select sum(case when u.id in (select id from c) then cm.mention_count_root else cm.mention_count end)
                   from channel_members cm join channels ch on ch.id = cm.channel_id
                   left join teams t on ch.team_id <> '' and t.id = ch.team_id
                  where cm.user_id = u.id and ch.delete_at = 0 and (ch.team_id = '' or t.delete_at = 0)), 0)
     + case when u.id in (select id from c) then coalesce((
         select count(*) from thread_members tm
           join channel_members cm on cm.channel_id = tm.channel_id and cm.user_id = tm.user_id
           join posts x on x.root_id = tm.post_id
          where tm.user_id = u.id and tm.following and x.delete_at = 0 and x.create_at > tm.last_viewed_at and x.user_id <> u.id
            and (x.mention_channel or x.mentions @> jsonb_build_array(u.id))), 0) else 0 end as n
       from u`,
    [JSON.stringify(userIds), JSON.stringify(crt)],
  );
  return new Map(rows.map((r) => [r.user_id, Number(r.n)]));
}

/** A stored server-wide value (site_settings), created once with `make` if absent; every process reads the same. */
export async function serverValue(q: Queryable, key: string, make: () => string): Promise<string> {
  const read = async () => (await q.query<{ value: unknown }>('select value from site_settings where key = $1', [key]))[0];
  let row = await read();
  if (!row) {
    // Two processes may race here: the first insert wins and both read it back.
    await q.query(`insert into site_settings (key, value) values ($1, $2::text::jsonb) on conflict (key) do nothing`, [key, JSON.stringify(make())]);
    row = await read();
  }
  return String(row!.value);
}
