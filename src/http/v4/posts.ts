import { Hono, type Context } from 'hono';
import { z } from 'zod';
import type { AppEnv } from '../env.ts';
import type { Deps } from '../../deps.ts';
import type { Auth } from '../../actions/tokens.ts';
import { readJson } from '../validate.ts';
import { AppError, badRequest } from '../../errors.ts';
import { isId } from '../../ids.ts';
import { createPost, deletePost, editPost, getPost, getThread, listChannelPosts, HISTORY_MAX_LIMIT, type PostView } from '../../actions/posts.ts';
import { setPostPinned } from '../../actions/pins.ts';
import { getChannel } from '../../actions/channels.ts';
import { searchPosts, SEARCH_MAX_LIMIT } from '../../actions/search.ts';
import { presentMmFileInfo, presentMmPost, presentMmPostList, type MmPost } from './presenters.ts';
import { mmJson, mmOk } from './respond.ts';
import { intQuery, MAX_PAGE, mmId, paging } from './params.ts';
import { notImplemented } from './errors.ts';

const mm = (v: PostView) => presentMmPost(v.row, v);

/** Most changes one `since` request returns (newest first). */
export const SINCE_MAX = 1000;

/**
 * Mattermost's `AddCursorIdsForPostList`: `next_post_id` is the newest and `prev_post_id` the
 * oldest *root* post in the list's map (context roots included), except that `since` leaves both
 * empty, `after` on page 0 makes prev the `after` post and a short page leaves next empty, and
 * `before` on page 0 makes next the `before` post and a short page leaves prev empty.
 */
export function cursorIds(posts: MmPost[], orderLength: number, q: { after?: string; before?: string; since?: number; page: number; perPage: number }) {
  let next = '';
  let prev = '';
  let nextSet = false;
  let prevSet = false;
  if (q.since !== undefined) {
    nextSet = prevSet = true;
  } else if (q.after) {
    if (q.page === 0) {
      prev = q.after;
      prevSet = true;
    }
    if (orderLength < q.perPage) nextSet = true;
  } else if (q.before) {
    if (q.page === 0) {
      next = q.before;
      nextSet = true;
    }
    if (orderLength < q.perPage) prevSet = true;
  }
  const roots = posts.filter((p) => p.root_id === '').sort((a, b) => b.create_at - a.create_at);
  if (!nextSet) next = roots.length ? roots[0].id : '';
  if (!prevSet) prev = roots.length ? roots[roots.length - 1].id : '';
  return { next_post_id: next, prev_post_id: prev };
}

/**
 * A PostList as Mattermost returns channel pages: `order` is the page (newest first) and `posts`
 * also holds the thread roots of replies on the page, so the apps can show "commented on".
 */
async function withRoots(deps: Deps, auth: Auth, views: PostView[]): Promise<MmPost[]> {
  const out = views.map(mm);
  const have = new Set(out.map((p) => p.id));
  const missing = [...new Set(out.map((p) => p.root_id).filter((id) => id && !have.has(id)))];
  for (const id of missing.slice(0, 100)) {
    try {
      out.push(mm(await getPost(deps, auth, id)));
    } catch (e) {
      if (!(e instanceof AppError) || e.status !== 404) throw e; // a deleted root: nothing to show
    }
  }
  return out;
}

function postListOf(order: MmPost[], all: MmPost[], cursors: { next_post_id: string; prev_post_id: string }) {
  const list = presentMmPostList(order, cursors);
  for (const p of all) list.posts[p.id] = p;
  return list;
}

/** Walks our cursor pages to Mattermost's page `page` (each page is one call of `limit` posts). */
async function historyPage(deps: Deps, auth: Auth, channelId: string, q: { before?: string; after?: string; page: number; perPage: number }): Promise<PostView[]> {
  let before = q.before;
  let after = q.after;
  for (let i = 0; ; i++) {
    const res = await listChannelPosts(deps, auth, channelId, { before, after, limit: q.perPage });
    if (i === q.page) return res.items;
    if (!res.next_cursor) return [];
    if (after && !before) after = res.next_cursor;
    else before = res.next_cursor;
  }
}

const createSchema = z.object({
  channel_id: z.string(),
  message: z.string().optional(),
  root_id: z.string().optional(),
  file_ids: z.array(z.string()).optional(),
  props: z.record(z.string(), z.unknown()).optional(),
  pending_post_id: z.string().optional(),
});

function checkPerPage(c: Context<AppEnv>, def = 60) {
  return paging(c, def, HISTORY_MAX_LIMIT);
}

