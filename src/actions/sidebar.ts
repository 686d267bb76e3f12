import { z } from 'zod';
import type { Deps } from '../deps.ts';
import type { Queryable } from '../db/driver.ts';
import type { Auth } from './tokens.ts';
import type { SidebarCategories, SidebarCategory, SidebarCategoryType } from '../contract/objects.ts';
import { inTx, type Emit } from './tx.ts';
import { accessTeam, checkId, checkInput, type ChannelRow } from './access.ts';
import { badRequest, forbidden, notFound } from '../errors.ts';
import { newId } from '../ids.ts';
import { listMemberChannels, mergeMemberNotifyProps } from '../store/members.ts';
import { deletePreference, listPreferences, upsertPreference, type PreferenceRow } from '../store/preferences.ts';
import * as store from '../store/sidebar.ts';
import type { CategoryRow } from '../store/sidebar.ts';

/**
 * Sidebar categories (Mattermost's channel categories), per user and team: Favorites, Channels,
 * Direct Messages and the user's own custom categories, in the user's order. Every channel of the
 * user's in the team, and every direct and group channel, is in exactly one category.
 *
 * - Until the user changes anything the three defaults are derived, not stored: favorites are the
 *   channels whose `favorite_channel` preference is "true" (what older apps write), direct and
 *   group channels are in Direct Messages, the rest in Channels.
 * - Moving a channel into a category takes it out of its previous one; a channel taken out of a
 *   category without being put in another goes back to its default category (Channels or Direct
 *   Messages). Channels may not go into Channels if they are direct or group channels, nor into
 *   Direct Messages if they are not.
 * - Favorites and the `favorite_channel` preference are kept in step both ways.
 * - A muted category mutes its channels (mark_unread "mention", as /mute does); a channel moved
 *   into or out of a muted category follows it.
 * - New custom categories go to the top; deleting one sends its channels back to their defaults.
 */
export const MAX_CUSTOM_CATEGORIES = 50;
export const MAX_CATEGORY_NAME = 64;
const MAX_CATEGORIES_PER_REQUEST = 100;
const MAX_CHANNEL_IDS = 10_000;

const DEFAULTS: { type: Exclude<SidebarCategoryType, 'custom'>; display_name: string; sort_order: number }[] = [
  { type: 'favorites', display_name: 'Favorites', sort_order: 0 },
  { type: 'channels', display_name: 'Channels', sort_order: 10 },
  { type: 'direct_messages', display_name: 'Direct Messages', sort_order: 20 },
];

const sortingSchema = z.enum(['', 'alpha', 'recent', 'manual']);
const nameSchema = z.string().trim().min(1).max(MAX_CATEGORY_NAME);
const channelIdsSchema = z.array(z.string()).max(MAX_CHANNEL_IDS);
/** A category as clients send it back (Mattermost's apps send the whole object; extra keys are ignored). */
const updateSchema = z.object({
  id: z.string().min(1).max(100),
  type: z.enum(['favorites', 'channels', 'direct_messages', 'custom']).optional(),
  display_name: nameSchema.optional(),
  sorting: sortingSchema.optional(),
  muted: z.boolean().optional(),
  collapsed: z.boolean().optional(),
  channel_ids: channelIdsSchema.optional(),
});
const createSchema = z.object({
  display_name: nameSchema,
  sorting: sortingSchema.optional(),
  muted: z.boolean().optional(),
  collapsed: z.boolean().optional(),
  channel_ids: channelIdsSchema.optional(),
});
export type CategoryUpdate = z.infer<typeof updateSchema>;

/** A user's sidebar in a team as held in memory: categories in order, channel ids of each. */
interface View {
  userId: string;
  teamId: string;
  /** Whether the categories are stored (false: the derived defaults). */
  stored: boolean;
  cats: CategoryRow[];
  lists: Map<string, string[]>;
  /** My live channels of the team (and direct/group ones), by id. */
  channels: Map<string, ChannelRow>;
  /** Whether I muted the channel (mark_unread "mention"). */
  muted: Map<string, boolean>;
}

const defaultId = (type: string, userId: string, teamId: string) => `${type}_${userId}_${teamId}`;
const isDirect = (ch: ChannelRow) => ch.type === 'D' || ch.type === 'G';

