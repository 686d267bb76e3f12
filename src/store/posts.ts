import type { Queryable, Statement } from '../db/driver.ts';

export interface PostRow {
  id: string;
  seq: number;
  channel_id: string;
  user_id: string;
  root_id: string;
  message: string;
  type: string;
  props: Record<string, unknown>;
  hashtags: string;
  file_ids: string[];
  client_msg_id: string | null;
  mentions: string[];
  mention_channel: boolean;
  create_at: number;
  update_at: number;
  edit_at: number;
  delete_at: number;
  is_pinned: boolean;
  reply_count: number;
  last_reply_at: number;
}

// JSON goes in as text cast to jsonb (`$n::text::jsonb`): postgres.js would JSON-encode a string
// bound straight to a jsonb parameter a second time, PGlite would not.

// Every column but the generated search vector (no reason to ship it to Node).
export const POST_COLUMNS = `id, seq, channel_id, user_id, root_id, message, type, props, hashtags, file_ids, client_msg_id,
  mentions, mention_channel, create_at, update_at, edit_at, delete_at, is_pinned, reply_count, last_reply_at`;
/** The same columns qualified with the alias `p`. */
export const POST_COLUMNS_P = POST_COLUMNS.split(',').map((c) => `p.${c.trim()}`).join(', ');

export interface NewPost {
  id: string;
  channel_id: string;
  user_id: string;
  /** '' for a root post; for a reply, the post replied to (insertPost resolves its thread root). */
  root_id: string;
  message: string;
  type?: string;
  props: Record<string, unknown>;
  file_ids: string[];
  client_msg_id: string | null;
  /** Lowercased usernames the message mentions; members among them (not the author) are stored. */
  mention_usernames: string[];
  /** @channel / @all / @here: counts a mention for every member but the author. */
  mention_channel: boolean;
  create_at: number;
  /**
   * Posted by a webhook as its creator: the creator need not be a member of an open channel
   * (Mattermost's rule; private channels still require membership).
   */
  integration?: boolean;
  /**
   * The site switch email.send_notifications (actions/email-settings.ts, from its in-memory
   * cache): false queues no offline notification emails.
   */
  send_email: boolean;
}

// The posting statement comes in four cases, root or reply × with or without mentions, each one
// constant string built here once. PostgreSQL builds and tears down the plan state of every part
// of a statement on every run, whether the part does anything or not (ExecutorStart/End: about a
// quarter of its CPU per embedded post in a profile at 200 posts/s), so a root post carries no
// thread lookup or root update, and a post that mentions no one no mention lookup. Constant, not
// a template per call: the embedded driver keys its prepared statements by text, and a new
// 3.5 kB string is a flatten and a hash on every post. The parts use named parameters
// ($channel), numbered per case in order of first use: a number a statement does not reference
// is an error ("could not determine data type of parameter $n").

/** The values of the statement's named parameters. */
const PARAMS = {
  id: (p: NewPost) => p.id,
  channel: (p: NewPost) => p.channel_id,
  user: (p: NewPost) => p.user_id,
  reply_to: (p: NewPost) => p.root_id,
  message: (p: NewPost) => p.message,
  type: (p: NewPost) => p.type ?? '',
  props: (p: NewPost) => JSON.stringify(p.props),
  file_ids: (p: NewPost) => JSON.stringify(p.file_ids),
  client_msg_id: (p: NewPost) => p.client_msg_id,
  mention_channel: (p: NewPost) => p.mention_channel,
  at: (p: NewPost) => p.create_at,
  mention_usernames: (p: NewPost) => JSON.stringify(p.mention_usernames),
  integration: (p: NewPost) => !!p.integration,
  send_email: (p: NewPost) => p.send_email,
};

export type InsertPostCase = 'root' | 'root_mentions' | 'reply' | 'reply_mentions';

