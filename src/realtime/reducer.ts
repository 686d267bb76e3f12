/**
 * The client's state and the ONE pure function that applies a server event to it.
 *
 * The web client imports this module (keep it free of Node imports and side effects), and the
 * server's `verifyAction` tests use it: snapshot a user's state over REST, run an action, apply
 * the emitted events with `applyEvent`, compare with a fresh snapshot. One reducer, two uses.
 *
 * The state is normalized: entities by id, lists of ids. A list that is `undefined` was never
 * loaded; events do not create it (the client fetches it over REST when it needs it), they only
 * keep loaded lists current. `applyEvent` never mutates its input; it returns a new state object
 * (unchanged branches are shared).
 *
 * One handler per event (`reduce`), each taking that event's typed data (src/contract/events.ts):
 * an event without a handler does not compile. A handler declares the fields it reads, so the
 * web client can apply what a REST reply told it with the same handler (`reduce.posted(s, {post})`).
 */
import type { ClientEvent, EventMap, EventName } from '../contract/events.ts';
import type { Channel, ChannelMember, CustomEmoji, Post as WirePost, PostMetadata, Preference, Reaction, SidebarCategories, SidebarCategory, Team as WireTeam, TeamMember, Thread, ThreadWithPost, User } from '../contract/objects.ts';

/** The preference category of saved posts (Mattermost's flagged posts). */
export const SAVED_CATEGORY = 'flagged_post';

export type { Channel, ClientEvent, CustomEmoji, Reaction, SidebarCategories, SidebarCategory, Thread, User };

/** A post as held: its reactions live in `ClientState.reactions` (kept current by reaction events). */
export type Post = Omit<WirePost, 'metadata'> & { metadata: Partial<PostMetadata> };
/** A team of mine; GET /teams items carry my membership as `member`, so does `added_to_team`. */
export type Team = WireTeam & { member?: TeamMember };
/**
 * My membership of a channel, with its read state. The client may hold one known only in part
 * (made up after creating or joining a channel, before the server's copy arrives).
 */
export type Member = Pick<ChannelMember, 'channel_id' | 'user_id' | 'last_viewed_at' | 'msg_count' | 'mention_count'> & Partial<ChannelMember>;
/** A user's presence as last heard (status_change carries no activity time). */
export interface Status {
  user_id: string;
  status: string;
  manual?: boolean;
}

export interface ClientState {
  /** The signed-in user's id. */
  me: string;
  users: Record<string, User>;
  /** Teams I belong to. */
  teams: Record<string, Team>;
  /** Channels I belong to (public, private, DM, group), archived ones included. */
  channels: Record<string, Channel>;
  /** My membership (read state, unread and mention counters) by channel id. */
  members: Record<string, Member>;
  /** User ids of each channel's members, where loaded. */
  channelMembers: Record<string, string[] | undefined>;
  /** Every post held, by id (live ones only: deleted posts are dropped). */
  posts: Record<string, Post>;
  /** Root posts and replies of a channel, oldest first, where loaded. */
  postsInChannel: Record<string, string[] | undefined>;
  /** Replies of a root post, oldest first, where loaded. */
  threads: Record<string, string[] | undefined>;
  /** Reactions by post id (a missing key means none). */
  reactions: Record<string, Reaction[]>;
  /** Pinned post ids of a channel, oldest first, where loaded. */
  pinned: Record<string, string[] | undefined>;
  statuses: Record<string, Status>;
  /**
   * Threads I follow, by root post id (their roots are in `posts`). Loaded over REST
   * (GET /threads); thread events keep it current and add newly followed threads.
   */
  userThreads: Record<string, Thread>;
  /**
   * My sidebar categories by team id, where loaded (GET /teams/:id/categories); sidebar events
   * keep them current. A channel of mine that no category lists (joined since) shows in its
   * default category.
   */
  sidebars: Record<string, SidebarCategories | undefined>;
  /**
   * Posts I saved (the `flagged_post` preference), by post id, where the post is held. Loaded
   * over REST (GET /saved, whose posts go into `posts`); preference events keep it current.
   */
  saved: Record<string, true>;
  /**
   * Live custom emoji by name, where loaded (GET /emoji, every page); emoji_added and
   * emoji_deleted keep them current.
   */
  customEmoji: Record<string, CustomEmoji>;
  /** Who is typing where: channel id (or `channel_id:root_id`) -> user id -> event time. Never part of snapshots. */
  typing: Record<string, Record<string, number>>;
}

