/**
 * The ONLY place Mattermost shapes are built (REST and WebSocket). Inputs are the typed objects of
 * src/contract (what actions return and events carry: the native API's shapes), never rows, so a
 * REST answer and a socket event present one object the same way. Every field the Mattermost apps
 * read is present with Mattermost's type, even when RustChat has no such feature (then it is the
 * neutral value Mattermost uses: "", 0, false, [] or {}). Golden tests: presenters.test.ts.
 */

import { CHANNEL_NOTIFY_DEFAULTS, USER_NOTIFY_DEFAULTS } from '../../actions/notify-props.ts';
import type { Channel, ChannelMember, CustomEmoji, Post, PostFile, Preference, Reaction, Status, Team, TeamMember, ThreadWithPost, User } from '../../contract/objects.ts';

const num = (v: unknown) => (v === null || v === undefined ? 0 : Number(v));
const str = (v: unknown) => (v === null || v === undefined ? '' : String(v));

const DEFAULT_USER_NOTIFY = USER_NOTIFY_DEFAULTS;

/**
 * The native User already decides email visibility (the user themselves and system admins); a
 * missing email is Mattermost's "".
 */
export function presentMmUser(u: User) {
  let first = str(u.first_name);
  const last = str(u.last_name);
  // RustChat has a free-form display name; Mattermost has first/last name. Show it as the first
  // name when neither is set, so the apps' "full name" display finds it.
  if (!first && !last && u.display_name) first = str(u.display_name);
  const tz: User['timezone'] = u.timezone && typeof u.timezone === 'object' ? u.timezone : {};
  return {
    id: u.id,
    create_at: num(u.create_at),
    update_at: num(u.update_at),
    delete_at: num(u.delete_at),
    username: u.username,
    auth_data: '',
    auth_service: str(u.auth_service),
    email: str(u.email),
    email_verified: true,
    nickname: str(u.nickname),
    first_name: first,
    last_name: last,
    position: str(u.position),
    roles: str(u.roles) || 'system_user',
    locale: str(u.locale) || 'en',
    timezone: {
      useAutomaticTimezone: str(tz.useAutomaticTimezone ?? (tz.manualTimezone ? 'false' : 'true')),
      automaticTimezone: str(tz.automaticTimezone),
      manualTimezone: str(tz.manualTimezone),
    },
    // RustChat keeps no user props, password dates or bot descriptions on the user.
    props: {},
    notify_props: { ...DEFAULT_USER_NOTIFY, ...(u.notify_props ?? {}) },
    last_password_update: 0,
    last_picture_update: num(u.last_picture_update),
    is_bot: u.is_bot === true,
    bot_description: '',
    mfa_active: u.mfa_active === true,
    disable_welcome_email: false,
  };
}

/** `invite_id` is there when the native Team carries it (those who may invite). */
export function presentMmTeam(t: Team) {
  return {
    id: t.id,
    create_at: num(t.create_at),
    update_at: num(t.update_at),
    delete_at: num(t.delete_at),
    display_name: str(t.display_name),
    name: t.name,
    description: str(t.description),
    email: '',
    type: t.type === 'I' ? 'I' : 'O',
    company_name: '',
    allowed_domains: '',
    invite_id: str(t.invite_id),
    allow_open_invite: t.allow_open_invite !== false,
    scheme_id: '',
    group_constrained: false,
    policy_id: null,
    last_team_icon_update: 0,
    cloud_limits_archived: false,
  };
}

/** `role` is ours ('team_user' | 'team_admin'); Mattermost lists roles space-separated. */
export function presentMmTeamMember(m: TeamMember) {
  const admin = m.role === 'team_admin';
  return {
    team_id: m.team_id,
    user_id: m.user_id,
    roles: admin ? 'team_user team_admin' : 'team_user',
    delete_at: 0,
    scheme_guest: false,
    scheme_user: true,
    scheme_admin: admin,
    explicit_roles: '',
    create_at: num(m.create_at),
  };
}

export function presentMmTeamUnread(t: {
  team_id: string;
  msg_count: number;
  mention_count: number;
  msg_count_root?: number;
  mention_count_root?: number;
  thread_count?: number;
  thread_mention_count?: number;
}) {
  return {
    team_id: t.team_id,
    msg_count: num(t.msg_count),
    mention_count: num(t.mention_count),
    msg_count_root: num(t.msg_count_root ?? t.msg_count),
    mention_count_root: num(t.mention_count_root ?? t.mention_count),
    thread_count: num(t.thread_count ?? 0),
    thread_mention_count: num(t.thread_mention_count ?? 0),
    thread_urgent_mention_count: 0,
    urgent_mention_count: 0,
  };
}

export function presentMmChannel(ch: Channel) {
  return {
    id: ch.id,
    create_at: num(ch.create_at),
    update_at: num(ch.update_at),
    delete_at: num(ch.delete_at),
    team_id: str(ch.team_id),
    type: ch.type,
    display_name: str(ch.display_name),
    name: ch.name,
    header: str(ch.header),
    purpose: str(ch.purpose),
    last_post_at: num(ch.last_post_at),
    last_root_post_at: num(ch.last_root_post_at),
    total_msg_count: num(ch.total_msg_count),
    total_msg_count_root: num(ch.total_msg_count_root),
    extra_update_at: 0,
    creator_id: str(ch.creator_id),
    scheme_id: null,
    props: null,
    group_constrained: null,
    shared: false,
    policy_id: null,
  };
}

const DEFAULT_CHANNEL_NOTIFY = CHANNEL_NOTIFY_DEFAULTS;

