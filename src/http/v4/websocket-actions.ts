import type { Deps } from '../../deps.ts';
import { userTyping } from '../../actions/typing.ts';
import { getPresence, setMyStatus, statusesByIds } from '../../actions/presence.ts';
import { getHub } from '../../realtime/hub.ts';

export interface ActionResult {
  ok: boolean;
  data?: Record<string, unknown>;
  error?: { code: string; message: string };
}

/** `{user_id: status}` as Mattermost's status replies carry them. */
async function statusMap(deps: Deps, ids: string[]): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  if (!ids.length) return out;
  for (const s of await statusesByIds(deps, { ids: ids.slice(0, 500) })) out[s.user_id] = s.status;
  return out;
}

/**
 * Mattermost's client actions on `/api/v4/websocket`, over the same actions as the native
 * socket (typing, presence). `ping` and `authentication_challenge` are answered by the socket.
 */
export async function mmClientAction(deps: Deps, userId: string, action: string, data: Record<string, unknown>): Promise<ActionResult> {
  switch (action) {
    case 'user_typing':
      // Mattermost calls the thread root `parent_id`; the typing action reads either name.
      await userTyping(deps, userId, { channel_id: data.channel_id, root_id: data.parent_id ?? '' });
      getPresence(deps).activity(userId);
      return { ok: true };
    case 'user_update_active_status':
      if (data.user_is_active === true) getPresence(deps).activity(userId);
      else if (data.user_is_active === false && data.manual !== true) await setMyStatus(deps, userId, { status: 'away', manual: false });
      return { ok: true };
    case 'presence':
    case 'posted_notify_ack':
      // Active channel/team/thread and notification receipts: RustChat does not track them.
      return { ok: true };
    case 'get_statuses':
      // The users with a socket on this process (Mattermost answers from its status cache).
      return { ok: true, data: await statusMap(deps, [...getHub(deps).localUserIds()]) };
    case 'get_statuses_by_ids': {
      const ids = Array.isArray(data.user_ids) ? data.user_ids.filter((x: unknown) => typeof x === 'string') : [];
      if (!ids.length) return { ok: false, error: { code: 'invalid_user_ids', message: 'user_ids must be a non-empty array' } };
      return { ok: true, data: await statusMap(deps, ids) };
    }
    default:
      return { ok: false, error: { code: 'bad_action', message: `Unknown action ${JSON.stringify(String(action).slice(0, 64))}` } };
  }
}
