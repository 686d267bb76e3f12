-- Constraints that cost the posting statement (src/store/posts.ts) PostgreSQL CPU on every post
-- without guarding anything it could get wrong (issue 20; embedded profile at 200 posts/s).

-- 1. email_notifications loses its three foreign keys: each was a full SPI query per inserted row
-- at the end of the posting statement (~2.7 % of PostgreSQL's CPU each). Integrity holds by
-- construction: the only writer is the posting statement, which inserts the row in the same
-- statement as its post, for a member of the locked channel joined with users. What the cascades
-- did: a user's permanent delete (store/users.ts deleteUserRow) deletes their rows itself; posts
-- and channels are never deleted for good (only delete_at), and a restore replaces every table.
-- A row that outlives its user, post or channel anyway is dropped unsent by the notification
-- sender (actions/notification-emails.ts), which emails only posts it can still join.
alter table email_notifications
  drop constraint email_notifications_user_id_fkey,
  drop constraint email_notifications_post_id_fkey,
  drop constraint email_notifications_channel_id_fkey;

-- 2. CHECK constraints become row triggers on the checked column. PostgreSQL rebuilds a table's
-- CHECK expressions (stringToNode + expression_planner) in every statement that updates the
-- table and tests them on every updated row, whatever the columns written: the posting statement
-- updates channels and channel_members counters on every post (ExecConstraints, 3.8 %).
-- "update of <column>" triggers run only when a statement writes that column.
-- AFTER, not BEFORE: a BEFORE UPDATE row trigger makes PostgreSQL lock each row it updates
-- (one more WAL record per row) before it looks at the trigger's column list; AFTER triggers
-- only read the old row, which the foreign-key triggers on both tables already do.
-- Same error as the constraint: SQLSTATE 23514 (check_violation), its name, table and column.
create function channels_type_check() returns trigger language plpgsql as $$
begin
  if not (new.type in ('O', 'P', 'D', 'G')) then
    raise exception 'new row for relation "channels" violates check "channels_type_check": type must be O, P, D or G, not %', quote_literal(new.type)
      using errcode = 'check_violation', table = 'channels', column = 'type', constraint = 'channels_type_check';
  end if;
  return null;
end
$$;
create trigger channels_type_check after insert or update of type on channels
  for each row execute function channels_type_check();
alter table channels drop constraint channels_type_check;

create function channel_members_role_check() returns trigger language plpgsql as $$
begin
  if not (new.role in ('channel_user', 'channel_admin')) then
    raise exception 'new row for relation "channel_members" violates check "channel_members_role_check": role must be channel_user or channel_admin, not %', quote_literal(new.role)
      using errcode = 'check_violation', table = 'channel_members', column = 'role', constraint = 'channel_members_role_check';
  end if;
  return null;
end
$$;
create trigger channel_members_role_check after insert or update of role on channel_members
  for each row execute function channel_members_role_check();
alter table channel_members drop constraint channel_members_role_check;