export function emptyState(me: string): ClientState {
  return { me, users: {}, teams: {}, channels: {}, members: {}, channelMembers: {}, posts: {}, postsInChannel: {}, threads: {}, reactions: {}, pinned: {}, statuses: {}, userThreads: {}, sidebars: {}, saved: {}, customEmoji: {}, typing: {} };
}

const without = <T>(rec: Record<string, T>, key: string): Record<string, T> => {
  if (!(key in rec)) return rec;
  const next = { ...rec };
  delete next[key];
  return next;
};
const put = <T>(rec: Record<string, T>, key: string, value: T): Record<string, T> => ({ ...rec, [key]: value });

/** Inserts id into a loaded list kept in create_at order (no duplicates); undefined stays undefined. */
function insertOrdered(list: string[] | undefined, id: string, posts: Record<string, Post>): string[] | undefined {
  if (!list) return list;
  if (list.includes(id)) return list;
  const at = posts[id]?.create_at ?? 0;
  let i = list.length;
  while (i > 0 && (posts[list[i - 1]]?.create_at ?? 0) > at) i--;
  return [...list.slice(0, i), id, ...list.slice(i)];
}
const removeId = (list: string[] | undefined, id: string) => (list && list.includes(id) ? list.filter((x) => x !== id) : list);

/** Drops a channel and everything held under it (I left it or was removed). */
function forgetChannel(s: ClientState, channelId: string): ClientState {
  const posts = { ...s.posts };
  const reactions = { ...s.reactions };
  const threads = { ...s.threads };
  for (const [id, p] of Object.entries(s.posts)) {
    if (p.channel_id !== channelId) continue;
    delete posts[id];
    delete reactions[id];
    delete threads[id];
  }
  const userThreads = Object.values(s.userThreads).some((t) => t.channel_id === channelId)
    ? Object.fromEntries(Object.entries(s.userThreads).filter(([, t]) => t.channel_id !== channelId))
    : s.userThreads;
  const saved = Object.keys(s.saved).some((id) => s.posts[id]?.channel_id === channelId)
    ? Object.fromEntries(Object.entries(s.saved).filter(([id]) => s.posts[id]?.channel_id !== channelId))
    : s.saved;
  return {
    ...s,
    userThreads,
    saved,
    channels: without(s.channels, channelId),
    members: without(s.members, channelId),
    channelMembers: without(s.channelMembers, channelId),
    postsInChannel: without(s.postsInChannel, channelId),
    pinned: without(s.pinned, channelId),
    typing: without(s.typing, channelId),
    posts,
    reactions,
    threads,
  };
}

/**
 * Splits a post as received: `metadata.reactions` goes to `state.reactions` (kept current by
 * reaction events), the rest is the held post.
 */
function splitPost(post: Post): { post: Post; reactions?: Reaction[] } {
  const { reactions, ...rest } = post.metadata;
  if (!('reactions' in post.metadata)) return { post };
  return { post: { ...post, metadata: rest }, reactions: Array.isArray(reactions) ? reactions : undefined };
}

function upsertPost(s: ClientState, raw: Post): ClientState {
  const { post, reactions: rs } = splitPost(raw);
  const posts = put(s.posts, post.id, { ...s.posts[post.id], ...post });
  let reactions = s.reactions;
  if (rs) reactions = rs.length ? put(reactions, post.id, rs) : without(reactions, post.id);
  let pinned = s.pinned;
  const list = s.pinned[post.channel_id];
  if (list) {
    const next = post.is_pinned ? insertOrdered(list, post.id, posts) : removeId(list, post.id);
    if (next !== list) pinned = put(pinned, post.channel_id, next);
  }
  return { ...s, posts, pinned, reactions };
}

// ------------------------------------------------------------ one handler per event

/**
 * A new post. Counter rules (they mirror the server's): the channel's `total_msg_count` (and
 * `_root` for a root post) rises and `last_post_at` moves; for the poster the channel stays read
 * (member counts follow the total, mention counts clear, `last_viewed_at` moves to the post
 * time); for everybody else `mention_count` rises when `mentions` names them (the server lists
 * every other member for @channel/@all/@here). A reply raises its root's `reply_count` and
 * `last_reply_at`.
 *
 * The event numbers the post in its channel (`total_msg_count`, the channel's totals once it
 * counted): a channel copy that counts as many already counts it — a list answer read after the
 * post committed and landed before this event, or a replay — and its counters are left alone.
 * Otherwise the channel takes the event's totals (exact even when a REST reply to my own later
 * post was counted first). Without them (a REST reply applied with this handler) the post counts
 * when it is not held yet. A reply's `root_reply_count` does the same for its root (see
 * `countReply`).
 */
