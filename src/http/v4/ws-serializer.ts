import type { AppEvent, Broadcast, EventMap, EventName } from '../../contract/events.ts';
import type { Post, Preference } from '../../contract/objects.ts';
import type { HelloInfo, Prepared, Serializer } from '../../realtime/serializer.ts';
import { SharedFrame } from '../../realtime/frame.ts';
import {
  presentMmChannel,
  presentMmChannelMember,
  presentMmEmoji,
  presentMmPost,
  presentMmPreference,
  presentMmReaction,
  presentMmTeam,
  presentMmThread,
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

// Mattermost has no pin events: a pin is an edit of is_pinned.
const postEdited = (d: { post: Post }): Translated => ({ event: 'post_edited', data: { post: s(presentMmPost(d.post)) } });
const reaction = (name: 'reaction_added' | 'reaction_removed') => (d: EventMap[typeof name]): Translated => ({
  event: name,
  data: { reaction: s(presentMmReaction(d.reaction, d.channel_id)) },
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
      post: s(presentMmPost(d.post)),
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
  post_deleted: (d) => ({ event: 'post_deleted', data: { post: s(presentMmPost(d.post)), delete_by: '' } }),
  ephemeral_message: (d) => ({ event: 'ephemeral_message', data: { post: s(presentMmPost(d.post)) } }),
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
  // Mattermost derives unread counts from posted / channel viewed; only a mark-unread from a post
  // (post_id set) has an event of its own, with the member's new counts.
  unread_updated: (d) =>
    d.post_id
      ? {
          event: 'post_unread',
          data: {
            channel_id: d.channel_id,
            team_id: d.team_id,
            post_id: d.post_id,
            msg_count: d.member.msg_count,
            msg_count_root: d.member.msg_count_root,
            mention_count: d.member.mention_count,
            mention_count_root: d.member.mention_count_root,
            urgent_mention_count: 0,
            last_viewed_at: d.member.last_viewed_at,
          },
        }
      : null,
  channel_member_updated: (d) => ({ event: 'channel_member_updated', data: { channelMember: s(presentMmChannelMember(d.member)) } }),
  preferences_changed: preferences('preferences_changed'),
  preferences_deleted: preferences('preferences_deleted'),
  // Mattermost's CRT events: the thread as a JSON string; read changes with no thread id mean
  // "every thread of the team" (its mark-all-read).
  thread_updated: (d) => ({ event: 'thread_updated', data: { thread: s(presentMmThread(d.thread)) } }),
  thread_read_changed: (d) =>
    d.thread_id
      ? {
          event: 'thread_read_changed',
          data: { thread_id: d.thread_id, channel_id: d.channel_id, timestamp: d.last_viewed_at, unread_replies: d.unread_replies, unread_mentions: d.unread_mentions },
        }
      : { event: 'thread_read_changed', data: { timestamp: d.last_viewed_at } },
  thread_follow_changed: (d) => ({ event: 'thread_follow_changed', data: { thread_id: d.thread_id, state: d.following, reply_count: d.thread.reply_count } }),
  // Mattermost's sidebar events: ids for created/deleted (the apps fetch the category), the
  // updated categories as a JSON string, the order as an array.
  sidebar_category_created: (d) => ({ event: 'sidebar_category_created', data: { category_id: d.category.id } }),
  sidebar_category_updated: (d) => ({ event: 'sidebar_category_updated', data: { updatedCategories: s(d.categories) } }),
  sidebar_category_deleted: (d) => ({ event: 'sidebar_category_deleted', data: { category_id: d.category_id } }),
  sidebar_category_order_updated: (d) => ({ event: 'sidebar_category_order_updated', data: { order: d.order } }),
  emoji_added: (d) => ({ event: 'emoji_added', data: { emoji: s(presentMmEmoji(d.emoji)) } }),
  emoji_deleted: () => null,
  // Mattermost's config_changed carries its client config, which takes queries to build: the
  // Mattermost sockets get their own frame (mmConfigChanged, sent by http/config-changed.ts).
  config_changed: () => null,
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

/**
 * Mattermost's `config_changed` (server/channels/app/platform/service.go: on every config change,
 * to every connection, `{"config": ClientConfigWithComputed()}` — the same map as
 * `GET /api/v4/config/client?format=old` for a signed-in user), broadcast block empty.
 */
export function mmConfigChanged(config: Record<string, string>, now: number): Prepared {
  return new SharedFrame(`{"event":"config_changed","data":${s({ config })},"broadcast":${s(mmBroadcast({ user_ids: [] }))}`, now, false);
}

export const mmSerializer: Serializer = {
  name: 'mm',
  sequenceEphemeral: true,
  prepare(ev, now) {
    const t = translateEvent(ev);
    if (!t) return null;
    return new SharedFrame(`{"event":${s(t.event)},"data":${s(t.data)},"broadcast":${s(mmBroadcast(ev.broadcast))}`, now, !!ev.ephemeral);
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
