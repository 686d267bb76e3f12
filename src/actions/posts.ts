import type { Deps } from '../deps.ts';
import type { Queryable, Tx } from '../db/driver.ts';
import type { Auth } from './tokens.ts';
import { inTx } from './tx.ts';
import { accessChannel, isChannelModerator, readableChannelIds, type AccessOptions, type ChannelAccess, type ChannelRow } from './access.ts';
import type { AppEvent } from '../contract/events.ts';
import { parseMentions, resolveMentions } from './mentions.ts';
import { kickNotifications } from './notification-sender.ts';
import { emailSettings } from './email-settings.ts';
import { pushForPost } from './push.ts';
import { listPostEdits, recordPostEdit } from '../store/post-edits.ts';
import { badRequest, conflict, forbidden, notFound } from '../errors.ts';
import { isId, newId } from '../ids.ts';
import * as store from '../store/posts.ts';
import type { PostRow } from '../store/posts.ts';
import { getChannel, lockChannelStatement } from '../store/channels.ts';
import { hasPreviewImage } from './file-previews.ts';
import { claimFiles, detachFiles, filesOfPosts, type PostFileRow } from '../store/files.ts';
import { reactionsOfPosts, type ReactionRow } from '../store/reactions.ts';
import { fireOutgoingWebhooks, type PostAnswer } from './outgoing-webhooks.ts';
import { followerThreads, followerThreadsStatement, followOnReply, followOnReplyStatement, type ThreadRow } from '../store/threads.ts';
import { threadUpdatedEvents } from './thread-present.ts';

/** Longest message, in characters (Unicode code points), as in Mattermost. */
export const MAX_MESSAGE_CHARS = 16_383;
/** Largest `props` object, as serialised JSON bytes. */
export const MAX_PROPS_BYTES = 16_384;
export const MAX_FILES_PER_POST = 10;
export const MAX_CLIENT_MSG_ID = 128;
export const HISTORY_DEFAULT_LIMIT = 60;
export const HISTORY_MAX_LIMIT = 200;

/** A post with what presentPost shows beside it. Actions return views; routes present them. */
export interface PostView {
  row: PostRow;
  reactions: ReactionRow[];
  files: PostFileRow[];
}

// ---------------------------------------------------------------- presenters

export function presentReaction(r: ReactionRow) {
  return { post_id: r.post_id, user_id: r.user_id, emoji_name: r.emoji_name, create_at: r.create_at };
}

/** File metadata as it appears inside a post (the files API has the full info). */
export function presentPostFile(f: PostFileRow) {
  return {
    id: f.id,
    creator_id: f.creator_id,
    post_id: f.post_id,
    channel_id: f.channel_id,
    name: f.name,
    extension: f.extension,
    size: f.size,
    mime_type: f.mime_type,
    width: f.width,
    height: f.height,
    create_at: f.create_at,
    has_preview_image: hasPreviewImage(f),
  };
}

/**
 * The only place a post becomes JSON (HTTP responses and event payloads alike). A deleted post
 * keeps its ids and times but loses its content.
 */
export function presentPost(row: PostRow, reactions: ReactionRow[] = [], files: PostFileRow[] = []) {
  const deleted = row.delete_at !== 0;
  return {
    id: row.id,
    channel_id: row.channel_id,
    user_id: row.user_id,
    root_id: row.root_id,
    message: deleted ? '' : row.message,
    type: row.type,
    props: deleted ? {} : row.props,
    file_ids: deleted ? [] : row.file_ids,
    client_msg_id: row.client_msg_id ?? '',
    create_at: row.create_at,
    update_at: row.update_at,
    edit_at: row.edit_at,
    delete_at: row.delete_at,
    is_pinned: row.is_pinned,
    reply_count: row.reply_count,
    last_reply_at: row.last_reply_at,
    metadata: {
      reactions: deleted ? [] : reactions.map(presentReaction),
      files: deleted ? [] : files.map(presentPostFile),
    },
  };
}
export const presentView = (v: PostView) => presentPost(v.row, v.reactions, v.files);

/** Loads reactions and files for rows (at most two queries). */
export async function loadViews(q: Queryable, rows: PostRow[]): Promise<PostView[]> {
  const live = rows.filter((r) => r.delete_at === 0);
  const ids = live.map((r) => r.id);
  // file_ids is stored on the post: most pages need no files query at all.
  const withFiles = live.filter((r) => r.file_ids.length).map((r) => r.id);
  const [reactions, files] = await Promise.all([reactionsOfPosts(q, ids), filesOfPosts(q, withFiles)]);
  const byPost = <T extends { post_id: string }>(xs: T[]) => {
    const m = new Map<string, T[]>();
    for (const x of xs) {
      const list = m.get(x.post_id);
      if (list) list.push(x);
      else m.set(x.post_id, [x]);
    }
    return m;
  };
  const r = byPost(reactions);
  const f = byPost(files);
  return rows.map((row) => ({ row, reactions: r.get(row.id) ?? [], files: f.get(row.id) ?? [] }));
}