function posted(s: ClientState, d: { post: WirePost; mentions?: string[]; total_msg_count?: number; total_msg_count_root?: number; root_reply_count?: number }): ClientState {
  const post = d.post;
  if (!s.channels[post.channel_id]) return s;
  const held = !!s.posts[post.id] && s.posts[post.id].update_at >= post.update_at; // e.g. the REST reply
  const ch = s.channels[post.channel_id];
  const counted = d.total_msg_count === undefined ? held : ch.total_msg_count >= d.total_msg_count;
  const chId = post.channel_id;
  const isRoot = !post.root_id;
  let next: ClientState = s;
  if (!held) {
    next = upsertPost(s, post);
    next.postsInChannel = put(next.postsInChannel, chId, insertOrdered(next.postsInChannel[chId], post.id, next.posts));
    if (!isRoot) {
      const root = next.posts[post.root_id];
      // A root with no replies so far has a fully known (empty) thread: start it.
      const thread = next.threads[post.root_id] ?? (root && !root.reply_count ? [] : undefined);
      next.threads = put(next.threads, post.root_id, insertOrdered(thread, post.id, next.posts));
    }
  }
  if (!isRoot) next = countReply(next, post, held, d.root_reply_count);
  if (counted) return next;
  next = { ...next };
  const channel: Channel = {
    ...ch,
    total_msg_count: d.total_msg_count ?? ch.total_msg_count + 1,
    total_msg_count_root: d.total_msg_count_root ?? ch.total_msg_count_root + (isRoot ? 1 : 0),
    last_post_at: Math.max(ch.last_post_at, post.create_at),
    last_root_post_at: isRoot ? Math.max(ch.last_root_post_at, post.create_at) : ch.last_root_post_at,
  };
  next.channels = put(next.channels, chId, channel);
  const m = s.members[chId];
  if (m) {
    let member: Member;
    if (post.user_id === s.me) {
      // Posting marks the channel viewed (Mattermost's MarkChannelsAsViewed): mentions clear too.
      member = { ...m, msg_count: channel.total_msg_count, mention_count: 0, last_viewed_at: Math.max(m.last_viewed_at, post.create_at) };
      if (m.msg_count_root !== undefined) member.msg_count_root = channel.total_msg_count_root;
      if (m.mention_count_root !== undefined) member.mention_count_root = 0;
      if (m.last_update_at !== undefined) member.last_update_at = Math.max(m.last_update_at, post.create_at);
    } else {
      const mentioned = (d.mentions ?? []).includes(s.me);
      member = mentioned ? { ...m, mention_count: m.mention_count + 1 } : m;
      if (mentioned && m.last_update_at !== undefined) member.last_update_at = Math.max(m.last_update_at, post.create_at);
      if (mentioned && isRoot && m.mention_count_root !== undefined) member.mention_count_root = m.mention_count_root + 1;
    }
    if (member !== m) next.members = put(next.members, chId, member);
  }
  return next;
}

/**
 * A new reply's root: `last_reply_at` moves, and `reply_count` takes `count` (the root's count
 * with the reply counted, from the posted event) unless the held root counts as many already: a
 * page read after the reply committed (channel history, a permalink, a thread list) may land
 * before the event without the reply itself, and counting it again showed one reply too many.
 * The event never lowers the count: a held copy counting more was read after later replies, or
 * before a deletion, and their own events come next and set it right. Without `count` (a REST
 * reply applied with this handler) the reply counts when it was not held. Returns `s` itself
 * when nothing changes (a replay).
 */
function countReply(s: ClientState, reply: WirePost, held: boolean, count: number | undefined): ClientState {
  const root = s.posts[reply.root_id];
  if (!root) return s;
  const reply_count = count === undefined ? root.reply_count + (held ? 0 : 1) : Math.max(root.reply_count, count);
  const last_reply_at = Math.max(root.last_reply_at, reply.create_at);
  if (reply_count === root.reply_count && last_reply_at === root.last_reply_at) return s;
  return { ...s, posts: put(s.posts, root.id, { ...root, reply_count, last_reply_at }) };
}

