/** REST loaders and user operations. Responses are merged into the state (see state.ts). */
import { loadCustomEmojiList } from './emoji/index.tsx';
import { batch, signal } from '@preact/signals';
import { loadSidebar as loadSidebarState, reduce, type SidebarCategories, type SidebarCategory } from '../../src/realtime/reducer.ts';
import type { Team as WireTeam, Channel as WireChannel, ChannelMember, Post as WirePost, Reaction, Status, TeamMember } from '../../src/contract/objects.ts';
import type { MyChannel, MyTeam, MyTeamChannels, ReadResult, Thread } from '../../src/contract/api.ts';
import type { ClientEvent } from '../../src/contract/events.ts';
import { navigate, route } from './router.ts';
import { statusesNewerThanEvents, statusTick } from './presence-watch.ts';
import { del, get, items, patch, post, put, qs, type Page } from './api.ts';
import {
  currentChannelId,
  currentTeamId,
  hasOlder,
  markedUnread,
  mergeChannels,
  mergeSidebar,
  mergePosts,
  mergeTeams,
  mergeUsers,
  pending,
  rightPanel,
  eventsDuring,
  setChannelMembers,
  setMember,
  setPinned,
  setStatuses,
  siteInfo,
  state,
  type Channel,
  type Member,
  type Post,
  type Team,
  type User,
} from './state.ts';

export const PAGE = 50;

/** A channel, with my membership when the reply carries one (`member`; lists also carry `unread`, derived, not kept). */
export function splitChannel(x: Channel | MyChannel): { channel: Channel; member?: Member } {
  if (!('member' in x)) return { channel: x };
  const { member, unread: _unread, ...channel } = x;
  return { channel, member };
}

export async function loadSiteInfo() {
  try {
    siteInfo.value = await get('/site/info');
  } catch {
    /* optional */
  }
}

export async function loadTeams(): Promise<Team[]> {
  const before = state.value;
  const teams = items(await get<Page<MyTeam>>('/teams'));
  mergeTeams(teams, { before });
  return Object.values(state.value.teams);
}

export async function loadChannels(teamId: string) {
  // What changes while the list is on its way (reads, events) must survive its older answer.
  const before = state.value;
  const list = items(await get<MyTeamChannels>(`/teams/${teamId}/channels`)).map(splitChannel);
  const inTeam = list.filter((x) => x.channel.team_id === teamId);
  const direct = list.filter((x) => !x.channel.team_id);
  batch(() => {
    mergeChannels(inTeam, { team: teamId, before });
    if (direct.length) mergeChannels(direct, { before });
  });
  const partners = Object.values(state.value.channels).flatMap((c) => (c.type === 'D' ? c.name.split('__') : []));
  void loadStatuses(partners);
  await loadSidebar(teamId).catch(() => {});
  await loadMissingUsers(partners);
}

/** Presence of the given users (the dots next to DMs and members). */
export async function loadStatuses(ids: string[]) {
  const want = [...new Set(ids)].filter(Boolean);
  if (!want.length) return;
  const asked = statusTick();
  try {
    setStatuses(statusesNewerThanEvents(asked, items(await post<Page<Status>>('/users/status/ids', { ids: want }))));
  } catch {
    /* presence is optional */
  }
}

export async function loadMissingUsers(ids: string[]) {
  const s = state.value;
  const need = [...new Set(ids)].filter((id) => id && !s.users[id]);
  if (!need.length) return;
  try {
    const users = items(await post<Page<User>>('/users/ids', { ids: need }));
    // A user held since the request left (a user_updated event, another answer) is as new.
    const held = state.value.users;
    mergeUsers(users.filter((u) => !held[u.id]));
  } catch {
    /* shown as "Someone" until the next load */
  }
}

function usersOfPosts(posts: Post[]) {
  return loadMissingUsers(posts.map((p) => p.user_id));
}

/** Loads the newest page of a channel (replacing what is held) or the page before `before`. */
export async function loadPosts(channelId: string, before?: string) {
  // What changes while this request is in flight (posts arriving over the socket or sent from
  // here, edits, deletions, reactions) must survive its older answer: see mergePosts.
  const atFetch = state.value;
  const r = await get<Page<Post>>(`/channels/${channelId}/posts${qs({ before, limit: PAGE })}`);
  const list = items(r);
  await usersOfPosts(list);
  const more = r && !Array.isArray(r) && 'next_cursor' in r ? r.next_cursor != null : list.length >= PAGE;
  batch(() => {
    mergePosts(channelId, list, { reset: !before, before: atFetch, complete: !more });
    hasOlder.value = { ...hasOlder.value, [channelId]: more };
  });
}