function defaultRows(userId: string, teamId: string, now: number): CategoryRow[] {
  return DEFAULTS.map((d) => ({ id: defaultId(d.type, userId, teamId), user_id: userId, team_id: teamId, type: d.type, display_name: d.display_name, sorting: '', muted: false, collapsed: false, sort_order: d.sort_order, create_at: now, update_at: now }));
}

const byName = (a: ChannelRow, b: ChannelRow) => (a.display_name || a.name).localeCompare(b.display_name || b.name) || a.id.localeCompare(b.id);
const byRecent = (a: ChannelRow, b: ChannelRow) => b.last_post_at - a.last_post_at || a.id.localeCompare(b.id);

async function loadView(q: Queryable, userId: string, teamId: string, now: number): Promise<View> {
  const [stored, placements, rows, favs] = await Promise.all([
    store.listCategories(q, userId, teamId),
    store.listPlacements(q, userId, teamId),
    listMemberChannels(q, userId, teamId),
    listPreferences(q, userId, 'favorite_channel'),
  ]);
  const cats = stored.length ? [...stored] : defaultRows(userId, teamId, now);
  // A stored sidebar always has its three defaults; keep reading sane if one went missing.
  for (const d of defaultRows(userId, teamId, now)) if (!cats.some((c) => c.type === d.type)) cats.push(d);
  cats.sort((a, b) => a.sort_order - b.sort_order || a.create_at - b.create_at || a.id.localeCompare(b.id));
  const channels = new Map<string, ChannelRow>();
  const muted = new Map<string, boolean>();
  for (const r of rows) {
    if (r.channel.delete_at !== 0) continue;
    channels.set(r.channel.id, r.channel);
    muted.set(r.channel.id, r.member.notify_props?.mark_unread === 'mention');
  }
  const lists = new Map<string, string[]>(cats.map((c) => [c.id, []]));
  const placed = new Set<string>();
  for (const p of [...placements].sort((a, b) => a.sort_order - b.sort_order)) {
    if (!channels.has(p.channel_id) || !lists.has(p.category_id)) continue;
    lists.get(p.category_id)!.push(p.channel_id);
    placed.add(p.channel_id);
  }
  const favorite = new Set(favs.filter((p) => p.value === 'true').map((p) => p.name));
  const idOf = (type: string) => cats.find((c) => c.type === type)!.id;
  const unplaced = [...channels.values()].filter((ch) => !placed.has(ch.id));
  const add = (type: string, chs: ChannelRow[], order: (a: ChannelRow, b: ChannelRow) => number) => lists.get(idOf(type))!.push(...chs.sort(order).map((ch) => ch.id));
  add('favorites', unplaced.filter((ch) => favorite.has(ch.id)), byName);
  add('channels', unplaced.filter((ch) => !favorite.has(ch.id) && !isDirect(ch)), byName);
  add('direct_messages', unplaced.filter((ch) => !favorite.has(ch.id) && isDirect(ch)), byRecent);
  return { userId, teamId, stored: stored.length > 0, cats, lists, channels, muted };
}

function present(v: View): SidebarCategories {
  const categories = v.cats.map((c) => presentCategory(c, v.lists.get(c.id) ?? []));
  return { categories, order: categories.map((c) => c.id) };
}

function presentCategory(c: CategoryRow, channelIds: string[]): SidebarCategory {
  return { id: c.id, user_id: c.user_id, team_id: c.team_id, type: c.type, display_name: c.display_name, sorting: c.sorting, muted: c.muted, collapsed: c.collapsed, sort_order: c.sort_order, channel_ids: channelIds };
}

/** The caller's own sidebar only ('me' or their id), in a team they belong to. */
async function authorize(q: Queryable, auth: Auth, userId: string, teamId: string) {
  if (userId !== 'me' && userId !== auth.user.id) throw forbidden('forbidden', "You cannot access another user's sidebar");
  await accessTeam(q, auth, checkId(teamId, 'team_id'), 'member');
}

export async function getCategories(deps: Deps, auth: Auth, userId: string, teamId: string): Promise<SidebarCategories> {
  await authorize(deps.db, auth, userId, teamId);
  return present(await loadView(deps.db, auth.user.id, teamId, deps.now()));
}

export async function getCategory(deps: Deps, auth: Auth, userId: string, teamId: string, categoryId: string): Promise<SidebarCategory> {
  const all = await getCategories(deps, auth, userId, teamId);
  const found = all.categories.find((c) => c.id === categoryId);
  if (!found) throw notFound('category_not_found', 'Category not found');
  return found;
}