/**
 * A post only I see (a slash command's answer): shown in its channel or thread like a new post,
 * but it moves no counter and the server keeps no copy (a refetch drops it).
 */
function ephemeralPost(s: ClientState, d: { post: WirePost }): ClientState {
  const post = d.post;
  if (!s.channels[post.channel_id] || s.posts[post.id]) return s;
  const next = upsertPost(s, post);
  next.postsInChannel = put(next.postsInChannel, post.channel_id, insertOrdered(next.postsInChannel[post.channel_id], post.id, next.posts));
  if (post.root_id && next.threads[post.root_id]) next.threads = put(next.threads, post.root_id, insertOrdered(next.threads[post.root_id], post.id, next.posts));
  return next;
}

/** An edit, pin or unpin: the post replaces the held one. */
function postChanged(s: ClientState, d: { post: WirePost }): ClientState {
  const post = d.post;
  if (s.posts[post.id]) return upsertPost(s, post);
  // A pin of a post not held still updates a loaded pinned list.
  if (s.pinned[post.channel_id] && s.channels[post.channel_id]) return upsertPost(s, post);
  return s;
}

/**
 * A deleted post goes, with its reactions and thread; a deleted root takes its replies along. A
 * deleted reply's root takes the event's `root_reply_count` (its count without the reply) unless
 * the held root counts as few already (a page read after the deletion, which may also have
 * dropped the reply, landed first): the event never raises it. Without the count (an older
 * server) the root loses one when the reply was held.
 */
function postDeleted(s: ClientState, d: { post: Pick<WirePost, 'id' | 'channel_id' | 'root_id'>; root_reply_count?: number }): ClientState {
  const post = d.post;
  const held = s.posts[post.id];
  const next: ClientState = {
    ...s,
    posts: without(s.posts, post.id),
    reactions: without(s.reactions, post.id),
    threads: without(s.threads, post.id),
    userThreads: without(s.userThreads, post.id),
    saved: without(s.saved, post.id),
  };
  const chId = post.channel_id;
  if (s.postsInChannel[chId]) next.postsInChannel = put(s.postsInChannel, chId, removeId(s.postsInChannel[chId], post.id));
  if (s.pinned[chId]) next.pinned = put(s.pinned, chId, removeId(s.pinned[chId], post.id));
  for (const [id, p] of Object.entries(s.posts)) {
    if (p.root_id !== post.id) continue;
    next.posts = without(next.posts, id);
    if (next.postsInChannel[chId]) next.postsInChannel = put(next.postsInChannel, chId, removeId(next.postsInChannel[chId], id));
    if (next.pinned[chId]) next.pinned = put(next.pinned, chId, removeId(next.pinned[chId], id));
    next.reactions = without(next.reactions, id);
    next.saved = without(next.saved, id);
  }
  if (post.root_id) {
    if (s.threads[post.root_id]) next.threads = put(next.threads, post.root_id, removeId(s.threads[post.root_id], post.id));
    const root = next.posts[post.root_id];
    if (root) {
      const count = d.root_reply_count === undefined ? Math.max(0, root.reply_count - (held ? 1 : 0)) : Math.min(root.reply_count, d.root_reply_count);
      if (count !== root.reply_count) next.posts = put(next.posts, root.id, { ...root, reply_count: count });
    }
  }
  return next;
}

type ReactionKey = Pick<Reaction, 'post_id' | 'user_id' | 'emoji_name'>;
/** The post's reactions without `r` (and with `add`, at the end). */
function setReaction(s: ClientState, r: ReactionKey, add?: Reaction): ClientState {
  if (!s.posts[r.post_id]) return s;
  const list = (s.reactions[r.post_id] ?? []).filter((x) => !(x.user_id === r.user_id && x.emoji_name === r.emoji_name));
  if (add) list.push(add);
  return { ...s, reactions: list.length ? put(s.reactions, r.post_id, list) : without(s.reactions, r.post_id) };
}

