/**
 * Response shapes the apps read, checked at run time. Each shape names fields of a type from
 * `@mattermost/types` 11.9 (the compiler checks every key exists there) with the JSON kind that
 * type declares; a response passes when every field is present with that kind. The lists hold
 * what the apps read, not every optional field of the type (the TypeScript types also declare
 * fields the server never sends, such as a user's `password`).
 */
import type { UserProfile, UserStatus } from '@mattermost/types/users';
import type { Team, TeamMembership, TeamUnread, TeamStats } from '@mattermost/types/teams';
import type { Channel, ChannelMembership, ChannelStats, ChannelUnread, ServerChannel } from '@mattermost/types/channels';
import type { Post, PostList } from '@mattermost/types/posts';
import type { Reaction } from '@mattermost/types/reactions';
import type { CustomEmoji } from '@mattermost/types/emojis';
import type { FileInfo, FileSearchResults, FileUploadResponse } from '@mattermost/types/files';
import type { PreferenceType } from '@mattermost/types/preferences';
import type { Role } from '@mattermost/types/roles';
import type { ChannelCategory, OrderedChannelCategories } from '@mattermost/types/channel_categories';
import type { ServerLimits } from '@mattermost/types/limits';
import type { UserThreadWithPost, UserThreadList } from '@mattermost/types/threads';

export type Kind = 'string' | 'number' | 'boolean' | 'object' | 'array' | 'string|null' | 'object|null' | 'any';
type Fields<T> = { readonly [K in keyof T]?: Kind };

function kindOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

function fits(v: unknown, kind: Kind): boolean {
  if (kind === 'any') return v !== undefined;
  return kind.split('|').includes(kindOf(v));
}

export interface Shape {
  name: string;
  check(v: unknown, path?: string): string[];
}

function object<T>(name: string, fields: Fields<T>, nested: Partial<Record<keyof T, Shape>> = {}): Shape {
  return {
    name,
    check(v, path = name) {
      if (kindOf(v) !== 'object') return [`${path}: expected an object, got ${kindOf(v)}`];
      const o = v as Record<string, unknown>;
      const problems: string[] = [];
      for (const [k, kind] of Object.entries(fields) as [string, Kind][]) {
        if (!fits(o[k], kind)) problems.push(`${path}.${k}: expected ${kind}, got ${kindOf(o[k])}`);
      }
      for (const [k, shape] of Object.entries(nested) as [string, Shape][]) if (o[k] !== undefined) problems.push(...shape.check(o[k], `${path}.${k}`));
      return problems;
    },
  };
}

export function arrayOf(shape: Shape): Shape {
  return {
    name: `${shape.name}[]`,
    check(v, path = `${shape.name}[]`) {
      if (!Array.isArray(v)) return [`${path}: expected an array, got ${kindOf(v)}`];
      return v.flatMap((x, i) => shape.check(x, `${path}[${i}]`));
    },
  };
}

export function mapOf(shape: Shape): Shape {
  return {
    name: `Record<string, ${shape.name}>`,
    check(v, path = `Record<${shape.name}>`) {
      if (kindOf(v) !== 'object') return [`${path}: expected an object, got ${kindOf(v)}`];
      return Object.entries(v as object).flatMap(([k, x]) => shape.check(x, `${path}.${k}`));
    },
  };
}

/** An object with exactly these keys (small fixed answers such as `{status: "OK"}`). */
export function exact(name: string, fields: Record<string, Kind>): Shape {
  return object<Record<string, unknown>>(name, fields);
}

