/**
 * Event types shared by the hub, both socket serializers and the web client's reducer.
 * This module must stay free of Node imports: the web client bundles it.
 */
export const EVENT_NAMES = [
  'hello',
  'posted',
  'post_edited',
  'post_deleted',
  'reaction_added',
  'reaction_removed',
  'post_pinned',
  'post_unpinned',
  'typing',
  'status_change',
  'channel_created',
  'channel_updated',
  'channel_deleted',
  'channel_restored',
  'user_added',
  'user_removed',
  'added_to_team',
  'leave_team',
  'team_updated',
  'team_deleted',
  'user_updated',
  'channel_viewed',
  'unread_updated',
  'preferences_changed',
  'preferences_deleted',
] as const;
export type EventName = (typeof EVENT_NAMES)[number];

/** Who receives an event. Recipients are named explicitly by the action that emits it. */
export interface Broadcast {
  /** Users whose sockets receive the event. */
  user_ids: string[];
  /** Never delivered to this user's sockets (e.g. the typist). */
  omit_user_id?: string;
  /** Context for serializers (Mattermost's broadcast block); not used for routing. */
  channel_id?: string;
  team_id?: string;
}

export interface AppEvent {
  event: EventName;
  data: Record<string, unknown>;
  broadcast: Broadcast;
  /** Not kept in replay rings (typing is stale after a second). */
  ephemeral?: boolean;
}

/** Control messages between processes that are not delivered to clients. */
export type ControlMessage =
  | { control: 'sessions_revoked'; session_ids: string[]; user_id: string }
  | { control: 'status'; user_id: string; status: string; manual: boolean }
  /** A process has (online) or no longer has (offline) sockets of this user. */
  | { control: 'presence'; node: string; user_ids: string[]; online: boolean }
  /** A process asks the others to re-announce their online users (it just started or reconnected). */
  | { control: 'presence_sync'; node: string }
  /** Local only: the remote bus came back after an outage, so messages may have been lost. */
  | { control: 'bus_reconnected' };

export type BusMessage = AppEvent | ControlMessage;
export const isControl = (m: BusMessage): m is ControlMessage => 'control' in m;