/** Created, renamed or restored: a channel I hold (or a new one arriving with my membership). */
function channelChanged(s: ClientState, d: { channel: Channel; member?: ChannelMember }): ClientState {
  const ch = d.channel;
  // Only channels I belong to are held; channel_created for a new one arrives with my member.
  if (!s.channels[ch.id] && !d.member) return s;
  const next: ClientState = { ...s, channels: put(s.channels, ch.id, { ...s.channels[ch.id], ...ch }) };
  if (d.member && d.member.user_id === s.me) next.members = put(next.members, ch.id, d.member);
  return next;
}

function channelDeleted(s: ClientState, d: { channel_id: string; delete_at: number; channel: Channel }): ClientState {
  const ch = s.channels[d.channel_id];
  if (!ch) return s;
  return { ...s, channels: put(s.channels, d.channel_id, { ...ch, ...d.channel, delete_at: d.delete_at }) };
}

/** Someone joined a channel: me (the channel and my membership arrive with it) or another member. */
function userAdded(s: ClientState, d: { channel_id: string; user_id: string; channel: Channel; member: ChannelMember }): ClientState {
  if (d.user_id === s.me) return { ...s, channels: put(s.channels, d.channel_id, d.channel), members: put(s.members, d.channel_id, d.member) };
  const list = s.channelMembers[d.channel_id];
  if (!list || list.includes(d.user_id)) return s;
  return { ...s, channelMembers: put(s.channelMembers, d.channel_id, [...list, d.user_id]) };
}

function userRemoved(s: ClientState, d: { channel_id: string; user_id: string }): ClientState {
  if (d.user_id === s.me) return s.channels[d.channel_id] ? forgetChannel(s, d.channel_id) : s;
  const list = s.channelMembers[d.channel_id];
  return list && list.includes(d.user_id) ? { ...s, channelMembers: put(s.channelMembers, d.channel_id, removeId(list, d.user_id)) } : s;
}

/** I left a team, or it was deleted: the team and its channels go. */
function forgetTeam(s: ClientState, teamId: string): ClientState {
  if (!s.teams[teamId]) return s;
  let next: ClientState = { ...s, teams: without(s.teams, teamId), sidebars: without(s.sidebars, teamId) };
  for (const ch of Object.values(s.channels)) if (ch.team_id === teamId) next = forgetChannel(next, ch.id);
  return next;
}

/** My membership changed from outside this tab (read elsewhere, counters recomputed). */
function memberChanged(s: ClientState, d: { channel_id: string; member: ChannelMember }): ClientState {
  const m = s.members[d.channel_id];
  if (!m) return s;
  return { ...s, members: put(s.members, d.channel_id, { ...m, ...d.member }) };
}

/**
 * A thread's state for me (from thread_updated or thread_follow_changed): held while I follow
 * it, with its root post; dropped when I do not. Threads of channels I do not hold are ignored.
 */
function threadChanged(s: ClientState, d: { thread: ThreadWithPost }): ClientState {
  const { post, ...thread } = d.thread;
  if (!s.channels[thread.channel_id]) return s;
  if (!thread.following) return s.userThreads[thread.id] ? { ...s, userThreads: without(s.userThreads, thread.id) } : s;
  const next = upsertPost(s, post);
  return { ...next, userThreads: put(s.userThreads, thread.id, thread) };
}

/** My read marker of a thread moved; thread_id '' marks every thread of the team and of direct channels read. */
function threadRead(s: ClientState, d: { thread_id: string; team_id: string; last_viewed_at: number; unread_replies: number; unread_mentions: number }): ClientState {
  if (d.thread_id) {
    const t = s.userThreads[d.thread_id];
    if (!t) return s;
    return { ...s, userThreads: put(s.userThreads, t.id, { ...t, last_viewed_at: d.last_viewed_at, unread_replies: d.unread_replies, unread_mentions: d.unread_mentions }) };
  }
  const userThreads = { ...s.userThreads };
  for (const t of Object.values(s.userThreads)) {
    if (t.team_id !== d.team_id && t.team_id !== '') continue;
    userThreads[t.id] = { ...t, last_viewed_at: Math.max(t.last_viewed_at, d.last_viewed_at), unread_replies: 0, unread_mentions: 0 };
  }
  return { ...s, userThreads };
}

/** Applies fn to a team's loaded sidebar; a sidebar never loaded stays unloaded. */
function sidebarChanged(s: ClientState, teamId: string, fn: (sb: SidebarCategories) => SidebarCategories): ClientState {
  const sb = s.sidebars[teamId];
  return sb ? { ...s, sidebars: put(s.sidebars, teamId, fn(sb)) } : s;
}

