-- Edit history: each edit of a post keeps the version it replaced (message, files, props), as
-- Mattermost keeps old versions for GET /posts/{id}/edit_history. `written_at` is when that
-- version was written (the post's create_at, or the edit that produced it); `replaced_at` is the
-- edit that replaced it. At most 100 versions are kept per post (src/store/post-edits.ts).
create table post_edits (
  id text primary key,
  post_id text not null references posts(id) on delete cascade,
  message text not null,
  file_ids jsonb not null default '[]'::jsonb,
  props jsonb not null default '{}'::jsonb,
  written_at bigint not null,
  replaced_at bigint not null
);
create index post_edits_post_idx on post_edits (post_id, replaced_at);
