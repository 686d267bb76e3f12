/**
 * The client's state: one ClientState (src/realtime/reducer.ts) in a signal, changed by the shared
 * reducer for socket events and by the merge helpers below for REST responses; plus UI-only
 * signals (current team/channel, right panel, optimistic posts, connection status).
 */
import { batch, computed, signal } from '@preact/signals';
import * as R from '../../src/realtime/reducer.ts';
import { applyEvent, emptyState, type Channel, type ClientEvent, type ClientState, type Member, type Post, type Reaction, type Team, type User } from '../../src/realtime/reducer.ts';

export type { Channel, ClientState, Member, Post, Reaction, Team, User };

export const state = signal<ClientState>(emptyState(''));
export const me = computed<User | undefined>(() => state.value.users[state.value.me]);

/** 'mfa_setup': signed in, but the server requires MFA and this account must enrol first. */
export type BootState = 'loading' | 'anon' | 'mfa_setup' | 'ready';
export const bootState = signal<BootState>('loading');
export const connection = signal<'idle' | 'connecting' | 'online' | 'reconnecting'>('idle');

export const currentTeamId = signal('');
/** What the page title names besides the site ("Off-Topic - Ops"); set by the channel view. */
export const pageWhere = signal('');
export const currentChannelId = signal('');

export type Panel = { kind: 'thread'; postId: string } | { kind: 'search'; q: string; tab?: 'messages' | 'files' } | { kind: 'pinned' } | { kind: 'members' } | { kind: 'files' } | { kind: 'saved' } | null;
export const rightPanel = signal<Panel>(null);
/** Phone width: which single column shows. */
export const mobilePane = signal<'sidebar' | 'channel'>('channel');

/** Posts being sent (or that failed), by client_msg_id. They vanish once the real post is held. */
export interface PendingPost {
  client_msg_id: string;
  channel_id: string;
  root_id: string;
  message: string;
  create_at: number;
  failed?: string;
}
export const pending = signal<Record<string, PendingPost>>({});

/** Per channel: true when older posts may exist on the server. */
export const hasOlder = signal<Record<string, boolean>>({});
/** Post to scroll to and highlight (permalinks, search jumps). */
export const focusPostId = signal('');
/** The last time each user was seen typing, by typing key (channel or channel:root). */
export const typingSeen = signal<Record<string, Record<string, number>>>({});
export const siteInfo = signal<{ site_name?: string; open_signup?: boolean; enable_open_signup?: boolean; version?: string; [k: string]: unknown }>({});
export const toast = signal<{ text: string; kind?: 'error' | 'info' } | null>(null);

/** Events being kept while requests are in flight (see eventsDuring). */
const recorders = new Set<{ pick: (ev: ClientEvent) => boolean; events: ClientEvent[] }>();

/**
 * Runs `request`, keeping the socket events `pick` selects until it settles: its answer and
 * those events, oldest first. For lists the reducer keeps current only once loaded (an event
 * about a list never loaded changes nothing): a loader applies the events that came while its
 * request was on its way over its answer, so a join or a pin heard meanwhile is not lost
 * whichever the server read first (the handlers are idempotent: an event the answer already
 * reflects changes nothing).
 */
export async function eventsDuring<T>(pick: (ev: ClientEvent) => boolean, request: () => Promise<T>): Promise<{ answer: T; events: ClientEvent[] }> {
  const rec = { pick, events: [] as ClientEvent[] };
  recorders.add(rec);
  try {
    return { answer: await request(), events: rec.events };
  } finally {
    recorders.delete(rec);
  }
}

/** Applies one socket event through the shared reducer. */
export function dispatch(ev: ClientEvent) {
  state.value = applyEvent(state.value, ev);
  for (const rec of recorders) if (rec.pick(ev)) rec.events.push(ev);
  if (ev.event === 'typing' && ev.data.user_id) {
    const key = ev.data.root_id ? `${ev.data.channel_id}:${ev.data.root_id}` : ev.data.channel_id;
    typingSeen.value = { ...typingSeen.value, [key]: { ...typingSeen.value[key], [ev.data.user_id]: Date.now() } };
  }
  if (ev.event === 'posted') {
    const p = ev.data.post;
    clearTypist(p);
    // My own post arriving over the socket settles its optimistic copy (even a "failed" one whose
    // answer was lost after the server stored it).
    const cid = p.client_msg_id;
    if (cid && pending.value[cid]) {
      const { [cid]: _, ...rest } = pending.value;
      pending.value = rest;
    }
  }
}