export function postRoutes() {
  const r = new Hono<AppEnv>();

  r.post('/posts', async (c) => {
    const body = await readJson(c, createSchema);
    const deps = c.get('deps');
    const { channel_id, pending_post_id, ...rest } = body;
    const created = await createPost(deps, c.get('auth'), channel_id, { ...rest, client_msg_id: pending_post_id || undefined });
    return mmJson(c, mm(created), 201);
  });

  r.get('/channels/:cid/posts', async (c) => {
    const deps = c.get('deps');
    const auth = c.get('auth');
    const cid = mmId(c, 'cid');
    const { page, perPage } = checkPerPage(c);
    const sinceRaw = c.req.query('since');
    const before = c.req.query('before') || undefined;
    const after = c.req.query('after') || undefined;
    if (sinceRaw !== undefined && sinceRaw !== '') {
      const since = intQuery(c, 'since', 0);
      // Changes since a time (deleted posts included), newest first, up to SINCE_MAX.
      const items: PostView[] = [];
      let cursor: string | undefined;
      do {
        const res = await listChannelPosts(deps, auth, cid, { since, before: cursor, limit: HISTORY_MAX_LIMIT });
        items.push(...res.items);
        cursor = res.next_cursor ?? undefined;
      } while (cursor && items.length < SINCE_MAX);
      const order = items.map(mm).sort((a, b) => b.create_at - a.create_at);
      const all = await withRoots(deps, auth, items);
      return mmJson(c, postListOf(order, all, cursorIds(all, order.length, { since, page, perPage })));
    }
    const views = await historyPage(deps, auth, cid, { before, after, page, perPage });
    const order = views.map(mm);
    const all = await withRoots(deps, auth, views);
    return mmJson(c, postListOf(order, all, cursorIds(all, order.length, { before, after, page, perPage })));
  });

  /**
   * Posts around the first unread one, as Mattermost's getPostsForChannelAroundLastUnread: the
   * oldest unread post and up to `limit_after - 1` newer ones, plus `limit_before` read posts
   * before it. The cursors here are the neighbours *outside* the list (Mattermost's
   * GetNextPostIdFromPostList / GetPrevPostIdFromPostList): the next newer post and the next older
   * post, "" when there is none. With nothing unread: the newest `limit_before` posts.
   */
  r.get('/users/:uid/channels/:cid/posts/unread', async (c) => {
    const deps = c.get('deps');
    const auth = c.get('auth');
    const uid = c.req.param('uid');
    if (uid !== 'me' && uid !== auth.user.id) throw notImplemented('GET', '/api/v4/users/{other user}/channels/{cid}/posts/unread');
    const cid = mmId(c, 'cid');
    const limitBefore = Math.min(intQuery(c, 'limit_before', 60), HISTORY_MAX_LIMIT);
    const limitAfter = Math.max(1, Math.min(intQuery(c, 'limit_after', 60), HISTORY_MAX_LIMIT));
    const a = await getChannel(deps, auth, cid);
    const lastViewed = Number(a.member?.last_viewed_at ?? 0);
    // Newest first, from the newest post, until the unread ones and limit_before + 1 read ones
    // are in hand (bounded: at most MAX_PAGE pages).
    const seen: PostView[] = [];
    let unread = 0;
    let sawRead = false;
    let before: string | undefined;
    for (let i = 0; i <= MAX_PAGE; i++) {
      const res = await listChannelPosts(deps, auth, cid, { before, limit: HISTORY_MAX_LIMIT });
      for (const v of res.items) {
        seen.push(v);
        if (!sawRead && v.row.create_at > lastViewed) unread++;
        else sawRead = true;
      }
      if (!res.next_cursor || (sawRead && seen.length > unread + limitBefore)) break;
      before = res.next_cursor;
    }
    const start = unread > 0 ? Math.max(0, unread - limitAfter) : 0;
    const end = Math.min(seen.length, unread + limitBefore); // exclusive
    const views = seen.slice(start, end);
    const order = views.map(mm);
    const all = await withRoots(deps, auth, views);
    const cursors = { next_post_id: start > 0 ? seen[start - 1].row.id : '', prev_post_id: seen[end]?.row.id ?? '' };
    return mmJson(c, postListOf(order, all, cursors));
  });

  r.post('/posts/ids', async (c) => {
    const ids = await readJson(c, z.array(z.string()).max(1000));
    const deps = c.get('deps');
    const auth = c.get('auth');
    const out: MmPost[] = [];
    for (const id of new Set(ids.filter(isId))) {
      try {
        out.push(mm(await getPost(deps, auth, id)));
      } catch (e) {
        // Posts the caller cannot see are left out, as Mattermost does.
        if (!(e instanceof AppError) || (e.status !== 403 && e.status !== 404)) throw e;
      }
    }
    return mmJson(c, out);
  });

  r.post('/posts/search', async (c) => search(c, undefined));
  r.post('/teams/:tid/posts/search', async (c) => search(c, mmId(c, 'tid')));

  r.get('/posts/:pid', async (c) => mmJson(c, mm(await getPost(c.get('deps'), c.get('auth'), mmId(c, 'pid')))));

  r.get('/posts/:pid/files/info', async (c) => {
    const view = await getPost(c.get('deps'), c.get('auth'), mmId(c, 'pid'));
    return mmJson(c, view.files.map(presentMmFileInfo));
  });

  r.get('/posts/:pid/thread', async (c) => {
    const deps = c.get('deps');
    const auth = c.get('auth');
    const pid = mmId(c, 'pid');
    const views: PostView[] = [];
    let after: string | undefined;
    let root: PostView | undefined;
    for (let i = 0; i < 10; i++) {
      const t = await getThread(deps, auth, pid, { after, limit: 1000 });
      root = t.root;
      views.push(...t.items);
      if (!t.next_cursor) break;
      after = t.next_cursor;
    }
    const order = [root!, ...views].map(mm).sort((a, b) => b.create_at - a.create_at);
    return mmJson(c, presentMmPostList(order));
  });

  r.put('/posts/:pid', async (c) => {
    const body = await readJson(c, z.object({ id: z.string().optional(), message: z.string() }).passthrough());
    const pid = mmId(c, 'pid');
    if (body.id !== undefined && body.id !== pid) throw badRequest('invalid_input', 'id in the body does not match the URL');
    return mmJson(c, mm(await editPost(c.get('deps'), c.get('auth'), pid, { message: body.message })));
  });

  r.put('/posts/:pid/patch', async (c) => {
    const body = await readJson(c, z.object({ message: z.string().optional(), is_pinned: z.boolean().optional(), props: z.unknown().optional(), file_ids: z.unknown().optional(), has_reactions: z.unknown().optional() }));
    if (body.props !== undefined || body.file_ids !== undefined) throw notImplemented('PUT', '/api/v4/posts/{id}/patch with props or file_ids');
    const deps = c.get('deps');
    const auth = c.get('auth');
    const pid = mmId(c, 'pid');
    let view: PostView | undefined;
    if (body.message !== undefined) view = await editPost(deps, auth, pid, { message: body.message });
    if (body.is_pinned !== undefined) view = await setPostPinned(deps, auth, pid, body.is_pinned);
    view ??= await getPost(deps, auth, pid);
    return mmJson(c, mm(view));
  });

  r.delete('/posts/:pid', async (c) => {
    await deletePost(c.get('deps'), c.get('auth'), mmId(c, 'pid'));
    return mmOk(c);
  });
  r.post('/posts/:pid/pin', async (c) => {
    await setPostPinned(c.get('deps'), c.get('auth'), mmId(c, 'pid'), true);
    return mmOk(c);
  });
  r.post('/posts/:pid/unpin', async (c) => {
    await setPostPinned(c.get('deps'), c.get('auth'), mmId(c, 'pid'), false);
    return mmOk(c);
  });
  return r;
}