/** Categories replaced by their new state; a channel they now list leaves every other category. */
function withCategories(sb: SidebarCategories, changed: SidebarCategory[]): SidebarCategories {
  const byId = new Map(changed.map((c) => [c.id, c]));
  const moved = new Set(changed.flatMap((c) => c.channel_ids));
  const categories = sb.categories.map((c) => byId.get(c.id) ?? (c.channel_ids.some((id) => moved.has(id)) ? { ...c, channel_ids: c.channel_ids.filter((id) => !moved.has(id)) } : c));
  for (const c of changed) if (!sb.categories.some((x) => x.id === c.id)) categories.push(c);
  return { ...sb, categories };
}

function orderedSidebar(sb: SidebarCategories, order: string[]): SidebarCategories {
  const at = new Map(order.map((id, i) => [id, i]));
  const categories = sb.categories
    .map((c) => (at.has(c.id) ? { ...c, sort_order: at.get(c.id)! * 10 } : c))
    .sort((a, b) => a.sort_order - b.sort_order);
  return { categories, order: categories.map((c) => c.id) };
}

/** Preferences the client keeps: saved posts (`flagged_post`, name = post id) of held posts. */
function preferencesChanged(s: ClientState, d: { preferences: Pick<Preference, 'category' | 'name' | 'value'>[] }, deleted: boolean): ClientState {
  let saved = s.saved;
  for (const p of d.preferences) {
    if (p.category !== SAVED_CATEGORY) continue;
    if (!deleted && p.value === 'true') {
      if (s.posts[p.name] && !saved[p.name]) saved = put(saved, p.name, true as const);
    } else saved = without(saved, p.name);
  }
  return saved === s.saved ? s : { ...s, saved };
}

/** What each event does to a state. */
export type Reducers = { [K in EventName]: (s: ClientState, d: EventMap[K]) => ClientState };

export const reduce = {
  posted,
  post_edited: postChanged,
  post_pinned: postChanged,
  post_unpinned: postChanged,
  post_deleted: postDeleted,
  ephemeral_message: ephemeralPost,
  reaction_added: (s, d: { reaction: Reaction }) => setReaction(s, d.reaction, d.reaction),
  reaction_removed: (s, d: { reaction: ReactionKey }) => setReaction(s, d.reaction),
  typing(s, d) {
    const key = d.root_id ? `${d.channel_id}:${d.root_id}` : d.channel_id;
    if (!key || !d.user_id || d.user_id === s.me) return s;
    return { ...s, typing: put(s.typing, key, { ...s.typing[key], [d.user_id]: d.at }) };
  },
  status_change: (s, d) => ({ ...s, statuses: put(s.statuses, d.user_id, { user_id: d.user_id, status: d.status, manual: d.manual }) }),
  channel_created: channelChanged,
  channel_updated: channelChanged,
  channel_restored: channelChanged,
  channel_deleted: channelDeleted,
  user_added: userAdded,
  user_removed: userRemoved,
  added_to_team: (s, d) => (d.user_id === s.me ? { ...s, teams: put(s.teams, d.team_id, { ...d.team, member: d.member }) } : s),
  leave_team: (s, d) => (d.user_id === s.me ? forgetTeam(s, d.team_id) : s),
  team_deleted: (s, d) => forgetTeam(s, d.team_id),
  team_updated: (s, d) => (s.teams[d.team.id] ? { ...s, teams: put(s.teams, d.team.id, { ...s.teams[d.team.id], ...d.team }) } : s),
  user_updated: (s, d) => ({ ...s, users: put(s.users, d.user.id, { ...s.users[d.user.id], ...d.user }) }),
  channel_viewed: memberChanged,
  unread_updated: memberChanged,
  channel_member_updated: memberChanged,
  preferences_changed: (s, d) => preferencesChanged(s, d, false),
  preferences_deleted: (s, d) => preferencesChanged(s, d, true),
  thread_updated: threadChanged,
  thread_follow_changed: threadChanged,
  thread_read_changed: threadRead,
  sidebar_category_created: (s, d) => sidebarChanged(s, d.team_id, (sb) => withCategories(sb, [d.category])),
  sidebar_category_updated: (s, d) => sidebarChanged(s, d.team_id, (sb) => withCategories(sb, d.categories)),
  sidebar_category_deleted: (s, d) => sidebarChanged(s, d.team_id, (sb) => ({ categories: sb.categories.filter((c) => c.id !== d.category_id), order: sb.order.filter((id) => id !== d.category_id) })),
  sidebar_category_order_updated: (s, d) => sidebarChanged(s, d.team_id, (sb) => orderedSidebar(sb, d.order)),
  emoji_added: (s, d) => ({ ...s, customEmoji: put(s.customEmoji, d.emoji.name, d.emoji) }),
  // Only the emoji deleted: a newer one with the same name stays.
  emoji_deleted: (s, d) => (s.customEmoji[d.emoji.name]?.id === d.emoji.id ? { ...s, customEmoji: without(s.customEmoji, d.emoji.name) } : s),
  // The site info is not chat state: the web client keeps it beside (web/src/state.ts siteInfo, set in session.ts).
  config_changed: (s) => s,
} satisfies Reducers;

