import { apiRateLimit } from '../middleware.ts';
import { Hono, type Context } from 'hono';
import { z } from 'zod';
import type { AppEnv } from '../env.ts';
import { readJson } from '../validate.ts';
import { badRequest } from '../../errors.ts';
import { createPost, deletePost, getPost, getPostEditHistory, getPostsByIds, getThreadPage, patchPost, listChannelPostsPage, listPostsAroundLastRead, HISTORY_MAX_LIMIT, presentPost, presentPostFile, presentView, type PostView } from '../../actions/posts.ts';
import { setPostPinned } from '../../actions/pins.ts';
import { createEphemeralPost, ephemeralPostSchema } from '../../actions/ephemeral-posts.ts';
import { searchPosts, SEARCH_MAX_LIMIT } from '../../actions/search.ts';
import { listSaved, SAVED_MAX_LIMIT } from '../../actions/saved.ts';
import { markChannelUnreadFrom } from '../../actions/unreads.ts';
import { forbidden } from '../../errors.ts';
import { presentMmFileInfo, presentMmPost, presentMmPostList, type MmPost } from './presenters.ts';
import { mmJson, mmOk } from './respond.ts';
import { intQuery, MAX_PAGE, mmId, paging } from './params.ts';
import { notImplemented } from './errors.ts';

const mm = (v: PostView) => presentMmPost(presentView(v));
const num = (v: unknown) => Number(v ?? 0);

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

function postListOf(order: MmPost[], all: MmPost[], cursors: { next_post_id: string; prev_post_id: string }) {
  const list = presentMmPostList(order, cursors);
  for (const p of all) list.posts[p.id] = p;
  return list;
}

/**
 * A PostList as Mattermost returns channel pages: `order` is the page (newest first) and `posts`
 * also holds the thread roots of replies on the page, so the apps can show "commented on".
 */