// ---------------------------------------------------------------- checks

function codePoints(s: string): number {
  if (s.length <= MAX_MESSAGE_CHARS) return s.length; // code points never exceed code units
  let n = 0;
  for (const _ of s) n++;
  return n;
}

/** Validates a message body: type, NUL, length. */
export function checkMessage(message: unknown): string {
  if (typeof message !== 'string') throw badRequest('invalid_input', 'message: expected a string');
  if (message.includes('\u0000')) throw badRequest('invalid_characters', 'message contains a NUL character');
  if (codePoints(message) > MAX_MESSAGE_CHARS) {
    throw badRequest('message_too_long', `message is longer than ${MAX_MESSAGE_CHARS} characters`, { max: MAX_MESSAGE_CHARS });
  }
  return message;
}

/**
 * Props only the server (webhooks, bots, system messages) may set: the Mattermost apps show
 * `override_username` and friends instead of the real author, so a user setting them could
 * impersonate anyone. Dropped silently, as Mattermost's Post.SanitizeInput does.
 */
export const RESERVED_PROPS = new Set([
  'from_webhook',
  'from_bot',
  'from_plugin',
  'from_oauth_app',
  'override_username',
  'override_icon_url',
  'override_icon_emoji',
  'webhook_display_name',
  'add_channel_member',
]);

export function checkProps(props: unknown): Record<string, unknown> {
  if (props === undefined || props === null) return {};
  if (typeof props !== 'object' || Array.isArray(props)) throw badRequest('invalid_props', 'props must be an object');
  const json = JSON.stringify(props);
  if (Buffer.byteLength(json) > MAX_PROPS_BYTES) throw badRequest('props_too_large', `props are larger than ${MAX_PROPS_BYTES} bytes`, { max: MAX_PROPS_BYTES });
  if (json.includes('\\u0000')) throw badRequest('invalid_characters', 'props contain a NUL character');
  return Object.fromEntries(Object.entries(props).filter(([k]) => !RESERVED_PROPS.has(k)));
}

function checkFileIds(fileIds: unknown): string[] {
  if (fileIds === undefined || fileIds === null) return [];
  if (!Array.isArray(fileIds) || !fileIds.every(isId)) throw badRequest('invalid_file_ids', 'file_ids must be an array of ids');
  const unique = [...new Set(fileIds as string[])];
  if (unique.length > MAX_FILES_PER_POST) throw badRequest('too_many_files', `A post can have at most ${MAX_FILES_PER_POST} files`, { max: MAX_FILES_PER_POST });
  return unique;
}

function checkClientMsgId(v: unknown): string | null {
  if (v === undefined || v === null || v === '') return null;
  if (typeof v !== 'string' || v.length > MAX_CLIENT_MSG_ID || /[\u0000-\u001f]/.test(v)) {
    throw badRequest('invalid_client_msg_id', `client_msg_id must be a string of at most ${MAX_CLIENT_MSG_ID} printable characters`);
  }
  return v;
}

// ---------------------------------------------------------------- access

export interface PostAccess extends ChannelAccess {
  post: PostRow;
}

/**
 * Loads a live post and authorizes the caller on its channel (same rules and statuses as
 * accessChannel). With `lock`, the channel row and then the post row are locked, in that order.
 */
export async function accessPost(q: Queryable, auth: Auth, postId: string, opts: AccessOptions = {}): Promise<PostAccess> {
  if (!isId(postId)) throw badRequest('invalid_id', 'post id is not a valid id');
  let post = await store.getPost(q, postId);
  if (!post || post.delete_at !== 0) throw notFound('post_not_found', 'Post not found');
  const access = await accessChannel(q, auth, post.channel_id, opts);
  if (opts.lock) {
    post = await store.getPost(q, postId, { lock: true });
    if (!post || post.delete_at !== 0) throw notFound('post_not_found', 'Post not found');
  }
  return { ...access, post };
}

// ---------------------------------------------------------------- files

/**
 * Attaches files to a new post: each id must name a file the caller uploaded (to this channel or
 * to none), not yet attached to a post and not deleted. Throws 400 invalid_file_ids otherwise, so
 * the caller's transaction rolls back. Shared with the files API (H7).
 */
export async function attachFiles(tx: Tx, auth: Auth, channelId: string, postId: string, fileIds: string[]): Promise<PostFileRow[]> {
  if (!fileIds.length) return [];
  const rows = await claimFiles(tx, auth.user.id, channelId, postId, fileIds);
  if (rows.length !== new Set(fileIds).size) {
    const ok = new Set(rows.map((r) => r.id));
    throw badRequest('invalid_file_ids', 'Some files do not exist, are not yours, or are already attached', { file_ids: fileIds.filter((id) => !ok.has(id)) });
  }
  const order = new Map(fileIds.map((id, i) => [id, i]));
  return rows.sort((a, b) => order.get(a.id)! - order.get(b.id)!);
}

