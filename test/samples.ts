/**
 * Complete sample objects of the contract (src/contract/objects.ts), for unit tests of code that
 * takes typed events: override what the test is about, keep the rest.
 */
import type { Channel, ChannelMember, CustomEmoji, Post, Reaction, SidebarCategory, Status, Team, TeamMember, ThreadWithPost, User } from '../src/contract/objects.ts';
import type { AppEvent, Broadcast, EventMap, EventName } from '../src/contract/events.ts';

export const A = 'a'.repeat(26);
export const B = 'b'.repeat(26);
export const C = 'c'.repeat(26);
export const T = 't'.repeat(26);

export const samplePost = (o: Partial<Post> = {}): Post => ({
  id: 'p'.repeat(26),
  channel_id: C,
  user_id: A,
  root_id: '',
  message: 'hi',
  type: '',
  props: {},
  file_ids: [],
  client_msg_id: '',
  create_at: 1,
  update_at: 1,
  edit_at: 0,
  delete_at: 0,
  is_pinned: false,
  reply_count: 0,
  last_reply_at: 0,
  metadata: { reactions: [], files: [] },
  ...o,
});

export const sampleChannel = (o: Partial<Channel> = {}): Channel => ({
  id: C,
  team_id: T,
  type: 'O',
  name: 'eng',
  display_name: 'Eng',
  header: '',
  purpose: '',
  creator_id: A,
  create_at: 1,
  update_at: 1,
  delete_at: 0,
  last_post_at: 0,
  last_root_post_at: 0,
  total_msg_count: 0,
  total_msg_count_root: 0,
  ...o,
});

export const sampleMember = (o: Partial<ChannelMember> = {}): ChannelMember => ({
  channel_id: C,
  user_id: A,
  role: 'channel_user',
  last_viewed_at: 0,
  msg_count: 0,
  mention_count: 0,
  msg_count_root: 0,
  mention_count_root: 0,
  notify_props: {},
  create_at: 1,
  last_update_at: 1,
  ...o,
});

export const sampleTeam = (o: Partial<Team> = {}): Team => ({
  id: T,
  name: 'team',
  display_name: 'Team',
  description: '',
  type: 'O',
  allow_open_invite: true,
  creator_id: A,
  create_at: 1,
  update_at: 1,
  delete_at: 0,
  ...o,
});

export const sampleTeamMember = (o: Partial<TeamMember> = {}): TeamMember => ({ team_id: T, user_id: A, role: 'team_user', create_at: 1, ...o });

export const sampleUser = (o: Partial<User> = {}): User => ({
  id: A,
  username: 'alice',
  display_name: '',
  first_name: '',
  last_name: '',
  nickname: '',
  position: '',
  timezone: {},
  locale: 'en',
  roles: 'system_user',
  create_at: 1,
  update_at: 1,
  delete_at: 0,
  last_picture_update: 0,
  ...o,
});

export const sampleReaction = (o: Partial<Reaction> = {}): Reaction => ({ post_id: 'p'.repeat(26), user_id: A, emoji_name: 'x', create_at: 1, ...o });
export const sampleStatus = (o: Partial<Status> = {}): Status => ({ user_id: A, status: 'online', manual: false, last_activity_at: 1, ...o });

/** An event with a broadcast to A and B in channel C unless given. */
export function sampleEvent<K extends EventName>(event: K, data: EventMap[K], broadcast: Broadcast = { user_ids: [A, B], channel_id: C }, ephemeral?: boolean): AppEvent<K> {
  return { event, data, broadcast, ...(ephemeral ? { ephemeral } : {}) } as AppEvent<K>;
}

