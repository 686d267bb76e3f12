/**
 * Golden answers of the Mattermost presenters: typed contract objects in, Mattermost's JSON out.
 * The expected values were taken from the presenters as they were before they took typed objects
 * (rows or native JSON) and are what the Mattermost apps read; a change here changes the v4 wire.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Channel, ChannelMember, Post, Team, User } from '../../contract/objects.ts';
import { presentMmChannel, presentMmChannelMember, presentMmFileInfo, presentMmPost, presentMmPostList, presentMmReaction, presentMmTeam, presentMmUser } from './presenters.ts';

const user: User = {
  "id": "u1aaaaaaaaaaaaaaaaaaaaaaaa",
  "username": "alice",
  "email": "alice@example.com",
  "mfa_active": true,
  "auth_service": "",
  "notify_props": {
    "email": "true",
    "push": "mention",
    "desktop": "all",
    "desktop_sound": "true",
    "mention_keys": "",
    "channel": "true",
    "first_name": "false",
    "comments": "never",
    "push_status": "away"
  },
  "display_name": "Alice A",
  "first_name": "",
  "last_name": "",
  "nickname": "ally",
  "position": "dev",
  "timezone": {
    "manualTimezone": "Europe/Berlin"
  },
  "locale": "de",
  "roles": "system_user",
  "create_at": 1000,
  "update_at": 2000,
  "delete_at": 0,
  "last_picture_update": 1600
};

const team: Team = {
  "id": "t1aaaaaaaaaaaaaaaaaaaaaaaa",
  "name": "ops",
  "display_name": "Ops",
  "description": "d",
  "type": "I",
  "allow_open_invite": false,
  "invite_id": "inv123",
  "creator_id": "u1aaaaaaaaaaaaaaaaaaaaaaaa",
  "create_at": 1,
  "update_at": 2,
  "delete_at": 0
};

const channel: Channel = {
  "id": "c1aaaaaaaaaaaaaaaaaaaaaaaa",
  "team_id": "t1aaaaaaaaaaaaaaaaaaaaaaaa",
  "type": "O",
  "name": "town-square",
  "display_name": "Town Square",
  "header": "h",
  "purpose": "p",
  "creator_id": "u1aaaaaaaaaaaaaaaaaaaaaaaa",
  "create_at": 1,
  "update_at": 2,
  "delete_at": 0,
  "last_post_at": 3,
  "last_root_post_at": 3,
  "total_msg_count": 7,
  "total_msg_count_root": 5
};

const member: ChannelMember = {
  "channel_id": "c1aaaaaaaaaaaaaaaaaaaaaaaa",
  "user_id": "u1aaaaaaaaaaaaaaaaaaaaaaaa",
  "role": "channel_admin",
  "last_viewed_at": 3,
  "msg_count": 7,
  "mention_count": 1,
  "msg_count_root": 5,
  "mention_count_root": 1,
  "notify_props": {
    "desktop": "mention"
  },
  "create_at": 1,
  "last_update_at": 3
};

const post: Post = {
  "id": "p1aaaaaaaaaaaaaaaaaaaaaaaa",
  "channel_id": "c1aaaaaaaaaaaaaaaaaaaaaaaa",
  "user_id": "u1aaaaaaaaaaaaaaaaaaaaaaaa",
  "root_id": "",
  "message": "hello",
  "type": "",
  "props": {
    "a": 1
  },
  "file_ids": [
    "f1aaaaaaaaaaaaaaaaaaaaaaaa"
  ],
  "client_msg_id": "cm1",
  "create_at": 10,
  "update_at": 11,
  "edit_at": 0,
  "delete_at": 0,
  "is_pinned": true,
  "reply_count": 2,
  "last_reply_at": 12,
  "metadata": {
    "reactions": [
      {
        "post_id": "p1aaaaaaaaaaaaaaaaaaaaaaaa",
        "user_id": "u1aaaaaaaaaaaaaaaaaaaaaaaa",
        "emoji_name": "smile",
        "create_at": 13
      }
    ],
    "files": [
      {
        "id": "f1aaaaaaaaaaaaaaaaaaaaaaaa",
        "creator_id": "u1aaaaaaaaaaaaaaaaaaaaaaaa",
        "post_id": "p1aaaaaaaaaaaaaaaaaaaaaaaa",
        "channel_id": "c1aaaaaaaaaaaaaaaaaaaaaaaa",
        "name": "a.png",
        "extension": "png",
        "size": 100,
        "mime_type": "image/png",
        "width": 10,
        "height": 10,
        "create_at": 9,
        "has_preview_image": true
      }
    ]
  }
};

/** Compares as the wire does: JSON text, key order included. */
const same = (got: unknown, want: unknown) => assert.is(JSON.stringify(got), JSON.stringify(want));

