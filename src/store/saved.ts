import type { Queryable } from '../db/driver.ts';
import { POST_COLUMNS_P, type PostRow } from './posts.ts';

/**
 * Saved ("flagged") posts. Mattermost keeps them as preferences (category `flagged_post`, name
 * the post id, value "true"), and so does RustChat: the preferences API and the apps' own calls
 * see the same rows. A listing only shows live posts in channels the user is a member of now, in
 * live teams (or direct and group channels).
 */
export const SAVED_CATEGORY = 'flagged_post';

export interface SavedQuery {
  userId: string;
  /** The team's channels and direct/group channels (as Mattermost filters). */
  teamId?: string;
  channelId?: string;
  /** Keyset cursor: a saved post's id; the page holds older posts. */
  before?: string;
  /** Rows skipped (Mattermost's page * per_page). */
  offset?: number;
  limit: number;
}

/** A page of the user's saved posts, newest post first. */
export async function listSavedPosts(q: Queryable, s: SavedQuery): Promise<PostRow[]> {
  const params: unknown[] = [s.userId, SAVED_CATEGORY];
  const where = [`pr.user_id = $1`, `pr.category = $2`, `pr.value = 'true'`, 'p.delete_at = 0', `(c.team_id = '' or t.delete_at = 0)`];
  if (s.teamId !== undefined) {
    params.push(s.teamId);
    where.push(`(c.team_id = $${params.length} or c.team_id = '')`);
  }
  if (s.channelId !== undefined) {
    params.push(s.channelId);
    where.push(`p.channel_id = $${params.length}`);
  }
  if (s.before !== undefined) {
    params.push(s.before);
    where.push(`(p.create_at, p.id) < (select create_at, id from posts where id = $${params.length})`);
  }
  params.push(s.limit);
  let tail = `limit $${params.length}`;
  if (s.offset) {
    params.push(s.offset);
    tail += ` offset $${params.length}`;
  }
  return q.query<PostRow>(
    `select ${POST_COLUMNS_P} from preferences pr
       join posts p on p.id = pr.name
       join channels c on c.id = p.channel_id
       left join teams t on c.team_id <> '' and t.id = c.team_id
       join channel_members cm on cm.channel_id = p.channel_id and cm.user_id = pr.user_id
      where ${where.join(' and ')}
      order by p.create_at desc, p.id desc ${tail}`,
    params,
  );
}
