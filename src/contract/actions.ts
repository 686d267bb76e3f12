/**
 * Client actions on the native socket (`/api/v1/ws`, docs/realtime.md "Frames"): what a client
 * sends as `{"action": name, "seq": n, "data": …}` and what the OK reply's `data` holds. The
 * server's socket (src/http/v1/ws.ts) and the web client (web/src) both import this module.
 */
import type { Status, StatusName } from './objects.ts';

/**
 * At most this many user ids in one `presence_subscribe` (a connection watches at most these).
 * 250 ids fit in one inbound frame (8 KiB): enough for a channel's members panel and the direct
 * messages a sidebar shows.
 */
export const MAX_PRESENCE_SUBSCRIPTIONS = 250;

export interface ActionMap {
  authenticate: { data: { token: string }; reply: undefined };
  ping: { data: Record<string, never>; reply: { text: 'pong'; server_time: number } };
  typing: { data: { channel_id: string; root_id?: string }; reply: undefined };
  set_status: { data: { status: StatusName; manual?: boolean }; reply: Status };
  /**
   * Watch these users' presence: replaces the connection's set (`[]` clears it). From then on the
   * connection receives `status_change` for each of them, from every server process, until the
   * next call or a fresh `hello` (a new connection starts with none; a resumed one keeps its
   * set). The reply holds their current statuses (unknown ids left out).
   */
  presence_subscribe: { data: { user_ids: string[] }; reply: { statuses: Status[] } };
}

export type ActionName = keyof ActionMap;
