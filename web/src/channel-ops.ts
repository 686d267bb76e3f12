/**
 * Channel management from the browser: rename, header and purpose, privacy, archive and restore,
 * adding and removing members. The server decides who may (docs/api/channels.md "Who may do
 * what"); `canModerate` only hides what would be refused. Each reply is applied with the
 * reducer handler of the event the server sends for it, so reply and event converge.
 */
import { reduce } from '../../src/realtime/reducer.ts';
import type { Channel as WireChannel, ChannelMember } from '../../src/contract/objects.ts';
import { del, patch, post, put } from './api.ts';
import { state, type Channel } from './state.ts';

/** Whether I may archive, convert and remove others here: channel admin, team admin or system admin. */
export function canModerate(ch: Channel): boolean {
  const s = state.value;
  if (String(s.users[s.me]?.roles ?? '').includes('system_admin')) return true;
  if (s.members[ch.id]?.role === 'channel_admin') return true;
  return s.teams[ch.team_id]?.member?.role === 'team_admin';
}

export async function patchChannel(id: string, body: { name?: string; display_name?: string; header?: string; purpose?: string }) {
  const channel = await patch<WireChannel>(`/channels/${id}`, body);
  state.value = reduce.channel_updated(state.value, { channel });
  return channel;
}

export async function setPrivacy(id: string, type: 'public' | 'private') {
  const channel = await put<WireChannel>(`/channels/${id}/privacy`, { type });
  state.value = reduce.channel_updated(state.value, { channel });
  return channel;
}

export async function setArchived(id: string, archived: boolean) {
  const channel = archived ? await del<WireChannel>(`/channels/${id}`) : await post<WireChannel>(`/channels/${id}/restore`);
  const data = { channel_id: id, team_id: channel.team_id, delete_at: channel.delete_at, channel };
  state.value = archived ? reduce.channel_deleted(state.value, data) : reduce.channel_restored(state.value, data);
  return channel;
}

export async function addMember(id: string, userId: string) {
  const member = await post<ChannelMember>(`/channels/${id}/members`, { user_id: userId });
  const channel = state.value.channels[id];
  if (channel) state.value = reduce.user_added(state.value, { channel_id: id, user_id: userId, member, channel });
  return member;
}

export async function removeMember(id: string, userId: string) {
  await del(`/channels/${id}/members/${userId}`);
  state.value = reduce.user_removed(state.value, { channel_id: id, user_id: userId });
}
