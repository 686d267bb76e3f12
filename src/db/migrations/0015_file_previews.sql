-- Image previews (issue 15 item 8): a thumbnail (≤ 120 × 100) and a preview (≤ 1920 × 1080)
-- rendered from each PNG, JPEG, GIF or WebP image at upload (src/files/image-codec.ts).
-- thumbnail_key (from 0001, unused until now) and preview_key name their objects in storage;
-- preview_type is their format (image/jpeg, or image/png for images with transparency);
-- preview_state: '' not rendered yet (files uploaded before this migration: rendered when first
-- asked for), 'ready', or 'failed' (undecodable: the original is served instead).
alter table files add column preview_key text not null default '';
alter table files add column preview_type text not null default '';
alter table files add column thumbnail_size bigint not null default 0;
alter table files add column preview_size bigint not null default 0;
alter table files add column preview_state text not null default '';
