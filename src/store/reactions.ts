import type { Queryable } from '../db/driver.ts';

export interface ReactionRow {
  post_id: string;
  user_id: string;
  emoji_name: string;
  channel_id: string;
  create_at: number;
}

/** Adds a reaction; returns undefined when this user already reacted with this emoji. */
export async function insertReaction(q: Queryable, r: ReactionRow): Promise<ReactionRow | undefined> {
  const rows = await q.query<ReactionRow>(
    `insert into reactions (post_id, user_id, emoji_name, channel_id, create_at) values ($1, $2, $3, $4, $5)
     on conflict (post_id, user_id, emoji_name) do nothing returning *`,
    [r.post_id, r.user_id, r.emoji_name, r.channel_id, r.create_at],
  );
  return rows[0];
}

/** Removes a reaction; returns the removed row, if there was one. */
export async function deleteReaction(q: Queryable, postId: string, userId: string, emojiName: string): Promise<ReactionRow | undefined> {
  const rows = await q.query<ReactionRow>('delete from reactions where post_id = $1 and user_id = $2 and emoji_name = $3 returning *', [postId, userId, emojiName]);
  return rows[0];
}

/** Reactions of the given posts, oldest first. */
export async function reactionsOfPosts(q: Queryable, postIds: string[]): Promise<ReactionRow[]> {
  if (!postIds.length) return [];
  return q.query<ReactionRow>(
    'select * from reactions where post_id in (select jsonb_array_elements_text($1::text::jsonb)) order by create_at, user_id, emoji_name',
    [JSON.stringify(postIds)],
  );
}

/** How many distinct emoji a post has, and whether `emojiName` is among them. */
export async function emojiOnPost(q: Queryable, postId: string, emojiName: string): Promise<{ distinct: number; present: boolean }> {
  const [r] = await q.query<{ distinct: number; present: boolean }>(
    'select count(distinct emoji_name)::int as distinct, coalesce(bool_or(emoji_name = $2), false) as present from reactions where post_id = $1',
    [postId, emojiName],
  );
  return r;
}
