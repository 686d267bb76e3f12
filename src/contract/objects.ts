/**
 * The objects that cross the layers: what actions hand to the HTTP routes and the socket
 * serializers, what events carry, and what the web client holds. These are the native API's
 * shapes (docs/api/*.md); the Mattermost adapter presents the same objects in its own shapes
 * (src/http/v4/presenters.ts).
 *
 * This module is imported by the web client: types only, no Node imports.
 */

/** Milliseconds since the epoch; 0 = never / live. */
export type Millis = number;

export type ChannelType = 'O' | 'P' | 'D' | 'G';
export type ChannelRole = 'channel_user' | 'channel_admin';
export type TeamType = 'O' | 'I';
export type TeamRole = 'team_user' | 'team_admin';
export const STATUSES = ['online', 'away', 'dnd', 'offline'] as const;
export type StatusName = (typeof STATUSES)[number];

export interface User {
  id: string;
  username: string;
  /** Only for the user themself and system admins. */
  email?: string;
  /** Only for the user themself and system admins: TOTP enrolment is confirmed. */
  mfa_active?: boolean;
  /** Only for the user themself and system admins: '' (password account) or 'openid' (made by SSO). */
  auth_service?: string;
  /** Only for the user themself and system admins: notification settings (Mattermost's keys, defaults filled in). */
  notify_props?: Record<string, string>;
  display_name: string;
  first_name: string;
  last_name: string;
  nickname: string;
  position: string;
  timezone: Timezone;
  locale: string;
  /** Space-separated: `system_user`, `system_admin`. */
  roles: string;
  /** Present (true) for bot accounts only. */
  is_bot?: boolean;
  create_at: Millis;
  update_at: Millis;
  delete_at: Millis;
  last_picture_update: Millis;
}

export interface Timezone {
  useAutomaticTimezone?: boolean;
  automaticTimezone?: string;
  manualTimezone?: string;
}

export interface Team {
  id: string;
  name: string;
  display_name: string;
  description: string;
  type: TeamType;
  allow_open_invite: boolean;
  /** Only for those who may invite (team admins, system admins). */
  invite_id?: string;
  creator_id: string;
  create_at: Millis;
  update_at: Millis;
  delete_at: Millis;
}

export interface TeamMember {
  team_id: string;
  user_id: string;
  role: TeamRole;
  create_at: Millis;
}

export interface Channel {
  id: string;
  /** '' for direct and group channels. */
  team_id: string;
  type: ChannelType;
  name: string;
  display_name: string;
  header: string;
  purpose: string;
  creator_id: string;
  create_at: Millis;
  update_at: Millis;
  delete_at: Millis;
  last_post_at: Millis;
  last_root_post_at: Millis;
  total_msg_count: number;
  total_msg_count_root: number;
}

/** A membership with its read state (Mattermost's model: docs/api/posts.md, "Unread counters"). */
export interface ChannelMember {
  channel_id: string;
  user_id: string;
  role: ChannelRole;
  last_viewed_at: Millis;
  msg_count: number;
  mention_count: number;
  msg_count_root: number;
  mention_count_root: number;
  notify_props: Record<string, unknown>;
  create_at: Millis;
  last_update_at: Millis;
}

/** A channel's unread counts for one member. */
export interface Unread {
  channel_id: string;
  team_id: string;
  type: ChannelType;
  unread_count: number;
  unread_root_count: number;
  mention_count: number;
  mention_count_root: number;
  last_viewed_at: Millis;
  last_post_at: Millis;
  last_root_post_at: Millis;
}

export interface UnreadTotals {
  unread_count: number;
  unread_root_count: number;
  mention_count: number;
  mention_count_root: number;
  /** Channels with at least one unread message. */
  unread_channels: number;
}

export interface Reaction {
  post_id: string;
  user_id: string;
  emoji_name: string;
  create_at: Millis;
}

/**
 * A custom emoji: a name usable in messages (`:name:`) and reactions, with an image at
 * `/api/v1/emoji/{id}/image` (immutable: a new image means a new emoji).
 */
export interface CustomEmoji {
  id: string;
  name: string;
  creator_id: string;
  mime_type: string;
  width: number;
  height: number;
  size: number;
  create_at: Millis;
  update_at: Millis;
  delete_at: Millis;
}