/** Complete data for every event, for tests that go over all of them. */
export function sampleData(): EventMap {
  const post = samplePost();
  const channel = sampleChannel();
  const member = sampleMember();
  const team = sampleTeam();
  return {
    posted: { post, channel_id: C, channel_type: 'O', channel_name: 'eng', channel_display_name: 'Eng', team_id: T, mentions: [], sender_name: 'alice', total_msg_count: 1, total_msg_count_root: 1 },
    post_edited: { post, channel_id: C },
    post_deleted: { post: { ...post, delete_at: 2, message: '' }, channel_id: C, deleted_reply_count: 0 },
    ephemeral_message: { post: { ...post, id: 'e'.repeat(26), type: 'system_ephemeral' }, channel_id: C },
    post_pinned: { post: { ...post, is_pinned: true }, channel_id: C },
    post_unpinned: { post, channel_id: C },
    reaction_added: { reaction: sampleReaction(), channel_id: C },
    reaction_removed: { reaction: sampleReaction(), channel_id: C },
    typing: { channel_id: C, root_id: '', user_id: A, at: 1 },
    status_change: sampleStatus(),
    channel_created: { channel, team_id: T, member },
    channel_updated: { channel },
    channel_deleted: { channel_id: C, team_id: T, delete_at: 5, channel: { ...channel, delete_at: 5 } },
    channel_restored: { channel_id: C, team_id: T, delete_at: 0, channel },
    user_added: { channel_id: C, team_id: T, user_id: B, member: sampleMember({ user_id: B }), channel },
    user_removed: { channel_id: C, team_id: T, user_id: B, remover_id: A },
    added_to_team: { team_id: T, user_id: B, team, member: sampleTeamMember({ user_id: B }) },
    leave_team: { team_id: T, user_id: B, remover_id: A },
    team_updated: { team },
    team_deleted: { team_id: T, team: { ...team, delete_at: 5 } },
    user_updated: { user: sampleUser() },
    channel_viewed: { channel_id: C, team_id: T, last_viewed_at: 42, member },
    unread_updated: { channel_id: C, team_id: T, type: 'O', unread_count: 0, unread_root_count: 0, mention_count: 0, mention_count_root: 0, last_viewed_at: 42, last_post_at: 0, last_root_post_at: 0, member },
    channel_member_updated: { channel_id: C, team_id: T, member: { ...member, notify_props: { mark_unread: 'mention' } } },
    preferences_changed: { preferences: [{ user_id: A, category: 'c', name: 'n', value: 'v' }] },
    preferences_deleted: { preferences: [] },
    thread_updated: { thread: sampleThread() },
    thread_read_changed: { thread_id: post.id, channel_id: C, team_id: T, last_viewed_at: 42, unread_replies: 1, unread_mentions: 0 },
    thread_follow_changed: { thread_id: post.id, channel_id: C, team_id: T, following: true, thread: sampleThread() },
    sidebar_category_created: { team_id: T, category: sampleCategory() },
    sidebar_category_updated: { team_id: T, categories: [sampleCategory({ channel_ids: [C] })] },
    sidebar_category_deleted: { team_id: T, category_id: 'k'.repeat(26) },
    sidebar_category_order_updated: { team_id: T, order: [`favorites_${A}_${T}`, 'k'.repeat(26)] },
    emoji_added: { emoji: sampleEmoji() },
    emoji_deleted: { emoji: sampleEmoji({ delete_at: 3, update_at: 3 }) },
    config_changed: {
      site: {
        site_name: 'RustChat',
        version: '0.1.0',
        open_signup: true,
        setup_required: false,
        email_notifications: true,
        mfa: 'optional',
        sso: null,
        password_policy: { min_length: 8, require_lowercase: false, require_uppercase: false, require_number: false, require_symbol: false },
      },
    },
  };
}

/** A custom emoji of A's. */
export const sampleEmoji = (o: Partial<CustomEmoji> = {}): CustomEmoji => ({
  id: 'e'.repeat(26),
  name: 'partyparrot',
  creator_id: A,
  mime_type: 'image/png',
  width: 64,
  height: 64,
  size: 1234,
  create_at: 2,
  update_at: 2,
  delete_at: 0,
  ...o,
});

/** A custom sidebar category of A's in team T. */
export const sampleCategory = (o: Partial<SidebarCategory> = {}): SidebarCategory => ({
  id: 'k'.repeat(26), user_id: A, team_id: T, type: 'custom', display_name: 'Work', sorting: '', muted: false, collapsed: false, sort_order: 0, channel_ids: [], ...o,
});

/** A followed thread rooted at samplePost(), seen by A. */
export const sampleThread = (o: Partial<ThreadWithPost> = {}): ThreadWithPost => {
  const post = samplePost({ reply_count: 2, last_reply_at: 3 });
  return {
    id: post.id, channel_id: C, team_id: T, following: true, last_viewed_at: 2, reply_count: 2, last_reply_at: 3,
    participants: [A, B], unread_replies: 1, unread_mentions: 0, delete_at: 0, post, ...o,
  };
};
