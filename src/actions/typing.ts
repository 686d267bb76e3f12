import type { Deps } from '../deps.ts';
import { badRequest, forbidden, notFound } from '../errors.ts';
import { isId } from '../ids.ts';
import { channelMembersAndArchive } from '../store/members.ts';

/** One typing event per user, channel and thread at most this often; the rest are dropped. */
export const TYPING_THROTTLE_MS = 1000;
const THROTTLE_SWEEP_AT = 10_000;

/**
 * `typing {channel_id, root_id?}` from a socket: tells the channel's other members, at most once
 * a second per user and thread. Ephemeral: no seq on the native socket and never replayed (it
 * is stale after a second). Recipients are the current members, read now. Refused as a write
 * is (accessChannel 'write'): 404 `channel_not_found` for a channel of an archived team, 403
 * `forbidden` for a non-member, 403 `channel_archived` in an archived channel.
 */
export async function userTyping(deps: Deps, userId: string, input: Record<string, unknown>): Promise<{ sent: boolean }> {
  const channelId = input.channel_id;
  const rootId = input.root_id ?? input.parent_id ?? '';
  if (!isId(channelId)) throw badRequest('invalid_channel_id', 'channel_id must be a 26-character id');
  if (rootId !== '' && !isId(rootId)) throw badRequest('invalid_root_id', 'root_id must be a 26-character id');
  const now = deps.now();
  const last = deps.services.caches.typing;
  const key = `${userId}:${channelId}:${rootId}`;
  const prev = last.get(key);
  if (prev !== undefined && now - prev < TYPING_THROTTLE_MS) return { sent: false };
  // Claimed before the membership read: a burst of frames all reach this line before any read
  // returns, and only the first may go on (checking after the await let 11-13 through).
  if (last.size >= THROTTLE_SWEEP_AT) for (const [k, at] of last) if (now - at >= TYPING_THROTTLE_MS) last.delete(k);
  last.set(key, now);
  let userIds: string[];
  try {
    const found = await channelMembersAndArchive(deps.db, channelId);
    // The channels of an archived team go with it, as accessChannel answers.
    if (!found || found.team_delete_at) throw notFound('channel_not_found', 'Channel not found');
    userIds = found.user_ids;
    if (!userIds.includes(userId)) throw forbidden('forbidden', 'You are not a member of this channel');
    if (found.channel_delete_at !== 0) throw forbidden('channel_archived', 'This channel is archived');
  } catch (e) {
    // Nothing was sent: give the claim back (unless a later frame has taken it since).
    if (last.get(key) === now) {
      if (prev === undefined) last.delete(key);
      else last.set(key, prev);
    }
    throw e;
  }
  deps.bus.publish({
    event: 'typing',
    data: { channel_id: channelId, root_id: rootId, user_id: userId, at: now },
    broadcast: { user_ids: userIds, omit_user_id: userId, channel_id: channelId },
    ephemeral: true,
  });
  return { sent: true };
}