/** Runs a change of one user's sidebar in a team under a lock on that sidebar. */
async function change<T>(deps: Deps, auth: Auth, userId: string, teamId: string, fn: (v: View, tx: Queryable, emit: Emit) => Promise<T>): Promise<T> {
  return inTx(deps, async (tx, emit) => {
    await authorize(tx, auth, userId, teamId);
    await tx.query('select pg_advisory_xact_lock(hashtext($1))', [`sidebar:${auth.user.id}:${teamId}`]);
    return fn(await loadView(tx, auth.user.id, teamId, deps.now()), tx, emit);
  });
}

/**
 * Moves channels: `targets` maps a category id to its new channel list. Channels listed take
 * their place there (and leave their old category); channels dropped from a listed category
 * without a new place go back to their default category.
 */
function moveChannels(v: View, targets: Map<string, string[]>): Map<string, string[]> {
  const catOf = new Map<string, CategoryRow>(v.cats.map((c) => [c.id, c]));
  const taken = new Map<string, string>();
  for (const [catId, ids] of targets) {
    const cat = catOf.get(catId)!;
    for (const id of ids) {
      const ch = v.channels.get(id);
      if (!ch) throw badRequest('invalid_channel', `Channel ${id} is not one of yours in this team`);
      if (cat.type === 'channels' && isDirect(ch)) throw badRequest('invalid_category', 'Direct and group messages cannot go into the Channels category');
      if (cat.type === 'direct_messages' && !isDirect(ch)) throw badRequest('invalid_category', 'Only direct and group messages can go into the Direct Messages category');
      if (taken.has(id) && taken.get(id) !== catId) throw badRequest('invalid_input', `Channel ${id} is listed in two categories`);
      taken.set(id, catId);
    }
  }
  const lists = new Map<string, string[]>();
  const homeless: string[] = [];
  for (const c of v.cats) {
    const before = v.lists.get(c.id) ?? [];
    const target = targets.get(c.id);
    if (target) {
      lists.set(c.id, [...new Set(target)]);
      for (const id of before) if (!taken.has(id)) homeless.push(id);
    } else lists.set(c.id, before.filter((id) => !taken.has(id)));
  }
  for (const id of homeless) {
    const ch = v.channels.get(id)!;
    const home = v.cats.find((c) => c.type === (isDirect(ch) ? 'direct_messages' : 'channels'))!;
    lists.get(home.id)!.push(id);
  }
  return lists;
}

/**
 * Writes the sidebar `after` (categories and lists), keeps favorites and mutes in step, and
 * emits what changed: created, updated and deleted categories and a new order.
 */
