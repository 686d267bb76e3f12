import type { Deps } from '../deps.ts';
import type { Auth } from './tokens.ts';
import { inTx } from './tx.ts';
import { accessPost, presentReaction } from './posts.ts';
import { badRequest } from '../errors.ts';
import { isId } from '../ids.ts';
import * as store from '../store/reactions.ts';
import { channelMemberIds, getPostsByIds, touchPost } from '../store/posts.ts';
import { readableChannelIds } from './access.ts';
import type { ReactionRow } from '../store/reactions.ts';

export { presentReaction };

const EMOJI_RE = /^[a-z0-9_+-]{1,64}$/;
/** Distinct emoji on one post (Mattermost's UniqueEmojiReactionLimitPerPost default): every history page carries them. */
export const MAX_EMOJI_PER_POST = 50;

/** Validates an emoji name (Mattermost's short names: `+1`, `white_check_mark`, …). */
export function checkEmojiName(v: unknown): string {
  if (typeof v !== 'string' || !EMOJI_RE.test(v)) throw badRequest('invalid_emoji_name', 'emoji_name must match ^[a-z0-9_+-]{1,64}$');
  return v;
}

/** Reactions on a post the caller can read, oldest first. */
export async function listReactions(deps: Deps, auth: Auth, postId: string): Promise<ReactionRow[]> {
  const { post } = await accessPost(deps.db, auth, postId);
  return store.reactionsOfPosts(deps.db, [post.id]);
}

/**
 * Reactions of several posts the caller can read, by post id (oldest first each); posts that are
 * deleted, unknown or in channels the caller cannot read are absent. Three queries whatever the
 * number of posts.
 */
export async function listReactionsOfPosts(deps: Deps, auth: Auth, postIds: readonly string[]): Promise<Map<string, ReactionRow[]>> {
  const rows = (await getPostsByIds(deps.db, [...new Set(postIds.filter(isId))])).filter((p) => p.delete_at === 0);
  const readable = await readableChannelIds(deps.db, auth, rows.map((p) => p.channel_id));
  const visible = rows.filter((p) => readable.has(p.channel_id)).map((p) => p.id);
  const out = new Map<string, ReactionRow[]>(visible.map((id) => [id, []]));
  for (const r of await store.reactionsOfPosts(deps.db, visible)) out.get(r.post_id)!.push(r);
  return out;
}

/**
 * Adds the caller's reaction (members only). Adding one that exists returns it and emits
 * nothing; a new one emits reaction_added to the channel's members.
 */
export async function addReaction(deps: Deps, auth: Auth, postId: string, emojiName: unknown): Promise<{ reaction: ReactionRow; created: boolean }> {
  if (!isId(postId)) throw badRequest('invalid_id', 'post id is not a valid id');
  const emoji = checkEmojiName(emojiName);
  return inTx(deps, async (tx, emit) => {
    const a = await accessPost(tx, auth, postId, { mode: 'write', lock: true });
    const on = await store.emojiOnPost(tx, postId, emoji);
    if (!on.present && on.distinct >= MAX_EMOJI_PER_POST) {
      throw badRequest('too_many_reactions', `A post can have at most ${MAX_EMOJI_PER_POST} different emoji`, { max: MAX_EMOJI_PER_POST });
    }
    const now = deps.now();
    const inserted = await store.insertReaction(tx, { post_id: postId, user_id: auth.user.id, emoji_name: emoji, channel_id: a.channel.id, create_at: now });
    if (!inserted) {
      const existing = (await store.reactionsOfPosts(tx, [postId])).find((r) => r.user_id === auth.user.id && r.emoji_name === emoji)!;
      return { reaction: existing, created: false };
    }
    await touchPost(tx, postId, now);
    emit({
      event: 'reaction_added',
      data: { reaction: presentReaction(inserted), channel_id: a.channel.id },
      broadcast: { user_ids: await channelMemberIds(tx, a.channel.id), channel_id: a.channel.id, team_id: a.channel.team_id || undefined },
    });
    return { reaction: inserted, created: true };
  });
}

/** Removes the caller's reaction; removing one that does not exist is a no-op without events. */
export async function removeReaction(deps: Deps, auth: Auth, postId: string, emojiName: unknown): Promise<{ removed: boolean }> {
  if (!isId(postId)) throw badRequest('invalid_id', 'post id is not a valid id');
  const emoji = checkEmojiName(emojiName);
  return inTx(deps, async (tx, emit) => {
    const a = await accessPost(tx, auth, postId, { mode: 'write', lock: true });
    const removed = await store.deleteReaction(tx, postId, auth.user.id, emoji);
    if (!removed) return { removed: false };
    await touchPost(tx, postId, deps.now());
    emit({
      event: 'reaction_removed',
      data: { reaction: presentReaction(removed), channel_id: a.channel.id },
      broadcast: { user_ids: await channelMemberIds(tx, a.channel.id), channel_id: a.channel.id, team_id: a.channel.team_id || undefined },
    });
    return { removed: true };
  });
}