/** Which statement a post takes. */
export function insertPostCase(p: NewPost): InsertPostCase {
  const mentions = p.mention_usernames.length > 0 || p.mention_channel;
  if (p.root_id === '') return mentions ? 'root_mentions' : 'root';
  return mentions ? 'reply_mentions' : 'reply';
}

function insertPostSql(reply: boolean, mentions: boolean): { text: string; params: ((p: NewPost) => unknown)[] } {
  // A member of a live channel of a live team (or a webhook's creator in an open channel).
  const allowed = `allowed as (
       select 1 from channels c
        where c.id = $channel and c.delete_at = 0
          and (c.team_id = '' or exists (select 1 from teams t where t.id = c.team_id and t.delete_at = 0))
          and (exists (select 1 from channel_members cm where cm.channel_id = c.id and cm.user_id = $user) or ($integration and c.type = 'O'))
     )`;
  // A reply to a reply joins its root's thread; the root must be live and in this channel. At
  // most one row (ids are keys): no row, no insert.
  const thread = `thread as (
       select r.id from posts p join posts r on r.id = case when p.root_id = '' then p.id else p.root_id end
        where p.id = $reply_to and r.channel_id = $channel and r.delete_at = 0
     )`;
  const mentionIds = `mention_ids as (
       select coalesce(jsonb_agg(u.id order by u.id), '[]'::jsonb) as ids
         from users u join channel_members cm on cm.user_id = u.id and cm.channel_id = $channel
        where lower(u.username) in (select jsonb_array_elements_text($mention_usernames::text::jsonb)) and u.id <> $user
     )`;
  const from = [reply && 'thread t', mentions && 'mention_ids m'].filter(Boolean);
  const ins = `ins as (
       insert into posts (id, channel_id, user_id, root_id, message, type, props, file_ids, client_msg_id, mentions, mention_channel, create_at, update_at)
       select $id, $channel, $user, ${reply ? 't.id' : "''"}, $message, $type, $props::text::jsonb, $file_ids::text::jsonb, $client_msg_id,
              ${mentions ? 'm.ids, $mention_channel' : "'[]'::jsonb, false"}, $at, $at
         ${from.length ? `from ${from.join(', ')}` : ''}
        where exists (select 1 from allowed)
       on conflict (user_id, client_msg_id) where client_msg_id is not null do nothing
       returning ${POST_COLUMNS}
     )`;
  const root = `root as (
       update posts r set reply_count = r.reply_count + 1, last_reply_at = greatest(r.last_reply_at, $at), update_at = greatest(r.update_at, $at)
         from ins where r.id = ins.root_id
        returning r.reply_count
     )`;
  // A reply leaves the root counters and last_root_post_at as they are.
  const ch = `ch as (
       update channels c set total_msg_count = c.total_msg_count + 1, last_post_at = greatest(c.last_post_at, $at)${
         reply ? '' : ',\n           total_msg_count_root = c.total_msg_count_root + 1, last_root_post_at = greatest(c.last_root_post_at, $at)'
       }
         from ins where c.id = $channel
        returning c.total_msg_count, c.total_msg_count_root
     )`;
  // Every message of a direct or group message is a mention for its recipients.
  const dmOrGroup = `exists (select 1 from channels c where c.id = $channel and c.type in ('D', 'G'))`;
  const mentionedWhere = mentions
    ? `(cm.user_id in (select jsonb_array_elements_text(ins.mentions))
               or ${dmOrGroup}
               -- @channel/@all/@here, unless the member ignores channel-wide mentions here
               -- (ignore_channel_mentions "on"), or by default everywhere (user notify prop channel "false").
               or ($mention_channel and case coalesce(cm.notify_props->>'ignore_channel_mentions', 'default')
                             when 'on' then false when 'off' then true
                             else coalesce((select u.notify_props->>'channel' from users u where u.id = cm.user_id), 'true') <> 'false' end))`
    : dmOrGroup;
  const mentioned = `mentioned as (
       update channel_members cm set mention_count = cm.mention_count + 1,${reply ? '' : ' mention_count_root = cm.mention_count_root + 1,'} last_update_at = $at
         from ins
        where cm.channel_id = $channel and cm.user_id <> $user
          and ${mentionedWhere}
       returning cm.user_id, cm.notify_props
     )`;
  // Offline notification emails (0009_email_notifications.sql): mentioned members who are not
  // online, want email for this channel, have not muted it and have not chosen "never"; none
  // while the site's notification emails are off ($send_email).
  const emailNotify = `email_notify as (
       insert into email_notifications (user_id, post_id, channel_id, create_at)
       select m.user_id, $id, $channel, $at
         from mentioned m join users u on u.id = m.user_id
         left join user_status st on st.user_id = m.user_id
        where $send_email and u.delete_at = 0 and not u.is_bot
          and coalesce(st.status, 'offline') <> 'online'
          and coalesce(m.notify_props->>'mark_unread', 'all') <> 'mention'
          and case coalesce(m.notify_props->>'email', 'default')
                when 'true' then true when 'false' then false
                else coalesce(u.notify_props->>'email', 'true') <> 'false' end
          and not exists (select 1 from preferences p where p.user_id = m.user_id and p.category = 'notifications' and p.name = 'email_interval' and p.value = '0')
       returning user_id
     )`;
  const author = `author as (
       update channel_members m set last_viewed_at = greatest(m.last_viewed_at, $at), msg_count = ch.total_msg_count,
           msg_count_root = ch.total_msg_count_root, mention_count = 0, mention_count_root = 0, last_update_at = $at
         from ch where m.channel_id = $channel and m.user_id = $user
     )`;
  const parts = [allowed, reply && thread, mentions && mentionIds, ins, reply && root, ch, mentioned, emailNotify, author].filter(Boolean);
  const sql = `with ${parts.join(', ')}
     select ins.*, (select coalesce(jsonb_agg(cm.user_id order by cm.user_id), '[]'::jsonb) from channel_members cm where cm.channel_id = $channel) as member_ids,
            (select coalesce(jsonb_agg(m.user_id order by m.user_id), '[]'::jsonb) from mentioned m) as mentioned_ids,
            (select count(*)::int from email_notify) as email_notified,
            (select total_msg_count from ch) as channel_total, (select total_msg_count_root from ch) as channel_total_root,
            ${reply ? '(select reply_count from root)' : 'null::bigint'} as root_reply_count
       from ins`;
  // $name -> $1, $2, … in order of first use; the values in that order.
  const names: (keyof typeof PARAMS)[] = [];
  const text = sql.replace(/\$([a-z_]+)/g, (_, name: string) => {
    if (!(name in PARAMS)) throw new Error(`posting statement: unknown parameter $${name}`);
    let i = names.indexOf(name as keyof typeof PARAMS);
    if (i < 0) i = names.push(name as keyof typeof PARAMS) - 1;
    return `$${i + 1}`;
  });
  return { text, params: names.map((n) => PARAMS[n]) };
}