// ---------------------------------------------------------------- create

export interface CreatePostInput {
  message?: unknown;
  root_id?: unknown;
  file_ids?: unknown;
  props?: unknown;
  client_msg_id?: unknown;
}

/**
 * What only the server sets on a post (webhooks, slash commands, bots): props including the
 * reserved ones (from_webhook, override_username, attachments, …), replacing the input's props,
 * and a post type. Never filled from a request body.
 */
export interface ServerPostOptions {
  props?: Record<string, unknown>;
  type?: string;
  /** A webhook posting as its creator: allowed in open channels the creator is not a member of. */
  integration?: boolean;
}

/** Server-built props may be larger (Slack attachments): up to this many bytes of JSON. */
export const MAX_SERVER_PROPS_BYTES = 65_536;

function checkServerProps(props: Record<string, unknown>): Record<string, unknown> {
  const json = JSON.stringify(props);
  if (Buffer.byteLength(json) > MAX_SERVER_PROPS_BYTES) throw badRequest('props_too_large', `props are larger than ${MAX_SERVER_PROPS_BYTES} bytes`, { max: MAX_SERVER_PROPS_BYTES });
  if (json.includes('\\u0000')) throw badRequest('invalid_characters', 'props contain a NUL character');
  return props;
}

export interface CreatedPost extends PostView {
  /** false when client_msg_id matched an earlier post (which is returned instead). */
  created: boolean;
}

/**
 * Creates a post in a channel the caller is a member of. Idempotent per (user, client_msg_id):
 * a repeat returns the first post, with no new counters or events. Updates the unread counters
 * and emits `posted` to the channel's current members.
 */
export async function createPost(deps: Deps, auth: Auth, channelId: string, input: CreatePostInput, server: ServerPostOptions = {}): Promise<CreatedPost> {
  if (!isId(channelId)) throw badRequest('invalid_id', 'channel id is not a valid id');
  const message = checkMessage(input.message ?? '');
  const props = server.props ? checkServerProps(server.props) : checkProps(input.props);
  // Mattermost marks every post of a bot account, whatever the client sent.
  if (auth.isBot) props.from_bot = 'true';
  const fileIds = checkFileIds(input.file_ids);
  const clientMsgId = checkClientMsgId(input.client_msg_id);
  if (input.root_id !== undefined && input.root_id !== null && input.root_id !== '' && !isId(input.root_id)) {
    throw badRequest('invalid_root_id', 'root_id is not a valid id');
  }
  const rootIdIn = (input.root_id || '') as string;
  // As in Mattermost, message attachments (props.attachments, from a webhook or a bot's API call) are content on their own.
  const hasAttachments = Array.isArray(props.attachments) && props.attachments.length > 0;
  if (!message.trim() && !fileIds.length && !hasAttachments) throw badRequest('message_empty', 'A post needs a message, files or attachments');

  const parsed = parseMentions(message);
  // From the settings cache: a query only on a miss (at most one per 5 s per process), not per post.
  const { send_notifications } = await emailSettings(deps);
  const post: store.NewPost = {
    id: newId(),
    channel_id: channelId,
    user_id: auth.user.id,
    root_id: rootIdIn,
    message,
    type: server.type ?? '',
    props,
    file_ids: fileIds,
    client_msg_id: clientMsgId,
    mention_usernames: parsed.usernames,
    mention_channel: parsed.channel,
    create_at: deps.now(),
    integration: !!server.integration,
    send_email: send_notifications,
  };
  // Two statements, sent together: the channel row lock, then the insert, which PostgreSQL runs
  // only once the lock is granted — so it checks membership and reads the recipients as of then,
  // and posts serialise with membership changes (recipients are exact). The insert authorizes
  // (member of a live channel of a live team) and resolves the thread root itself.

  if (!fileIds.length) {
    // Nothing to decide between the statements: the whole transaction, BEGIN to COMMIT, is one
    // round trip. When the insert inserts nothing, nothing was written.
    // A reply also updates who follows the thread and reads each follower's state (thread.ts).
    const thread = rootIdIn ? [followOnReplyStatement(post.id), followerThreadsStatement(post.id), rootOfStatement(post.id)] : [];
    const [[channel], rows, , followers, roots] = await deps.db.batch([lockChannelStatement(channelId), store.insertPostStatement(post), ...thread]);
    const created = store.insertedPost(rows);
    if (!created) return inTx(deps, (tx) => explainNoInsert(tx, auth, channelId, rootIdIn, clientMsgId));
    const ch = (channel as ChannelRow | undefined) ?? (await getChannel(deps.db, channelId))!;
    deps.bus.publish(postedEvent(auth, ch, created, []));
    if (created.emailNotified) kickNotifications(deps);
    pushForPost(deps, auth, ch, created.row, created.mentionedIds);
    afterPost(deps, auth, ch, created.row);
    if (followers?.length && roots?.[0]) for (const e of await threadEvents(deps.db, followers as ThreadRow[], roots[0] as PostRow)) deps.bus.publish(e);
    return { row: created.row, reactions: [], files: [], created: true };
  }

  let postedIn: ChannelRow | undefined;
  let notified = 0;
  let mentionedIds: string[] = [];
  const out = await inTx(deps, async (tx, emit): Promise<CreatedPost> => {
    const [channel, created] = await Promise.all([getChannel(tx, channelId, true), store.insertPost(tx, post)]);
    if (!created) return explainNoInsert(tx, auth, channelId, rootIdIn, clientMsgId);
    // Claiming the files can fail (400 invalid_file_ids): the transaction, post included, rolls back.
    const files = await attachFiles(tx, auth, channelId, created.row.id, fileIds);
    postedIn = channel ?? (await getChannel(tx, channelId))!;
    emit(postedEvent(auth, postedIn, created, files));
    notified = created.emailNotified;
    mentionedIds = created.mentionedIds;
    if (created.row.root_id) {
      await followOnReply(tx, created.row.id);
      for (const e of await followerEventsOf(tx, created.row.root_id)) emit(e);
    }
    return { row: created.row, reactions: [], files, created: true };
  });
  if (notified) kickNotifications(deps);
  if (out.created && postedIn) {
    pushForPost(deps, auth, postedIn, out.row, mentionedIds);
    afterPost(deps, auth, postedIn, out.row);
  }
  return out;
}