/**
 * Applies one event to the state and returns the new state. Events this version does not know
 * (from a newer server) and events about things the state does not hold leave it unchanged.
 */
export function applyEvent<K extends EventName>(s: ClientState, ev: ClientEvent<K>): ClientState {
  if (!Object.prototype.hasOwnProperty.call(reduce, ev.event)) return s;
  const table: Reducers = reduce;
  return table[ev.event](s, ev.data);
}

// ------------------------------------------------------------ loading REST results

/** Custom emoji (a page of GET /emoji), by name. */
export function loadCustomEmoji(s: ClientState, list: CustomEmoji[]): ClientState {
  if (!list.length) return s;
  return { ...s, customEmoji: { ...s.customEmoji, ...Object.fromEntries(list.map((e) => [e.name, e])) } };
}

/** My sidebar of a team (GET /teams/:id/categories). */
export function loadSidebar(s: ClientState, teamId: string, sb: SidebarCategories): ClientState {
  return { ...s, sidebars: put(s.sidebars, teamId, sb) };
}

/**
 * My sidebar of a team as drawn: each category with the live channels I hold in it, in the
 * category's sorting ('alpha', or '' outside Direct Messages: by name; 'recent', or '' in Direct
 * Messages: latest post first; 'manual': as stored). Channels of mine no category lists (joined
 * since it was loaded) go to their default category, as the server puts them. Undefined when
 * the sidebar was never loaded.
 */
export function sidebarView(s: ClientState, teamId: string): SidebarCategory[] | undefined {
  const sb = s.sidebars[teamId];
  if (!sb) return undefined;
  const live = (id: string) => {
    const ch = s.channels[id];
    return !!ch && !ch.delete_at && (ch.team_id === teamId || ch.team_id === '');
  };
  const listed = new Set(sb.categories.flatMap((c) => c.channel_ids));
  const idOf = (type: string) => sb.categories.find((c) => c.type === type)?.id;
  const extra = new Map<string, string[]>();
  for (const ch of Object.values(s.channels)) {
    if (listed.has(ch.id) || !live(ch.id)) continue;
    const home = idOf(ch.type === 'D' || ch.type === 'G' ? 'direct_messages' : 'channels');
    if (home) extra.set(home, [...(extra.get(home) ?? []), ch.id]);
  }
  const name = (id: string) => (s.channels[id].display_name || s.channels[id].name).toLowerCase();
  return sb.categories.map((c) => {
    const ids = [...c.channel_ids.filter(live), ...(extra.get(c.id) ?? [])];
    const sorting = c.sorting || (c.type === 'direct_messages' ? 'recent' : 'alpha');
    if (sorting === 'alpha') ids.sort((a, b) => name(a).localeCompare(name(b)) || (a < b ? -1 : 1));
    else if (sorting === 'recent') ids.sort((a, b) => (s.channels[b].last_post_at ?? 0) - (s.channels[a].last_post_at ?? 0) || (a < b ? -1 : 1));
    return { ...c, channel_ids: ids };
  });
}

/** My teams (GET /teams). Replaces the set. */
export function loadTeams(s: ClientState, teams: Team[]): ClientState {
  return { ...s, teams: Object.fromEntries(teams.map((t) => [t.id, t])) };
}

/**
 * My channels with their `member` (GET /teams/:id/channels or /channels items). Adds or
 * replaces those channels and my memberships; `unread` is derived, so it is not stored.
 */
