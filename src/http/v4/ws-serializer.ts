import type { AppEvent, Broadcast } from '../../realtime/protocol.ts';
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

type Data = Record<string, any>;
type Translated = { event: string; data: Data } | null;

const s = (v: unknown) => JSON.stringify(v);

/** Native post (presentPost) → Mattermost post, with its files and reactions as metadata. */
function mmPost(p: Data) {
  return presentMmPost(p, { files: p?.metadata?.files, reactions: p?.metadata?.reactions });
}

/** Native event → Mattermost event name and data; null when Mattermost has no such event. */
export function translateEvent(ev: AppEvent): Translated {
  const d = ev.data as Data;
  switch (ev.event) {
    case 'posted': {
      const data: Data = {
        channel_display_name: d.channel_display_name ?? '',
        channel_name: d.channel_name ?? '',
        channel_type: d.channel_type ?? '',
        post: s(mmPost(d.post)),
        sender_name: d.sender_name ?? '',
        set_online: true,
        team_id: d.team_id ?? '',
      };
      if (Array.isArray(d.mentions) && d.mentions.length) data.mentions = s(d.mentions);
      return { event: 'posted', data };
    }
    case 'post_edited':
    case 'post_pinned':
    case 'post_unpinned':
      // Mattermost has no pin events: a pin is an edit of is_pinned.
      return { event: 'post_edited', data: { post: s(mmPost(d.post)) } };
    case 'post_deleted':
      return { event: 'post_deleted', data: { post: s(mmPost(d.post)), delete_by: d.delete_by ?? '' } };
    case 'reaction_added':
    case 'reaction_removed':
      return { event: ev.event, data: { reaction: s(presentMmReaction({ channel_id: d.channel_id, ...d.reaction })) } };
    case 'typing':
      return { event: 'typing', data: { parent_id: d.root_id ?? d.parent_id ?? '', user_id: d.user_id } };
    case 'status_change':
      return { event: 'status_change', data: { status: d.status, user_id: d.user_id } };
    case 'channel_created': {
      const ch = d.channel ?? {};
      const id = d.channel_id ?? ch.id;
      if (ch.type === 'D') {
        // DM names are the two ids joined by '__'; the teammate is the one that is not the creator.
        const ids = String(ch.name ?? '').split('__');
        const creator = String(ch.creator_id ?? '');
        const teammate = ids.find((x) => x !== creator) ?? creator;
        return { event: 'direct_added', data: { creator_id: creator, teammate_id: teammate, channel_id: id } };
      }
      if (ch.type === 'G') return { event: 'group_added', data: { teammate_ids: s(ev.broadcast.user_ids), channel_id: id } };
      return { event: 'channel_created', data: { channel_id: id, team_id: d.team_id ?? ch.team_id ?? '' } };
    }
    case 'channel_updated':
      return { event: 'channel_updated', data: { channel: s(presentMmChannel(d.channel ?? d)) } };
    case 'channel_deleted': {
      const ch = d.channel ?? {};
      return { event: 'channel_deleted', data: { channel_id: d.channel_id ?? ch.id, delete_at: ch.delete_at ?? d.delete_at ?? 0, team_id: d.team_id ?? ch.team_id ?? '' } };
    }
    case 'channel_restored': {
      const ch = d.channel ?? {};
      return { event: 'channel_restored', data: { channel_id: d.channel_id ?? ch.id, team_id: d.team_id ?? ch.team_id ?? '' } };
    }
    case 'user_added':
      return { event: 'user_added', data: { team_id: d.team_id ?? '', user_id: d.user_id } };
    case 'user_removed':
      return { event: 'user_removed', data: { channel_id: d.channel_id, remover_id: d.remover_id ?? '', user_id: d.user_id } };
    case 'added_to_team':
      return { event: 'added_to_team', data: { team_id: d.team_id, user_id: d.user_id } };
    case 'leave_team':
      return { event: 'leave_team', data: { team_id: d.team_id, user_id: d.user_id } };
    case 'team_updated':
      return { event: 'update_team', data: { team: s(presentMmTeam(d.team ?? {})) } };
    case 'team_deleted':
      return { event: 'delete_team', data: { team: s(presentMmTeam(d.team ?? {})) } };
    case 'user_updated':
      return { event: 'user_updated', data: { user: presentMmUser(d.user ?? {}) } };
    case 'channel_viewed': {
      const times: Record<string, number> = {};
      if (d.channel_times && typeof d.channel_times === 'object') Object.assign(times, d.channel_times);
      else if (d.channel_id) times[d.channel_id] = Number(d.last_viewed_at ?? d.member?.last_viewed_at ?? 0);
      return { event: 'multiple_channels_viewed', data: { channel_times: times } };
    }
    case 'unread_updated':
      // Mattermost derives unread counts from posted / channel viewed; nothing to send.
      return null;
    case 'preferences_changed':
      return { event: 'preferences_changed', data: { preferences: s((d.preferences ?? []).map(presentMmPreference)) } };
    case 'preferences_deleted':
      return { event: 'preferences_deleted', data: { preferences: s((d.preferences ?? []).map(presentMmPreference)) } };
    case 'hello':
      return null;
    default:
      return null;
  }
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