/** What a new post sets off after commit, in the background: outgoing webhooks. */
function afterPost(deps: Deps, auth: Auth, channel: ChannelRow, row: PostRow) {
  if (channel.type !== 'O') return;
  const postAnswer: PostAnswer = (creator, input, server) => createPost(deps, creator, channel.id, input, server);
  fireOutgoingWebhooks(deps, auth, channel, row, postAnswer).catch((e) => deps.log.error('outgoing webhooks failed', { err: e, post_id: row.id }));
}

/** The `posted` event of a new post, to the channel's members at commit. */
function postedEvent(auth: Auth, channel: ChannelRow, created: store.InsertedPost, files: PostFileRow[]): AppEvent {
  const { row, memberIds } = created;
  return {
    event: 'posted',
    data: {
      post: presentPost(row, [], files),
      channel_id: channel.id,
      channel_type: channel.type,
      // The Mattermost apps show these in notifications (src/http/v4/ws-serializer.ts).
      channel_name: channel.name,
      channel_display_name: channel.display_name,
      team_id: channel.team_id,
      mentions: created.mentionedIds,
      sender_name: auth.user.username,
      ...created.channelTotals,
      ...(created.rootReplyCount !== undefined ? { root_reply_count: created.rootReplyCount } : {}),
    },
    broadcast: { user_ids: memberIds, channel_id: channel.id, team_id: channel.team_id || undefined },
  };
}

/** The root of a reply (a statement for the posting batch). */
const rootOfStatement = (postId: string) => ({ text: `select ${store.POST_COLUMNS} from posts where id = (select root_id from posts where id = $1)`, params: [postId] });

/** `thread_updated` to each follower of a thread, from their rows and the root. */
async function threadEvents(q: Queryable, followers: ThreadRow[], root: PostRow): Promise<AppEvent[]> {
  const [view] = await loadViews(q, [root]);
  return threadUpdatedEvents(followers, presentView(view));
}

/** `thread_updated` to each current follower of the thread rooted at `rootId` (read with q). */
async function followerEventsOf(q: Queryable, rootId: string): Promise<AppEvent[]> {
  const followers = await followerThreads(q, rootId);
  const root = followers.length ? await store.getPost(q, rootId) : undefined;
  return root ? threadEvents(q, followers, root) : [];
}

/**
 * The insert inserted nothing (and so wrote nothing). Fresh reads say why: no access (404/403), a
 * root that is not a live post of this channel (400), or a retry of a client_msg_id this user
 * already used — which returns the earlier post.
 */
async function explainNoInsert(tx: Tx, auth: Auth, channelId: string, rootIdIn: string, clientMsgId: string | null): Promise<CreatedPost> {
  await accessChannel(tx, auth, channelId, { mode: 'write' });
  if (rootIdIn) {
    let root = await store.getPost(tx, rootIdIn);
    if (root && root.root_id) root = await store.getPost(tx, root.root_id);
    if (!root || root.channel_id !== channelId || root.delete_at !== 0) {
      // A retry of a reply whose root was deleted since still gets its post back.
      const prior = clientMsgId ? await store.getPostByClientMsgId(tx, auth.user.id, clientMsgId) : undefined;
      if (prior) return replay(tx, prior, channelId);
      throw badRequest('invalid_root_id', 'root_id must be a live post in the same channel');
    }
  }
  // A retry: this user already used this client_msg_id. (When another transaction took it
  // concurrently, ON CONFLICT waited for its commit, so the row is visible now.)
  const prior = clientMsgId ? await store.getPostByClientMsgId(tx, auth.user.id, clientMsgId) : undefined;
  if (!prior) throw conflict('channel_changed', 'The channel changed while posting; try again');
  return replay(tx, prior, channelId);
}

