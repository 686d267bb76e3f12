import { Hono, type Context } from 'hono';
import type { AppEnv } from '../env.ts';
import { badRequest, forbidden } from '../../errors.ts';
import * as threads from '../../actions/threads.ts';
import { getUsersByIds } from '../../actions/users.ts';
import type { ThreadWithPost } from '../../contract/objects.ts';
import { presentMmThread } from './presenters.ts';
import { mmJson, mmOk } from './respond.ts';
import { intQuery, mmId } from './params.ts';

/**
 * Mattermost's collapsed reply threads (`/users/{uid}/teams/{tid}/threads…`) over the native
 * thread actions (actions/threads.ts): the same follow rules, read markers, counts and events.
 * Only the caller's own threads: another user id answers 403 (Mattermost lets admins read
 * others'; RustChat does not).
 */

/** The path's user: `me` or the caller's own id. */
function self(c: Context<AppEnv>): void {
  const uid = mmId(c, 'uid', true);
  if (uid !== c.get('auth').user.id) throw forbidden('forbidden', "You cannot read or change another user's threads");
}

const flag = (c: Context<AppEnv>, name: string): boolean => {
  const v = c.req.query(name);
  if (v === undefined || v === '' || v === 'false' || v === '0') return false;
  if (v === 'true' || v === '1') return true;
  throw badRequest('invalid_param', `Invalid ${name} parameter`);
};

/** Threads as Mattermost sends them; `extended`: participants as full user objects. */
async function present(c: Context<AppEnv>, list: ThreadWithPost[], extended: boolean) {
  if (!extended || !list.length) return list.map((t) => presentMmThread(t));
  const ids = [...new Set(list.flatMap((t) => t.participants))];
  const users = (await getUsersByIds(c.get('deps'), c.get('auth'), ids)).items;
  const byId = new Map(users.map((u) => [u.id, u]));
  return list.map((t) => presentMmThread(t, byId));
}

export function threadRoutes() {
  const r = new Hono<AppEnv>();

  /**
   * Mattermost's Threads answer: `threads` (latest activity first, `before`/`after` thread-id
   * cursors, `per_page`), and the totals over the same set (`totalsOnly` / `threadsOnly` leave
   * one part out). Threads of the team's channels and of direct and group channels unless
   * `excludeDirect`.
   */
  r.get('/users/:uid/teams/:tid/threads', async (c) => {
    self(c);
    const tid = mmId(c, 'tid');
    const totalsOnly = flag(c, 'totalsOnly');
    const threadsOnly = flag(c, 'threadsOnly');
    const extended = flag(c, 'extended');
    const since = intQuery(c, 'since', 0);
    const res = await threads.listThreads(c.get('deps'), c.get('auth'), {
      team_id: tid,
      before: c.req.query('before') || undefined,
      after: c.req.query('after') || undefined,
      limit: Math.max(1, intQuery(c, 'per_page', threads.THREADS_DEFAULT_LIMIT, threads.THREADS_MAX_LIMIT)),
      unread: flag(c, 'unread'),
      since: since || undefined,
      include_deleted: flag(c, 'deleted'),
      exclude_direct: flag(c, 'excludeDirect'),
      threads_only: threadsOnly && !totalsOnly,
      totals_only: totalsOnly,
    });
    return mmJson(c, {
      total: res.totals?.total ?? 0,
      total_unread_threads: res.totals?.unread_threads ?? 0,
      total_unread_mentions: res.totals?.unread_mentions ?? 0,
      total_unread_urgent_mentions: 0,
      threads: await present(c, res.items, extended),
    });
  });

  // Mark every thread of the team read (before /threads/{id}…).
  r.put('/users/:uid/teams/:tid/threads/read', async (c) => {
    self(c);
    await threads.markAllThreadsRead(c.get('deps'), c.get('auth'), mmId(c, 'tid'));
    return mmOk(c);
  });

  r.get('/users/:uid/teams/:tid/threads/:thid', async (c) => {
    self(c);
    mmId(c, 'tid');
    const t = await threads.getThreadState(c.get('deps'), c.get('auth'), mmId(c, 'thid'));
    return mmJson(c, (await present(c, [t], flag(c, 'extended')))[0]);
  });

  r.put('/users/:uid/teams/:tid/threads/:thid/read/:timestamp', async (c) => {
    self(c);
    mmId(c, 'tid');
    const ts = c.req.param('timestamp');
    if (!/^\d{1,15}$/.test(ts)) throw badRequest('invalid_param', 'Invalid timestamp parameter');
    const t = await threads.markThreadRead(c.get('deps'), c.get('auth'), mmId(c, 'thid'), Number(ts));
    return mmJson(c, presentMmThread(t));
  });

  r.post('/users/:uid/teams/:tid/threads/:thid/set_unread/:pid', async (c) => {
    self(c);
    mmId(c, 'tid');
    const t = await threads.markThreadUnread(c.get('deps'), c.get('auth'), mmId(c, 'thid'), mmId(c, 'pid'));
    return mmJson(c, presentMmThread(t));
  });

  r.put('/users/:uid/teams/:tid/threads/:thid/following', async (c) => {
    self(c);
    mmId(c, 'tid');
    await threads.setThreadFollowing(c.get('deps'), c.get('auth'), mmId(c, 'thid'), true);
    return mmOk(c);
  });
  r.delete('/users/:uid/teams/:tid/threads/:thid/following', async (c) => {
    self(c);
    mmId(c, 'tid');
    await threads.setThreadFollowing(c.get('deps'), c.get('auth'), mmId(c, 'thid'), false);
    return mmOk(c);
  });
  return r;
}
