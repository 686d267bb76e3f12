/**
 * Collapsed reply threads through Mattermost's own client (issue 15 item 1): the client config
 * turns CRT on, channel pages with collapsedThreads=true hold only roots, the Threads list with
 * its totals and cursors, one thread (extended), read/{timestamp}, set_unread, following PUT and
 * DELETE, mark all read, team unread thread counts, the thread_* events on a real
 * /api/v4/websocket, and the permission answers.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { WebSocket } from 'ws';
import { ClientError, startMmServer, type Client, type MmServer } from './harness.ts';
import { clientConfig } from '../../src/http/v4/system.ts';

let s: MmServer;
let A: Client; // alice: starts threads
let B: Client; // bob: replies
let C: Client; // carol: in the team, not in the private channel
let alice: any;
let bob: any;
let carol: any;
let teamId: string;
let channelId: string;

async function status(p: Promise<unknown>): Promise<number> {
  try {
    await p;
    return 200;
  } catch (e: any) {
    assert.instance(e, ClientError);
    return e.status_code;
  }
}

function mmSocket(token: string) {
  const ws = new WebSocket(`${s.url.replace('http', 'ws')}/api/v4/websocket`, { headers: { authorization: `Bearer ${token}` } });
  const frames: any[] = [];
  ws.on('message', (d) => frames.push(JSON.parse(String(d))));
  return {
    ready: new Promise((r) => ws.once('open', r)),
    async next(event: string): Promise<any> {
      for (let i = 0; i < 200; i++) {
        const f = frames.find((e) => e.event === event);
        if (f) {
          frames.splice(frames.indexOf(f), 1);
          return f;
        }
        await new Promise((r) => setTimeout(r, 25));
      }
      throw new Error(`no ${event}; got ${frames.map((f) => f.event).join(', ')}`);
    },
    close: () => ws.close(),
  };
}

test.before(async () => {
  s = await startMmServer();
  ({ client: A, user: alice } = await s.signUp('alice'));
  ({ client: B, user: bob } = await s.signUp('bob'));
  ({ client: C, user: carol } = await s.signUp('carol'));
  const team = await A.createTeam({ name: 'crt', display_name: 'CRT', type: 'O' } as any);
  teamId = team.id;
  await A.addToTeam(teamId, bob.id);
  await A.addToTeam(teamId, carol.id);
  channelId = (await A.createChannel({ team_id: teamId, name: 'threads', display_name: 'Threads', type: 'P' } as any)).id;
  await A.addToChannel(bob.id, channelId);
});
test.after(() => s.close());

test('client config: CollapsedThreads follows site.collapsed_threads (default on)', async () => {
  const cfg = await A.getClientConfig();
  assert.is(cfg.CollapsedThreads, 'default_on');
  assert.is(cfg.FeatureFlagCollapsedThreads, 'true');
  const deps = s.t.deps;
  const off = await clientConfig({ ...deps, config: { ...deps.config, site: { ...deps.config.site, collapsed_threads: 'disabled' } } });
  assert.is(off.CollapsedThreads, 'disabled');
  assert.is(off.FeatureFlagCollapsedThreads, 'false');
});

test('a reply: alice follows with one unread; list, totals, single thread (extended); events', async () => {
  const sock = mmSocket(A.getToken());
  await sock.ready;
  const root = await A.createPost({ channel_id: channelId, message: 'a question' } as any);
  const reply = await B.createPost({ channel_id: channelId, message: `an answer @${alice.username}`, root_id: root.id } as any);
  const ev = await sock.next('thread_updated');
  const t = JSON.parse(ev.data.thread);
  assert.is(t.id, root.id);
  assert.is(t.unread_replies, 1);
  assert.is(t.unread_mentions, 1);
  assert.is(t.is_following, true);

  const list = await A.getUserThreads(alice.id, teamId, {});
  assert.is(list.total, 1);
  assert.is(list.total_unread_threads, 1);
  assert.is(list.total_unread_mentions, 1);
  assert.is(list.threads.length, 1);
  assert.is(list.threads[0].post.id, root.id);
  assert.equal(list.threads[0].participants, [{ id: alice.id }, { id: bob.id }]);
  const totals = await A.getUserThreads('me', teamId, { totalsOnly: true });
  assert.equal(totals.threads, []);
  assert.is(totals.total_unread_threads, 1);

  const one = await A.getUserThread(alice.id, teamId, root.id, true);
  assert.is(one.reply_count, 1);
  assert.equal(one.participants.map((u: any) => u.username), ['alice', 'bob']);

  // Channel pages in CRT mode hold roots only; without it, replies too.
  const crt = await A.getPosts(channelId, 0, 60, true, true);
  assert.equal(crt.order, [root.id]);
  const flat = await A.getPosts(channelId, 0, 60);
  assert.equal(flat.order, [reply.id, root.id]);
  const unreadPage = await A.getPostsUnread(channelId, alice.id, 60, 60, true, true);
  assert.not.ok(unreadPage.order.includes(reply.id));

  // Team unreads with thread counts.
  const tu = (await A.getMyTeamUnreads(true)).find((x: any) => x.team_id === teamId);
  assert.is(tu.thread_count, 1);
  assert.is(tu.thread_mention_count, 1);
  sock.close();
});

test('read/{timestamp}, set_unread, mark all read, with thread_read_changed', async () => {
  const sock = mmSocket(A.getToken());
  await sock.ready;
  const [th] = (await A.getUserThreads(alice.id, teamId, {})).threads;
  const read = await A.updateThreadReadForUser(alice.id, teamId, th.id, Date.now());
  assert.is(read.unread_replies, 0);
  assert.is(read.unread_mentions, 0);
  const ev = await sock.next('thread_read_changed');
  assert.is(ev.data.thread_id, th.id);
  assert.is(ev.data.unread_replies, 0);

  const replies = (await A.getPostThread(th.id)).order.filter((id: string) => id !== th.id);
  const unread = await A.markThreadAsUnreadForUser(alice.id, teamId, th.id, replies[0]);
  assert.is(unread.unread_replies, 1);
  assert.is(unread.unread_mentions, 1);
  assert.is((await sock.next('thread_read_changed')).data.unread_mentions, 1);

  await A.updateThreadsReadForUser(alice.id, teamId);
  const all = await sock.next('thread_read_changed');
  assert.type(all.data.timestamp, 'number');
  assert.is((await A.getUserThreads(alice.id, teamId, {})).total_unread_threads, 0);
  sock.close();
});

test('following DELETE and PUT, with thread_follow_changed', async () => {
  const sock = mmSocket(A.getToken());
  await sock.ready;
  const [th] = (await A.getUserThreads(alice.id, teamId, {})).threads;
  assert.equal(await A.updateThreadFollowForUser(alice.id, teamId, th.id, false), { status: 'OK' });
  const ev = await sock.next('thread_follow_changed');
  assert.is(ev.data.thread_id, th.id);
  assert.is(ev.data.state, false);
  assert.is((await A.getUserThreads(alice.id, teamId, {})).total, 0);
  await A.updateThreadFollowForUser(alice.id, teamId, th.id, true);
  assert.is((await sock.next('thread_follow_changed')).data.state, true);
  assert.is((await A.getUserThreads(alice.id, teamId, {})).total, 1);
  sock.close();
});

test('paging: per_page and before/after cursors', async () => {
  const roots: string[] = [];
  for (let i = 0; i < 3; i++) {
    const r = await A.createPost({ channel_id: channelId, message: `root ${i}` } as any);
    await B.createPost({ channel_id: channelId, message: `reply ${i}`, root_id: r.id } as any);
    roots.push(r.id);
  }
  const first = await A.getUserThreads(alice.id, teamId, { perPage: 2 });
  assert.equal(first.threads.map((t: any) => t.id), [roots[2], roots[1]]);
  assert.is(first.total, 4);
  const next = await A.getUserThreads(alice.id, teamId, { perPage: 2, before: first.threads[1].id });
  assert.equal(next.threads[0].id, roots[0]);
  const newer = await A.getUserThreads(alice.id, teamId, { perPage: 2, after: roots[0] });
  assert.equal(newer.threads.map((t: any) => t.id), [roots[2], roots[1]]);
  const unread = await A.getUserThreads(alice.id, teamId, { unread: true, perPage: 200 });
  assert.ok(unread.threads.every((t: any) => t.unread_replies > 0));
});

test('permissions: another user, a channel I am not in, a team I am not in', async () => {
  const [th] = (await A.getUserThreads(alice.id, teamId, {})).threads;
  assert.is(await status(B.getUserThreads(alice.id, teamId, {})), 403);
  assert.is(await status(B.updateThreadFollowForUser(alice.id, teamId, th.id, false)), 403);
  assert.is(await status(C.getUserThread(carol.id, teamId, th.id)), 403);
  assert.is(await status(C.updateThreadFollowForUser(carol.id, teamId, th.id, true)), 403);
  assert.is(await status(C.markThreadAsUnreadForUser(carol.id, teamId, th.id, th.id)), 403);
  assert.equal((await C.getUserThreads(carol.id, teamId, {})).threads, []);
  const { client: D, user: dave } = await s.signUp('dave');
  assert.is(await status(D.getUserThreads(dave.id, teamId, {})), 403);
  assert.is(await status(s.client().getUserThreads('me', teamId, {})), 401);
  assert.is(await status(A.updateThreadReadForUser(alice.id, teamId, th.id, 'soon' as any)), 400);
  assert.is(await status(A.getUserThreads(alice.id, 'nope', {})), 400);
});

test.run();