async function commit(deps: Deps, tx: Queryable, emit: Emit, before: View, afterCats: CategoryRow[], afterLists: Map<string, string[]>, created?: CategoryRow): Promise<SidebarCategories> {
  const { userId, teamId } = before;
  const now = deps.now();
  const after: View = { ...before, stored: true, cats: afterCats, lists: afterLists };
  const catAfter = new Map<string, CategoryRow>();
  for (const c of afterCats) for (const id of afterLists.get(c.id) ?? []) catAfter.set(id, c);
  const catBefore = new Map<string, CategoryRow>();
  for (const c of before.cats) for (const id of before.lists.get(c.id) ?? []) catBefore.set(id, c);

  // Favorites <-> favorite_channel preferences.
  const changed: PreferenceRow[] = [];
  const deleted: PreferenceRow[] = [];
  for (const [id, c] of catAfter) {
    const was = catBefore.get(id)?.type === 'favorites';
    const is = c.type === 'favorites';
    if (is && !was) {
      const p = { user_id: userId, category: 'favorite_channel', name: id, value: 'true' };
      await upsertPreference(tx, p);
      changed.push(p);
    } else if (was && !is && (await deletePreference(tx, userId, 'favorite_channel', id))) deleted.push({ user_id: userId, category: 'favorite_channel', name: id, value: 'true' });
  }
  if (changed.length) emit({ event: 'preferences_changed', data: { preferences: changed }, broadcast: { user_ids: [userId] } });
  if (deleted.length) emit({ event: 'preferences_deleted', data: { preferences: deleted }, broadcast: { user_ids: [userId] } });

  // Muted categories mute their channels; moving between muted and unmuted follows.
  const mutedBefore = new Map(before.cats.map((c) => [c.id, c.muted]));
  for (const [id, c] of catAfter) {
    const prev = catBefore.get(id);
    const wasMuted = prev ? (mutedBefore.get(prev.id) ?? false) : false;
    if (c.muted === wasMuted) continue;
    if ((before.muted.get(id) ?? false) === c.muted) continue;
    await mergeMemberNotifyProps(tx, id, userId, { mark_unread: c.muted ? 'mention' : 'all' }, now);
  }

  // Store.
  const removed = before.cats.filter((c) => !afterCats.some((a) => a.id === c.id));
  await store.insertCategories(tx, afterCats);
  // Categories not stored yet were inserted with their new values above; stored ones are updated.
  const beforeById = new Map(before.cats.map((c) => [c.id, c]));
  for (const c of afterCats) {
    const b = beforeById.get(c.id);
    if (before.stored && b && (b.display_name !== c.display_name || b.sorting !== c.sorting || b.muted !== c.muted || b.collapsed !== c.collapsed || b.sort_order !== c.sort_order)) await store.updateCategory(tx, { ...c, update_at: now });
  }
  for (const c of removed) await store.deleteCategory(tx, c.id);
  const placements: store.PlacementRow[] = [];
  for (const c of afterCats) (afterLists.get(c.id) ?? []).forEach((channel_id, i) => placements.push({ channel_id, category_id: c.id, sort_order: i }));
  await store.replacePlacements(tx, userId, teamId, placements);

  // Events (to the user's own sockets).
  const broadcast = { user_ids: [userId], team_id: teamId };
  const was = present(before);
  const is = present(after);
  // An update is a change of anything but the place in the order (that is the order event's).
  const key = (c: SidebarCategory) => JSON.stringify({ ...c, sort_order: 0 });
  const wasById = new Map(was.categories.map((c) => [c.id, key(c)]));
  if (created) emit({ event: 'sidebar_category_created', data: { team_id: teamId, category: is.categories.find((c) => c.id === created.id)! }, broadcast });
  const updated = is.categories.filter((c) => wasById.has(c.id) && wasById.get(c.id) !== key(c));
  if (updated.length) emit({ event: 'sidebar_category_updated', data: { team_id: teamId, categories: updated }, broadcast });
  for (const c of removed) emit({ event: 'sidebar_category_deleted', data: { team_id: teamId, category_id: c.id }, broadcast });
  if (was.order.join() !== is.order.join()) emit({ event: 'sidebar_category_order_updated', data: { team_id: teamId, order: is.order }, broadcast });
  return is;
}

/** Applies category updates (Mattermost's PUT …/categories): names of custom ones, sorting, muted, collapsed, channels. */
async function applyUpdates(deps: Deps, tx: Queryable, emit: Emit, v: View, updates: CategoryUpdate[]): Promise<SidebarCategory[]> {
  const cats = v.cats.map((c) => ({ ...c }));
  const targets = new Map<string, string[]>();
  for (const u of updates) {
    const cat = cats.find((c) => c.id === u.id);
    if (!cat) throw notFound('category_not_found', `Category ${u.id} not found`);
    if (u.type !== undefined && u.type !== cat.type) throw badRequest('invalid_category', "A category's type cannot change");
    if (u.display_name !== undefined && u.display_name !== cat.display_name) {
      if (cat.type !== 'custom') throw badRequest('invalid_category', 'Only custom categories can be renamed');
      cat.display_name = u.display_name;
    }
    if (u.sorting !== undefined) cat.sorting = u.sorting;
    if (u.muted !== undefined) cat.muted = u.muted;
    if (u.collapsed !== undefined) cat.collapsed = u.collapsed;
    if (u.channel_ids !== undefined) targets.set(cat.id, u.channel_ids);
  }
  const result = await commit(deps, tx, emit, v, cats, moveChannels(v, targets));
  const ids = new Set(updates.map((u) => u.id));
  return result.categories.filter((c) => ids.has(c.id));
}

/** Updates several categories at once; answers them as they are afterwards. */
export async function updateCategories(deps: Deps, auth: Auth, userId: string, teamId: string, input: unknown): Promise<SidebarCategory[]> {
  const updates = checkInput(z.array(updateSchema).min(1).max(MAX_CATEGORIES_PER_REQUEST), input);
  return change(deps, auth, userId, teamId, (v, tx, emit) => applyUpdates(deps, tx, emit, v, updates));
}