async function replay(q: Queryable, prior: PostRow, channelId: string): Promise<CreatedPost> {
  // The same key for another channel is a client bug, not a retry.
  if (prior.channel_id !== channelId) {
    throw conflict('client_msg_id_conflict', 'client_msg_id was already used for a post in another place');
  }
  const [view] = await loadViews(q, [prior]);
  return { ...view, created: false };
}

// ---------------------------------------------------------------- read

/** One live post the caller can read. */
export async function getPost(deps: Deps, auth: Auth, postId: string): Promise<PostView> {
  const { post } = await accessPost(deps.db, auth, postId);
  return (await loadViews(deps.db, [post]))[0];
}

export interface HistoryInput {
  before?: string;
  after?: string;
  /** ms: posts created, edited or deleted after this time, deleted ones included. */
  since?: number;
  limit?: number;
  /** Only thread roots (Mattermost's `collapsedThreads=true`: replies live in their threads). */
  rootsOnly?: boolean;
}

export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

function checkLimit(limit: unknown, def: number, max: number): number {
  if (limit === undefined) return def;
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1) throw badRequest('invalid_limit', `limit must be an integer from 1 to ${max}`);
  return Math.min(limit, max);
}

/**
 * Channel history, newest first. `before`/`after` are post ids of this channel; with only
 * `after`, the page is the oldest `limit` posts after it (paging forward) and `next_cursor` is
 * the newest of them; otherwise `next_cursor` is the oldest item, to pass as `before`.
 */
export async function listChannelPosts(deps: Deps, auth: Auth, channelId: string, input: HistoryInput = {}): Promise<Page<PostView>> {
  const limit = checkLimit(input.limit, HISTORY_DEFAULT_LIMIT, HISTORY_MAX_LIMIT);
  const { rows, more, forward } = await historyRows(deps.db, auth, channelId, input, limit, 0);
  const next = more ? (forward ? rows[0] : rows[rows.length - 1]) : undefined;
  return { items: await loadViews(deps.db, rows), next_cursor: next?.id ?? null };
}

/** Most posts one adapter page may hold (Mattermost's `since` answers up to this many changes). */
export const PAGE_MAX_LIMIT = 1000;

export interface PageInput extends HistoryInput {
  /** Posts skipped past the cursor, in the page's direction (Mattermost's `page * per_page`). */
  offset?: number;
}

export interface PageWithRoots {
  /** Newest first. */
  items: PostView[];
  /** Live thread roots of replies in `items` that are not in `items` themselves. */
  roots: PostView[];
  /** Whether more posts lie beyond the page in its direction. */
  more: boolean;
}

/**
 * A page of channel history the way the Mattermost adapter asks for it: any page by offset in
 * one query (not a walk over the cursor pages before it), together with the thread roots of the
 * replies on it, and the reactions and files of both — a constant number of queries (access,
 * cursor, page, roots, reactions, files) whatever the page number or size. Same permission,
 * order and cursor rules as listChannelPosts.
 */
export async function listChannelPostsPage(deps: Deps, auth: Auth, channelId: string, input: PageInput = {}): Promise<PageWithRoots> {
  const limit = checkLimit(input.limit, HISTORY_DEFAULT_LIMIT, PAGE_MAX_LIMIT);
  const offset = input.offset ?? 0;
  if (!Number.isSafeInteger(offset) || offset < 0) throw badRequest('invalid_offset', 'offset must be a non-negative integer');
  const { rows, more } = await historyRows(deps.db, auth, channelId, input, limit, offset);
  return { ...(await withThreadRoots(deps.db, channelId, rows)), more };
}

/**
 * Views of `rows` plus the live roots (in `channelId`) of the replies among them that are not
 * on the page: one query for the roots, two for reactions and files of all. The caller has
 * authorized the channel; roots are always in their replies' channel (insertPostStatement).
 */
async function withThreadRoots(q: Queryable, channelId: string, rows: PostRow[]): Promise<{ items: PostView[]; roots: PostView[] }> {
  const have = new Set(rows.map((r) => r.id));
  const missing = [...new Set(rows.map((r) => r.root_id).filter((id) => id && !have.has(id)))];
  const roots = (await store.getPostsByIds(q, missing)).filter((r) => r.channel_id === channelId && r.delete_at === 0);
  const views = await loadViews(q, [...rows, ...roots]);
  return { items: views.slice(0, rows.length), roots: views.slice(rows.length) };
}

/**
 * Posts around the caller's last read time, for the Mattermost adapter (getPostsAroundLastUnread):
 * the oldest `after` posts created after it and the newest `before` posts at or before it, newest
 * first, with the thread roots of the replies among them; `newer` / `older` are the next posts
 * outside the list on each side. Two page queries whatever the channel's size.
 */
