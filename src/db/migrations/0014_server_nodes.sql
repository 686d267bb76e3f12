-- Server processes serving from this database (src/realtime/peers.ts): each PostgreSQL-mode
-- process refreshes its row every few seconds and publishes the same heartbeat on its bus, so a
-- process that sees live rows of others whose heartbeats never reach it over the bus knows that
-- their events miss each other (several servers without Redis, or with different Redis settings)
-- and says so (log, readiness `bus: isolated`, metric). Times are the database's clock (ms).
create table server_nodes (
  id text primary key,
  bus text not null,
  host text not null,
  pid integer not null,
  version text not null,
  started_at bigint not null,
  seen_at bigint not null
);
