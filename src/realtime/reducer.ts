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
 */

/** Loose entity shapes: the fields the reducer reads; presenters may add more (kept as-is). */
export interface User {
  id: string;
  username: string;
  update_at?: number;
  delete_at?: number;
  [k: string]: unknown;
}
export interface Team {
  id: string;
  name: string;
  display_name?: string;
  delete_at?: number;
  [k: string]: unknown;
}
export interface Channel {
  id: string;
  team_id: string;
  type: string;
  name: string;
  display_name?: string;
  delete_at: number;
  last_post_at?: number;
  last_root_post_at?: number;
  total_msg_count?: number;
  total_msg_count_root?: number;
  [k: string]: unknown;
}
/** The current user's membership of a channel, with its read state. */
export interface Member {
  channel_id: string;
  user_id: string;
  role?: string;
  last_viewed_at: number;
  msg_count: number;
  mention_count: number;
  msg_count_root?: number;
  mention_count_root?: number;
  [k: string]: unknown;
}
export interface Post {
  id: string;
  channel_id: string;
  user_id: string;
  root_id: string;
  message: string;
  create_at: number;
  update_at?: number;
  edit_at?: number;
  delete_at: number;
  is_pinned?: boolean;
  reply_count?: number;
  last_reply_at?: number;
  [k: string]: unknown;
}
export interface Reaction {
  post_id: string;
  user_id: string;
  emoji_name: string;
  create_at?: number;
  [k: string]: unknown;
}
export interface Status {
  user_id: string;
  status: 'online' | 'away' | 'dnd' | 'offline' | string;
  manual?: boolean;
  [k: string]: unknown;
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
  /** Who is typing where: channel id (or `channel_id:root_id`) -> user id -> event time. Never part of snapshots. */
  typing: Record<string, Record<string, number>>;
}

/** An event as the native socket delivers it (`seq` is transport, not state). */
export interface ClientEvent {
  event: string;
  data: Record<string, any>;
  seq?: number;
}