export async function listPostsAroundLastRead(
  deps: Deps,
  auth: Auth,
  channelId: string,
  limits: { before: number; after: number; rootsOnly?: boolean },
): Promise<{ items: PostView[]; roots: PostView[]; newer?: string; older?: string }> {
  if (!isId(channelId)) throw badRequest('invalid_id', 'channel id is not a valid id');
  const before = Math.max(0, Math.min(limits.before, HISTORY_MAX_LIMIT));
  const after = Math.max(1, Math.min(limits.after, HISTORY_MAX_LIMIT));
  const q = deps.db;
  const a = await accessChannel(q, auth, channelId, { mode: 'read' });
  const lastViewed = Number(a.member?.last_viewed_at ?? 0);
  const [unread, read] = await Promise.all([
    store.listChannelPosts(q, { channelId, createdAfter: lastViewed, rootsOnly: limits.rootsOnly, limit: after + 1, order: 'asc' }),
    store.listChannelPosts(q, { channelId, createdAtOrBefore: lastViewed, rootsOnly: limits.rootsOnly, limit: before + 1, order: 'desc' }),
  ]);
  const newer = unread.length > after ? unread[after].id : undefined;
  const older = read.length > before ? read[before].id : undefined;
  const rows = [...unread.slice(0, after).reverse(), ...read.slice(0, before)];
  return { ...(await withThreadRoots(q, channelId, rows)), newer, older };
}

/**
 * Rows of a history page, newest first: access check, cursor resolution, then one query for
 * `limit` posts after skipping `offset` in the page's direction.
 */
async function historyRows(q: Queryable, auth: Auth, channelId: string, input: HistoryInput, limit: number, offset: number): Promise<{ rows: PostRow[]; more: boolean; forward: boolean }> {
  if (!isId(channelId)) throw badRequest('invalid_id', 'channel id is not a valid id');
  if (input.since !== undefined && (!Number.isSafeInteger(input.since) || input.since < 0)) throw badRequest('invalid_since', 'since must be a time in ms');
  await accessChannel(q, auth, channelId, { mode: 'read' });
  const seqOf = async (name: string, id: string | undefined) => {
    if (id === undefined) return undefined;
    if (!isId(id)) throw badRequest('invalid_cursor', `${name} is not a post id`);
    const seq = await store.postSeq(q, channelId, id);
    if (seq === undefined) throw badRequest('invalid_cursor', `${name} is not a post of this channel`);
    return seq;
  };
  const beforeSeq = await seqOf('before', input.before);
  const afterSeq = await seqOf('after', input.after);
  const forward = afterSeq !== undefined && beforeSeq === undefined;
  const rows = await store.listChannelPosts(q, { channelId, beforeSeq, afterSeq, since: input.since, rootsOnly: input.rootsOnly, offset, limit: limit + 1, order: forward ? 'asc' : 'desc' });
  const more = rows.length > limit;
  const page = rows.slice(0, limit);
  if (forward) page.reverse();
  return { rows: page, more, forward };
}

/**
 * Posts by id that the caller can read, in any channels, with reactions and files; ids of posts
 * that are deleted, unknown or in channels the caller cannot read are left out (as Mattermost's
 * POST /posts/ids does). Four queries whatever the number of ids.
 */
export async function getPostsByIds(deps: Deps, auth: Auth, ids: readonly string[]): Promise<PostView[]> {
  const wanted = [...new Set(ids.filter(isId))];
  const at = new Map(wanted.map((id, i) => [id, i]));
  const rows = (await store.getPostsByIds(deps.db, wanted)).filter((r) => r.delete_at === 0);
  const readable = await readableChannelIds(deps.db, auth, rows.map((r) => r.channel_id));
  // In the order asked for.
  const visible = rows.filter((r) => readable.has(r.channel_id)).sort((a, b) => at.get(a.id)! - at.get(b.id)!);
  return loadViews(deps.db, visible);
}

export interface ThreadPage extends Page<PostView> {
  root: PostView;
}

/** A thread: its root and its live replies oldest first (paged with `after`, a reply id). */
export async function getThread(deps: Deps, auth: Auth, postId: string, input: { after?: string; limit?: number } = {}): Promise<ThreadPage> {
  const limit = checkLimit(input.limit, 200, 1000);
  const q = deps.db;
  const { post } = await accessPost(q, auth, postId);
  const root = post.root_id ? await store.getPost(q, post.root_id) : post;
  if (!root || root.delete_at !== 0) throw notFound('post_not_found', 'Post not found');
  let afterSeq = 0;
  if (input.after !== undefined) {
    const cur = isId(input.after) ? await store.getPost(q, input.after) : undefined;
    if (!cur || cur.root_id !== root.id) throw badRequest('invalid_cursor', 'after is not a reply in this thread');
    afterSeq = cur.seq;
  }
  const rows = await store.listReplies(q, root.id, afterSeq, limit + 1);
  const more = rows.length > limit;
  const page = rows.slice(0, limit);
  const [rootView, ...items] = await loadViews(q, [root, ...page]);
  return { root: rootView, items, next_cursor: more ? page[page.length - 1].id : null };
}

