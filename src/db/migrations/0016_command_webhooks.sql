-- A custom slash command's response_url (Mattermost's CommandWebhook): each run of a command
-- gets one, and the command's service may POST up to 5 answers to /hooks/commands/{id} within
-- 30 minutes (a delayed reply). It answers as the user who ran the command, in the channel (and
-- thread) it was run in.
create table command_webhooks (
  id text primary key,
  command_id text not null references commands(id) on delete cascade,
  user_id text not null references users(id) on delete cascade,
  channel_id text not null references channels(id) on delete cascade,
  root_id text not null default '',
  create_at bigint not null,
  use_count int not null default 0
);
create index command_webhooks_create_at_idx on command_webhooks (create_at);
