-- Outbox retention (mail/worker.ts): sent emails older than smtp.outbox_retention_days are
-- deleted in small batches every hour. This index lets each batch find the oldest sent rows
-- without reading the whole table (dead rows are few and use email_outbox_dead_idx's table scan).
create index email_outbox_sent_idx on email_outbox (sent_at) where status = 'sent';