function pageList(page: { items: PostView[]; roots: PostView[] }, cursors: (all: MmPost[], orderLength: number) => { next_post_id: string; prev_post_id: string }) {
  const order = page.items.map(mm);
  const all = [...order, ...page.roots.map(mm)];
  return postListOf(order, all, cursors(all, order.length));
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

  r.post('/posts', apiRateLimit('posts'), async (c) => {
    const body = await readJson(c, createSchema);
    const deps = c.get('deps');
    const { channel_id, pending_post_id, ...rest } = body;
    const created = await createPost(deps, c.get('auth'), channel_id, { ...rest, client_msg_id: pending_post_id || undefined });
    return mmJson(c, mm(created), 201);
  });

  // Mattermost's createEphemeralPost: shown to user_id's sockets only, never stored; 201 with the post.
  r.post('/posts/ephemeral', apiRateLimit('posts'), async (c) => {
    const post = await createEphemeralPost(c.get('deps'), c.get('auth'), await readJson(c, ephemeralPostSchema));
    return mmJson(c, presentMmPost(post), 201);
  });

  r.get('/channels/:cid/posts', async (c) => {
    const deps = c.get('deps');
    const auth = c.get('auth');
    const cid = mmId(c, 'cid');
    const { page, perPage } = checkPerPage(c);
    const sinceRaw = c.req.query('since');
    const before = c.req.query('before') || undefined;
    const after = c.req.query('after') || undefined;
    const rootsOnly = c.req.query('collapsedThreads') === 'true';
    if (sinceRaw !== undefined && sinceRaw !== '') {
      const since = intQuery(c, 'since', 0);
      // Changes since a time (deleted posts included), newest first, up to SINCE_MAX.
      const res = await listChannelPostsPage(deps, auth, cid, { since, rootsOnly, limit: SINCE_MAX });
      res.items.sort((a, b) => b.row.create_at - a.row.create_at);
      return mmJson(c, pageList(res, (all, n) => cursorIds(all, n, { since, page, perPage })));
    }
    // Page N is one query: an offset of N pages past the cursor (the native API's keyset on seq).
    const res = await listChannelPostsPage(deps, auth, cid, { before, after, rootsOnly, offset: page * perPage, limit: perPage });
    return mmJson(c, pageList(res, (all, n) => cursorIds(all, n, { before, after, page, perPage })));
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
    const res = await listPostsAroundLastRead(deps, auth, cid, { before: limitBefore, after: limitAfter, rootsOnly: c.req.query('collapsedThreads') === 'true' });
    return mmJson(c, pageList(res, () => ({ next_post_id: res.newer ?? '', prev_post_id: res.older ?? '' })));
  });

  /**
   * Saved ("flagged") posts of the caller, newest post first, as a PostList: `channel_id` or
   * `team_id` (its channels and the direct and group channels) narrow it; `page` / `per_page`.
   */
  r.get('/users/:uid/posts/flagged', async (c) => {
    const auth = c.get('auth');
    if (mmId(c, 'uid', true) !== auth.user.id) throw forbidden('forbidden', "You cannot read another user's saved posts");
    const { page, perPage } = paging(c, 60, SAVED_MAX_LIMIT);
    const channelId = c.req.query('channel_id') || undefined;
    const teamId = channelId ? undefined : c.req.query('team_id') || undefined;
    const res = await listSaved(c.get('deps'), auth, { channel_id: channelId, team_id: teamId, offset: page * perPage, limit: perPage });
    return mmJson(c, presentMmPostList(res.items.map(mm)));
  });

  /**
   * Mark as unread from a post (post menu): the channel's counts go back to just before it.
   * Answers Mattermost's ChannelUnreadAt (the member's counts, not the unread differences).
   */
  r.post('/users/:uid/posts/:pid/set_unread', async (c) => {
    const auth = c.get('auth');
    if (mmId(c, 'uid', true) !== auth.user.id) throw forbidden('forbidden', 'You cannot mark posts unread for another user');
    const pid = mmId(c, 'pid');
    await readJson(c, z.object({ collapsed_threads_supported: z.boolean().optional() }).passthrough().optional());
    const { member, unread } = await markChannelUnreadFrom(c.get('deps'), auth, pid);
    return mmJson(c, {
      team_id: unread.team_id,
      channel_id: member.channel_id,
      user_id: member.user_id,
      msg_count: num(member.msg_count),
      msg_count_root: num(member.msg_count_root),
      mention_count: num(member.mention_count),
      mention_count_root: num(member.mention_count_root),
      urgent_mention_count: 0,
      last_viewed_at: num(member.last_viewed_at),
      notify_props: member.notify_props,
    });
  });

  r.post('/posts/ids', async (c) => {
    const ids = await readJson(c, z.array(z.string()).max(1000));
    // Posts the caller cannot see are left out, as Mattermost does.
    return mmJson(c, (await getPostsByIds(c.get('deps'), c.get('auth'), ids)).map(mm));
  });

  r.post('/posts/search', apiRateLimit('searches'), async (c) => search(c, undefined));
  r.post('/teams/:tid/posts/search', apiRateLimit('searches'), async (c) => search(c, mmId(c, 'tid')));

  r.get('/posts/:pid', async (c) => mmJson(c, mm(await getPost(c.get('deps'), c.get('auth'), mmId(c, 'pid')))));

  /**
   * Earlier versions of the caller's own post as Mattermost's old-version posts, the latest
   * replaced first: a version id, `original_id` the post, `edit_at` when that version was
   * written (0 for the original), `delete_at` / `update_at` when it was replaced.
   */
  r.get('/posts/:pid/edit_history', async (c) => {
    const { post, items } = await getPostEditHistory(c.get('deps'), c.get('auth'), mmId(c, 'pid'));
    return mmJson(
      c,
      items.map((v) => {
        const row = { ...post, id: v.id, message: v.message, file_ids: v.file_ids, props: v.props, edit_at: v.written_at === post.create_at ? 0 : v.written_at, update_at: v.replaced_at, delete_at: 0, is_pinned: false, reply_count: 0 };
        // Presented live (a deleted post loses its content), then marked as the replaced version.
        return { ...presentMmPost(presentPost(row)), delete_at: v.replaced_at, original_id: post.id };
      }),
    );
  });

  r.get('/posts/:pid/files/info', async (c) => {
    const view = await getPost(c.get('deps'), c.get('auth'), mmId(c, 'pid'));
    return mmJson(c, view.files.map((f) => presentMmFileInfo(presentPostFile(f))));
  });

  /**
   * Mattermost's thread answer: `order` starts with the requested post, then the thread (root
   * included) oldest first (`direction=up`: newest first), `perPage` at a time past the keyset
   * `fromCreateAt`/`fromPost`, `has_next` when more follow. Without `perPage`, the whole thread.
   */
  r.get('/posts/:pid/thread', async (c) => {
    const pid = mmId(c, 'pid');
    const perPage = intQuery(c, 'perPage', 0);
    if (perPage > HISTORY_MAX_LIMIT) throw badRequest('invalid_param', `perPage must be at most ${HISTORY_MAX_LIMIT}`);
    const fromCreateAt = intQuery(c, 'fromCreateAt', 0);
    const fromPost = c.req.query('fromPost') || undefined;
    if (fromPost && !fromCreateAt) throw badRequest('invalid_param', 'fromPost needs fromCreateAt');
    const direction = c.req.query('direction') || undefined;
    if (direction !== undefined && direction !== 'up' && direction !== 'down') throw badRequest('invalid_param', 'direction must be up or down');
    const deps = c.get('deps');
    const auth = c.get('auth');
    if (c.req.query('skipFetchThreads') === 'true') return mmJson(c, presentMmPostList([mm(await getPost(deps, auth, pid))]));
    const t = await getThreadPage(deps, auth, pid, { perPage, fromCreateAt: fromCreateAt || undefined, fromPost, direction });
    return mmJson(c, presentMmPostList([t.post, ...t.items].map(mm), { has_next: t.hasNext }));
  });

  // Mattermost's updatePost: the whole post; file_ids absent (null) keeps the files.
  r.put('/posts/:pid', async (c) => {
    const body = await readJson(c, z.object({ id: z.string().optional(), message: z.string(), file_ids: z.array(z.string()).nullish(), props: z.record(z.string(), z.unknown()).nullish() }));
    const pid = mmId(c, 'pid');
    if (body.id !== undefined && body.id !== pid) throw badRequest('invalid_input', 'id in the body does not match the URL');
    return mmJson(c, mm(await patchPost(c.get('deps'), c.get('auth'), pid, { message: body.message, file_ids: body.file_ids ?? undefined, props: body.props ?? undefined })));
  });

  // Mattermost's patchPost: any of message, file_ids, props, is_pinned. The web app sends the
  // whole post (other fields are ignored), the mobile app always sends file_ids.
  r.put('/posts/:pid/patch', async (c) => {
    const body = await readJson(
      c,
      z.object({
        message: z.string().optional(),
        is_pinned: z.boolean().optional(),
        props: z.record(z.string(), z.unknown()).nullish(),
        file_ids: z.array(z.string()).nullish(),
      }),
    );
    const deps = c.get('deps');
    const auth = c.get('auth');
    const pid = mmId(c, 'pid');
    let view: PostView | undefined;
    if (body.message !== undefined || body.file_ids != null || body.props != null) {
      view = await patchPost(deps, auth, pid, { message: body.message, file_ids: body.file_ids ?? undefined, props: body.props ?? undefined });
    }
    if (body.is_pinned !== undefined && body.is_pinned !== (view ?? (view = await getPost(deps, auth, pid))).row.is_pinned) {
      view = await setPostPinned(deps, auth, pid, body.is_pinned);
    }
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