export function loadMyChannels(s: ClientState, items: (Channel & { member?: Member; unread?: unknown })[]): ClientState {
  const channels = { ...s.channels };
  const members = { ...s.members };
  for (const it of items) {
    const { member, unread: _unread, ...ch } = it;
    channels[ch.id] = ch as Channel;
    if (member) members[ch.id] = member;
  }
  return { ...s, channels, members };
}

/**
 * `upsertPost` for every post of a list, with the maps copied once for the whole list rather
 * than once per post: a page merged into 1,000 held posts was O(n²) (~0.4 s in the browser,
 * issue 20 target 6). A post given as the very object already held is kept as is (same identity,
 * so memoized views of it do not re-render).
 */
function loadPostList(s: ClientState, posts: Post[]): { s: ClientState; ids: string[] } {
  const live = posts.filter((p) => !p.delete_at);
  if (!live.length) return { s, ids: [] };
  const postsById: Record<string, Post> = { ...s.posts };
  let reactions = s.reactions;
  let reactionsCopied = false;
  let pinned = s.pinned;
  let pinnedCopied = false;
  for (const raw of live) {
    const { post, reactions: rs } = splitPost(raw);
    const held = postsById[post.id];
    postsById[post.id] = held === post ? held : { ...held, ...post };
    if (rs) {
      if (!reactionsCopied) {
        reactions = { ...reactions };
        reactionsCopied = true;
      }
      if (rs.length) reactions[post.id] = rs;
      else delete reactions[post.id];
    }
    const list = pinned[post.channel_id];
    if (list) {
      const nextList = post.is_pinned ? insertOrdered(list, post.id, postsById) : removeId(list, post.id);
      if (nextList !== list) {
        if (!pinnedCopied) {
          pinned = { ...pinned };
          pinnedCopied = true;
        }
        pinned[post.channel_id] = nextList!;
      }
    }
  }
  const next: ClientState = { ...s, posts: postsById, reactions, pinned };
  const ids = [...new Set(live.map((p) => p.id))];
  ids.sort((a, b) => (next.posts[a].create_at - next.posts[b].create_at) || (a < b ? -1 : 1));
  return { s: next, ids };
}

/** A channel's posts (any order; a complete history, e.g. all pages of GET /channels/:id/posts). */
export function loadChannelPosts(s: ClientState, channelId: string, posts: Post[]): ClientState {
  const r = loadPostList(s, posts);
  return { ...r.s, postsInChannel: put(r.s.postsInChannel, channelId, r.ids) };
}

/** A thread's replies (GET /posts/:id/thread; the root may be included). */
export function loadThread(s: ClientState, rootId: string, posts: Post[]): ClientState {
  const r = loadPostList(s, posts);
  return { ...r.s, threads: put(r.s.threads, rootId, r.ids.filter((id) => id !== rootId)) };
}

/** A channel's pinned posts (GET /channels/:id/pinned). */
export function loadPinned(s: ClientState, channelId: string, posts: Post[]): ClientState {
  const r = loadPostList(s, posts);
  return { ...r.s, pinned: put(r.s.pinned, channelId, r.ids) };
}

/** Threads I follow (GET /threads items): added or replaced, roots into `posts`. */
export function loadUserThreads(s: ClientState, items: ThreadWithPost[]): ClientState {
  let next = s;
  const userThreads = { ...s.userThreads };
  for (const { post, ...thread } of items) {
    if (!thread.following) continue;
    userThreads[thread.id] = thread;
    if (!post.delete_at) next = upsertPost(next, post);
  }
  return { ...next, userThreads };
}

/** My saved posts (every page of GET /saved): replaces the set, posts into `posts`. */
export function loadSaved(s: ClientState, posts: Post[]): ClientState {
  const r = loadPostList(s, posts);
  return { ...r.s, saved: Object.fromEntries(r.ids.map((id) => [id, true as const])) };
}

export function loadUsers(s: ClientState, users: User[]): ClientState {
  const next = { ...s.users };
  for (const u of users) next[u.id] = u;
  return { ...s, users: next };
}

export function loadStatuses(s: ClientState, statuses: Status[]): ClientState {
  const next = { ...s.statuses };
  for (const st of statuses) next[st.user_id] = st;
  return { ...s, statuses: next };
}

/** Applies events in order. */
export function applyEvents(s: ClientState, events: ClientEvent[]): ClientState {
  return events.reduce(applyEvent, s);
}