function clearTypist(p: Pick<Post, 'channel_id' | 'root_id' | 'user_id'>) {
  const key = p.root_id ? `${p.channel_id}:${p.root_id}` : p.channel_id;
  const seen = typingSeen.value[key];
  if (seen?.[p.user_id]) {
    const { [p.user_id]: _, ...rest } = seen;
    typingSeen.value = { ...typingSeen.value, [key]: rest };
  }
}

export function resetState(meUser: User | null) {
  batch(() => {
    const s = emptyState(meUser?.id ?? '');
    if (meUser) s.users = { [meUser.id]: meUser };
    state.value = s;
    pending.value = {};
    hasOlder.value = {};
    typingSeen.value = {};
    markedUnread.value = {};
    rightPanel.value = null;
    currentChannelId.value = '';
    currentTeamId.value = '';
  });
}

// ---------------------------------------------------------------- REST merge helpers
// Thin wrappers over the reducer module's REST loaders (the server's verifyAction tests build
// their snapshots with the same loaders, so a page and a snapshot hold the same shapes).

export function mergeUsers(users: User[]) {
  if (!users.length) return;
  const s = state.value;
  // Keep fields a narrower presentation may leave out (e.g. email of others).
  state.value = R.loadUsers(s, users.map((u) => ({ ...s.users[u.id], ...u })));
}

/**
 * Merges teams into the state. A list answer (`list`: GET /teams) replaces the set; pass the state
 * of when its request left as `before`, and a team changed (`team_updated`), joined or created
 * meanwhile keeps its newer held copy, one left meanwhile is not brought back.
 */
export function mergeTeams(teams: Team[], list?: { before: ClientState }) {
  const s = state.value;
  if (!list) {
    state.value = R.loadTeams(s, [...Object.values(s.teams).filter((t) => !teams.some((x) => x.id === t.id)), ...teams]);
    return;
  }
  const b = list.before.teams;
  const changed = (id: string) => s.teams[id] !== b[id];
  const fromAnswer = teams.filter((t) => !changed(t.id));
  const meanwhile = Object.values(s.teams).filter((t) => changed(t.id));
  state.value = R.loadTeams(s, [...fromAnswer, ...meanwhile]);
}

/**
 * Merges channels (with my membership where given) into the state. A team's list answer
 * (`list.team`: GET /teams/:id/channels) drops that team's channels held when its request left and
 * missing from it (left or removed meanwhile). With `list.before` (the state when the request
 * left), what changed while it was on its way wins over the answer's older snapshot: a channel
 * changed meanwhile (a `posted` event raised its counts, renamed…) and a membership changed
 * meanwhile (read here, read elsewhere, marked unread) keep their held copies; a channel that
 * arrived meanwhile (created, joined, an event) is kept; one left meanwhile is not brought back.
 */
export function mergeChannels(items: { channel: Channel; member?: Member }[], list?: { team?: string; before: ClientState }) {
  let s = state.value;
  const b = list?.before;
  if (b) {
    items = items
      .filter(({ channel }) => !(b.channels[channel.id] && !s.channels[channel.id]))
      .map(({ channel, member }) => ({
        channel: s.channels[channel.id] !== b.channels[channel.id] ? s.channels[channel.id]! : channel,
        member: s.members[channel.id] !== b.members[channel.id] ? s.members[channel.id] : member,
      }));
  }
  if (b && list.team) {
    const keep = new Set(items.map((x) => x.channel.id));
    const channels = { ...s.channels };
    for (const ch of Object.values(s.channels)) {
      if (ch.team_id === list.team && b.channels[ch.id] === ch && !keep.has(ch.id)) delete channels[ch.id];
    }
    s = { ...s, channels };
  }
  state.value = R.loadMyChannels(
    s,
    items.map(({ channel, member }) => ({ ...s.channels[channel.id], ...channel, ...(member ? { member: { ...s.members[channel.id], ...member } } : {}) })),
  );
}

