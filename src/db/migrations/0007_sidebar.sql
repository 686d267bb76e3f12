-- Sidebar categories (Mattermost's channel categories), per user and team. A user with no rows
-- for a team sees the three default categories (favorites, channels, direct_messages); the first
-- change writes them (ids `<type>_<user>_<team>`, Mattermost's form). `sort_order` orders the
-- categories of a user and team.
create table sidebar_categories (
  id text primary key,
  user_id text not null references users(id) on delete cascade,
  team_id text not null references teams(id) on delete cascade,
  type text not null,               -- favorites | channels | direct_messages | custom
  display_name text not null,
  sorting text not null default '', -- '' | alpha | recent | manual
  muted boolean not null default false,
  collapsed boolean not null default false,
  sort_order integer not null,
  create_at bigint not null,
  update_at bigint not null
);
create index sidebar_categories_user_team_idx on sidebar_categories (user_id, team_id, sort_order);

-- Where a channel sits in a user's sidebar of a team, and its place in that category. A channel
-- of the user's with no row sits in its default category (favorites when the user's
-- favorite_channel preference says so, direct_messages for direct and group channels, channels
-- otherwise), after the placed ones.
create table sidebar_channels (
  user_id text not null references users(id) on delete cascade,
  team_id text not null references teams(id) on delete cascade,
  channel_id text not null references channels(id) on delete cascade,
  category_id text not null references sidebar_categories(id) on delete cascade,
  sort_order integer not null,
  primary key (user_id, team_id, channel_id)
);
create index sidebar_channels_category_idx on sidebar_channels (category_id);
create index sidebar_channels_channel_idx on sidebar_channels (channel_id, user_id);
