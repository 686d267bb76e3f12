/**
 * Every event the server emits: its name and the type of its `data`. Actions build them (and
 * only them), the hub routes them, the native socket sends `data` as it is, the Mattermost
 * serializer translates each one (src/http/v4/ws-serializer.ts) and the web client's reducer
 * applies each one (src/realtime/reducer.ts). Both of those are tables keyed by event name, so an
 * event added here without its translation and its reducer handler does not compile
 * (src/contract/exhaustive.test.ts proves it).
 *
 * The discriminant is `event`, the name the native socket and the inter-process bus already
 * carry (processes of two versions share a bus during a rolling upgrade).
 *
 * Types only besides two small helpers: the web client imports this module.
 */
import type { Channel, ChannelMember, ChannelType, CustomEmoji, Millis, Post, Preference, Reaction, SidebarCategory, SiteInfo, Status, Team, TeamMember, ThreadWithPost, Unread, User } from './objects.ts';

export interface PostedData {
  post: Post;
  channel_id: string;
  channel_type: ChannelType;
  /** Shown by the Mattermost apps in notifications. */
  channel_name: string;
  channel_display_name: string;
  team_id: string;
  /**
   * Ids of the members the post mentions, as their mention counts rose: named, every other member
   * for @channel/@all/@here (but those who ignore channel-wide mentions), and every recipient of a
   * direct or group message.
   */
  mentions: string[];
  sender_name: string;
  /**
   * The channel's `total_msg_count` and `total_msg_count_root` with this post counted: they
   * number the post in its channel (posts count one at a time), so a client whose copy of the
   * channel counts as many already counts this post (a list read after it committed).
   */
  total_msg_count: number;
  total_msg_count_root: number;
  /**
   * A reply only: its root's `reply_count` with this reply counted. Replies count one at a time
   * under the root's row lock, so this numbers the reply in its thread: a client whose copy of
   * the root counts as many already counts it (a page read after it committed).
   */
  root_reply_count?: number;
}

export interface PostChangedData {
  post: Post;
  channel_id: string;
}

/**
 * A post shown to one user only and never stored (a slash command's private answer). Its type
 * is `system_ephemeral` unless the command set another; it takes no part in unread counts.
 */
export interface EphemeralPostData {
  post: Post;
  channel_id: string;
}

export interface PostDeletedData extends PostChangedData {
  /** Replies deleted with a root (clients drop them with it). */
  deleted_reply_count: number;
  /**
   * A reply only: its root's `reply_count` without it (a client whose copy of the root counts as
   * few already left it out: a page read after the deletion committed).
   */
  root_reply_count?: number;
}

export interface ReactionData {
  reaction: Reaction;
  channel_id: string;
}

/** Ephemeral: never replayed, no seq on the native socket. */
export interface TypingData {
  channel_id: string;
  /** '' outside a thread. */
  root_id: string;
  user_id: string;
  at: Millis;
}

export interface ChannelCreatedData {
  channel: Channel;
  team_id: string;
  /** The recipient's own membership. */
  member: ChannelMember;
}

export interface ChannelArchiveData {
  channel_id: string;
  team_id: string;
  delete_at: Millis;
  channel: Channel;
}

export interface UserAddedData {
  channel_id: string;
  team_id: string;
  user_id: string;
  member: ChannelMember;
  channel: Channel;
}

export interface UserRemovedData {
  channel_id: string;
  team_id: string;
  user_id: string;
  remover_id: string;
}

export interface AddedToTeamData {
  team_id: string;
  user_id: string;
  team: Team;
  member: TeamMember;
}

export interface LeaveTeamData {
  team_id: string;
  user_id: string;
  remover_id: string;
}

export interface ChannelViewedData {
  channel_id: string;
  team_id: string;
  last_viewed_at: Millis;
  member: ChannelMember;
}

