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
export const currentChannelId = signal('');

export type Panel = { kind: 'thread'; postId: string } | { kind: 'search'; q: string } | { kind: 'pinned' } | { kind: 'members' } | null;
export const rightPanel = signal<Panel>(null);

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

/** Applies one socket event through the shared reducer. */
export function dispatch(ev: ClientEvent) {
  state.value = applyEvent(state.value, ev);
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

export function mergeTeams(teams: Team[], replace = false) {
  const s = state.value;
  state.value = R.loadTeams(s, replace ? teams : [...Object.values(s.teams).filter((t) => !teams.some((x) => x.id === t.id)), ...teams]);
}

/** Channels with my membership; `replaceTeam` drops held channels of that team not in the list. */
export function mergeChannels(list: { channel: Channel; member?: Member }[], replaceTeam?: string) {
  let s = state.value;
  if (replaceTeam !== undefined) {
    const keep = new Set(list.map((x) => x.channel.id));
    const channels = { ...s.channels };
    for (const ch of Object.values(s.channels)) if (ch.team_id === replaceTeam && !keep.has(ch.id)) delete channels[ch.id];
    s = { ...s, channels };
  }
  state.value = R.loadMyChannels(
    s,
    list.map(({ channel, member }) => ({ ...s.channels[channel.id], ...channel, ...(member ? { member: { ...s.members[channel.id], ...member } } : {}) })),
  );
}

/**
 * Posts of one channel from a page (`reset`: the newest page, replacing the loaded list), or a
 * thread's replies (`thread`). Pages are merged with what is held: the loaded list is the union.
 */
/**
 * Puts fetched posts into the state. `reset` replaces the channel's loaded list, except posts
 * that arrived live while the fetch was in flight: pass the ids held when it started as
 * `heldAtFetch`, and any other held post (a `posted` event applied meanwhile, possibly newer than
 * the server's snapshot) is kept rather than silently dropped.
 */
export function mergePosts(channelId: string, list: Post[], opts: { reset?: boolean; thread?: string; holdOnly?: boolean; heldAtFetch?: Set<string> } = {}) {
  let s = state.value;
  const gone = list.filter((p) => p.delete_at).map((p) => p.id);
  if (gone.length) {
    const posts = { ...s.posts };
    for (const id of gone) delete posts[id];
    s = { ...s, posts };
  }
  if (opts.thread) {
    const held = opts.reset ? [] : (s.threads[opts.thread] ?? []).map((id) => s.posts[id]!).filter(Boolean);
    state.value = R.loadThread(s, opts.thread, [...held, ...list.filter((p) => p.id === opts.thread || p.root_id === opts.thread)]);
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
  const fetched = new Set(list.map((p) => p.id));
  const keep = opts.reset
    ? (loaded ?? []).filter((id) => opts.heldAtFetch && !opts.heldAtFetch.has(id) && !fetched.has(id))
    : (loaded ?? []);
  const held = keep.map((id) => s.posts[id]!).filter(Boolean);
  state.value = R.loadChannelPosts(s, channelId, [...held, ...list.filter((p) => p.channel_id === channelId)]);
}

export function setPinned(channelId: string, list: Post[]) {
  state.value = R.loadPinned(state.value, channelId, list);
}

export function setChannelMembers(channelId: string, userIds: string[]) {
  const s = state.value;
  state.value = { ...s, channelMembers: { ...s.channelMembers, [channelId]: userIds } };
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

export function unreadOf(ch: Channel, m: Member | undefined): { unread: boolean; mentions: number } {
  if (!m) return { unread: false, mentions: 0 };
  const isDm = ch.type === 'D' || ch.type === 'G';
  const total = ch.total_msg_count ?? 0;
  return { unread: total > (m.msg_count ?? 0), mentions: isDm ? Math.max(m.mention_count, total - (m.msg_count ?? 0)) : m.mention_count };
}

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
    return (ch.display_name as string) || 'Group message';
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
