-- File search (GET /api/v1/files/search, Mattermost's POST /files/search): files are found by the
-- words of their name and, for text files, of their first 64 KiB (`content`, extracted at upload).
-- Name words are split at . _ - / \ and matched by prefix ('simple' configuration: no stemming,
-- no stop words: `rep` finds `Q3-report.pdf`); content uses English stemming like post search.
alter table files add column content text not null default '';
alter table files add column name_vector tsvector
  generated always as (to_tsvector('simple', translate(lower(name), '._-/\', '     '))) stored;
alter table files add column content_vector tsvector
  generated always as (to_tsvector('english', content)) stored;
create index files_name_vector_idx on files using gin (name_vector);
create index files_content_vector_idx on files using gin (content_vector);
-- A channel's files newest first (the channel Files list; search without words).
create index files_channel_create_idx on files (channel_id, create_at desc, id desc) where post_id <> '' and delete_at = 0;