export const User = object<UserProfile>('UserProfile', {
  id: 'string', create_at: 'number', update_at: 'number', delete_at: 'number', username: 'string', auth_service: 'string',
  email: 'string', nickname: 'string', first_name: 'string', last_name: 'string', position: 'string', roles: 'string',
  props: 'object', notify_props: 'object', last_password_update: 'number', last_picture_update: 'number', locale: 'string',
  timezone: 'object', mfa_active: 'boolean', is_bot: 'boolean',
});
export const Status = object<UserStatus>('UserStatus', { user_id: 'string', status: 'string', manual: 'boolean', last_activity_at: 'number' });
export const TeamShape = object<Team>('Team', {
  id: 'string', create_at: 'number', update_at: 'number', delete_at: 'number', display_name: 'string', name: 'string',
  description: 'string', email: 'string', type: 'string', company_name: 'string', allowed_domains: 'string', invite_id: 'string',
  allow_open_invite: 'boolean', scheme_id: 'string', group_constrained: 'boolean',
});
export const TeamMember = object<TeamMembership>('TeamMembership', {
  team_id: 'string', user_id: 'string', roles: 'string', delete_at: 'number', scheme_admin: 'boolean', scheme_guest: 'boolean', scheme_user: 'boolean',
});
export const TeamUnreadShape = object<TeamUnread>('TeamUnread', { team_id: 'string', msg_count: 'number', mention_count: 'number' });
export const TeamStatsShape = object<TeamStats>('TeamStats', { team_id: 'string', total_member_count: 'number', active_member_count: 'number' });
export const ChannelShape = object<ServerChannel>('Channel', {
  id: 'string', create_at: 'number', update_at: 'number', delete_at: 'number', team_id: 'string', type: 'string',
  display_name: 'string', name: 'string', header: 'string', purpose: 'string', last_post_at: 'number', last_root_post_at: 'number',
  creator_id: 'string', total_msg_count: 'number', total_msg_count_root: 'number',
} satisfies Fields<ServerChannel> & Fields<Channel>);
export const ChannelMember = object<ChannelMembership>('ChannelMembership', {
  channel_id: 'string', user_id: 'string', roles: 'string', last_viewed_at: 'number', msg_count: 'number', msg_count_root: 'number',
  mention_count: 'number', mention_count_root: 'number', urgent_mention_count: 'number', notify_props: 'object', last_update_at: 'number',
  scheme_user: 'boolean', scheme_admin: 'boolean',
});
export const ChannelUnreadAtShape = object<ChannelUnread>('ChannelUnread', {
  channel_id: 'string', user_id: 'string', team_id: 'string', msg_count: 'number', mention_count: 'number', msg_count_root: 'number', mention_count_root: 'number', last_viewed_at: 'number',
});
export const ChannelStatsShape = object<ChannelStats>('ChannelStats', { channel_id: 'string', member_count: 'number', pinnedpost_count: 'number' });
export const PostShape = object<Post>('Post', {
  id: 'string', create_at: 'number', update_at: 'number', edit_at: 'number', delete_at: 'number', is_pinned: 'boolean', user_id: 'string',
  channel_id: 'string', root_id: 'string', original_id: 'string', message: 'string', type: 'string', props: 'object', hashtags: 'string',
  pending_post_id: 'string', reply_count: 'number', file_ids: 'array', metadata: 'object',
});
export const PostListShape = object<PostList>('PostList', { order: 'array', posts: 'object', next_post_id: 'string', prev_post_id: 'string' }, { posts: mapOf(PostShape) });
export const ReactionShape = object<Reaction>('Reaction', { user_id: 'string', post_id: 'string', emoji_name: 'string', create_at: 'number' });
export const CustomEmojiShape = object<CustomEmoji>('CustomEmoji', { id: 'string', name: 'string', creator_id: 'string', create_at: 'number', update_at: 'number', delete_at: 'number' });
export const FileInfoShape = object<FileInfo>('FileInfo', {
  id: 'string', user_id: 'string', create_at: 'number', update_at: 'number', delete_at: 'number', name: 'string', extension: 'string',
  size: 'number', mime_type: 'string', width: 'number', height: 'number', has_preview_image: 'boolean',
});
export const FileSearchResultsShape = object<FileSearchResults>('FileSearchResults', { order: 'array', file_infos: 'object', next_file_info_id: 'string', prev_file_info_id: 'string' }, { file_infos: mapOf(FileInfoShape) });
export const FileUpload = object<FileUploadResponse>('FileUploadResponse', { file_infos: 'array', client_ids: 'array' }, { file_infos: arrayOf(FileInfoShape) });
export const Preference = object<PreferenceType>('PreferenceType', { user_id: 'string', category: 'string', name: 'string', value: 'string' });
export const RoleShape = object<Role>('Role', { id: 'string', name: 'string', display_name: 'string', permissions: 'array', scheme_managed: 'boolean', built_in: 'boolean' });
export const Category = object<ChannelCategory>('ChannelCategory', {
  id: 'string', user_id: 'string', team_id: 'string', type: 'string', display_name: 'string', sorting: 'string', channel_ids: 'array', muted: 'boolean', collapsed: 'boolean',
});
export const Categories = object<OrderedChannelCategories>('OrderedChannelCategories', { categories: 'array', order: 'array' }, { categories: arrayOf(Category) });
export const Limits = object<ServerLimits>('ServerLimits', { activeUserCount: 'number', maxUsersLimit: 'number' });
export const ThreadShape = object<UserThreadWithPost>('UserThread', {
  id: 'string', reply_count: 'number', last_reply_at: 'number', last_viewed_at: 'number', participants: 'array', unread_replies: 'number',
  unread_mentions: 'number', is_following: 'boolean', post: 'object',
}, { post: PostShape });
export const ThreadListShape = object<UserThreadList>('UserThreadList', {
  total: 'number', total_unread_threads: 'number', total_unread_mentions: 'number', threads: 'array',
}, { threads: arrayOf(ThreadShape) });
export const StatusOK = exact('StatusOK', { status: 'string' });
export const IdList: Shape = { name: 'string[]', check: (v, p = 'string[]') => (Array.isArray(v) && v.every((x) => typeof x === 'string') ? [] : [`${p}: expected string[]`]) };
export const AnyObject = exact('object', {});
export const Empty: Shape = { name: '(any)', check: () => [] };
