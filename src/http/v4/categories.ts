import { Hono, type Context } from 'hono';
import type { AppEnv } from '../env.ts';
import { listMyTeamChannels } from '../../actions/unreads.ts';
import { getPreferences } from '../../actions/preferences.ts';
import { mmJson } from './respond.ts';
import { mmId } from './params.ts';
import { notImplemented } from './errors.ts';

/**
 * The sidebar categories the Mattermost apps draw, derived (read-only) from what RustChat has:
 * Favorites (the `favorite_channel` preferences the apps write), Channels (public and private,
 * by name) and Direct Messages (DMs and groups, most recent first). RustChat has no custom
 * categories; changing them answers 501.
 */
async function categoriesOf(c: Context<AppEnv>) {
  const auth = c.get('auth');
  const uid = c.req.param('uid');
  if (uid !== 'me' && uid !== auth.user.id) throw notImplemented('GET', '/api/v4/users/{other user}/teams/{tid}/channels/categories');
  const tid = mmId(c, 'tid');
  const deps = c.get('deps');
  const [{ items }, favs] = await Promise.all([listMyTeamChannels(deps, auth, tid), getPreferences(deps, auth, auth.user.id, 'favorite_channel')]);
  const favorite = new Set(favs.filter((p) => p.value === 'true').map((p) => p.name));
  const live = items.filter((ch) => ch.delete_at === 0);
  const byName = (a: { display_name: string; name: string }, b: { display_name: string; name: string }) => (a.display_name || a.name).localeCompare(b.display_name || b.name);
  const favorites = live.filter((ch) => favorite.has(ch.id)).sort(byName);
  const channels = live.filter((ch) => !favorite.has(ch.id) && (ch.type === 'O' || ch.type === 'P')).sort(byName);
  const direct = live.filter((ch) => !favorite.has(ch.id) && (ch.type === 'D' || ch.type === 'G')).sort((a, b) => b.last_post_at - a.last_post_at);
  const me = auth.user.id;
  const category = (type: string, displayName: string, ids: string[], sorting: string) => ({
    id: `${type}_${me}_${tid}`,
    user_id: me,
    team_id: tid,
    type,
    display_name: displayName,
    sort_order: 0,
    sorting,
    muted: false,
    collapsed: false,
    channel_ids: ids,
  });
  const categories = [
    category('favorites', 'Favorites', favorites.map((ch) => ch.id), ''),
    category('channels', 'Channels', channels.map((ch) => ch.id), 'alpha'),
    category('direct_messages', 'Direct Messages', direct.map((ch) => ch.id), 'recent'),
  ].map((cat, i) => ({ ...cat, sort_order: (i + 1) * 10 }));
  return { categories, order: categories.map((cat) => cat.id) };
}

export function categoryRoutes() {
  const r = new Hono<AppEnv>();
  r.get('/users/:uid/teams/:tid/channels/categories', async (c) => mmJson(c, await categoriesOf(c)));
  r.get('/users/:uid/teams/:tid/channels/categories/order', async (c) => mmJson(c, (await categoriesOf(c)).order));
  return r;
}