const INSERT_POST: Record<InsertPostCase, { text: string; params: ((p: NewPost) => unknown)[] }> = {
  root: insertPostSql(false, false),
  root_mentions: insertPostSql(false, true),
  reply: insertPostSql(true, false),
  reply_mentions: insertPostSql(true, true),
};

/**
 * Inserts a post and applies everything it changes, in ONE statement (round trips are what a
 * post costs; the statement of the post's case, insertPostCase): the author's right to post (a member of a live channel of a live team — checked
 * here, with the statement's snapshot: a caller that sends it right after locking the channel row
 * in the same transaction needs no separate membership read), the thread root (a reply to a reply joins its root's thread; the
 * root must be live and in this channel), mentions resolved against current members, the root's
 * reply counters, the channel's totals, mention counters, the author's read state (the author
 * has seen their own post: counts follow the new totals, mentions clear). Returns the row and the
 * channel's current member ids (the recipients of `posted`).
 *
 * Inserts nothing and returns undefined when the author may not post there, the root is not
 * valid, or this user already used this client_msg_id (every update is gated on the insert): the
 * caller finds out which with fresh reads.
 */
export function insertPostStatement(p: NewPost): Statement {
  const st = INSERT_POST[insertPostCase(p)];
  return { text: st.text, params: st.params.map((param) => param(p)) };
}

