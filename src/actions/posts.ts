import type { Deps } from '../deps.ts';
import type { Queryable, Tx } from '../db/driver.ts';
import type { Auth } from './tokens.ts';
import { inTx } from './tx.ts';
import { accessChannel, isChannelModerator, type AccessOptions, type ChannelAccess, type ChannelRow } from './access.ts';
import type { AppEvent } from '../contract/events.ts';
import { parseMentions, resolveMentions } from './mentions.ts';
import { badRequest, conflict, forbidden, notFound } from '../errors.ts';
import { isId, newId } from '../ids.ts';
import * as store from '../store/posts.ts';
import type { PostRow } from '../store/posts.ts';
import { getChannel, lockChannelStatement } from '../store/channels.ts';
import { claimFiles, filesOfPosts, type PostFileRow } from '../store/files.ts';
import { reactionsOfPosts, type ReactionRow } from '../store/reactions.ts';

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
  return rows.map((row) => ({
    row,
    reactions: reactions.filter((r) => r.post_id === row.id),
    files: files.filter((f) => f.post_id === row.id),
  }));
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

function checkProps(props: unknown): Record<string, unknown> {
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

export interface CreatedPost extends PostView {
  /** false when client_msg_id matched an earlier post (which is returned instead). */
  created: boolean;
}

/**
 * Creates a post in a channel the caller is a member of. Idempotent per (user, client_msg_id):
 * a repeat returns the first post, with no new counters or events. Updates the unread counters
 * and emits `posted` to the channel's current members.
 */
export async function createPost(deps: Deps, auth: Auth, channelId: string, input: CreatePostInput): Promise<CreatedPost> {
  if (!isId(channelId)) throw badRequest('invalid_id', 'channel id is not a valid id');
  const message = checkMessage(input.message ?? '');
  const props = checkProps(input.props);
  const fileIds = checkFileIds(input.file_ids);
  const clientMsgId = checkClientMsgId(input.client_msg_id);
  if (input.root_id !== undefined && input.root_id !== null && input.root_id !== '' && !isId(input.root_id)) {
    throw badRequest('invalid_root_id', 'root_id is not a valid id');
  }
  const rootIdIn = (input.root_id || '') as string;
  if (!message.trim() && !fileIds.length) throw badRequest('message_empty', 'A post needs a message or files');

  const parsed = parseMentions(message);
  const post: store.NewPost = {
    id: newId(),
    channel_id: channelId,
    user_id: auth.user.id,
    root_id: rootIdIn,
    message,
    props,
    file_ids: fileIds,
    client_msg_id: clientMsgId,
    mention_usernames: parsed.usernames,
    mention_channel: parsed.channel,
    create_at: deps.now(),
  };
  // Two statements, sent together: the channel row lock, then the insert, which PostgreSQL runs
  // only once the lock is granted — so it checks membership and reads the recipients as of then,
  // and posts serialise with membership changes (recipients are exact). The insert authorizes
  // (member of a live channel of a live team) and resolves the thread root itself.

  if (!fileIds.length) {
    // Nothing to decide between the statements: the whole transaction, BEGIN to COMMIT, is one
    // round trip. When the insert inserts nothing, nothing was written.
    const [[channel], rows] = await deps.db.batch([lockChannelStatement(channelId), store.insertPostStatement(post)]);
    const created = store.insertedPost(rows);
    if (!created) return inTx(deps, (tx) => explainNoInsert(tx, auth, channelId, rootIdIn, clientMsgId));
    const ch = (channel as ChannelRow | undefined) ?? (await getChannel(deps.db, channelId))!;
    deps.bus.publish(postedEvent(auth, ch, created, [], parsed.channel));
    return { row: created.row, reactions: [], files: [], created: true };
  }

  return inTx(deps, async (tx, emit) => {
    const [channel, created] = await Promise.all([getChannel(tx, channelId, true), store.insertPost(tx, post)]);
    if (!created) return explainNoInsert(tx, auth, channelId, rootIdIn, clientMsgId);
    // Claiming the files can fail (400 invalid_file_ids): the transaction, post included, rolls back.
    const files = await attachFiles(tx, auth, channelId, created.row.id, fileIds);
    emit(postedEvent(auth, channel ?? (await getChannel(tx, channelId))!, created, files, parsed.channel));
    return { row: created.row, reactions: [], files, created: true };
  });
}

/** The `posted` event of a new post, to the channel's members at commit. */
function postedEvent(auth: Auth, channel: ChannelRow, created: store.InsertedPost, files: PostFileRow[], mentionChannel: boolean): AppEvent {
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
      mentions: mentionChannel ? memberIds.filter((id) => id !== auth.user.id) : row.mentions,
      sender_name: auth.user.username,
    },
    broadcast: { user_ids: memberIds, channel_id: channel.id, team_id: channel.team_id || undefined },
  };
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
  if (!isId(channelId)) throw badRequest('invalid_id', 'channel id is not a valid id');
  const limit = checkLimit(input.limit, HISTORY_DEFAULT_LIMIT, HISTORY_MAX_LIMIT);
  if (input.since !== undefined && (!Number.isSafeInteger(input.since) || input.since < 0)) throw badRequest('invalid_since', 'since must be a time in ms');
  const q = deps.db;
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
  const rows = await store.listChannelPosts(q, { channelId, beforeSeq, afterSeq, since: input.since, limit: limit + 1, order: forward ? 'asc' : 'desc' });
  const more = rows.length > limit;
  const page = rows.slice(0, limit);
  if (forward) page.reverse();
  const next = more ? (forward ? page[0] : page[page.length - 1]) : undefined;
  return { items: await loadViews(q, page), next_cursor: next?.id ?? null };
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
    const row = await store.updatePostMessage(tx, postId, message, mentions, parsed.channel, Math.max(deps.now(), a.post.update_at));
    const [view] = await loadViews(tx, [row]);
    emit({
      event: 'post_edited',
      data: { post: presentView(view), channel_id: a.channel.id },
      broadcast: { user_ids: await store.channelMemberIds(tx, a.channel.id), channel_id: a.channel.id, team_id: a.channel.team_id || undefined },
    });
    return view;
  });
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
    const rows = await store.softDeletePost(tx, a.post, now);
    const row = rows.find((r) => r.id === postId)!;
    emit({
      event: 'post_deleted',
      data: { post: presentPost(row), channel_id: a.channel.id, deleted_reply_count: rows.length - 1 },
      broadcast: { user_ids: await store.channelMemberIds(tx, a.channel.id), channel_id: a.channel.id, team_id: a.channel.team_id || undefined },
    });
    return { row, reactions: [], files: [] };
  });
}
