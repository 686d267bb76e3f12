-- Offline notification emails waiting for their batch. A row per (recipient, post), written by
-- the post's own statement (src/store/posts.ts) for each mentioned member (DM and group
-- recipients included) who, at that moment, is not online, has email notifications on for the
-- channel (user notify prop email, channel notify prop email), has not muted the channel and
-- whose email interval is not "never". The notification sender (src/mail/notifications.ts)
-- groups a recipient's rows per channel into one email when the first row is older than their
-- interval, leaving out posts they have read or can no longer see, and deletes the rows in the
-- transaction that queues the email: each row is emailed at most once.
create table email_notifications (
  user_id text not null references users(id) on delete cascade,
  post_id text not null references posts(id) on delete cascade,
  channel_id text not null references channels(id) on delete cascade,
  create_at bigint not null,
  primary key (user_id, post_id)
);
create index email_notifications_create_idx on email_notifications (create_at);