export interface InsertedPost {
  row: PostRow;
  /** The channel's members when the post committed: the recipients of `posted`. */
  memberIds: string[];
  /** The members whose mention count the post raised (mentioned by name, @channel, or a DM/group message). */
  mentionedIds: string[];
  /** How many offline notification emails the post queued (email_notifications rows). */
  emailNotified: number;
  /**
   * The channel's total_msg_count and total_msg_count_root with the post counted. Posts count one
   * at a time under the channel's row lock, so these number the post in its channel.
   */
  channelTotals: { total_msg_count: number; total_msg_count_root: number };
  /**
   * For a reply, its root's reply_count with the reply counted (undefined for a root post). The
   * increment holds the root's row lock until commit, so this numbers the reply in its thread.
   */
  rootReplyCount?: number;
}

/** What insertPostStatement returned: the post and its recipients, or undefined if nothing was inserted. */
export function insertedPost(rows: readonly unknown[]): InsertedPost | undefined {
  if (!rows[0]) return undefined;
  const r = rows[0] as PostRow & { member_ids: string[]; mentioned_ids: string[]; email_notified: number; channel_total: number; channel_total_root: number; root_reply_count: number | null };
  const { member_ids, mentioned_ids, email_notified, channel_total, channel_total_root, root_reply_count } = r;
  // The post's columns by name (POST_COLUMNS), not `...rest`: a rest copy of a 26-key row was
  // ~1 % of an embedded post's CPU.
  const row: PostRow = {
    id: r.id,
    seq: r.seq,
    channel_id: r.channel_id,
    user_id: r.user_id,
    root_id: r.root_id,
    message: r.message,
    type: r.type,
    props: r.props,
    hashtags: r.hashtags,
    file_ids: r.file_ids,
    client_msg_id: r.client_msg_id,
    mentions: r.mentions,
    mention_channel: r.mention_channel,
    create_at: r.create_at,
    update_at: r.update_at,
    edit_at: r.edit_at,
    delete_at: r.delete_at,
    is_pinned: r.is_pinned,
    reply_count: r.reply_count,
    last_reply_at: r.last_reply_at,
  };
  const inserted: InsertedPost = { row, memberIds: member_ids, mentionedIds: mentioned_ids, emailNotified: Number(email_notified), channelTotals: { total_msg_count: Number(channel_total), total_msg_count_root: Number(channel_total_root) } };
  if (root_reply_count != null) inserted.rootReplyCount = Number(root_reply_count);
  return inserted;
}

export async function insertPost(q: Queryable, p: NewPost): Promise<InsertedPost | undefined> {
  const st = insertPostStatement(p);
  return insertedPost(await q.query(st.text, st.params));
}

export async function getPost(q: Queryable, id: string, opts: { lock?: boolean } = {}): Promise<PostRow | undefined> {
  return (await q.query<PostRow>(`select ${POST_COLUMNS} from posts where id = $1${opts.lock ? ' for update' : ''}`, [id]))[0];
}

export async function getPostByClientMsgId(q: Queryable, userId: string, clientMsgId: string): Promise<PostRow | undefined> {
  return (await q.query<PostRow>(`select ${POST_COLUMNS} from posts where user_id = $1 and client_msg_id = $2`, [userId, clientMsgId]))[0];
}

/** The seq of a post in a channel (cursor resolution), or undefined. */
export async function postSeq(q: Queryable, channelId: string, postId: string): Promise<number | undefined> {
  return (await q.query<{ seq: number }>('select seq from posts where id = $1 and channel_id = $2', [postId, channelId]))[0]?.seq;
}

