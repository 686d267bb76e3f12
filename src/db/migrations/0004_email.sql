-- Email: the outbox every message goes through, and password-reset tokens.

-- Every email is a row here, inserted in the same transaction as the change that causes it (a
-- rolled-back change sends nothing). A worker in any process claims due rows with
-- FOR UPDATE SKIP LOCKED and a lease (locked_until), so two processes never hold the same row;
-- it retries on SMTP failure with backoff and gives up ('dead') after smtp.max_attempts tries.
create table email_outbox (
  id text primary key,
  kind text not null,                          -- password_reset, invite, notification, test
  to_address text not null,
  subject text not null,
  text_body text not null,
  html_body text not null default '',
  status text not null default 'pending' check (status in ('pending', 'sent', 'dead')),
  attempts integer not null default 0,
  next_attempt_at bigint not null,             -- due time of the next try
  locked_until bigint not null default 0,      -- end of the lease of the worker sending it now
  lease text not null default '',              -- which claim holds that lease
  last_error text not null default '',
  create_at bigint not null,
  sent_at bigint not null default 0
);
create index email_outbox_due_idx on email_outbox (next_attempt_at) where status = 'pending';
create index email_outbox_dead_idx on email_outbox (create_at) where status = 'dead';

-- Password-reset tokens, stored as SHA-256 of the token (it is 256 random bits): a copy of the
-- table reveals nothing usable. Single use (used_at), one hour.
create table password_reset_tokens (
  token_hash text primary key,
  user_id text not null references users(id) on delete cascade,
  create_at bigint not null,
  expires_at bigint not null,
  used_at bigint not null default 0
);
create index password_reset_tokens_user_idx on password_reset_tokens (user_id);
