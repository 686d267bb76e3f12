import type { Deps } from '../deps.ts';
import type { Auth } from './tokens.ts';
import { inTx } from './tx.ts';
import { accessChannel, accessTeam, checkId } from './access.ts';
import { accessPost, loadViews, type PostView } from './posts.ts';
import { badRequest } from '../errors.ts';
import { deletePreference, getPreference, upsertPreference } from '../store/preferences.ts';
import { listSavedPosts, SAVED_CATEGORY } from '../store/saved.ts';

/**
 * Saved messages (Mattermost's flagged posts): a per-user bookmark on a post, stored as the
 * `flagged_post` preference so the Mattermost apps' own preference calls and these routes are
 * the same thing. Saving needs membership of the post's channel (archived channels too); the
 * list shows only posts in channels the caller is a member of at query time.
 */
export const SAVED_DEFAULT_LIMIT = 30;
export const SAVED_MAX_LIMIT = 200;

const pref = (userId: string, postId: string) => ({ user_id: userId, category: SAVED_CATEGORY, name: postId, value: 'true' });

/**
 * Saves or unsaves a post for the caller. Emits `preferences_changed` (save) or
 * `preferences_deleted` (unsave) to the caller's own sockets when the state changed.
 */
export async function setPostSaved(deps: Deps, auth: Auth, postId: string, saved: boolean): Promise<{ post_id: string; saved: boolean }> {
  checkId(postId, 'post id');
  return inTx(deps, async (tx, emit) => {
    await accessPost(tx, auth, postId, { mode: 'write', allowArchived: true });
    const before = await getPreference(tx, auth.user.id, SAVED_CATEGORY, postId);
    const was = before?.value === 'true';
    const broadcast = { user_ids: [auth.user.id] };
    if (saved && !was) {
      await upsertPreference(tx, pref(auth.user.id, postId));
      emit({ event: 'preferences_changed', data: { preferences: [pref(auth.user.id, postId)] }, broadcast });
    } else if (!saved && before) {
      await deletePreference(tx, auth.user.id, SAVED_CATEGORY, postId);
      emit({ event: 'preferences_deleted', data: { preferences: [before] }, broadcast });
    }
    return { post_id: postId, saved };
  });
}

export interface SavedListInput {
  team_id?: string;
  channel_id?: string;
  before?: string;
  /** Posts skipped (the Mattermost adapter's pages). */
  offset?: number;
  limit?: number;
}

/**
 * The caller's saved posts, newest post first: in one team's channels plus direct and group
 * channels (`team_id`, membership checked), or in one channel (`channel_id`, read access
 * checked), else everywhere. `next_cursor` pages on with `before`.
 */
export async function listSaved(deps: Deps, auth: Auth, input: SavedListInput = {}): Promise<{ items: PostView[]; next_cursor: string | null }> {
  const limit = input.limit ?? SAVED_DEFAULT_LIMIT;
  if (!Number.isInteger(limit) || limit < 1) throw badRequest('invalid_limit', `limit must be an integer from 1 to ${SAVED_MAX_LIMIT}`);
  const q = deps.db;
  if (input.team_id !== undefined) await accessTeam(q, auth, checkId(input.team_id, 'team_id'), 'member');
  if (input.channel_id !== undefined) await accessChannel(q, auth, checkId(input.channel_id, 'channel_id'), { allowArchived: true });
  const before = input.before ? checkId(input.before, 'before') : undefined;
  const n = Math.min(limit, SAVED_MAX_LIMIT);
  const rows = await listSavedPosts(q, { userId: auth.user.id, teamId: input.team_id, channelId: input.channel_id, before, offset: input.offset, limit: n + 1 });
  const page = rows.slice(0, n);
  return { items: await loadViews(q, page), next_cursor: rows.length > n ? page[page.length - 1].id : null };
}