export interface HistoryQuery {
  channelId: string;
  /** Only posts with seq below / above these. */
  beforeSeq?: number;
  afterSeq?: number;
  /** Posts created, edited or deleted after this time (includes deleted posts). */
  since?: number;
  /** Only posts created after / at or before this time (ms). */
  createdAfter?: number;
  createdAtOrBefore?: number;
  /** Rows skipped before the page (Mattermost's `page * per_page`): one query for any page. */
  offset?: number;
  /** Only thread roots. */
  rootsOnly?: boolean;
  limit: number;
  /** 'desc' (newest first) or 'asc' (oldest first: paging forward with `after`). */
  order: 'asc' | 'desc';
}

/** A page of channel history; deleted posts only appear with `since`. Uses posts_channel_seq_idx. */
export async function listChannelPosts(q: Queryable, h: HistoryQuery): Promise<PostRow[]> {
  const where = ['channel_id = $1'];
  const params: unknown[] = [h.channelId];
  if (h.beforeSeq !== undefined) {
    params.push(h.beforeSeq);
    where.push(`seq < $${params.length}`);
  }
  if (h.afterSeq !== undefined) {
    params.push(h.afterSeq);
    where.push(`seq > $${params.length}`);
  }
  if (h.createdAfter !== undefined) {
    params.push(h.createdAfter);
    where.push(`create_at > $${params.length}`);
  }
  if (h.createdAtOrBefore !== undefined) {
    params.push(h.createdAtOrBefore);
    where.push(`create_at <= $${params.length}`);
  }
  if (h.since !== undefined) {
    params.push(h.since);
    where.push(`update_at > $${params.length}`);
  } else {
    where.push('delete_at = 0');
  }
  if (h.rootsOnly) where.push(`root_id = ''`);
  params.push(h.limit);
  let tail = `limit $${params.length}`;
  if (h.offset) {
    params.push(h.offset);
    tail += ` offset $${params.length}`;
  }
  return q.query<PostRow>(
    `select ${POST_COLUMNS} from posts where ${where.join(' and ')} order by seq ${h.order === 'asc' ? 'asc' : 'desc'} ${tail}`,
    params,
  );
}

/** Posts by id (live or deleted), in no particular order; unknown ids are absent. */
export async function getPostsByIds(q: Queryable, ids: readonly string[]): Promise<PostRow[]> {
  if (!ids.length) return [];
  return q.query<PostRow>(`select ${POST_COLUMNS} from posts where id in (select jsonb_array_elements_text($1::text::jsonb))`, [JSON.stringify(ids)]);
}

/** Live replies of a root, oldest first, after an optional seq. */
export async function listReplies(q: Queryable, rootId: string, afterSeq: number, limit: number): Promise<PostRow[]> {
  return q.query<PostRow>(
    `select ${POST_COLUMNS} from posts where root_id = $1 and delete_at = 0 and seq > $2 order by seq asc limit $3`,
    [rootId, afterSeq, limit],
  );
}

/**
 * A page of a thread, the root included: live posts ordered by (create_at, id) ascending or
 * descending, strictly after / before the keyset (`fromCreateAt`, `fromPost`) in that order when
 * given (Mattermost's thread pagination).
 */
export async function listThreadPosts(
  q: Queryable,
  rootId: string,
  o: { order: 'asc' | 'desc'; fromCreateAt?: number; fromPost?: string; limit: number },
): Promise<PostRow[]> {
  const params: unknown[] = [rootId];
  let keyset = '';
  if (o.fromCreateAt !== undefined) {
    const cmp = o.order === 'asc' ? '>' : '<';
    params.push(o.fromCreateAt, o.fromPost ?? '');
    // Without a post id, everything at that very time is past the cursor too (Mattermost's rule).
    keyset = `and (create_at ${cmp} $2 or (create_at = $2 and $3 <> '' and id ${cmp} $3))`;
  }
  params.push(o.limit);
  const dir = o.order === 'asc' ? 'asc' : 'desc';
  return q.query<PostRow>(
    `select ${POST_COLUMNS} from posts where (id = $1 or root_id = $1) and delete_at = 0 ${keyset}
      order by create_at ${dir}, id ${dir} limit $${params.length}`,
    params,
  );
}

