/**
 * Sidebar categories through the native API (/api/v1/teams/:id/categories): derived defaults,
 * favorites in step with the favorite_channel preference, custom categories, moving channels,
 * order, sorting, collapsed, muted, deleting, the rules and limits, and that every change
 * reaches the user as events the web client's reducer applies to the state a fresh fetch gives
 * (verifyAction). PGlite; PostgreSQL with RUSTCHAT_TEST_DATABASE_URL.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { testApp, type TestContext } from '../../../test/app.ts';
import { fxUser, type FxUser } from '../../../test/fixtures.ts';
import { verifyAction } from '../../../test/realtime-verify.ts';
import { MAX_CUSTOM_CATEGORIES } from '../../actions/sidebar.ts';

let ctx: TestContext;
let alice: FxUser;
let bob: FxUser;
let teamId: string;
let ch: Record<string, string>; // name -> id
let dmId: string;

const who = (u: FxUser) => ({ id: u.id, token: u.token });
const names = (events: { event: string }[]) => events.map((e) => e.event);

async function call(u: FxUser, method: string, path: string, body?: unknown): Promise<any> {
  const r = await ctx.req(method, `/api/v1${path}`, { token: u.token, body });
  if (r.status < 200 || r.status > 299) throw new Error(`${method} ${path}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}
async function refused(u: FxUser, method: string, path: string, body: unknown, status: number, code: string) {
  const r = await ctx.req(method, `/api/v1${path}`, { token: u.token, body });
  assert.is(r.status, status, `${method} ${path}: ${JSON.stringify(r.body)}`);
  assert.is(r.body.error?.code ?? r.body.code, code, JSON.stringify(r.body));
}
const sidebar = (u: FxUser = alice) => call(u, 'GET', `/teams/${teamId}/categories`);
const cat = async (type: string, u: FxUser = alice) => (await sidebar(u)).categories.find((c: any) => c.type === type);
const patch = (id: string, body: unknown, u: FxUser = alice) => call(u, 'PATCH', `/teams/${teamId}/categories/${id}`, body);
const byName = (ids: string[]) => ids.map((id) => Object.keys(ch).find((k) => ch[k] === id) ?? (id === dmId ? 'dm' : id));

test.before(async () => {
  ctx = await testApp();
  [alice, bob] = await Promise.all([fxUser(ctx.deps), fxUser(ctx.deps)]);
  const team = await call(alice, 'POST', '/teams', { type: 'O', name: `sb${Date.now().toString(36)}`, display_name: 'Sidebar' });
  teamId = team.id;
  await call(alice, 'POST', `/teams/${teamId}/members`, { user_id: bob.id });
  const rows = await ctx.deps.db.query<{ id: string; name: string }>('select id, name from channels where team_id = $1', [teamId]);
  ch = Object.fromEntries(rows.map((r) => [r.name, r.id]));
  for (const name of ['alpha', 'bravo', 'charlie']) ch[name] = (await call(alice, 'POST', '/channels', { team_id: teamId, name, display_name: name[0].toUpperCase() + name.slice(1), type: 'public' })).id;
  dmId = (await call(alice, 'POST', '/channels/direct', { user_id: bob.id })).id;
});

test.after(async () => ctx?.close());

test('defaults: Favorites, Channels (by name), Direct Messages; Mattermost ids; nothing stored', async () => {
  const sb = await sidebar();
  assert.equal(sb.categories.map((c: any) => c.type), ['favorites', 'channels', 'direct_messages']);
  assert.equal(sb.order, sb.categories.map((c: any) => c.id));
  assert.is(sb.categories[0].id, `favorites_${alice.id}_${teamId}`);
  assert.equal(sb.categories[0].channel_ids, []);
  assert.equal(byName(sb.categories[1].channel_ids), ['alpha', 'bravo', 'charlie', 'off-topic', 'town-square']);
  assert.equal(byName(sb.categories[2].channel_ids), ['dm']);
  for (const c of sb.categories) assert.equal([c.user_id, c.team_id, c.muted, c.collapsed], [alice.id, teamId, false, false]);
  const [{ n }] = await ctx.deps.db.query<{ n: number }>('select count(*)::int as n from sidebar_categories where user_id = $1', [alice.id]);
  assert.is(n, 0);
});

test('favorite a channel: it leaves Channels, the favorite_channel preference is set, events reach the reducer', async () => {
  const fav = await cat('favorites');
  const { events, result } = await verifyAction(ctx, who(alice), () => patch(fav.id, { channel_ids: [ch.bravo] }));
  assert.equal(result.channel_ids, [ch.bravo]);
  assert.equal(names(events).sort(), ['preferences_changed', 'sidebar_category_updated']);
  const updated = events.find((e) => e.event === 'sidebar_category_updated')!.data as any;
  assert.equal(updated.categories.map((c: any) => c.type).sort(), ['channels', 'favorites']);
  assert.not.ok((await cat('channels')).channel_ids.includes(ch.bravo));
  const prefs = await ctx.deps.db.query<{ value: string }>('select value from preferences where user_id = $1 and category = $2 and name = $3', [alice.id, 'favorite_channel', ch.bravo]);
  assert.equal(prefs.map((p) => p.value), ['true']);
  // Bob's sidebar is his own.
  assert.equal((await cat('favorites', bob)).channel_ids, []);
});

test('a custom category goes to the top with the channels it names; events: created, updated, order', async () => {
  const { events, result } = await verifyAction(ctx, who(alice), () => call(alice, 'POST', `/teams/${teamId}/categories`, { display_name: '  Work  ', channel_ids: [ch.charlie, ch.bravo] }));
  assert.is(result.type, 'custom');
  assert.is(result.display_name, 'Work');
  assert.equal(result.channel_ids, [ch.charlie, ch.bravo]);
  assert.equal(names(events).sort(), ['preferences_deleted', 'sidebar_category_created', 'sidebar_category_order_updated', 'sidebar_category_updated']);
  const sb = await sidebar();
  assert.equal(sb.order[0], result.id);
  assert.equal(sb.categories.map((c: any) => c.type), ['custom', 'favorites', 'channels', 'direct_messages']);
  assert.equal(byName(sb.categories[2].channel_ids), ['alpha', 'off-topic', 'town-square']);
  // Bravo left Favorites, so its preference went too.
  assert.equal((await cat('favorites')).channel_ids, []);
  assert.is((await ctx.deps.db.query('select 1 from preferences where user_id = $1 and category = $2', [alice.id, 'favorite_channel'])).length, 0);
});

test('move, rename, sort, collapse; a channel dropped from a category without a new place goes home', async () => {
  const work = (await sidebar()).categories[0];
  const fav = await cat('favorites');
  // Into Favorites from Work (it leaves Work).
  await verifyAction(ctx, who(alice), () => patch(fav.id, { channel_ids: [ch.charlie] }));
  assert.equal((await sidebar()).categories[0].channel_ids, [ch.bravo]);
  // Rename, manual sorting, collapsed; a DM may go into a custom category.
  const { result } = await verifyAction(ctx, who(alice), () => patch(work.id, { display_name: 'Projects', sorting: 'manual', collapsed: true, channel_ids: [dmId, ch.bravo] }));
  assert.equal([result.display_name, result.sorting, result.collapsed, result.channel_ids], ['Projects', 'manual', true, [dmId, ch.bravo]]);
  assert.equal((await cat('direct_messages')).channel_ids, []);
  // Dropping the DM from Projects sends it back to Direct Messages; unfavoriting Charlie to Channels.
  await verifyAction(ctx, who(alice), () => patch(work.id, { channel_ids: [ch.bravo] }));
  assert.equal((await cat('direct_messages')).channel_ids, [dmId]);
  await verifyAction(ctx, who(alice), () => patch(fav.id, { channel_ids: [] }));
  assert.ok((await cat('channels')).channel_ids.includes(ch.charlie));
  // A channel joined later shows in Channels.
  const { events } = await verifyAction(ctx, who(alice), () => call(alice, 'POST', '/channels', { team_id: teamId, name: 'delta', display_name: 'Delta', type: 'public' }));
  assert.ok(names(events).includes('channel_created'));
  ch.delta = events.find((e) => e.event === 'channel_created')!.data.channel.id;
  assert.equal((await cat('channels')).channel_ids.at(-1), ch.delta);
});

test('order: every category once; reordering emits only the order', async () => {
  const sb = await sidebar();
  const order = [...sb.order].reverse();
  const { events, result } = await verifyAction(ctx, who(alice), () => call(alice, 'PUT', `/teams/${teamId}/categories/order`, { order }));
  assert.equal(result.order, order);
  assert.equal(names(events), ['sidebar_category_order_updated']);
  assert.equal((await sidebar()).order, order);
  await refused(alice, 'PUT', `/teams/${teamId}/categories/order`, { order: order.slice(1) }, 400, 'invalid_order');
  await refused(alice, 'PUT', `/teams/${teamId}/categories/order`, { order: [...order.slice(1), order[1]] }, 400, 'invalid_order');
});

test('the rules: categories keep their kind of channel, defaults keep their names, only my channels, only my sidebar', async () => {
  const chans = await cat('channels');
  const dms = await cat('direct_messages');
  await refused(alice, 'PATCH', `/teams/${teamId}/categories/${chans.id}`, { channel_ids: [...chans.channel_ids, dmId] }, 400, 'invalid_category');
  await refused(alice, 'PATCH', `/teams/${teamId}/categories/${dms.id}`, { channel_ids: [ch.alpha] }, 400, 'invalid_category');
  await refused(alice, 'PATCH', `/teams/${teamId}/categories/${chans.id}`, { display_name: 'Rooms' }, 400, 'invalid_category');
  await refused(alice, 'PATCH', `/teams/${teamId}/categories/${chans.id}`, { type: 'custom' }, 400, 'invalid_category');
  await refused(alice, 'PATCH', `/teams/${teamId}/categories/${chans.id}`, { sorting: 'sideways' }, 400, 'invalid_input');
  // Bob is not in Delta: he cannot file it.
  const bobFav = await cat('favorites', bob);
  await refused(bob, 'PATCH', `/teams/${teamId}/categories/${bobFav.id}`, { channel_ids: [ch.delta] }, 400, 'invalid_channel');
  // Alice's categories are not Bob's to change or see.
  await refused(bob, 'PATCH', `/teams/${teamId}/categories/${chans.id}`, { collapsed: true }, 404, 'category_not_found');
  await refused(alice, 'POST', `/teams/${teamId}/categories`, { display_name: '' }, 400, 'invalid_input');
  await refused(alice, 'POST', `/teams/${teamId}/categories`, { display_name: 'x'.repeat(65) }, 400, 'invalid_input');
  // Outside the team.
  const outsider = await fxUser(ctx.deps);
  await refused(outsider, 'GET', `/teams/${teamId}/categories`, undefined, 403, 'forbidden');
});

test('a muted category mutes its channels; a channel moved out of it is unmuted', async () => {
  const projects = (await sidebar()).categories.find((c: any) => c.type === 'custom');
  const markUnread = async (id: string) => (await ctx.deps.db.query<{ m: string | null }>(`select notify_props->>'mark_unread' as m from channel_members where channel_id = $1 and user_id = $2`, [id, alice.id]))[0].m;
  await patch(projects.id, { muted: true });
  assert.is(await markUnread(ch.bravo), 'mention');
  await patch(projects.id, { channel_ids: [ch.bravo, ch.alpha] });
  assert.is(await markUnread(ch.alpha), 'mention', 'moved into a muted category');
  await patch((await cat('channels')).id, { channel_ids: [...(await cat('channels')).channel_ids, ch.alpha] });
  assert.is(await markUnread(ch.alpha), 'all', 'moved out of it');
  await patch(projects.id, { muted: false });
  assert.is(await markUnread(ch.bravo), 'all');
});

test('deleting a custom category sends its channels home; defaults cannot be deleted', async () => {
  const projects = (await sidebar()).categories.find((c: any) => c.type === 'custom');
  const { events } = await verifyAction(ctx, who(alice), () => call(alice, 'DELETE', `/teams/${teamId}/categories/${projects.id}`));
  assert.equal(names(events).sort(), ['sidebar_category_deleted', 'sidebar_category_order_updated', 'sidebar_category_updated']);
  const sb = await sidebar();
  assert.equal(sb.categories.map((c: any) => c.type).sort(), ['channels', 'direct_messages', 'favorites']);
  assert.ok((await cat('channels')).channel_ids.includes(ch.bravo));
  await refused(alice, 'DELETE', `/teams/${teamId}/categories/${(await cat('channels')).id}`, undefined, 400, 'invalid_category');
  await refused(alice, 'DELETE', `/teams/${teamId}/categories/${projects.id}`, undefined, 404, 'category_not_found');
});

test('the favorite_channel preference (older apps) moves a channel into Favorites and out again', async () => {
  const pref = (value: string) => [{ user_id: alice.id, category: 'favorite_channel', name: ch.alpha, value }];
  const { events } = await verifyAction(ctx, who(alice), async () => {
    const r = await ctx.req('PUT', `/api/v4/users/me/preferences`, { token: alice.token, body: pref('true') });
    assert.is(r.status, 200);
  });
  assert.ok(names(events).includes('sidebar_category_updated'));
  assert.equal((await cat('favorites')).channel_ids, [ch.alpha]);
  await verifyAction(ctx, who(alice), async () => {
    const r = await ctx.req('POST', `/api/v4/users/me/preferences/delete`, { token: alice.token, body: pref('true') });
    assert.is(r.status, 200);
  });
  assert.equal((await cat('favorites')).channel_ids, []);
  assert.ok((await cat('channels')).channel_ids.includes(ch.alpha));
});

test(`at most ${MAX_CUSTOM_CATEGORIES} custom categories per team`, async () => {
  for (let i = 0; i < MAX_CUSTOM_CATEGORIES; i++) await call(bob, 'POST', `/teams/${teamId}/categories`, { display_name: `c${i}` });
  await refused(bob, 'POST', `/teams/${teamId}/categories`, { display_name: 'one more' }, 400, 'too_many_categories');
  assert.is((await sidebar(bob)).categories.length, MAX_CUSTOM_CATEGORIES + 3);
});

test.run();