export function presentMmChannelMember(m: ChannelMember) {
  const admin = m.role === 'channel_admin';
  const notify = m.notify_props && typeof m.notify_props === 'object' ? m.notify_props : {};
  return {
    channel_id: m.channel_id,
    user_id: m.user_id,
    roles: admin ? 'channel_user channel_admin' : 'channel_user',
    last_viewed_at: num(m.last_viewed_at),
    msg_count: num(m.msg_count),
    mention_count: num(m.mention_count),
    mention_count_root: num(m.mention_count_root),
    urgent_mention_count: 0,
    msg_count_root: num(m.msg_count_root),
    notify_props: { ...DEFAULT_CHANNEL_NOTIFY, ...notify },
    last_update_at: num(m.last_update_at),
    scheme_guest: false,
    scheme_user: true,
    scheme_admin: admin,
    explicit_roles: '',
  };
}

/** `channelId`: the post's channel (a native Reaction does not repeat it). */
export function presentMmReaction(r: Reaction, channelId: string) {
  return {
    user_id: r.user_id,
    post_id: r.post_id,
    emoji_name: r.emoji_name,
    create_at: num(r.create_at),
    update_at: num(r.create_at),
    delete_at: 0,
    remote_id: '',
    channel_id: channelId,
  };
}

/** Mattermost's Emoji: `{id, create_at, update_at, delete_at, creator_id, name}`. */
export function presentMmEmoji(e: CustomEmoji) {
  return {
    id: e.id,
    create_at: num(e.create_at),
    update_at: num(e.update_at),
    delete_at: num(e.delete_at),
    creator_id: e.creator_id,
    name: e.name,
  };
}


/** A file inside a post or of the files API (only live files are presented: delete_at 0). */
export function presentMmFileInfo(f: PostFile) {
  const mime = str(f.mime_type) || 'application/octet-stream';
  return {
    id: f.id,
    user_id: str(f.creator_id),
    post_id: str(f.post_id),
    channel_id: str(f.channel_id),
    create_at: num(f.create_at),
    update_at: num(f.create_at),
    delete_at: 0,
    name: str(f.name),
    extension: str(f.extension),
    size: num(f.size),
    mime_type: mime,
    width: num(f.width),
    height: num(f.height),
    has_preview_image: f.has_preview_image,
    mini_preview: null,
    remote_id: '',
    archived: false,
  };
}

/** A post with its files and reactions as Mattermost's metadata (the native Post carries both). */
export function presentMmPost(p: Post) {
  const metadata: Record<string, unknown> = { embeds: [], emojis: [], images: {} };
  if (p.metadata.files.length) metadata.files = p.metadata.files.map(presentMmFileInfo);
  if (p.metadata.reactions.length) metadata.reactions = p.metadata.reactions.map((r) => presentMmReaction(r, p.channel_id));
  const deleted = num(p.delete_at) !== 0;
  return {
    id: p.id,
    create_at: num(p.create_at),
    update_at: num(p.update_at),
    edit_at: num(p.edit_at),
    delete_at: num(p.delete_at),
    is_pinned: !!p.is_pinned,
    user_id: p.user_id,
    channel_id: p.channel_id,
    root_id: str(p.root_id),
    original_id: '',
    // A deleted post keeps its id and times and loses its content, as in Mattermost.
    message: deleted ? '' : str(p.message),
    type: str(p.type),
    props: deleted ? {} : p.props && typeof p.props === 'object' ? p.props : {},
    // RustChat does not extract hashtags (Mattermost's search by them is not supported).
    hashtags: '',
    file_ids: deleted ? [] : Array.isArray(p.file_ids) ? p.file_ids : [],
    pending_post_id: str(p.client_msg_id),
    remote_id: '',
    reply_count: num(p.reply_count),
    last_reply_at: num(p.last_reply_at),
    participants: null,
    metadata: deleted ? {} : metadata,
  };
}

export type MmPost = ReturnType<typeof presentMmPost>;

/**
 * A PostList. `order` is newest first (the caller passes posts newest first); the cursor fields
 * are computed by the caller because they depend on the query (see posts.ts).
 */
export function presentMmPostList(posts: MmPost[], cursors: { next_post_id?: string; prev_post_id?: string; has_next?: boolean } = {}) {
  const map: Record<string, MmPost> = {};
  for (const p of posts) map[p.id] = p;
  return {
    order: posts.map((p) => p.id),
    posts: map,
    next_post_id: cursors.next_post_id ?? '',
    prev_post_id: cursors.prev_post_id ?? '',
    has_next: cursors.has_next ?? false,
  };
}

export function presentMmPreference(p: Preference) {
  return { user_id: p.user_id, category: p.category, name: p.name, value: p.value };
}

export function presentMmStatus(s: Status) {
  return {
    user_id: s.user_id,
    status: str(s.status) || 'offline',
    manual: !!s.manual,
    last_activity_at: num(s.last_activity_at),
    active_channel: '',
    dnd_end_time: 0,
  };
}

/**
 * A thread (native ThreadWithPost) as Mattermost's ThreadResponse. `users`: full profiles for
 * `extended` answers (by id); otherwise participants are `{id}` as Mattermost sends them.
 */
export function presentMmThread(t: ThreadWithPost, users?: Map<string, User>) {
  return {
    id: t.id,
    reply_count: num(t.reply_count),
    last_reply_at: num(t.last_reply_at),
    last_viewed_at: num(t.last_viewed_at),
    participants: t.participants.map((id) => (users?.has(id) ? presentMmUser(users.get(id)!) : { id })),
    post: presentMmPost(t.post),
    unread_replies: num(t.unread_replies),
    unread_mentions: num(t.unread_mentions),
    is_following: t.following === true,
    is_urgent: false,
    delete_at: num(t.delete_at),
  };
}
