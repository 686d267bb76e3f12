-- RustChat schema, version 1: accounts, sessions, teams, channels, posts, reactions, files,
-- preferences, audit log, site settings. Ids are 26-char text; times are ms since the epoch
-- (bigint); delete_at = 0 means live. Runs on PostgreSQL 14+ and PGlite.

create table users (
  id text primary key,
  username text not null,
  email text not null,
  password_hash text not null default '',
  display_name text not null default '',
  first_name text not null default '',
  last_name text not null default '',
  nickname text not null default '',
  position text not null default '',
  timezone jsonb not null default '{}'::jsonb,
  locale text not null default 'en',
  roles text not null default 'system_user',
  props jsonb not null default '{}'::jsonb,
  create_at bigint not null,
  update_at bigint not null,
  delete_at bigint not null default 0,
  last_password_update bigint not null default 0,
  last_picture_update bigint not null default 0
);
create unique index users_username_key on users (lower(username));
create unique index users_email_key on users (lower(email));

create table sessions (
  id text primary key,
  user_id text not null references users(id) on delete cascade,
  create_at bigint not null,
  expires_at bigint not null,
  last_activity_at bigint not null,
  revoked_at bigint not null default 0,
  ip text not null default '',
  user_agent text not null default '',
  device_id text not null default '',
  props jsonb not null default '{}'::jsonb
);
create index sessions_user_idx on sessions (user_id);

create table teams (
  id text primary key,
  name text not null,
  display_name text not null,
  description text not null default '',
  type text not null default 'O' check (type in ('O', 'I')),
  invite_id text not null,
  allow_open_invite boolean not null default true,
  creator_id text not null default '',
  create_at bigint not null,
  update_at bigint not null,
  delete_at bigint not null default 0
);
create unique index teams_name_key on teams (lower(name));
create unique index teams_invite_key on teams (invite_id);

create table team_members (
  team_id text not null references teams(id) on delete cascade,
  user_id text not null references users(id) on delete cascade,
  role text not null default 'team_user' check (role in ('team_user', 'team_admin')),
  create_at bigint not null,
  primary key (team_id, user_id)
);
create index team_members_user_idx on team_members (user_id);

create table channels (
  id text primary key,
  team_id text not null default '',          -- '' for direct and group channels
  type text not null check (type in ('O', 'P', 'D', 'G')),
  name text not null,
  display_name text not null default '',
  header text not null default '',
  purpose text not null default '',
  creator_id text not null default '',
  create_at bigint not null,
  update_at bigint not null,
  delete_at bigint not null default 0,       -- archived when non-zero
  last_post_at bigint not null default 0,
  last_root_post_at bigint not null default 0,
  total_msg_count bigint not null default 0,
  total_msg_count_root bigint not null default 0
);
-- DM names are the two user ids sorted and joined by '__'; group names are a hash of the member
-- ids. Both have team_id '', so this index also makes get-or-create of DMs/groups race-free.
create unique index channels_team_name_key on channels (team_id, name);
create index channels_team_idx on channels (team_id) where team_id <> '';

create table channel_members (
  channel_id text not null references channels(id) on delete cascade,
  user_id text not null references users(id) on delete cascade,
  role text not null default 'channel_user' check (role in ('channel_user', 'channel_admin')),
  last_viewed_at bigint not null default 0,
  msg_count bigint not null default 0,          -- channel total_msg_count when last viewed
  mention_count bigint not null default 0,      -- mentions since last viewed
  msg_count_root bigint not null default 0,
  mention_count_root bigint not null default 0,
  notify_props jsonb not null default '{}'::jsonb,
  create_at bigint not null,
  last_update_at bigint not null,
  primary key (channel_id, user_id)
);
create index channel_members_user_idx on channel_members (user_id);

create table posts (
  id text primary key,
  seq bigserial not null,                     -- no global index: see posts_channel_seq_idx
  channel_id text not null references channels(id) on delete cascade,
  user_id text not null,
  root_id text not null default '',
  message text not null default '',
  type text not null default '',
  props jsonb not null default '{}'::jsonb,
  hashtags text not null default '',
  file_ids jsonb not null default '[]'::jsonb,
  client_msg_id text,
  mentions jsonb not null default '[]'::jsonb,    -- user ids mentioned by @username
  mention_channel boolean not null default false, -- @channel / @all / @here
  create_at bigint not null,
  update_at bigint not null,
  edit_at bigint not null default 0,
  delete_at bigint not null default 0,
  is_pinned boolean not null default false,
  reply_count bigint not null default 0,
  last_reply_at bigint not null default 0,
  search_vector tsvector generated always as (to_tsvector('english', message)) stored
);
-- History pages walk this index. seq has deliberately no index of its own: with one, the planner
-- may walk it backwards through every other channel's newer posts to fill one channel's page
-- (a large channel with old posts: 25-60 ms instead of 0.1 ms at 150,000 posts). Search orders
-- by (create_at, seq) instead, on posts_create_seq_idx.
create index posts_channel_seq_idx on posts (channel_id, seq);
create index posts_root_seq_idx on posts (root_id, seq) where root_id <> '';
create index posts_channel_update_idx on posts (channel_id, update_at);  -- history ?since=
create index posts_pinned_idx on posts (channel_id) where is_pinned and delete_at = 0;
create unique index posts_client_msg_key on posts (user_id, client_msg_id) where client_msg_id is not null;
create index posts_search_idx on posts using gin (search_vector);
create index posts_user_idx on posts (user_id, seq);
create index posts_create_seq_idx on posts (create_at, seq);  -- search order and date filters

create table reactions (
  post_id text not null references posts(id) on delete cascade,
  user_id text not null,
  emoji_name text not null,
  channel_id text not null,
  create_at bigint not null,
  primary key (post_id, user_id, emoji_name)
);

create table files (
  id text primary key,
  creator_id text not null,
  channel_id text not null default '',
  post_id text not null default '',
  name text not null,
  extension text not null default '',
  size bigint not null,
  mime_type text not null default 'application/octet-stream',
  width integer not null default 0,
  height integer not null default 0,
  storage_key text not null,
  thumbnail_key text not null default '',
  sha256 text not null default '',
  create_at bigint not null,
  delete_at bigint not null default 0
);
create index files_post_idx on files (post_id) where post_id <> '';
create index files_creator_idx on files (creator_id);

create table preferences (
  user_id text not null references users(id) on delete cascade,
  category text not null,
  name text not null,
  value text not null,
  primary key (user_id, category, name)
);

create table user_status (
  user_id text primary key references users(id) on delete cascade,
  status text not null default 'offline',
  manual boolean not null default false,
  last_activity_at bigint not null default 0
);

create table audit_log (
  id bigserial primary key,
  create_at bigint not null,
  actor_id text not null default '',
  action text not null,
  target_type text not null default '',
  target_id text not null default '',
  ip text not null default '',
  success boolean not null default true,
  details jsonb not null default '{}'::jsonb
);
create index audit_log_time_idx on audit_log (create_at);

create table site_settings (
  key text primary key,
  value jsonb not null
);
