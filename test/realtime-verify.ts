/**
 * `verifyAction` (Zulip's verify_action, with the web client's own reducer): snapshot a user's
 * state over REST, run an action, apply the events the user would receive with `applyEvent`,
 * and compare with a fresh snapshot.
 */
import * as assert from 'uvu/assert';
import type { TestContext } from './app.ts';
import {
  applyEvents,
  emptyState,
  loadChannelPosts,
  loadCustomEmoji,
  loadMyChannels,
  loadPinned,
  loadSidebar,
  sidebarView,
  loadSaved,
  loadTeams,
  loadThread,
  loadUserThreads,
  loadUsers,
  type ClientEvent,
  type ClientState,
} from '../src/realtime/reducer.ts';
import { v1Serializer } from '../src/realtime/serializer.ts';

export interface Who {
  id: string;
  token: string;
}

async function get(ctx: TestContext, path: string, token: string): Promise<any> {
  const r = await ctx.req('GET', path, { token });
  if (r.status !== 200) throw new Error(`GET ${path}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

async function allPosts(ctx: TestContext, channelId: string, token: string): Promise<any[]> {
  const out: any[] = [];
  let cursor = '';
  for (;;) {
    const page = await get(ctx, `/api/v1/channels/${channelId}/posts?limit=200${cursor ? `&before=${cursor}` : ''}`, token);
    out.push(...page.items);
    if (!page.next_cursor || !page.items.length) return out;
    cursor = page.next_cursor;
  }
}

/** The user's state as a client would load it over REST. `userIds`: profiles to hold. */
export async function snapshot(ctx: TestContext, who: Who, userIds: string[] = []): Promise<ClientState> {
  let s = emptyState(who.id);
  const teams = (await get(ctx, '/api/v1/teams', who.token)).items;
  s = loadTeams(s, teams);
  for (const t of teams) s = loadSidebar(s, t.id, await get(ctx, `/api/v1/teams/${t.id}/categories`, who.token));
  const channels = new Map<string, any>();
  for (const ch of (await get(ctx, '/api/v1/channels', who.token)).items) channels.set(ch.id, ch);
  s = loadMyChannels(s, [...channels.values()]);
  for (const id of channels.keys()) {
    s = loadChannelPosts(s, id, await allPosts(ctx, id, who.token));
    s = loadPinned(s, id, (await get(ctx, `/api/v1/channels/${id}/pinned`, who.token)).items);
  }
  for (const p of Object.values(s.posts)) {
    if (p.root_id || !p.reply_count) continue;
    const t = await get(ctx, `/api/v1/posts/${p.id}/thread`, who.token);
    s = loadThread(s, p.id, t.items ?? t.posts ?? []);
  }
  // Every thread I follow, in every team (the list pages by thread id).
  let before = '';
  for (;;) {
    const page = await get(ctx, `/api/v1/threads?limit=200${before ? `&before=${before}` : ''}`, who.token);
    s = loadUserThreads(s, page.items);
    if (!page.next_cursor) break;
    before = page.next_cursor;
  }
  // My saved posts (every page).
  const saved: any[] = [];
  for (let cursor = ''; ; ) {
    const page = await get(ctx, `/api/v1/saved?limit=200${cursor ? `&before=${cursor}` : ''}`, who.token);
    saved.push(...page.items);
    if (!page.next_cursor) break;
    cursor = page.next_cursor;
  }
  s = loadSaved(s, saved);
  // Every custom emoji (when they are on).
  if (ctx.deps.config.site.custom_emoji) {
    for (let cursor = ''; ; ) {
      const page = await get(ctx, `/api/v1/emoji?limit=200${cursor ? `&cursor=${cursor}` : ''}`, who.token);
      s = loadCustomEmoji(s, page.items);
      if (!page.next_cursor) break;
      cursor = page.next_cursor;
    }
  }
  if (userIds.length) {
    const r = await ctx.req('POST', '/api/v1/users/ids', { token: who.token, body: { ids: userIds } });
    if (r.status !== 200) throw new Error(`POST /users/ids: ${r.status} ${JSON.stringify(r.body)}`);
    s = loadUsers(s, r.body.items ?? r.body);
  }
  return s;
}

/**
 * What is compared: everything but typing and statuses (not part of a REST snapshot) and a post's
 * `update_at` (reactions touch it on the server, and reaction events carry no post). Lists the
 * client never loaded (a channel it just joined) are left out of both sides, with their posts:
 * events keep loaded lists current, they do not fetch history.
 */
export function comparable(s: ClientState, loaded: ClientState) {
  const keep = <T>(r: Record<string, T | undefined>, ok: (k: string) => boolean) => Object.fromEntries(Object.entries(r).filter(([k, v]) => v !== undefined && ok(k))) as Record<string, T>;
  const loadedChannel = (id: string) => loaded.postsInChannel[id] !== undefined;
  const posts = keep(s.posts, (id) => loadedChannel(s.posts[id]!.channel_id));
  return JSON.parse(
    JSON.stringify({
      ...s,
      posts: Object.fromEntries(Object.entries(posts).map(([id, p]) => [id, { ...p, update_at: undefined }])),
      reactions: keep(s.reactions, (id) => id in posts),
      postsInChannel: keep(s.postsInChannel, loadedChannel),
      pinned: keep(s.pinned, (id) => loaded.pinned[id] !== undefined),
      threads: keep(s.threads, (id) => loaded.threads[id] !== undefined),
      saved: keep(s.saved, (id) => id in posts),
      channelMembers: keep(s.channelMembers, (id) => loaded.channelMembers[id] !== undefined),
      // Sidebars as drawn (a channel joined since loading shows in its default category).
      sidebars: Object.fromEntries(Object.keys(s.sidebars).filter((id) => loaded.sidebars[id] !== undefined).map((id) => [id, sidebarView(s, id)])),
      typing: {},
      statuses: {},
    }),
  );
}

/** The events a user's native socket would receive, as parsed frames. */
export function eventsFor(ctx: TestContext, userId: string): ClientEvent[] {
  return ctx
    .takeEvents()
    .filter((e) => !e.ephemeral && e.broadcast.user_ids.includes(userId) && e.broadcast.omit_user_id !== userId)
    .map((e) => JSON.parse(v1Serializer.prepare(e, 0)!.frame(1)) as ClientEvent);
}

/**
 * Runs `action` and checks that the user's events, applied with the client reducer, turn the
 * before-snapshot into the after-snapshot. Returns the events (assert on them too: an action
 * that emits nothing and changes nothing passes trivially).
 */
export async function verifyAction<T>(ctx: TestContext, who: Who, action: () => Promise<T>, opts: { userIds?: string[] } = {}): Promise<{ result: T; events: ClientEvent[] }> {
  const before = await snapshot(ctx, who, opts.userIds);
  ctx.takeEvents();
  const result = await action();
  const events = eventsFor(ctx, who.id);
  const applied = applyEvents(before, events);
  const after = await snapshot(ctx, who, opts.userIds);
  assert.equal(comparable(applied, applied), comparable(after, applied), `state after ${events.map((e) => e.event).join(', ') || 'no events'}`);
  return { result, events };
}
