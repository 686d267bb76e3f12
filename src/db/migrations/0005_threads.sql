-- Threads a user follows (Mattermost's "collapsed reply threads"). A row per (user, thread root)
-- once the user has followed the thread (by replying, starting it, being mentioned in it, or by
-- hand); `following` false keeps an explicit unfollow, so a later mention does not follow again.
-- Unread replies and mentions are not stored: they are counted from the thread's posts created
-- after last_viewed_at (see src/store/threads.ts), so reading, marking unread and deleting a
-- reply need no counter bookkeeping.
create table thread_members (
  post_id text not null references posts(id) on delete cascade,    -- the thread's root post
  user_id text not null references users(id) on delete cascade,
  channel_id text not null references channels(id) on delete cascade,
  following boolean not null default true,
  last_viewed_at bigint not null default 0,
  last_update_at bigint not null,          -- the member's own changes (follow, read)
  create_at bigint not null,
  primary key (user_id, post_id)
);
-- The followers of a thread (events on each reply); removal by (user, channel) uses the primary
-- key's user prefix.
create index thread_members_post_idx on thread_members (post_id);