/** Live pinned posts of a channel, newest first. */
export async function listPinned(q: Queryable, channelId: string, limit: number): Promise<PostRow[]> {
  return q.query<PostRow>(
    `select ${POST_COLUMNS} from posts where channel_id = $1 and is_pinned and delete_at = 0 order by seq desc limit $2`,
    [channelId, limit],
  );
}

export async function updatePostMessage(q: Queryable, id: string, message: string, mentions: string[], mentionChannel: boolean, at: number): Promise<PostRow> {
  const rows = await q.query<PostRow>(
    `update posts set message = $2, mentions = $3::text::jsonb, mention_channel = $4, edit_at = $5, update_at = $5 where id = $1 returning ${POST_COLUMNS}`,
    [id, message, JSON.stringify(mentions), mentionChannel, at],
  );
  return rows[0];
}

/** Replaces a post's editable content (message, mentions, props, file ids) and stamps the edit. */
export async function updatePostContent(
  q: Queryable,
  id: string,
  c: { message: string; mentions: string[]; mentionChannel: boolean; props: Record<string, unknown>; fileIds: string[]; at: number },
): Promise<PostRow> {
  const rows = await q.query<PostRow>(
    `update posts set message = $2, mentions = $3::text::jsonb, mention_channel = $4, props = $5::text::jsonb, file_ids = $6::text::jsonb,
        edit_at = $7, update_at = $7
      where id = $1 returning ${POST_COLUMNS}`,
    [id, c.message, JSON.stringify(c.mentions), c.mentionChannel, JSON.stringify(c.props), JSON.stringify(c.fileIds), c.at],
  );
  return rows[0];
}

/**
 * Soft-deletes a post and, for a root, its live replies. Returns every row it deleted and, for a
 * reply, its root's reply_count without it (the decrement holds the root's row lock until commit).
 */
export async function softDeletePost(q: Queryable, post: PostRow, at: number): Promise<{ rows: PostRow[]; rootReplyCount?: number }> {
  const rows = await q.query<PostRow>(
    `update posts set delete_at = $2, update_at = $2
      where delete_at = 0 and (id = $1 or ($3 and root_id = $1))
      returning ${POST_COLUMNS}`,
    [post.id, at, post.root_id === ''],
  );
  if (post.root_id !== '' && rows.some((r) => r.id === post.id)) {
    const [root] = await q.query<{ reply_count: number }>('update posts set reply_count = greatest(reply_count - 1, 0), update_at = $2 where id = $1 returning reply_count', [post.root_id, at]);
    if (root) return { rows, rootReplyCount: Number(root.reply_count) };
  }
  return { rows };
}

export async function setPinned(q: Queryable, id: string, pinned: boolean, at: number): Promise<PostRow | undefined> {
  const rows = await q.query<PostRow>(
    `update posts set is_pinned = $2, update_at = $3 where id = $1 and is_pinned <> $2 returning ${POST_COLUMNS}`,
    [id, pinned, at],
  );
  return rows[0];
}

/** Marks a post changed (reactions) so `since` syncs pick it up. */
export async function touchPost(q: Queryable, id: string, at: number): Promise<void> {
  await q.query('update posts set update_at = greatest(update_at, $2) where id = $1', [id, at]);
}

// ---- unread counters (semantics: docs/api/posts.md, "Unread counters") ----

/** Current member ids of a channel: the recipients of its events (read inside the writing transaction). */
export async function channelMemberIds(q: Queryable, channelId: string): Promise<string[]> {
  return (await q.query<{ user_id: string }>('select user_id from channel_members where channel_id = $1 order by user_id', [channelId])).map((r) => r.user_id);
}