export async function loadPost(id: string): Promise<Post | undefined> {
  // An edit, reaction or deletion heard meanwhile wins over the answer (see mergePosts).
  const atFetch = state.value;
  const p = await get<Post>(`/posts/${id}`);
  await usersOfPosts([p]);
  mergePosts(p.channel_id, [p], { holdOnly: true, before: atFetch });
  return p;
}

export async function loadThread(rootId: string) {
  const atFetch = state.value;
  const r = await get<Thread>(`/posts/${rootId}/thread`);
  const list = [r.root, ...r.items];
  await usersOfPosts(list);
  const root = list.find((p) => p.id === rootId);
  if (!root) return;
  mergePosts(root.channel_id, list, { thread: rootId, reset: true, before: atFetch });
  // The root and its replies are read separately: a reply created in between is in the list but
  // not in the root's count, and its `posted` event is then skipped as already held.
  const s = state.value;
  const held = s.threads[rootId]?.length ?? 0;
  const rootHeld = s.posts[rootId];
  if (rootHeld && (rootHeld.reply_count ?? 0) < held) state.value = { ...s, posts: { ...s.posts, [rootId]: { ...rootHeld, reply_count: held } } };
}

export async function loadPinned(channelId: string) {
  // Pins, unpins, edits and deletions heard while the answer is on its way go over it (setPinned).
  const before = state.value;
  const pins = (ev: ClientEvent) => (ev.event === 'post_pinned' || ev.event === 'post_unpinned' || ev.event === 'post_edited' || ev.event === 'post_deleted') && ev.data.post.channel_id === channelId;
  const { answer: list, events } = await eventsDuring(pins, async () => {
    const list = items(await get<Page<WirePost>>(`/channels/${channelId}/pinned`));
    await usersOfPosts(list);
    return list;
  });
  if (!state.value.channels[channelId]) return; // left meanwhile
  setPinned(channelId, list, { before, events });
}

export async function loadChannelMembers(channelId: string) {
  const before = state.value.channelMembers[channelId];
  const joins = (ev: ClientEvent) => (ev.event === 'user_added' || ev.event === 'user_removed') && ev.data.channel_id === channelId && ev.data.user_id !== state.value.me;
  const { answer: list, events } = await eventsDuring(joins, () => get<Page<ChannelMember>>(`/channels/${channelId}/members${qs({ limit: 200 })}`).then(items));
  if (!state.value.channels[channelId]) return; // left meanwhile
  let ids = list.map((m) => m.user_id);
  // Members added or removed here while the answer was on its way (this page's add or remove kept
  // the loaded list current) stay so; so do those heard over the socket (events, below).
  const now = state.value.channelMembers[channelId];
  if (before && now && now !== before) {
    const gone = before.filter((id) => !now.includes(id));
    ids = [...ids.filter((id) => !gone.includes(id)), ...now.filter((id) => !before.includes(id) && !ids.includes(id))];
  }
  setChannelMembers(channelId, ids, events);
  ids = state.value.channelMembers[channelId] ?? ids;
  await loadMissingUsers(ids);
  await loadStatuses(ids);
}

/**
 * Marks a channel read. A channel marked unread by hand stays unread while it is open and when
 * it is left (the next visit reads it); `force` (Esc) reads it anyway.
 */
export async function markRead(channelId: string, force = false) {
  if (markedUnread.value[channelId] !== undefined) {
    if (!force && channelId === currentChannelId.value) return;
    const { [channelId]: _, ...rest } = markedUnread.value;
    markedUnread.value = rest;
    if (!force) return;
  }
  const s = state.value;
  const m = s.members[channelId];
  const ch = s.channels[channelId];
  if (!m || !ch) return;
  try {
    const r = await post<ReadResult>(`/channels/${channelId}/read`);
    setMember(r.member);
  } catch {
    /* retried on the next view */
  }
}

// ---------------------------------------------------------------- writes

