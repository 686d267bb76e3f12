-- Integrations (docs/integrations.md): bots, personal access tokens, incoming and outgoing
-- webhooks and custom slash commands, with Mattermost's fields.

-- A bot is a user (so it can be a channel member, post and hold tokens) with is_bot set and a
-- row in bots. Bots have no password and cannot log in; they act through access tokens.
alter table users add column is_bot boolean not null default false;
create table bots (
  user_id text primary key references users(id) on delete cascade,
  description text not null default '',
  owner_id text not null,                    -- the user who manages it ('' once that user is gone)
  create_at bigint not null,
  update_at bigint not null,
  delete_at bigint not null default 0        -- disabled when non-zero (the user is deactivated too)
);
create index bots_owner_idx on bots (owner_id);

-- Personal access tokens. The token is shown once at creation; only its SHA-256 is kept (it is
-- 130 random bits, so a plain hash is enough: nothing to brute-force).
create table access_tokens (
  id text primary key,
  user_id text not null references users(id) on delete cascade,
  token_hash text not null,
  description text not null default '',
  is_active boolean not null default true,
  create_at bigint not null,
  last_used_at bigint not null default 0
);
create unique index access_tokens_hash_key on access_tokens (token_hash);
create index access_tokens_user_idx on access_tokens (user_id);

-- Incoming webhooks: POST /hooks/{id} posts into channel_id (or, when not locked, another
-- channel of the team). The id is the secret part of the URL, as in Mattermost.
create table incoming_webhooks (
  id text primary key,
  team_id text not null references teams(id) on delete cascade,
  channel_id text not null references channels(id) on delete cascade,
  creator_id text not null,
  display_name text not null default '',
  description text not null default '',
  username text not null default '',
  icon_url text not null default '',
  channel_locked boolean not null default false,
  create_at bigint not null,
  update_at bigint not null,
  delete_at bigint not null default 0
);
create index incoming_webhooks_team_idx on incoming_webhooks (team_id) where delete_at = 0;

-- Outgoing webhooks: a post in the team (in channel_id when set) whose first word matches a
-- trigger word is sent to the callback URLs with the token.
create table outgoing_webhooks (
  id text primary key,
  token text not null,                       -- sent to the receiver, so kept as it is
  team_id text not null references teams(id) on delete cascade,
  channel_id text not null default '',
  creator_id text not null,
  trigger_words jsonb not null default '[]'::jsonb,
  trigger_when integer not null default 0 check (trigger_when in (0, 1)),  -- 0 exact first word, 1 starts with
  callback_urls jsonb not null default '[]'::jsonb,
  content_type text not null default 'application/x-www-form-urlencoded',
  display_name text not null default '',
  description text not null default '',
  username text not null default '',
  icon_url text not null default '',
  create_at bigint not null,
  update_at bigint not null,
  delete_at bigint not null default 0
);
create index outgoing_webhooks_team_idx on outgoing_webhooks (team_id) where delete_at = 0;

-- Custom slash commands of a team: /trigger calls url (POST or GET) with the token.
create table commands (
  id text primary key,
  token text not null,
  team_id text not null references teams(id) on delete cascade,
  creator_id text not null,
  trigger text not null,
  method text not null default 'P' check (method in ('P', 'G')),
  url text not null,
  username text not null default '',
  icon_url text not null default '',
  auto_complete boolean not null default false,
  auto_complete_desc text not null default '',
  auto_complete_hint text not null default '',
  display_name text not null default '',
  description text not null default '',
  create_at bigint not null,
  update_at bigint not null,
  delete_at bigint not null default 0
);
create unique index commands_team_trigger_key on commands (team_id, lower(trigger)) where delete_at = 0;
