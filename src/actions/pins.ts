import type { Deps } from '../deps.ts';
import type { Auth } from './tokens.ts';
import { inTx } from './tx.ts';
import { accessChannel } from './access.ts';
import { accessPost, loadViews, presentView, type PostView } from './posts.ts';
import { badRequest } from '../errors.ts';
import { isId } from '../ids.ts';
import * as store from '../store/posts.ts';

/** Most pinned posts one channel lists (a channel rarely has more than a handful). */
export const MAX_PINNED = 500;

/**
 * Pins or unpins a post (any member of its channel, as Mattermost's default). Idempotent: a
 * post already in that state is returned and nothing is emitted.
 */
export async function setPostPinned(deps: Deps, auth: Auth, postId: string, pinned: boolean): Promise<PostView> {
  if (!isId(postId)) throw badRequest('invalid_id', 'post id is not a valid id');
  return inTx(deps, async (tx, emit) => {
    const a = await accessPost(tx, auth, postId, { mode: 'write', lock: true });
    const row = await store.setPinned(tx, postId, pinned, Math.max(deps.now(), a.post.update_at));
    const [view] = await loadViews(tx, [row ?? a.post]);
    if (row) {
      emit({
        event: pinned ? 'post_pinned' : 'post_unpinned',
        data: { post: presentView(view), channel_id: a.channel.id },
        broadcast: { user_ids: await store.channelMemberIds(tx, a.channel.id), channel_id: a.channel.id, team_id: a.channel.team_id || undefined },
      });
    }
    return view;
  });
}

export const pinPost = (deps: Deps, auth: Auth, postId: string) => setPostPinned(deps, auth, postId, true);
export const unpinPost = (deps: Deps, auth: Auth, postId: string) => setPostPinned(deps, auth, postId, false);

/** Live pinned posts of a channel the caller can read, newest first. */
export async function listPinned(deps: Deps, auth: Auth, channelId: string): Promise<PostView[]> {
  if (!isId(channelId)) throw badRequest('invalid_id', 'channel id is not a valid id');
  await accessChannel(deps.db, auth, channelId);
  return loadViews(deps.db, await store.listPinned(deps.db, channelId, MAX_PINNED));
}
