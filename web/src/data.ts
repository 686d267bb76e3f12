/** REST loaders and user operations. Responses are merged into the state (see state.ts). */
import { batch } from '@preact/signals';
import { reduce } from '../../src/realtime/reducer.ts';
import type { Team as WireTeam, Channel as WireChannel, ChannelMember, Post as WirePost, Reaction, Status, TeamMember } from '../../src/contract/objects.ts';
import type { MyChannel, MyTeam, MyTeamChannels, ReadResult, Thread } from '../../src/contract/api.ts';
import { route } from './router.ts';
import { del, get, items, patch, post, qs, type Page } from './api.ts';
import {
  currentChannelId,
  currentTeamId,
  hasOlder,
  mergeChannels,
  mergePosts,
  mergeTeams,
  mergeUsers,
  pending,
  rightPanel,
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
  const teams = items(await get<Page<MyTeam>>('/teams'));
  mergeTeams(teams, true);
  return teams;
}

export async function loadChannels(teamId: string) {
  const list = items(await get<MyTeamChannels>(`/teams/${teamId}/channels`)).map(splitChannel);
  const inTeam = list.filter((x) => x.channel.team_id === teamId);
  const direct = list.filter((x) => !x.channel.team_id);
  batch(() => {
    mergeChannels(inTeam, teamId);
    if (direct.length) mergeChannels(direct);
  });
  const partners = Object.values(state.value.channels).flatMap((c) => (c.type === 'D' ? c.name.split('__') : []));
  void loadStatuses(partners);
  await loadMissingUsers(partners);
}

/** Presence of the given users (the dots next to DMs and members). */
export async function loadStatuses(ids: string[]) {
  const want = [...new Set(ids)].filter(Boolean);
  if (!want.length) return;
  try {
    setStatuses(items(await post<Page<Status>>('/users/status/ids', { ids: want })));
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
    mergeUsers(users);
  } catch {
    /* shown as "Someone" until the next load */
  }
}

function usersOfPosts(posts: Post[]) {
  return loadMissingUsers(posts.map((p) => p.user_id));
}

/** Loads the newest page of a channel (replacing what is held) or the page before `before`. */
export async function loadPosts(channelId: string, before?: string) {
  // Posts that arrive over the socket while this request is in flight must survive the reset.
  const heldAtFetch = new Set(state.value.postsInChannel[channelId] ?? []);
  const r = await get<Page<Post>>(`/channels/${channelId}/posts${qs({ before, limit: PAGE })}`);
  const list = items(r);
  await usersOfPosts(list);
  const more = r && !Array.isArray(r) && 'next_cursor' in r ? r.next_cursor != null : list.length >= PAGE;
  batch(() => {
    mergePosts(channelId, list, { reset: !before, heldAtFetch });
    hasOlder.value = { ...hasOlder.value, [channelId]: more };
  });
}

export async function loadPost(id: string): Promise<Post | undefined> {
  const p = await get<Post>(`/posts/${id}`);
  await usersOfPosts([p]);
  mergePosts(p.channel_id, [p], { holdOnly: true });
  return p;
}

export async function loadThread(rootId: string) {
  const r = await get<Thread>(`/posts/${rootId}/thread`);
  const list = [r.root, ...r.items];
  await usersOfPosts(list);
  const root = list.find((p) => p.id === rootId);
  if (!root) return;
  mergePosts(root.channel_id, list, { thread: rootId, reset: true });
  // The root and its replies are read separately: a reply created in between is in the list but
  // not in the root's count, and its `posted` event is then skipped as already held.
  const s = state.value;
  const held = s.threads[rootId]?.length ?? 0;
  const rootHeld = s.posts[rootId];
  if (rootHeld && (rootHeld.reply_count ?? 0) < held) state.value = { ...s, posts: { ...s.posts, [rootId]: { ...rootHeld, reply_count: held } } };
}

export async function loadPinned(channelId: string) {
  const list = items(await get<Page<WirePost>>(`/channels/${channelId}/pinned`));
  await usersOfPosts(list);
  setPinned(channelId, list);
}

export async function loadChannelMembers(channelId: string) {
  const list = items(await get<Page<ChannelMember>>(`/channels/${channelId}/members${qs({ limit: 200 })}`));
  const ids = list.map((m) => m.user_id);
  setChannelMembers(channelId, ids);
  await loadMissingUsers(ids);
  await loadStatuses(ids);
}

export async function markRead(channelId: string) {
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

export async function createTeam(name: string, display_name: string) {
  const t = await post<MyTeam>('/teams', { name, display_name });
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

/** Everything the screen shows, again (after a fresh hello or a long sleep). */
export async function refetchAll() {
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
