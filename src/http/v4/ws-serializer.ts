import type { AppEvent, Broadcast, EventMap, EventName } from '../../contract/events.ts';
import type { Post, Preference } from '../../contract/objects.ts';
import { HeadPrepared, type HelloInfo, type Serializer } from '../../realtime/serializer.ts';
import {
  presentMmChannel,
  presentMmPost,
  presentMmPreference,
  presentMmReaction,
  presentMmTeam,
  presentMmUser,
} from './presenters.ts';
import { versionId } from './respond.ts';

/**
 * `/api/v4/websocket` frames: Mattermost's envelope
 * `{"event","data","broadcast":{omit_users,user_id,channel_id,team_id,…},"seq"}` over the same
 * hub, recipients and replay rings as the native socket. Only the encoding differs:
 * - `post`, `reaction`, `channel`, `team`, `preferences` and `mentions` are JSON *strings*
 *   inside `data`, as the Mattermost apps parse them;
 * - every event takes a seq, typing included: the Mattermost client closes the socket (4001) on
 *   any frame whose seq is not the next one, so an unsequenced frame would look like a gap.
 */

type Data = Record<string, unknown>;
/** A Mattermost event name and data; null when Mattermost has no such event. */
type Translated = { event: string; data: Data } | null;
/** One translation per native event: a name missing here is a compile error. */
export type MmTranslations = { [K in EventName]: (d: EventMap[K], ev: AppEvent<K>) => Translated };

const s = (v: unknown) => JSON.stringify(v);

/** Native post (presentPost) → Mattermost post, with its files and reactions as metadata. */
const mmPost = (p: Post) => presentMmPost(p, { files: p.metadata.files, reactions: p.metadata.reactions });
// Mattermost has no pin events: a pin is an edit of is_pinned.
const postEdited = (d: { post: Post }): Translated => ({ event: 'post_edited', data: { post: s(mmPost(d.post)) } });
const reaction = (name: 'reaction_added' | 'reaction_removed') => (d: EventMap[typeof name]): Translated => ({
  event: name,
  data: { reaction: s(presentMmReaction({ channel_id: d.channel_id, ...d.reaction })) },
});
const preferences = (name: 'preferences_changed' | 'preferences_deleted') => (d: { preferences: Preference[] }): Translated => ({
  event: name,
  data: { preferences: s(d.preferences.map(presentMmPreference)) },
});