/**
 * Puts fetched posts into the state: a page of a channel (`reset`: the newest page, replacing the
 * loaded list; otherwise merged into it, the loaded list is the union), a thread's replies
 * (`thread`), or a single post (`holdOnly`).
 *
 * An answer is a snapshot of when the server read it; the state may have moved on while it was
 * on its way. Pass the state of when the request left as `before` and what changed since wins:
 * - a post held then and gone now (deleted meanwhile) is not brought back;
 * - a post changed meanwhile (edited, or its reactions changed, by an event or another reply)
 *   keeps the held copy;
 * - a post that arrived meanwhile (a `posted` event or my own send, possibly after the server
 *   read the answer) stays, even when the list was not loaded yet when it came: an older answer
 *   must not reset it away. `complete`: the answer reaches the channel's first post (no older
 *   page), so every post that arrived meanwhile belongs in it; otherwise only those not older
 *   than its oldest post do.
 */
export function mergePosts(channelId: string, list: Post[], opts: { reset?: boolean; thread?: string; holdOnly?: boolean; before?: ClientState; complete?: boolean } = {}) {
  let s = state.value;
  const b = opts.before;
  if (b) list = list.flatMap((p) => newerOf(s, b, p));
  const gone = list.filter((p) => p.delete_at).map((p) => p.id);
  if (gone.length) {
    const posts = { ...s.posts };
    for (const id of gone) delete posts[id];
    s = { ...s, posts };
  }
  const fetched = new Set(list.map((p) => p.id));
  /** Posts held now that were not held when the request left and the answer lacks. */
  const arrived = (pick: (p: Post) => boolean) => (b ? Object.values(s.posts).filter((p) => pick(p) && !b.posts[p.id] && !fetched.has(p.id)) : []);
  if (opts.thread) {
    const root = opts.thread;
    const held = opts.reset ? arrived((p) => p.root_id === root) : (s.threads[root] ?? []).map((id) => s.posts[id]!).filter(Boolean);
    state.value = R.loadThread(s, root, [...held, ...list.filter((p) => p.id === root || p.root_id === root)]);
    return;
  }
  const loaded = s.postsInChannel[channelId];
  if (opts.holdOnly || (!loaded && !opts.reset)) {
    // A single post (permalink): hold the post only. Added to a list it would pass for loaded
    // history (or leave a gap before the loaded page).
    const t = R.loadChannelPosts(s, '\u0000', list);
    state.value = { ...t, postsInChannel: s.postsInChannel };
    return;
  }
  let held: Post[];
  if (opts.reset) {
    const mine = list.filter((p) => p.channel_id === channelId);
    const oldest = opts.complete || !mine.length ? -Infinity : Math.min(...mine.map((p) => p.create_at));
    held = arrived((p) => p.channel_id === channelId && p.create_at >= oldest);
  } else held = (loaded ?? []).map((id) => s.posts[id]!).filter(Boolean);
  state.value = R.loadChannelPosts(s, channelId, [...held, ...list.filter((p) => p.channel_id === channelId)]);
}

/** What of a fetched post to take, given the state when its request left (`b`) and now (`s`). */
export function newerOf(s: ClientState, b: ClientState, p: Post): Post[] {
  const held = s.posts[p.id];
  if (!held) return b.posts[p.id] && !p.delete_at ? [] : [p]; // deleted meanwhile
  if (held !== b.posts[p.id] || held.update_at > p.update_at) return [held]; // changed meanwhile (held copies carry no reactions: those stay)
  if (s.reactions[p.id] !== b.reactions[p.id] && 'reactions' in p.metadata) {
    const { reactions: _, ...metadata } = p.metadata;
    return [{ ...p, metadata }];
  }
  return [p];
}