/** Most posts one thread answer holds when the caller asks for all of them. */
export const THREAD_MAX_POSTS = 10_000;

export interface ThreadPageInput {
  /** 'down' (default): oldest first; 'up': newest first. */
  direction?: 'up' | 'down';
  /** Keyset: only posts past (create_at, id) in the page's direction. */
  fromCreateAt?: number;
  fromPost?: string;
  /** Posts per page; 0 or absent: the whole thread (up to THREAD_MAX_POSTS). */
  perPage?: number;
}

/**
 * A thread as Mattermost's GET /posts/{id}/thread answers it: the requested post (root or reply)
 * first, then the thread's posts, root included, in the page's order (keyset on create_at and
 * id), with whether more follow. Four queries whatever the page.
 */
export async function getThreadPage(deps: Deps, auth: Auth, postId: string, input: ThreadPageInput = {}): Promise<{ post: PostView; items: PostView[]; hasNext: boolean }> {
  const q = deps.db;
  const { post } = await accessPost(q, auth, postId);
  const perPage = input.perPage ? checkLimit(input.perPage, HISTORY_DEFAULT_LIMIT, HISTORY_MAX_LIMIT) : THREAD_MAX_POSTS;
  if (input.fromCreateAt !== undefined && (!Number.isSafeInteger(input.fromCreateAt) || input.fromCreateAt < 0)) throw badRequest('invalid_cursor', 'fromCreateAt must be a time in ms');
  if (input.fromPost !== undefined && input.fromPost !== '' && !isId(input.fromPost)) throw badRequest('invalid_cursor', 'fromPost is not a post id');
  const rows = await store.listThreadPosts(q, post.root_id || post.id, {
    order: input.direction === 'up' ? 'desc' : 'asc',
    fromCreateAt: input.fromCreateAt,
    fromPost: input.fromPost,
    limit: perPage + 1,
  });
  const hasNext = rows.length > perPage;
  const page = rows.slice(0, perPage).filter((r) => r.id !== post.id);
  const [first, ...items] = await loadViews(q, [post, ...page]);
  return { post: first, items, hasNext };
}

// ---------------------------------------------------------------- edit, delete

/** Edits the caller's own post: new message, re-parsed mentions, edit_at. Emits post_edited. */
export async function editPost(deps: Deps, auth: Auth, postId: string, input: { message?: unknown }): Promise<PostView> {
  if (!isId(postId)) throw badRequest('invalid_id', 'post id is not a valid id');
  const message = checkMessage(input.message);
  return inTx(deps, async (tx, emit) => {
    const a = await accessPost(tx, auth, postId, { mode: 'write', lock: true });
    if (a.post.user_id !== auth.user.id) throw forbidden('not_post_author', 'You can only edit your own posts');
    if (!message.trim() && !a.post.file_ids.length) throw badRequest('message_empty', 'A post needs a message or files');
    // Mentions are re-parsed and stored; counters are not incremented again (as Mattermost).
    const parsed = parseMentions(message);
    const mentions = await resolveMentions(tx, a.channel.id, auth.user.id, parsed);
    const at = Math.max(deps.now(), a.post.update_at);
    if (message !== a.post.message) await recordPostEdit(tx, a.post, at);
    const row = await store.updatePostMessage(tx, postId, message, mentions, parsed.channel, at);
    const [view] = await loadViews(tx, [row]);
    emit({
      event: 'post_edited',
      data: { post: presentView(view), channel_id: a.channel.id },
      broadcast: { user_ids: await store.channelMemberIds(tx, a.channel.id), channel_id: a.channel.id, team_id: a.channel.team_id || undefined },
    });
    // Followers' unread mention counts are derived from the replies' mentions.
    const mentionsChanged = parsed.channel !== a.post.mention_channel || [...mentions].sort().join() !== [...a.post.mentions].sort().join();
    if (a.post.root_id && mentionsChanged) for (const e of await followerEventsOf(tx, a.post.root_id)) emit(e);
    return view;
  });
}

export interface PatchPostInput {
  /** A new message; absent keeps it. */
  message?: unknown;
  /** The post's files after the edit; absent keeps them. Files may be removed, and added under the rules of a new post's files. */
  file_ids?: unknown;
  /** The post's props after the edit; absent keeps them. Keys only the server sets are kept from the post, never taken from here. */
  props?: unknown;
}

/**
 * Edits the caller's own post, any of message, files and props (Mattermost's patch, which the
 * apps' edit screens send — the mobile app always with `file_ids`, the web app with the whole
 * post). Files taken off the post are deleted; files added must be the caller's own unattached
 * uploads (400 invalid_file_ids otherwise, nothing changed). Emits post_edited.
 */
