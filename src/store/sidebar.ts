import type { Queryable } from '../db/driver.ts';
import type { SidebarCategoryType, SidebarSorting } from '../contract/objects.ts';

/** Tables sidebar_categories and sidebar_channels (0007_sidebar.sql). */
export interface CategoryRow {
  id: string;
  user_id: string;
  team_id: string;
  type: SidebarCategoryType;
  display_name: string;
  sorting: SidebarSorting;
  muted: boolean;
  collapsed: boolean;
  sort_order: number;
  create_at: number;
  update_at: number;
}

export interface PlacementRow {
  channel_id: string;
  category_id: string;
  sort_order: number;
}

export async function listCategories(q: Queryable, userId: string, teamId: string): Promise<CategoryRow[]> {
  return q.query<CategoryRow>('select * from sidebar_categories where user_id = $1 and team_id = $2 order by sort_order, create_at, id', [userId, teamId]);
}

export async function listPlacements(q: Queryable, userId: string, teamId: string): Promise<PlacementRow[]> {
  return q.query<PlacementRow>('select channel_id, category_id, sort_order from sidebar_channels where user_id = $1 and team_id = $2 order by category_id, sort_order, channel_id', [userId, teamId]);
}

/** Inserts categories that do not exist yet (by id); existing ones are left as they are. */
export async function insertCategories(q: Queryable, rows: CategoryRow[]): Promise<void> {
  if (!rows.length) return;
  await q.query(
    `insert into sidebar_categories (id, user_id, team_id, type, display_name, sorting, muted, collapsed, sort_order, create_at, update_at)
     select id, user_id, team_id, type, display_name, sorting, muted, collapsed, sort_order, create_at, update_at
       from jsonb_to_recordset($1::text::jsonb) as x(id text, user_id text, team_id text, type text, display_name text, sorting text,
            muted boolean, collapsed boolean, sort_order integer, create_at bigint, update_at bigint)
     on conflict (id) do nothing`,
    [JSON.stringify(rows)],
  );
}

export async function updateCategory(q: Queryable, row: CategoryRow): Promise<void> {
  await q.query(
    `update sidebar_categories set display_name = $2, sorting = $3, muted = $4, collapsed = $5, sort_order = $6, update_at = $7 where id = $1`,
    [row.id, row.display_name, row.sorting, row.muted, row.collapsed, row.sort_order, row.update_at],
  );
}

export async function deleteCategory(q: Queryable, id: string): Promise<void> {
  await q.query('delete from sidebar_categories where id = $1', [id]);
}

/** Replaces every placement of a user's sidebar in a team (one statement each way). */
export async function replacePlacements(q: Queryable, userId: string, teamId: string, rows: PlacementRow[]): Promise<void> {
  await q.query('delete from sidebar_channels where user_id = $1 and team_id = $2', [userId, teamId]);
  if (!rows.length) return;
  await q.query(
    `insert into sidebar_channels (user_id, team_id, channel_id, category_id, sort_order)
     select $1, $2, channel_id, category_id, sort_order
       from jsonb_to_recordset($3::text::jsonb) as x(channel_id text, category_id text, sort_order integer)`,
    [userId, teamId, JSON.stringify(rows)],
  );
}

/**
 * Forgets where a channel sits in every sidebar of a user (it goes back to its default
 * category: the favorite_channel preference changed). Returns the teams whose sidebar changed.
 */
export async function unplaceChannel(q: Queryable, userId: string, channelId: string): Promise<string[]> {
  const rows = await q.query<{ team_id: string }>('delete from sidebar_channels where user_id = $1 and channel_id = $2 returning team_id', [userId, channelId]);
  return rows.map((r) => r.team_id);
}

/** The user's live teams whose sidebar shows the channel (its team; every team for direct and group channels). */
export async function teamsShowingChannel(q: Queryable, userId: string, channelId: string): Promise<string[]> {
  const rows = await q.query<{ team_id: string }>(
    `select tm.team_id from team_members tm join teams t on t.id = tm.team_id and t.delete_at = 0 join channels c on c.id = $2
      where tm.user_id = $1 and (c.team_id = '' or c.team_id = tm.team_id) order by tm.team_id`,
    [userId, channelId],
  );
  return rows.map((r) => r.team_id);
}