export const mmTranslations = {
  posted(d) {
    const data: Data = {
      channel_display_name: d.channel_display_name,
      channel_name: d.channel_name,
      channel_type: d.channel_type,
      post: s(mmPost(d.post)),
      sender_name: d.sender_name,
      set_online: true,
      team_id: d.team_id,
    };
    if (d.mentions.length) data.mentions = s(d.mentions);
    return { event: 'posted', data };
  },
  post_edited: postEdited,
  post_pinned: postEdited,
  post_unpinned: postEdited,
  // Mattermost's delete_by names an admin who deleted someone else's post; RustChat sends ''.
  post_deleted: (d) => ({ event: 'post_deleted', data: { post: s(mmPost(d.post)), delete_by: '' } }),
  reaction_added: reaction('reaction_added'),
  reaction_removed: reaction('reaction_removed'),
  typing: (d) => ({ event: 'typing', data: { parent_id: d.root_id, user_id: d.user_id } }),
  status_change: (d) => ({ event: 'status_change', data: { status: d.status, user_id: d.user_id } }),
  channel_created(d, ev) {
    const ch = d.channel;
    if (ch.type === 'D') {
      // DM names are the two ids joined by '__'; the teammate is the one that is not the creator.
      const ids = ch.name.split('__');
      const creator = ch.creator_id;
      const teammate = ids.find((x) => x !== creator) ?? creator;
      return { event: 'direct_added', data: { creator_id: creator, teammate_id: teammate, channel_id: ch.id } };
    }
    if (ch.type === 'G') return { event: 'group_added', data: { teammate_ids: s(ev.broadcast.user_ids), channel_id: ch.id } };
    return { event: 'channel_created', data: { channel_id: ch.id, team_id: d.team_id } };
  },
  channel_updated: (d) => ({ event: 'channel_updated', data: { channel: s(presentMmChannel(d.channel)) } }),
  channel_deleted: (d) => ({ event: 'channel_deleted', data: { channel_id: d.channel_id, delete_at: d.channel.delete_at, team_id: d.team_id } }),
  channel_restored: (d) => ({ event: 'channel_restored', data: { channel_id: d.channel_id, team_id: d.team_id } }),
  user_added: (d) => ({ event: 'user_added', data: { team_id: d.team_id, user_id: d.user_id } }),
  user_removed: (d) => ({ event: 'user_removed', data: { channel_id: d.channel_id, remover_id: d.remover_id, user_id: d.user_id } }),
  added_to_team: (d) => ({ event: 'added_to_team', data: { team_id: d.team_id, user_id: d.user_id } }),
  leave_team: (d) => ({ event: 'leave_team', data: { team_id: d.team_id, user_id: d.user_id } }),
  team_updated: (d) => ({ event: 'update_team', data: { team: s(presentMmTeam(d.team)) } }),
  team_deleted: (d) => ({ event: 'delete_team', data: { team: s(presentMmTeam(d.team)) } }),
  user_updated: (d) => ({ event: 'user_updated', data: { user: presentMmUser(d.user) } }),
  channel_viewed: (d) => ({ event: 'multiple_channels_viewed', data: { channel_times: { [d.channel_id]: d.last_viewed_at } } }),
  // Mattermost derives unread counts from posted / channel viewed; nothing to send.
  unread_updated: () => null,
  preferences_changed: preferences('preferences_changed'),
  preferences_deleted: preferences('preferences_deleted'),
} satisfies MmTranslations;

/** Native event → Mattermost event name and data; null when Mattermost has no such event. */
export function translateEvent<K extends EventName>(ev: AppEvent<K>): Translated {
  const table: MmTranslations = mmTranslations;
  return table[ev.event](ev.data, ev);
}

/** Mattermost's broadcast block: who the event was for, as context (routing is ours). */
export function mmBroadcast(b: Broadcast) {
  const omit: Record<string, boolean> | null = b.omit_user_id ? { [b.omit_user_id]: true } : null;
  return {
    omit_users: omit,
    user_id: b.user_ids.length === 1 && !b.channel_id && !b.team_id ? b.user_ids[0] : '',
    channel_id: b.channel_id ?? '',
    team_id: b.team_id ?? '',
    connection_id: '',
    omit_connection_id: '',
  };
}

export const mmSerializer: Serializer = {
  name: 'mm',
  sequenceEphemeral: true,
  prepare(ev, now) {
    const t = translateEvent(ev);
    if (!t) return null;
    return new HeadPrepared(`{"event":${s(t.event)},"data":${s(t.data)},"broadcast":${s(mmBroadcast(ev.broadcast))}`, now, !!ev.ephemeral);
  },
  hello(info: HelloInfo) {
    return s({
      event: 'hello',
      // The apps take the server version from here too and gate features on it: the
      // Mattermost-compatible version id, not RustChat's own version.
      data: { connection_id: info.connection_id, server_version: versionId(), server_hostname: '' },
      broadcast: { omit_users: null, user_id: info.user_id, channel_id: '', team_id: '', connection_id: '', omit_connection_id: '' },
      seq: 0,
    });
  },
  reply(seqReply, ok, body, error) {
    const msg: Data = { status: ok ? 'OK' : 'FAIL', seq_reply: seqReply };
    if (body) msg.data = body;
    if (error) msg.error = { id: `api.web_socket_router.${error.code}.app_error`, message: error.message, detailed_error: '', request_id: '', status_code: 400 };
    return s(msg);
  },
};