test('user: first/last name, timezone strings, notify props with defaults, neutral fields', () => {
  same(presentMmUser(user), {
  "id": "u1aaaaaaaaaaaaaaaaaaaaaaaa",
  "create_at": 1000,
  "update_at": 2000,
  "delete_at": 0,
  "username": "alice",
  "auth_data": "",
  "auth_service": "",
  "email": "alice@example.com",
  "email_verified": true,
  "nickname": "ally",
  "first_name": "Alice A",
  "last_name": "",
  "position": "dev",
  "roles": "system_user",
  "locale": "de",
  "timezone": {
    "useAutomaticTimezone": "false",
    "automaticTimezone": "",
    "manualTimezone": "Europe/Berlin"
  },
  "props": {},
  "notify_props": {
    "email": "true",
    "push": "mention",
    "desktop": "all",
    "desktop_sound": "true",
    "mention_keys": "",
    "channel": "true",
    "first_name": "false",
    "comments": "never",
    "push_status": "away"
  },
  "last_password_update": 0,
  "last_picture_update": 1600,
  "is_bot": false,
  "bot_description": "",
  "mfa_active": true,
  "disable_welcome_email": false
});
});

test('user: a display name alone shows as the first name; no email when the native user has none', () => {
  const { email: _e, ...other } = user;
  const got = presentMmUser({ ...other, first_name: '', last_name: '' });
  assert.is(got.first_name, 'Alice A');
  assert.is(got.email, '');
});

test('team: invite_id only when the native team carries it', () => {
  same(presentMmTeam(team), {
  "id": "t1aaaaaaaaaaaaaaaaaaaaaaaa",
  "create_at": 1,
  "update_at": 2,
  "delete_at": 0,
  "display_name": "Ops",
  "name": "ops",
  "description": "d",
  "email": "",
  "type": "I",
  "company_name": "",
  "allowed_domains": "",
  "invite_id": "inv123",
  "allow_open_invite": false,
  "scheme_id": "",
  "group_constrained": false,
  "policy_id": null,
  "last_team_icon_update": 0,
  "cloud_limits_archived": false
});
  const { invite_id: _i, ...noInvite } = team;
  assert.is(presentMmTeam(noInvite).invite_id, '');
});

test('channel and member: roles as Mattermost lists them, notify props with defaults', () => {
  same(presentMmChannel(channel), {
  "id": "c1aaaaaaaaaaaaaaaaaaaaaaaa",
  "create_at": 1,
  "update_at": 2,
  "delete_at": 0,
  "team_id": "t1aaaaaaaaaaaaaaaaaaaaaaaa",
  "type": "O",
  "display_name": "Town Square",
  "name": "town-square",
  "header": "h",
  "purpose": "p",
  "last_post_at": 3,
  "last_root_post_at": 3,
  "total_msg_count": 7,
  "total_msg_count_root": 5,
  "extra_update_at": 0,
  "creator_id": "u1aaaaaaaaaaaaaaaaaaaaaaaa",
  "scheme_id": null,
  "props": null,
  "group_constrained": null,
  "shared": false,
  "policy_id": null
});
  same(presentMmChannelMember(member), {
  "channel_id": "c1aaaaaaaaaaaaaaaaaaaaaaaa",
  "user_id": "u1aaaaaaaaaaaaaaaaaaaaaaaa",
  "roles": "channel_user channel_admin",
  "last_viewed_at": 3,
  "msg_count": 7,
  "mention_count": 1,
  "mention_count_root": 1,
  "urgent_mention_count": 0,
  "msg_count_root": 5,
  "notify_props": {
    "desktop": "mention",
    "desktop_sound": "default",
    "email": "default",
    "mark_unread": "all",
    "push": "default",
    "ignore_channel_mentions": "default",
    "channel_auto_follow_threads": "off"
  },
  "last_update_at": 3,
  "scheme_guest": false,
  "scheme_user": true,
  "scheme_admin": true,
  "explicit_roles": ""
});
});