/**
 * A team's sidebar from a list answer (GET /teams/:id/categories), given the held sidebar when
 * its request left (`before`) and now (`now`): a category changed meanwhile (a move, a favorite,
 * a rename, by this page's reply or an event) keeps its held copy (and the channels it lists leave
 * the answer's other categories), one deleted meanwhile stays gone, one created meanwhile stays;
 * an order changed meanwhile is kept.
 */
export function mergeSidebar(before: R.SidebarCategories | undefined, now: R.SidebarCategories | undefined, answer: R.SidebarCategories): R.SidebarCategories {
  if (!now || now === before) return answer;
  const was = new Map((before?.categories ?? []).map((c) => [c.id, c]));
  const changed = now.categories.filter((c) => was.get(c.id) !== c);
  const byId = new Map(changed.map((c) => [c.id, c]));
  const moved = new Set(changed.flatMap((c) => c.channel_ids));
  const gone = new Set([...was.keys()].filter((id) => !now.categories.some((c) => c.id === id)));
  const categories = answer.categories
    .filter((c) => !gone.has(c.id))
    .map((c) => byId.get(c.id) ?? (c.channel_ids.some((id) => moved.has(id)) ? { ...c, channel_ids: c.channel_ids.filter((id) => !moved.has(id)) } : c));
  for (const c of changed) if (!answer.categories.some((x) => x.id === c.id)) categories.push(c);
  const order = before && now.order !== before.order ? now.order : answer.order;
  const at = new Map(order.map((id, i) => [id, i]));
  categories.sort((a, b) => (at.get(a.id) ?? Infinity) - (at.get(b.id) ?? Infinity));
  return { categories, order: categories.map((c) => c.id) };
}

/**
 * A channel's pinned posts (GET /channels/:id/pinned). Pass `meanwhile`: the state when the
 * request left (`before`) and the pin, unpin, edit and delete events of the channel heard since
 * (`eventsDuring`). What changed while the answer was on its way wins over it: a post edited,
 * reacted to, unpinned or deleted meanwhile keeps its held state (`newerOf`), and the events are
 * applied over the answer in order, so a pin heard while no list was loaded (the reducer then
 * had no list to put it in) is listed, and an answer that lands after a newer one does not bring
 * back what that one dropped.
 */
export function setPinned(channelId: string, list: Post[], meanwhile?: { before: ClientState; events: ClientEvent[] }) {
  const s = state.value;
  if (meanwhile) {
    const byId = new Map(list.flatMap((p) => newerOf(s, meanwhile.before, p).filter((x) => x.is_pinned)).map((p) => [p.id, p]));
    for (const ev of meanwhile.events) {
      if (ev.event === 'post_deleted') byId.delete(ev.data.post.id);
      else if (ev.event === 'post_pinned' || ev.event === 'post_unpinned' || ev.event === 'post_edited') {
        const p = ev.data.post;
        if (p.is_pinned && !p.delete_at) byId.set(p.id, p);
        else byId.delete(p.id);
      }
    }
    list = [...byId.values()];
  }
  state.value = R.loadPinned(s, channelId, list);
}

/**
 * A channel's member list (GET /channels/:id/members), then the `user_added` and `user_removed`
 * events of the channel heard while it was on its way (`eventsDuring`): the reducer keeps only
 * loaded lists, so a join heard before the first list landed would otherwise be lost. Applying
 * them again changes nothing when the answer already has them.
 */
export function setChannelMembers(channelId: string, userIds: string[], heard: ClientEvent[] = []) {
  const s = state.value;
  state.value = R.applyEvents({ ...s, channelMembers: { ...s.channelMembers, [channelId]: userIds } }, heard);
}

export function setStatuses(list: { user_id: string; status: string; manual?: boolean }[]) {
  state.value = R.loadStatuses(state.value, list);
}

/** Replaces my member row for a channel (REST read/unread responses). */
export function setMember(m: Member) {
  const s = state.value;
  state.value = { ...s, members: { ...s.members, [m.channel_id]: { ...s.members[m.channel_id], ...m } } };
}