/** My membership's settings changed (notify_props: mute, notification levels). To the member only. */
export interface ChannelMemberUpdatedData {
  channel_id: string;
  team_id: string;
  member: ChannelMember;
}

/** A followed thread changed for its follower (a reply, a deleted reply, a mention edited in). */
export interface ThreadUpdatedData {
  thread: ThreadWithPost;
}

/**
 * The follower's read marker of a thread moved (read, or marked unread). With `thread_id` ''
 * every followed thread of `team_id` and of the direct channels was marked read at `last_viewed_at`.
 */
export interface ThreadReadChangedData {
  thread_id: string;
  channel_id: string;
  team_id: string;
  last_viewed_at: Millis;
  unread_replies: number;
  unread_mentions: number;
}

/** The user followed or unfollowed a thread; `thread` is its state after the change. */
export interface ThreadFollowChangedData {
  thread_id: string;
  channel_id: string;
  team_id: string;
  following: boolean;
  thread: ThreadWithPost;
}

/** Sidebar events go to the user's own sockets; each names the team whose sidebar changed. */
export interface SidebarCategoryCreatedData {
  team_id: string;
  category: SidebarCategory;
}
/** Categories whose name, sorting, muted, collapsed or channels changed (as they are now). */
export interface SidebarCategoryUpdatedData {
  team_id: string;
  categories: SidebarCategory[];
}
export interface SidebarCategoryDeletedData {
  team_id: string;
  category_id: string;
}
export interface SidebarCategoryOrderData {
  team_id: string;
  order: string[];
}

/** A custom emoji was added or deleted; sent to every active user (custom emoji are server-wide). */
export interface EmojiData {
  emoji: CustomEmoji;
}

/**
 * Event name -> data. An interface (not a type alias) so that the exhaustiveness test can add an
 * event to it by declaration merging, exactly as a new line here would.
 */
export interface EventMap {
  posted: PostedData;
  post_edited: PostChangedData;
  post_deleted: PostDeletedData;
  ephemeral_message: EphemeralPostData;
  post_pinned: PostChangedData;
  post_unpinned: PostChangedData;
  reaction_added: ReactionData;
  reaction_removed: ReactionData;
  typing: TypingData;
  status_change: Status;
  channel_created: ChannelCreatedData;
  channel_updated: { channel: Channel };
  channel_deleted: ChannelArchiveData;
  channel_restored: ChannelArchiveData;
  user_added: UserAddedData;
  user_removed: UserRemovedData;
  added_to_team: AddedToTeamData;
  leave_team: LeaveTeamData;
  team_updated: { team: Team };
  team_deleted: { team_id: string; team: Team };
  /** The public presentation (no email): it goes to everyone who shares a team or channel. */
  user_updated: { user: User };
  channel_viewed: ChannelViewedData;
  /** My counts changed (read, or marked unread from `post_id`: Mattermost's post_unread). */
  unread_updated: Unread & { member: ChannelMember; post_id?: string };
  channel_member_updated: ChannelMemberUpdatedData;
  preferences_changed: { preferences: Preference[] };
  preferences_deleted: { preferences: Preference[] };
  thread_updated: ThreadUpdatedData;
  thread_read_changed: ThreadReadChangedData;
  thread_follow_changed: ThreadFollowChangedData;
  sidebar_category_created: SidebarCategoryCreatedData;
  sidebar_category_updated: SidebarCategoryUpdatedData;
  sidebar_category_deleted: SidebarCategoryDeletedData;
  sidebar_category_order_updated: SidebarCategoryOrderData;
  emoji_added: EmojiData;
  /** Native only (Mattermost has no such event; its apps notice a 404 for the image). */
  emoji_deleted: EmojiData;
  /**
   * An admin changed the site or runtime settings: the site info as `GET /api/v1/site/info`
   * answers it now. Every socket of every process gets it (http/config-changed.ts, on the bus's
   * `settings_changed`); Mattermost sockets get their own `config_changed` with the client config.
   */
  config_changed: { site: SiteInfo };
}