test('post: files and reactions as metadata, reactions with the post\'s channel, client_msg_id as pending_post_id', () => {
  same(presentMmPost(post), {
  "id": "p1aaaaaaaaaaaaaaaaaaaaaaaa",
  "create_at": 10,
  "update_at": 11,
  "edit_at": 0,
  "delete_at": 0,
  "is_pinned": true,
  "user_id": "u1aaaaaaaaaaaaaaaaaaaaaaaa",
  "channel_id": "c1aaaaaaaaaaaaaaaaaaaaaaaa",
  "root_id": "",
  "original_id": "",
  "message": "hello",
  "type": "",
  "props": {
    "a": 1
  },
  "hashtags": "",
  "file_ids": [
    "f1aaaaaaaaaaaaaaaaaaaaaaaa"
  ],
  "pending_post_id": "cm1",
  "remote_id": "",
  "reply_count": 2,
  "last_reply_at": 12,
  "participants": null,
  "metadata": {
    "embeds": [],
    "emojis": [],
    "images": {},
    "files": [
      {
        "id": "f1aaaaaaaaaaaaaaaaaaaaaaaa",
        "user_id": "u1aaaaaaaaaaaaaaaaaaaaaaaa",
        "post_id": "p1aaaaaaaaaaaaaaaaaaaaaaaa",
        "channel_id": "c1aaaaaaaaaaaaaaaaaaaaaaaa",
        "create_at": 9,
        "update_at": 9,
        "delete_at": 0,
        "name": "a.png",
        "extension": "png",
        "size": 100,
        "mime_type": "image/png",
        "width": 10,
        "height": 10,
        "has_preview_image": true,
        "mini_preview": null,
        "remote_id": "",
        "archived": false
      }
    ],
    "reactions": [
      {
        "user_id": "u1aaaaaaaaaaaaaaaaaaaaaaaa",
        "post_id": "p1aaaaaaaaaaaaaaaaaaaaaaaa",
        "emoji_name": "smile",
        "create_at": 13,
        "update_at": 13,
        "delete_at": 0,
        "remote_id": "",
        "channel_id": "c1aaaaaaaaaaaaaaaaaaaaaaaa"
      }
    ]
  }
});
  same(presentMmFileInfo(post.metadata.files[0]!), {
  "id": "f1aaaaaaaaaaaaaaaaaaaaaaaa",
  "user_id": "u1aaaaaaaaaaaaaaaaaaaaaaaa",
  "post_id": "p1aaaaaaaaaaaaaaaaaaaaaaaa",
  "channel_id": "c1aaaaaaaaaaaaaaaaaaaaaaaa",
  "create_at": 9,
  "update_at": 9,
  "delete_at": 0,
  "name": "a.png",
  "extension": "png",
  "size": 100,
  "mime_type": "image/png",
  "width": 10,
  "height": 10,
  "has_preview_image": true,
  "mini_preview": null,
  "remote_id": "",
  "archived": false
});
  same(presentMmReaction(post.metadata.reactions[0]!, post.channel_id), (presentMmPost(post).metadata as { reactions: unknown[] }).reactions[0]);
});

test('post: a deleted post keeps ids and times, loses content and metadata', () => {
  const deleted: Post = { ...post, delete_at: 5, message: '', props: {}, file_ids: [], metadata: { reactions: [], files: [] } };
  same(presentMmPost(deleted), {
  "id": "p1aaaaaaaaaaaaaaaaaaaaaaaa",
  "create_at": 10,
  "update_at": 11,
  "edit_at": 0,
  "delete_at": 5,
  "is_pinned": true,
  "user_id": "u1aaaaaaaaaaaaaaaaaaaaaaaa",
  "channel_id": "c1aaaaaaaaaaaaaaaaaaaaaaaa",
  "root_id": "",
  "original_id": "",
  "message": "",
  "type": "",
  "props": {},
  "hashtags": "",
  "file_ids": [],
  "pending_post_id": "cm1",
  "remote_id": "",
  "reply_count": 2,
  "last_reply_at": 12,
  "participants": null,
  "metadata": {}
});
});

test('post list: order newest first as given, posts by id, cursors', () => {
  const older = { ...post, id: 'p2aaaaaaaaaaaaaaaaaaaaaaaa' };
  const list = presentMmPostList([presentMmPost(post), presentMmPost(older)], { prev_post_id: 'x', has_next: true });
  assert.equal(list.order, [post.id, older.id]);
  assert.equal(Object.keys(list.posts), [post.id, older.id]);
  assert.is(list.next_post_id, '');
  assert.is(list.prev_post_id, 'x');
  assert.is(list.has_next, true);
});

test.run();