// ---------------------------------------------------------------- derived

export const currentTeam = computed(() => state.value.teams[currentTeamId.value]);
export const currentChannel = computed(() => state.value.channels[currentChannelId.value]);

/** Whether I muted a channel (Mattermost's mark_unread "mention"). */
export const isMuted = (m: Member | undefined) => (m?.notify_props as Record<string, unknown> | undefined)?.mark_unread === 'mention';

/**
 * A channel's unread state in the sidebar. Replies live in their threads (the Threads view counts
 * them), so with the member's root counters known only root posts make a channel unread and only
 * mentions in root posts badge it; a membership made up by the client (no root counters yet)
 * falls back to all posts. A muted channel is never "unread" (not bold, no team dot, not in the
 * title's count) but its mentions still count, as in Mattermost.
 */
export function unreadOf(ch: Channel, m: Member | undefined): { unread: boolean; mentions: number; muted: boolean } {
  if (!m) return { unread: false, mentions: 0, muted: false };
  const isDm = ch.type === 'D' || ch.type === 'G';
  const roots = m.msg_count_root !== undefined;
  const total = (roots ? ch.total_msg_count_root : ch.total_msg_count) ?? 0;
  const read = (roots ? m.msg_count_root : m.msg_count) ?? 0;
  const mentions = roots ? (m.mention_count_root ?? m.mention_count) : m.mention_count;
  const muted = isMuted(m);
  return { unread: !muted && total > read, mentions: isDm ? Math.max(mentions, total - read) : mentions, muted };
}

/**
 * Channels marked unread by hand, by id, with the read marker they were given: they stay unread
 * (no automatic "read" while open) until the user leaves them or presses Esc, as in Mattermost,
 * and the channel's "New messages" line moves to that marker.
 */
export const markedUnread = signal<Record<string, number>>({});

/** Total unread channels and mentions across everything held (document title, favicon). */
export const unreadTotals = computed(() => {
  const s = state.value;
  let channels = 0;
  let mentions = 0;
  for (const ch of Object.values(s.channels)) {
    if (ch.delete_at) continue;
    const u = unreadOf(ch, s.members[ch.id]);
    if (u.unread) channels++;
    mentions += u.mentions;
  }
  // Mentions in followed threads count too (a reply no longer badges its channel).
  for (const t of Object.values(s.userThreads)) if (s.channels[t.channel_id]) mentions += t.unread_mentions;
  return { channels, mentions };
});

export function displayName(u: User | undefined): string {
  if (!u) return 'Someone';
  const dn = (u.display_name as string) || [u.first_name, u.last_name].filter(Boolean).join(' ') || (u.nickname as string);
  return dn || u.username;
}

/** A DM's or group's title: the other people's names. */
export function channelTitle(ch: Channel | undefined, s: ClientState = state.value): string {
  if (!ch) return '';
  if (ch.type === 'D') {
    const other = ch.name.split('__').find((id) => id !== s.me) ?? s.me;
    const u = s.users[other];
    return u ? u.username : (ch.display_name as string) || 'Direct message';
  }
  if (ch.type === 'G') {
    const ids = s.channelMembers[ch.id];
    if (ids) return ids.filter((id) => id !== s.me).map((id) => s.users[id]?.username ?? '…').join(', ');
    // Before its members are loaded: the server's name lists everyone, you included.
    const mine = s.users[s.me]?.username;
    const others = String(ch.display_name || '')
      .split(',')
      .map((n) => n.trim())
      .filter((n) => n && n !== mine);
    return others.join(', ') || 'Group message';
  }
  return (ch.display_name as string) || ch.name;
}

export const dmPartner = (ch: Channel, s: ClientState = state.value) => (ch.type === 'D' ? (ch.name.split('__').find((id) => id !== s.me) ?? s.me) : undefined);

export function showToast(text: string, kind: 'error' | 'info' = 'error') {
  toast.value = { text, kind };
  setTimeout(() => {
    if (toast.value?.text === text) toast.value = null;
  }, 5000);
}
