import type { Deps } from '../deps.ts';
import { localState } from '../deps.ts';
import { badRequest, forbidden } from '../errors.ts';
import { isId } from '../ids.ts';

/** One typing event per user, channel and thread at most this often; the rest are dropped. */
export const TYPING_THROTTLE_MS = 1000;
const THROTTLE_SWEEP_AT = 10_000;

/**
 * `typing {channel_id, root_id?}` from a socket: tells the channel's other members, at most once
 * a second per user and thread. Ephemeral: no seq on the native socket and never replayed (it
 * is stale after a second). Recipients are the current members, read now.
 */
export async function userTyping(deps: Deps, userId: string, input: Record<string, unknown>): Promise<{ sent: boolean }> {
  const channelId = input.channel_id;
  const rootId = input.root_id ?? input.parent_id ?? '';
  if (!isId(channelId)) throw badRequest('invalid_channel_id', 'channel_id must be a 26-character id');
  if (rootId !== '' && !isId(rootId)) throw badRequest('invalid_root_id', 'root_id must be a 26-character id');
  const now = deps.now();
  const last = localState(deps, 'typing-throttle', () => new Map<string, number>());
  const key = `${userId}:${channelId}:${rootId}`;
  const prev = last.get(key);
  if (prev !== undefined && now - prev < TYPING_THROTTLE_MS) return { sent: false };
  const rows = await deps.db.query<{ user_id: string }>(
    `select m.user_id from channel_members m join channels c on c.id = m.channel_id where m.channel_id = $1 and c.delete_at = 0`,
    [channelId],
  );
  const userIds = rows.map((r) => r.user_id);
  if (!userIds.includes(userId)) throw forbidden('forbidden', 'You are not a member of this channel');
  if (last.size >= THROTTLE_SWEEP_AT) for (const [k, at] of last) if (now - at >= TYPING_THROTTLE_MS) last.delete(k);
  last.set(key, now);
  deps.bus.publish({
    event: 'typing',
    data: { channel_id: channelId, root_id: rootId, user_id: userId, at: now },
    broadcast: { user_ids: userIds, omit_user_id: userId, channel_id: channelId },
    ephemeral: true,
  });
  return { sent: true };
}