export async function patchPost(deps: Deps, auth: Auth, postId: string, input: PatchPostInput): Promise<PostView> {
  if (!isId(postId)) throw badRequest('invalid_id', 'post id is not a valid id');
  const message = input.message === undefined ? undefined : checkMessage(input.message);
  const fileIds = input.file_ids === undefined ? undefined : checkFileIds(input.file_ids);
  const props = input.props === undefined ? undefined : checkProps(input.props);
  return inTx(deps, async (tx, emit) => {
    const a = await accessPost(tx, auth, postId, { mode: 'write', lock: true });
    const old = a.post;
    if (old.user_id !== auth.user.id) throw forbidden('not_post_author', 'You can only edit your own posts');
    const nextMessage = message ?? old.message;
    const nextFiles = fileIds ?? old.file_ids;
    if (!nextMessage.trim() && !nextFiles.length) throw badRequest('message_empty', 'A post needs a message or files');
    const now = Math.max(deps.now(), old.update_at);
    const added = nextFiles.filter((id) => !old.file_ids.includes(id));
    const removed = old.file_ids.filter((id) => !nextFiles.includes(id));
    await attachFiles(tx, auth, a.channel.id, postId, added);
    await detachFiles(tx, postId, removed, now);
    let nextProps = old.props;
    if (props) {
      // Server-set keys (webhook overrides and the like) stay as they were.
      const kept = Object.fromEntries(Object.entries(old.props).filter(([k]) => RESERVED_PROPS.has(k)));
      nextProps = { ...props, ...kept };
    }
    // Mentions are re-parsed and stored; counters are not incremented again (as Mattermost).
    const parsed = parseMentions(nextMessage);
    const mentions = await resolveMentions(tx, a.channel.id, auth.user.id, parsed);
    if (nextMessage !== old.message || added.length || removed.length || JSON.stringify(nextProps) !== JSON.stringify(old.props)) await recordPostEdit(tx, old, now);
    const row = await store.updatePostContent(tx, postId, { message: nextMessage, mentions, mentionChannel: parsed.channel, props: nextProps, fileIds: nextFiles, at: now });
    const [view] = await loadViews(tx, [row]);
    emit({
      event: 'post_edited',
      data: { post: presentView(view), channel_id: a.channel.id },
      broadcast: { user_ids: await store.channelMemberIds(tx, a.channel.id), channel_id: a.channel.id, team_id: a.channel.team_id || undefined },
    });
    return view;
  });
}

export interface PostVersion {
  id: string;
  post_id: string;
  message: string;
  file_ids: string[];
  props: Record<string, unknown>;
  /** When this version was written: the post's creation or the edit that made it. */
  written_at: number;
  /** The edit that replaced it. */
  replaced_at: number;
}

/**
 * The earlier versions of a live post, the latest replaced first (at most 100 are kept). Only
 * the author sees them, as in Mattermost (403 not_post_author); the author must still be able to
 * read the channel.
 */
export async function getPostEditHistory(deps: Deps, auth: Auth, postId: string): Promise<{ post: PostRow; items: PostVersion[] }> {
  if (!isId(postId)) throw badRequest('invalid_id', 'post id is not a valid id');
  const a = await accessPost(deps.db, auth, postId, { mode: 'read', allowArchived: true });
  if (a.post.user_id !== auth.user.id) throw forbidden('not_post_author', 'Only the author can see earlier versions of a post');
  const rows = await listPostEdits(deps.db, postId);
  return {
    post: a.post,
    items: rows.map((r) => ({ id: r.id, post_id: r.post_id, message: r.message, file_ids: r.file_ids, props: r.props, written_at: Number(r.written_at), replaced_at: Number(r.replaced_at) })),
  };
}

/**
 * Soft-deletes a post: own post, or any post for channel, team and system admins. Deleting a
 * root deletes its replies too. Emits one post_deleted (clients drop the root's replies with it).
 */
export async function deletePost(deps: Deps, auth: Auth, postId: string): Promise<PostView> {
  if (!isId(postId)) throw badRequest('invalid_id', 'post id is not a valid id');
  return inTx(deps, async (tx, emit) => {
    const a = await accessPost(tx, auth, postId, { mode: 'write', lock: true });
    if (a.post.user_id !== auth.user.id && !isChannelModerator(auth, a)) throw forbidden('not_post_author', 'You can only delete your own posts');
    const now = Math.max(deps.now(), a.post.update_at);
    const { rows, rootReplyCount } = await store.softDeletePost(tx, a.post, now);
    const row = rows.find((r) => r.id === postId)!;
    emit({
      event: 'post_deleted',
      data: { post: presentPost(row), channel_id: a.channel.id, deleted_reply_count: rows.length - 1, ...(rootReplyCount !== undefined ? { root_reply_count: rootReplyCount } : {}) },
      broadcast: { user_ids: await store.channelMemberIds(tx, a.channel.id), channel_id: a.channel.id, team_id: a.channel.team_id || undefined },
    });
    // A deleted reply changes its thread's counts and participants for every follower.
    if (a.post.root_id) for (const e of await followerEventsOf(tx, a.post.root_id)) emit(e);
    return { row, reactions: [], files: [] };
  });
}