export function emptyState(me: string): ClientState {
  return { me, users: {}, teams: {}, channels: {}, members: {}, channelMembers: {}, posts: {}, postsInChannel: {}, threads: {}, reactions: {}, pinned: {}, statuses: {}, typing: {} };
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

function postOf(data: Record<string, any>): Post | undefined {
  const p = data.post;
  if (!p) return undefined;
  return typeof p === 'string' ? (JSON.parse(p) as Post) : (p as Post);
}

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
  return {
    ...s,
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
 * Splits a presented post: `metadata.reactions` goes to `state.reactions` (kept current by
 * reaction events), the rest is the stored post.
 */
function splitPost(post: Post): { post: Post; reactions?: Reaction[] } {
  const meta = post.metadata as Record<string, unknown> | undefined;
  if (!meta || typeof meta !== 'object' || !('reactions' in meta)) return { post };
  const { reactions, ...rest } = meta;
  return { post: { ...post, metadata: rest }, reactions: Array.isArray(reactions) ? (reactions as Reaction[]) : undefined };
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

/**
 * Applies one event to the state and returns the new state. Unknown events and events about
 * things the state does not hold leave it unchanged. Counter rules (they mirror the server's):
 * - `posted` raises the channel's `total_msg_count` (and `_root` for a root post) and moves
 *   `last_post_at`; for the poster the channel stays read (member counts follow the total, mention
 *   counts clear, and `last_viewed_at` moves to the post time); for everybody else `mention_count` rises when the
 *   event's `mentions` names them or the post is an @channel/@all/@here (`mention_channel`).
 *   A reply raises its root's `reply_count` and `last_reply_at`.
 * - `channel_viewed` / `unread_updated` set my member's counters from the payload.
 */
export function applyEvent(s: ClientState, ev: ClientEvent): ClientState {
  const d = ev.data ?? {};
  switch (ev.event) {
    case 'posted': {
      const post = postOf(d);
      if (!post || !s.channels[post.channel_id]) return s;
      if (s.posts[post.id] && (s.posts[post.id].update_at ?? 0) >= (post.update_at ?? 0)) return s; // already held (e.g. the REST reply)
      let next = upsertPost(s, post);
      const chId = post.channel_id;
      next.postsInChannel = put(next.postsInChannel, chId, insertOrdered(next.postsInChannel[chId], post.id, next.posts));
      const isRoot = !post.root_id;
      const ch = s.channels[chId];
      const channel: Channel = {
        ...ch,
        total_msg_count: (ch.total_msg_count ?? 0) + 1,
        total_msg_count_root: (ch.total_msg_count_root ?? 0) + (isRoot ? 1 : 0),
        last_post_at: Math.max(ch.last_post_at ?? 0, post.create_at),
        last_root_post_at: isRoot ? Math.max(ch.last_root_post_at ?? 0, post.create_at) : ch.last_root_post_at,
      };
      next.channels = put(next.channels, chId, channel);
      const m = s.members[chId];
      if (m) {
        let member: Member;
        if (post.user_id === s.me) {
          // Posting marks the channel viewed (Mattermost's MarkChannelsAsViewed): mentions clear too.
          member = { ...m, msg_count: channel.total_msg_count!, mention_count: 0, last_viewed_at: Math.max(m.last_viewed_at, post.create_at) };
          if (m.msg_count_root !== undefined) member.msg_count_root = channel.total_msg_count_root;
          if (m.mention_count_root !== undefined) member.mention_count_root = 0;
          if (m.last_update_at !== undefined) member.last_update_at = Math.max(Number(m.last_update_at), post.create_at);
        } else {
          const mentions: string[] = Array.isArray(d.mentions) ? d.mentions : Array.isArray(post.mentions) ? (post.mentions as string[]) : [];
          const mentioned = mentions.includes(s.me) || d.mention_channel === true || post.mention_channel === true;
          member = mentioned ? { ...m, mention_count: m.mention_count + 1 } : m;
          if (mentioned && m.last_update_at !== undefined) member.last_update_at = Math.max(Number(m.last_update_at), post.create_at);
          if (mentioned && isRoot && m.mention_count_root !== undefined) member.mention_count_root = m.mention_count_root + 1;
        }
        if (member !== m) next.members = put(next.members, chId, member);
      }
      if (!isRoot) {
        const root = next.posts[post.root_id];
        // A root with no replies so far has a fully known (empty) thread: start it.
        const thread = next.threads[post.root_id] ?? (root && !root.reply_count ? [] : undefined);
        next.threads = put(next.threads, post.root_id, insertOrdered(thread, post.id, next.posts));
        if (root) next.posts = put(next.posts, root.id, { ...root, reply_count: (root.reply_count ?? 0) + 1, last_reply_at: Math.max(root.last_reply_at ?? 0, post.create_at) });
      }
      return next;
    }
    case 'post_edited':
    case 'post_pinned':
    case 'post_unpinned': {
      const post = postOf(d);
      if (!post || !s.posts[post.id]) {
        // A pin of a post not held still updates a loaded pinned list.
        if (post && s.pinned[post.channel_id] && s.channels[post.channel_id]) return upsertPost({ ...s, posts: s.posts }, post);
        return s;
      }
      return upsertPost(s, post);
    }
    case 'post_deleted': {
      const post = postOf(d);
      if (!post) return s;
      const held = s.posts[post.id];
      let next: ClientState = { ...s, posts: without(s.posts, post.id), reactions: without(s.reactions, post.id), threads: without(s.threads, post.id) };
      const chId = post.channel_id;
      if (s.postsInChannel[chId]) next.postsInChannel = put(s.postsInChannel, chId, removeId(s.postsInChannel[chId], post.id));
      if (s.pinned[chId]) next.pinned = put(s.pinned, chId, removeId(s.pinned[chId], post.id));
      // Replies of a deleted root go with it.
      for (const [id, p] of Object.entries(s.posts)) {
        if (p.root_id !== post.id) continue;
        next.posts = without(next.posts, id);
        if (next.postsInChannel[chId]) next.postsInChannel = put(next.postsInChannel, chId, removeId(next.postsInChannel[chId], id));
        if (next.pinned[chId]) next.pinned = put(next.pinned, chId, removeId(next.pinned[chId], id));
        next.reactions = without(next.reactions, id);
      }
      if (post.root_id) {
        if (s.threads[post.root_id]) next.threads = put(next.threads, post.root_id, removeId(s.threads[post.root_id], post.id));
        const root = next.posts[post.root_id];
        if (root && held) next.posts = put(next.posts, root.id, { ...root, reply_count: Math.max(0, (root.reply_count ?? 0) - 1) });
      }
      return next;
    }
    case 'reaction_added':
    case 'reaction_removed': {
      const r: Reaction | undefined = typeof d.reaction === 'string' ? JSON.parse(d.reaction) : d.reaction;
      if (!r || !s.posts[r.post_id]) return s;
      const list = (s.reactions[r.post_id] ?? []).filter((x) => !(x.user_id === r.user_id && x.emoji_name === r.emoji_name));
      if (ev.event === 'reaction_added') list.push(r);
      return { ...s, reactions: list.length ? put(s.reactions, r.post_id, list) : without(s.reactions, r.post_id) };
    }
    case 'channel_created':
    case 'channel_updated':
    case 'channel_restored': {
      const ch: Channel | undefined = typeof d.channel === 'string' ? JSON.parse(d.channel) : d.channel;
      if (!ch) return s;
      // Only channels I belong to are held; channel_created for a new one arrives with my member.
      if (!s.channels[ch.id] && !d.member) return s;
      let next: ClientState = { ...s, channels: put(s.channels, ch.id, { ...s.channels[ch.id], ...ch }) };
      if (d.member && (d.member as Member).user_id === s.me) next.members = put(next.members, ch.id, d.member as Member);
      return next;
    }
    case 'channel_deleted': {
      const id: string = d.channel_id ?? d.channel?.id;
      const ch = s.channels[id];
      if (!ch) return s;
      const deleteAt: number = d.delete_at ?? d.channel?.delete_at ?? 1;
      return { ...s, channels: put(s.channels, id, { ...ch, ...(d.channel ?? {}), delete_at: deleteAt }) };
    }
    case 'user_added': {
      const chId: string = d.channel_id;
      const userId: string = d.user_id;
      if (userId === s.me) {
        if (!d.channel) return s;
        let next: ClientState = { ...s, channels: put(s.channels, chId, d.channel as Channel) };
        if (d.member) next.members = put(next.members, chId, d.member as Member);
        return next;
      }
      const list = s.channelMembers[chId];
      if (!list || list.includes(userId)) return s;
      return { ...s, channelMembers: put(s.channelMembers, chId, [...list, userId]) };
    }
    case 'user_removed': {
      const chId: string = d.channel_id;
      const userId: string = d.user_id;
      if (userId === s.me) return s.channels[chId] ? forgetChannel(s, chId) : s;
      const list = s.channelMembers[chId];
      return list && list.includes(userId) ? { ...s, channelMembers: put(s.channelMembers, chId, removeId(list, userId)) } : s;
    }
    case 'added_to_team': {
      if (d.user_id !== s.me || !d.team) return s;
      // GET /teams items carry my team membership as `member`; so does the event.
      return { ...s, teams: put(s.teams, d.team_id, d.member ? { ...(d.team as Team), member: d.member } : (d.team as Team)) };
    }
    case 'leave_team':
    case 'team_deleted': {
      const teamId: string = d.team_id ?? d.team?.id;
      if (ev.event === 'leave_team' && d.user_id !== s.me) return s;
      if (!s.teams[teamId]) return s;
      let next: ClientState = { ...s, teams: without(s.teams, teamId) };
      for (const ch of Object.values(s.channels)) if (ch.team_id === teamId) next = forgetChannel(next, ch.id);
      return next;
    }
    case 'team_updated': {
      const t: Team | undefined = typeof d.team === 'string' ? JSON.parse(d.team) : d.team;
      if (!t || !s.teams[t.id]) return s;
      return { ...s, teams: put(s.teams, t.id, { ...s.teams[t.id], ...t }) };
    }
    case 'user_updated': {
      const u: User | undefined = d.user;
      if (!u) return s;
      return { ...s, users: put(s.users, u.id, { ...s.users[u.id], ...u }) };
    }
    case 'channel_viewed':
    case 'unread_updated': {
      const chId: string = d.channel_id ?? d.member?.channel_id;
      const m = s.members[chId];
      if (!m) return s;
      if (d.member) return { ...s, members: put(s.members, chId, { ...m, ...(d.member as Member) }) };
      const patch: Partial<Member> = {};
      for (const k of ['last_viewed_at', 'msg_count', 'mention_count', 'msg_count_root', 'mention_count_root'] as const) if (typeof d[k] === 'number') patch[k] = d[k];
      if (ev.event === 'channel_viewed' && patch.msg_count === undefined) {
        const ch = s.channels[chId];
        patch.msg_count = ch?.total_msg_count ?? m.msg_count;
        patch.mention_count = 0;
        if (m.msg_count_root !== undefined) patch.msg_count_root = ch?.total_msg_count_root ?? m.msg_count_root;
        if (m.mention_count_root !== undefined) patch.mention_count_root = 0;
      }
      return { ...s, members: put(s.members, chId, { ...m, ...patch }) };
    }
    case 'status_change': {
      const userId: string = d.user_id;
      if (!userId || typeof d.status !== 'string') return s;
      const st: Status = { user_id: userId, status: d.status };
      if (typeof d.manual === 'boolean') st.manual = d.manual;
      return { ...s, statuses: put(s.statuses, userId, st) };
    }
    case 'typing': {
      const key: string = d.root_id ? `${d.channel_id}:${d.root_id}` : d.channel_id;
      if (!key || !d.user_id || d.user_id === s.me) return s;
      return { ...s, typing: put(s.typing, key, { ...s.typing[key], [d.user_id]: typeof d.at === 'number' ? d.at : 0 }) };
    }
    default:
      return s;
  }
}

// ------------------------------------------------------------ loading REST results

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

function loadPostList(s: ClientState, posts: Post[]): { s: ClientState; ids: string[] } {
  let next = s;
  for (const p of posts) if (!p.delete_at) next = upsertPost(next, p);
  const ids = [...new Set(posts.filter((p) => !p.delete_at).map((p) => p.id))];
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