export function newClientMsgId() {
  const b = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

/** Optimistic send: the pending copy shows at once; the real post replaces it (REST or event). */
export async function sendPost(channelId: string, message: string, rootId = '', clientMsgId = newClientMsgId(), fileIds?: string[]) {
  pending.value = { ...pending.value, [clientMsgId]: { client_msg_id: clientMsgId, channel_id: channelId, root_id: rootId, message, create_at: Date.now() } };
  try {
    const p = await post<WirePost>(`/channels/${channelId}/posts`, { message, root_id: rootId || undefined, client_msg_id: clientMsgId, file_ids: fileIds?.length ? fileIds : undefined });
    batch(() => {
      // Whichever comes first, this reply or the socket's `posted`, goes through the reducer; it
      // ignores the second copy. (Counters, read state, thread and reply count stay consistent.)
      state.value = reduce.posted(state.value, { post: p });
      const { [clientMsgId]: _, ...rest } = pending.value;
      pending.value = rest;
    });
  } catch (e) {
    const cur = pending.value[clientMsgId];
    if (cur) pending.value = { ...pending.value, [clientMsgId]: { ...cur, failed: (e as Error).message || 'Failed to send' } };
  }
}

export function retryPending(clientMsgId: string) {
  const p = pending.value[clientMsgId];
  if (p) void sendPost(p.channel_id, p.message, p.root_id, clientMsgId);
}
export function discardPending(clientMsgId: string) {
  const { [clientMsgId]: _, ...rest } = pending.value;
  pending.value = rest;
}

// What a REST reply tells us is applied exactly as the matching socket event would be, by that
// event's reducer handler (the event itself may arrive before or after: the handlers are idempotent).

export async function editPost(id: string, message: string) {
  const post = await patch<WirePost>(`/posts/${id}`, { message });
  state.value = reduce.post_edited(state.value, { post });
}

export async function deletePost(id: string) {
  await del(`/posts/${id}`);
  const s = state.value;
  const p = s.posts[id];
  if (!p) return;
  state.value = reduce.post_deleted(state.value, { post: p });
  if (rightPanel.value?.kind === 'thread' && rightPanel.value.postId === id) rightPanel.value = null;
}

export async function toggleReaction(postId: string, emoji: string) {
  const s = state.value;
  const mine = (s.reactions[postId] ?? []).some((r) => r.user_id === s.me && r.emoji_name === emoji);
  if (mine) {
    await del(`/posts/${postId}/reactions/${encodeURIComponent(emoji)}`);
    state.value = reduce.reaction_removed(state.value, { reaction: { post_id: postId, user_id: s.me, emoji_name: emoji } });
  } else {
    const reaction = await post<Reaction>(`/posts/${postId}/reactions`, { emoji_name: emoji });
    state.value = reduce.reaction_added(state.value, { reaction });
  }
}

export async function setPin(postId: string, pin: boolean) {
  const p = pin ? await post<WirePost>(`/posts/${postId}/pin`) : await del<WirePost>(`/posts/${postId}/pin`);
  state.value = reduce[pin ? 'post_pinned' : 'post_unpinned'](state.value, { post: p });
}

export async function createChannel(teamId: string, input: { name: string; display_name: string; type: 'public' | 'private'; purpose?: string }) {
  const x = splitChannel(await post<WireChannel>('/channels', { team_id: teamId, ...input }));
  // The creator is a member with nothing unread.
  if (!x.member) x.member = { channel_id: x.channel.id, user_id: state.value.me, last_viewed_at: Date.now(), msg_count: x.channel.total_msg_count ?? 0, mention_count: 0 };
  mergeChannels([x]);
  return x.channel;
}

export async function joinChannel(id: string) {
  // The reply is my new membership; the channel itself comes from GET.
  const member = await post<ChannelMember>(`/channels/${id}/join`);
  const ch = splitChannel(await get<WireChannel>(`/channels/${id}`));
  ch.member = member;
  mergeChannels([ch]);
  return ch.channel;
}

export async function leaveChannel(id: string) {
  await post(`/channels/${id}/leave`);
  state.value = reduce.user_removed(state.value, { channel_id: id, user_id: state.value.me });
}

export async function openDirect(userIds: string[]): Promise<Channel> {
  const r = userIds.length === 1 ? await post<WireChannel>('/channels/direct', { user_id: userIds[0] }) : await post<WireChannel>('/channels/group', { user_ids: userIds });
  const x = splitChannel(r);
  if (!x.member) x.member = { channel_id: x.channel.id, user_id: state.value.me, last_viewed_at: Date.now(), msg_count: x.channel.total_msg_count ?? 0, mention_count: 0 };
  mergeChannels([x]);
  return x.channel;
}

export async function createTeam(name: string, display_name: string, type: 'O' | 'I' = 'I') {
  const t = await post<MyTeam>('/teams', { name, display_name, type });
  mergeTeams([t]);
  return t;
}

export async function joinTeam(teamId: string, inviteId?: string) {
  // The reply is my membership; the team itself comes from GET.
  const member = await post<TeamMember>(`/teams/${teamId}/join`, inviteId ? { invite_id: inviteId } : {});
  const team: Team = { ...(await get<WireTeam>(`/teams/${teamId}`)), member };
  mergeTeams([team]);
  return team;
}

/** Accepts an emailed invitation (its token) while signed in: I join its team. */
export async function acceptInvite(token: string): Promise<Team> {
  const r = await post<{ team: WireTeam; member: TeamMember }>('/teams/invites/accept', { token });
  const team: Team = { ...r.team, member: r.member };
  mergeTeams([team]);
  return team;
}

/** Invites people to a team by email; one result per address (sent, already a member, or why not). */
export async function inviteByEmail(teamId: string, emails: string[]) {
  const r = await post<{ items: InviteResult[] }>(`/teams/${teamId}/invites?graceful=true`, { emails });
  return r.items;
}
export type InviteResult = { email: string; status: 'sent' | 'already_member' } | { email: string; error: { code: string; message: string } };

/** A new invite link for a team (the old one stops working). Team admins and system admins. */
export async function regenerateInviteId(teamId: string): Promise<Team> {
  const t = await post<WireTeam>(`/teams/${teamId}/regenerate_invite_id`);
  const team: Team = { ...state.value.teams[teamId], ...t };
  mergeTeams([team]);
  return team;
}

export async function leaveTeam(teamId: string) {
  await post(`/teams/${teamId}/leave`);
  const me = state.value.me;
  state.value = reduce.leave_team(state.value, { team_id: teamId, user_id: me, remover_id: me });
}

// ---------------------------------------------------------------- sidebar categories

/** My sidebar of a team (favorites, channels, direct messages, my own categories). */
export async function loadSidebar(teamId: string) {
  const before = state.value.sidebars[teamId];
  const sb = await get<SidebarCategories>(`/teams/${teamId}/categories`);
  // A category moved, renamed or (un)favorited while the answer was on its way keeps that change.
  state.value = loadSidebarState(state.value, teamId, mergeSidebar(before, state.value.sidebars[teamId], sb));
}

/** Applies a changed category at once (its event follows over the socket and changes nothing more). */
function categoryChanged(teamId: string, c: SidebarCategory) {
  state.value = reduce.sidebar_category_updated(state.value, { team_id: teamId, categories: [c] });
}

const categoryOf = (teamId: string, pick: (c: SidebarCategory) => boolean) => state.value.sidebars[teamId]?.categories.find(pick);

/** Puts a channel at the end of a category (taking it out of the one it was in). */
export async function moveToCategory(teamId: string, channelId: string, categoryId: string) {
  const c = categoryOf(teamId, (x) => x.id === categoryId);
  if (!c) return;
  categoryChanged(teamId, await patch<SidebarCategory>(`/teams/${teamId}/categories/${categoryId}`, { channel_ids: [...c.channel_ids.filter((id) => id !== channelId), channelId] }));
}

export async function setFavorite(teamId: string, channelId: string, favorite: boolean) {
  const fav = categoryOf(teamId, (x) => x.type === 'favorites');
  if (!fav) return;
  if (favorite) return moveToCategory(teamId, channelId, fav.id);
  // Out of Favorites: the server sends it back to Channels or Direct Messages.
  await patch(`/teams/${teamId}/categories/${fav.id}`, { channel_ids: fav.channel_ids.filter((id) => id !== channelId) });
  await loadSidebar(teamId);
}

export async function createCategory(teamId: string, displayName: string, channelIds: string[] = []) {
  await post<SidebarCategory>(`/teams/${teamId}/categories`, { display_name: displayName, channel_ids: channelIds });
  await loadSidebar(teamId);
}

export async function updateCategory(teamId: string, categoryId: string, change: Partial<Pick<SidebarCategory, 'display_name' | 'collapsed' | 'muted' | 'sorting'>>) {
  categoryChanged(teamId, await patch<SidebarCategory>(`/teams/${teamId}/categories/${categoryId}`, change));
}

export async function deleteCategory(teamId: string, categoryId: string) {
  await del(`/teams/${teamId}/categories/${categoryId}`);
  await loadSidebar(teamId);
}

/** Moves a category one place up (-1) or down (+1). */
export async function moveCategory(teamId: string, categoryId: string, by: -1 | 1) {
  const order = [...(state.value.sidebars[teamId]?.order ?? [])];
  const i = order.indexOf(categoryId);
  const j = i + by;
  if (i < 0 || j < 0 || j >= order.length) return;
  [order[i], order[j]] = [order[j], order[i]];
  const r = await put<{ order: string[] }>(`/teams/${teamId}/categories/order`, { order });
  state.value = reduce.sidebar_category_order_updated(state.value, { team_id: teamId, order: r.order });
}

/** Everything the screen shows, again (after a fresh hello or a long sleep). */
export async function refetchAll() {
  void loadCustomEmojiList().catch(() => {});
  const teams = await loadTeams();
  const r = route.value;
  const wanted = 'team' in r ? teams.find((t) => t.name === r.team) : undefined;
  const teamId = currentTeamId.value && teams.some((t) => t.id === currentTeamId.value) ? currentTeamId.value : (wanted ?? teams[0])?.id;
  if (teamId) {
    await loadChannels(teamId);
    // The workspace loads channels when the team changes; this one is loaded already.
    if (!currentTeamId.value) currentTeamId.value = teamId;
  }
  // The other teams' channels too (in the background): their events then keep the team bar's
  // unread dots current through the reducer.
  void Promise.all(teams.filter((t) => t.id !== teamId).map((t) => loadChannels(t.id).catch(() => {})));
  const chId = currentChannelId.value;
  if (chId && state.value.channels[chId]) await loadPosts(chId);
  const panel = rightPanel.value;
  if (panel?.kind === 'thread') await loadThread(panel.postId).catch(() => (rightPanel.value = null));
  if (panel?.kind === 'pinned' && chId) await loadPinned(chId).catch(() => {});
  if (panel?.kind === 'members' && chId) await loadChannelMembers(chId).catch(() => {});
}

let refreshTimer: ReturnType<typeof setTimeout> | undefined;
/**
 * Some events name a channel or team the state does not hold yet (a DM someone else opened,
 * being added to a channel): the reducer leaves those alone, so fetch the lists again, once.
 */
export function refreshChannelsSoon() {
  clearTimeout(refreshTimer);
  refreshTimer = setTimeout(() => {
    void (async () => {
      await loadTeams();
      if (currentTeamId.value) await loadChannels(currentTeamId.value);
    })().catch(() => {});
  }, 150);
}

// ------------------------------------------------------------ slash commands

export interface CommandSuggestion {
  trigger: string;
  hint: string;
  description: string;
  custom: boolean;
}

/** The commands a team offers (built-ins and its own), loaded once per team for autocomplete. */
export const teamCommands = signal<Record<string, CommandSuggestion[] | undefined>>({});
const loadingCommands = new Set<string>();
export function loadCommands(teamId: string) {
  if (!teamId || teamCommands.value[teamId] || loadingCommands.has(teamId)) return;
  loadingCommands.add(teamId);
  get<Page<CommandSuggestion>>(`/commands/autocomplete${qs({ team_id: teamId })}`)
    .then((p) => (teamCommands.value = { ...teamCommands.value, [teamId]: p.items }))
    .catch(() => {})
    .finally(() => loadingCommands.delete(teamId));
}

export interface CommandResponse {
  response_type: string;
  text: string;
  goto_location: string;
}

/**
 * Runs `/command args` in a channel. Private answers arrive over the socket as an
 * ephemeral_message (shown only here); a place to go is opened (in the app when it is a path).
 */
export async function runCommand(channelId: string, command: string, rootId = '', teamId = ''): Promise<CommandResponse> {
  const res = await post<CommandResponse>('/commands/execute', { command, channel_id: channelId, root_id: rootId || undefined, team_id: teamId || undefined });
  const to = res.goto_location;
  if (to && to.startsWith('/') && !to.startsWith('//')) navigate(to);
  else if (to && /^https?:\/\//i.test(to)) window.open(to, '_blank', 'noopener');
  return res;
}