const searchSchema = z.object({
  terms: z.string(),
  is_or_search: z.boolean().optional(),
  time_zone_offset: z.number().optional(),
  include_deleted_channels: z.boolean().optional(),
  page: z.number().int().min(0).max(MAX_PAGE).optional(),
  per_page: z.number().int().min(1).max(200).optional(),
});

/** Search: Mattermost's PostList plus `matches` (the matched words of each post). */
async function search(c: Context<AppEnv>, teamId: string | undefined) {
  const body = await readJson(c, searchSchema);
  if (body.is_or_search) throw notImplemented('POST', '/api/v4/posts/search with is_or_search');
  const deps = c.get('deps');
  const auth = c.get('auth');
  const perPage = Math.min(body.per_page ?? 60, SEARCH_MAX_LIMIT);
  const page = body.page ?? 0;
  let cursor: string | undefined;
  for (let i = 0; ; i++) {
    const res = await searchPosts(deps, auth, { q: body.terms, team_id: teamId, cursor, limit: perPage });
    if (i === page || !res.next_cursor) {
      const items = i === page ? res.items : [];
      const list = presentMmPostList(items.map(mm));
      const matches: Record<string, string[]> = {};
      for (const v of items) if (res.matches[v.row.id]) matches[v.row.id] = res.matches[v.row.id];
      return mmJson(c, { ...list, matches, first_inaccessible_post_time: 0 });
    }
    cursor = res.next_cursor;
  }
}
