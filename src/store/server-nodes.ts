import type { Queryable } from '../db/driver.ts';

export interface ServerNode {
  id: string;
  /** 'memory' or 'redis'. */
  bus: string;
  host: string;
  pid: number;
  version: string;
}

export interface PeerRow extends ServerNode {
  /** How long ago (database clock) it started and last refreshed its row, ms. */
  age_ms: number;
  seen_ms_ago: number;
}

/** Milliseconds since the epoch by the database's clock (every process compares the same clock). */
const DB_NOW = `(extract(epoch from clock_timestamp()) * 1000)::bigint`;

/**
 * Refreshes this process's row (started now when it has none) and returns the other processes
 * whose rows were refreshed within `liveMs`. Rows not refreshed for `staleMs` are removed.
 */
export async function beatServerNode(q: Queryable, node: ServerNode, liveMs: number, staleMs: number): Promise<PeerRow[]> {
  await q.query(
    `insert into server_nodes (id, bus, host, pid, version, started_at, seen_at)
     values ($1, $2, $3, $4, $5, ${DB_NOW}, ${DB_NOW})
     on conflict (id) do update set seen_at = ${DB_NOW}`,
    [node.id, node.bus, node.host, node.pid, node.version],
  );
  await q.query(`delete from server_nodes where seen_at < ${DB_NOW} - $1::bigint`, [staleMs]);
  return q.query<PeerRow>(
    `select id, bus, host, pid, version, ${DB_NOW} - started_at as age_ms, ${DB_NOW} - seen_at as seen_ms_ago
       from server_nodes where id <> $1 and seen_at >= ${DB_NOW} - $2::bigint order by started_at`,
    [node.id, liveMs],
  );
}

/** Removes this process's row (clean shutdown). */
export async function removeServerNode(q: Queryable, id: string): Promise<void> {
  await q.query('delete from server_nodes where id = $1', [id]);
}