/** File metadata as it appears inside a post (the files API has the full FileInfo). */
export interface PostFile {
  id: string;
  creator_id: string;
  post_id: string;
  channel_id: string;
  name: string;
  extension: string;
  size: number;
  mime_type: string;
  width: number;
  height: number;
  create_at: Millis;
  /** A thumbnail and a preview can be asked for (a rendered image, or the original while pending). */
  has_preview_image: boolean;
}

export type FileInfo = PostFile;

export interface PostMetadata {
  reactions: Reaction[];
  files: PostFile[];
}

/** A post. A deleted one keeps its ids and times and loses its content. */
export interface Post {
  id: string;
  channel_id: string;
  user_id: string;
  /** '' for a root post. */
  root_id: string;
  message: string;
  /** '' or a system type. */
  type: string;
  props: Record<string, unknown>;
  file_ids: string[];
  /** The client's dedupe key ('' when none was sent). */
  client_msg_id: string;
  create_at: Millis;
  update_at: Millis;
  edit_at: Millis;
  delete_at: Millis;
  is_pinned: boolean;
  reply_count: number;
  last_reply_at: Millis;
  metadata: PostMetadata;
}

export interface Status {
  user_id: string;
  status: StatusName;
  manual: boolean;
  last_activity_at: Millis;
}

export interface Preference {
  user_id: string;
  category: string;
  name: string;
  value: string;
}

/**
 * A thread as one user sees it (collapsed reply threads): identified by its root post's id.
 * Unread counts are replies by others after `last_viewed_at`, and the mentions of this user
 * (or of the whole channel) among them.
 */
export interface Thread {
  id: string;
  channel_id: string;
  /** '' for direct and group channels. */
  team_id: string;
  following: boolean;
  last_viewed_at: Millis;
  reply_count: number;
  last_reply_at: Millis;
  /** User ids of the root's author and the repliers, in order of their first post. */
  participants: string[];
  unread_replies: number;
  unread_mentions: number;
  /** The root's delete_at (0 unless deleted threads were asked for). */
  delete_at: Millis;
}

/** A thread with its root post (lists and events carry both). */
export interface ThreadWithPost extends Thread {
  post: Post;
}

/** Counts over a user's followed threads (in a team and in direct channels, or everywhere). */
export interface ThreadTotals {
  total: number;
  unread_threads: number;
  unread_mentions: number;
}

export type SidebarCategoryType = 'favorites' | 'channels' | 'direct_messages' | 'custom';
/** '' is the category's default (favorites and channels by name, direct messages most recent first). */
export type SidebarSorting = '' | 'alpha' | 'recent' | 'manual';

/**
 * One category of a user's sidebar in a team (Mattermost's channel categories). Every channel of
 * the user's in the team, and every direct and group channel, is in exactly one category of each
 * team; `channel_ids` is the stored order (`manual` sorting shows it as it is).
 */
export interface SidebarCategory {
  id: string;
  user_id: string;
  team_id: string;
  type: SidebarCategoryType;
  display_name: string;
  sorting: SidebarSorting;
  /** Every channel in a muted category is muted (notified of mentions only). */
  muted: boolean;
  collapsed: boolean;
  sort_order: number;
  channel_ids: string[];
}

/** A user's sidebar in a team: the categories and their order (ids, top first). */
export interface SidebarCategories {
  categories: SidebarCategory[];
  order: string[];
}

/**
 * What the login page and the web client show of the server's settings (`GET /api/v1/site/info`,
 * and the native `config_changed` event after an admin changes them).
 */
export interface SiteInfo {
  site_name: string;
  version: string;
  open_signup: boolean;
  /** True while the server has no account: the next registration becomes the system admin. */
  setup_required: boolean;
  /** email.send_notifications: off, the web client hides the email notification preference. */
  email_notifications: boolean;
  mfa: 'off' | 'optional' | 'required';
  sso: { button_text: string; login_url: string } | null;
  password_policy: { min_length: number; require_lowercase: boolean; require_uppercase: boolean; require_number: boolean; require_symbol: boolean };
}