/** Updates one category (the id in the path wins over one in the body). */
export async function updateCategory(deps: Deps, auth: Auth, userId: string, teamId: string, categoryId: string, input: unknown): Promise<SidebarCategory> {
  const body = checkInput(updateSchema.omit({ id: true }).passthrough(), input);
  const update = { ...body, id: categoryId } as CategoryUpdate;
  return change(deps, auth, userId, teamId, async (v, tx, emit) => (await applyUpdates(deps, tx, emit, v, [update]))[0]);
}

/** Creates a custom category at the top of the sidebar, with the channels it names moved into it. */
export async function createCategory(deps: Deps, auth: Auth, userId: string, teamId: string, input: unknown): Promise<SidebarCategory> {
  const body = checkInput(createSchema.passthrough(), input);
  return change(deps, auth, userId, teamId, async (v, tx, emit) => {
    if (v.cats.filter((c) => c.type === 'custom').length >= MAX_CUSTOM_CATEGORIES) throw badRequest('too_many_categories', `At most ${MAX_CUSTOM_CATEGORIES} custom categories per team`);
    const now = deps.now();
    const cat: CategoryRow = { id: newId(), user_id: v.userId, team_id: v.teamId, type: 'custom', display_name: body.display_name, sorting: body.sorting ?? '', muted: body.muted ?? false, collapsed: body.collapsed ?? false, sort_order: 0, create_at: now, update_at: now };
    const cats = [cat, ...v.cats.map((c) => ({ ...c }))].map((c, i) => ({ ...c, sort_order: i * 10 }));
    const withNew: View = { ...v, cats: v.cats, lists: new Map([...v.lists, [cat.id, []]]) };
    const lists = moveChannels({ ...withNew, cats: [cat, ...v.cats] }, new Map([[cat.id, body.channel_ids ?? []]]));
    const result = await commit(deps, tx, emit, withNew, cats, lists, cat);
    return result.categories.find((c) => c.id === cat.id)!;
  });
}

/** Deletes a custom category; its channels go back to their default categories. */
export async function deleteCategory(deps: Deps, auth: Auth, userId: string, teamId: string, categoryId: string): Promise<void> {
  await change(deps, auth, userId, teamId, async (v, tx, emit) => {
    const cat = v.cats.find((c) => c.id === categoryId);
    if (!cat) throw notFound('category_not_found', 'Category not found');
    if (cat.type !== 'custom') throw badRequest('invalid_category', 'Only custom categories can be deleted');
    const lists = moveChannels(v, new Map([[cat.id, []]]));
    lists.delete(cat.id);
    await commit(deps, tx, emit, v, v.cats.filter((c) => c.id !== cat.id), lists);
  });
}

export async function getCategoryOrder(deps: Deps, auth: Auth, userId: string, teamId: string): Promise<string[]> {
  return (await getCategories(deps, auth, userId, teamId)).order;
}

/** Sets the order of the categories: every category id of the sidebar, once each. */
export async function setCategoryOrder(deps: Deps, auth: Auth, userId: string, teamId: string, input: unknown): Promise<string[]> {
  const order = checkInput(z.array(z.string()).max(MAX_CUSTOM_CATEGORIES + DEFAULTS.length), input);
  return change(deps, auth, userId, teamId, async (v, tx, emit) => {
    const ids = v.cats.map((c) => c.id);
    if (order.length !== ids.length || new Set(order).size !== order.length || !order.every((id) => ids.includes(id))) throw badRequest('invalid_order', 'The order must list every category of the sidebar once');
    const cats = order.map((id, i) => ({ ...v.cats.find((c) => c.id === id)!, sort_order: i * 10 }));
    return (await commit(deps, tx, emit, v, cats, v.lists)).order;
  });
}

/**
 * The favorite_channel preference of a channel changed (saved or deleted through the
 * preferences API): it leaves the place it had in every sidebar of the user, so it shows in
 * Favorites or back in its default category; each changed sidebar is sent to the user.
 */
export async function favoritePreferenceChanged(deps: Deps, tx: Queryable, emit: Emit, userId: string, channelIds: string[]): Promise<void> {
  const teams = new Set<string>();
  for (const id of channelIds) {
    await store.unplaceChannel(tx, userId, id);
    for (const t of await store.teamsShowingChannel(tx, userId, id)) teams.add(t);
  }
  for (const teamId of teams) {
    const v = await loadView(tx, userId, teamId, deps.now());
    emit({ event: 'sidebar_category_updated', data: { team_id: teamId, categories: present(v).categories }, broadcast: { user_ids: [userId], team_id: teamId } });
  }
}
