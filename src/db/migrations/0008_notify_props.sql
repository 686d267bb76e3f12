-- A user's notification settings, as Mattermost keeps them (email, desktop, push levels, push
-- status, …; see src/actions/notify-props.ts). Channel members have had theirs since 0001.
alter table users add column notify_props jsonb not null default '{}'::jsonb;
