-- Custom emoji (Mattermost's Emoji): a name anyone can use in messages and reactions, and an image
-- kept in file storage under `storage_key` (emoji/<id>). Deleting one sets delete_at (the row
-- stays, its image object is removed); a name is unique among live emoji only, so a deleted
-- name can be taken again. Reactions and messages that use a name are left as they are.
create table custom_emoji (
  id text primary key,
  name text not null,
  creator_id text not null,
  mime_type text not null,
  size bigint not null,
  width int not null,
  height int not null,
  storage_key text not null,
  sha256 text not null,
  create_at bigint not null,
  update_at bigint not null,
  delete_at bigint not null default 0
);
create unique index custom_emoji_name_key on custom_emoji (name) where delete_at = 0;
create index custom_emoji_create_idx on custom_emoji (create_at, id) where delete_at = 0;