export type EventName = keyof EventMap;

/** Who receives an event. Recipients are named explicitly by the action that emits it. */
export interface Broadcast {
  /** Users whose sockets receive the event. */
  user_ids: string[];
  /** Never delivered to this user's sockets (e.g. the typist). */
  omit_user_id?: string;
  /**
   * Also delivered to the connections that watch this user's presence (`presence_subscribe`),
   * on every process: `status_change` only.
   */
  presence_of?: string;
  /** Context for serializers (Mattermost's broadcast block); not used for routing. */
  channel_id?: string;
  team_id?: string;
}

/** One event of one of the names in K (all names by default). */
export type AppEvent<K extends EventName = EventName> = {
  [P in K]: {
    event: P;
    data: EventMap[P];
    broadcast: Broadcast;
    /** Not kept in replay rings (typing is stale after a second). */
    ephemeral?: boolean;
  };
}[K];

/** An event as a client receives it (`seq` is transport, not state). */
export type ClientEvent<K extends EventName = EventName> = {
  [P in K]: { event: P; data: EventMap[P]; seq?: number };
}[K];

/** Every event name, in the order of EventMap (a name missing here is a compile error). */
const ALL: { [K in EventName]: true } = {
  posted: true,
  post_edited: true,
  post_deleted: true,
  ephemeral_message: true,
  post_pinned: true,
  post_unpinned: true,
  reaction_added: true,
  reaction_removed: true,
  typing: true,
  status_change: true,
  channel_created: true,
  channel_updated: true,
  channel_deleted: true,
  channel_restored: true,
  user_added: true,
  user_removed: true,
  added_to_team: true,
  leave_team: true,
  team_updated: true,
  team_deleted: true,
  user_updated: true,
  channel_viewed: true,
  unread_updated: true,
  channel_member_updated: true,
  preferences_changed: true,
  preferences_deleted: true,
  thread_updated: true,
  thread_read_changed: true,
  thread_follow_changed: true,
  sidebar_category_created: true,
  sidebar_category_updated: true,
  sidebar_category_deleted: true,
  sidebar_category_order_updated: true,
  emoji_added: true,
  emoji_deleted: true,
  config_changed: true,
};
export const EVENT_NAMES = Object.keys(ALL) as EventName[];

/** Whether a name (from the wire) is an event this version knows. */
export const isEventName = (name: string): name is EventName => Object.prototype.hasOwnProperty.call(ALL, name);

/**
 * Settings an admin changes while the server runs: the site settings (actions/settings.ts) and
 * the runtime groups `auth`, `integrations`, `email` (actions/setting-group.ts).
 */
export type SettingsGroup = 'site' | 'auth' | 'integrations' | 'email';

/** Control messages between processes that are not delivered to clients. */
export type ControlMessage =
  | { control: 'sessions_revoked'; session_ids: string[]; user_id: string }
  | { control: 'status'; user_id: string; status: string; manual: boolean }
  /** A process has (online) or no longer has (offline) sockets of this user. */
  | { control: 'presence'; node: string; user_ids: string[]; online: boolean }
  /** A process asks the others to re-announce their online users (it just started or reconnected). */
  | { control: 'presence_sync'; node: string }
  /** Local only: the remote bus came back after an outage, so messages may have been lost. */
  | { control: 'bus_reconnected' }
  /** A process says it is alive on this bus (realtime/peers.ts: finds servers sharing the database but not the bus). */
  | { control: 'node_heartbeat'; node: string }
  /**
   * An admin's change of a settings group committed (actions/settings-changes.ts): every process,
   * the one that made it too, drops its cache of the group, and sends `config_changed` to its sockets.
   */
  | { control: 'settings_changed'; group: SettingsGroup };

export type BusMessage = AppEvent | ControlMessage;
export const isControl = (m: BusMessage): m is ControlMessage => 'control' in m;
