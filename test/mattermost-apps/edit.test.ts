/**
 * Editing a post the way the apps do, through Mattermost's own client (issue 16 items 1 and 7):
 * the mobile app's patchPost({id, message, file_ids}) — files kept, removed, added — and the web
 * app's editPost, which patches with the whole post object; updatePost with the whole post; each
 * emits post_edited (seen on a real /api/v4/websocket). And the thread answer: the requested
 * post first, then the thread oldest first, paged by (create_at, id).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { WebSocket } from 'ws';
import { ClientError, startMmServer, type Client, type MmServer } from './harness.ts';

let s: MmServer;
let A: Client;
let B: Client;
let alice: any;
let bob: any;
let channelId: string;

async function upload(c: Client, name: string): Promise<string> {
  const form = new FormData();
  form.append('channel_id', channelId);
  form.append('files', new Blob([`bytes of ${name}`], { type: 'text/plain' }), name);
  const r = await c.uploadFile(form);
  return r.file_infos[0].id;
}

async function status(p: Promise<unknown>): Promise<number> {
  try {
    await p;
    return 200;
  } catch (e: any) {
    assert.instance(e, ClientError);
    return e.status_code;
  }
}

/** The next post_edited of `postId` on a Mattermost socket of `token`. */
function mmSocket(token: string) {
  const ws = new WebSocket(`${s.url.replace('http', 'ws')}/api/v4/websocket`, { headers: { authorization: `Bearer ${token}` } });
  const frames: any[] = [];
  ws.on('message', (d) => frames.push(JSON.parse(String(d))));
  return {
    ready: new Promise((r) => ws.once('open', r)),
    async edited(postId: string): Promise<any> {
      for (let i = 0; i < 200; i++) {
        const f = frames.find((e) => e.event === 'post_edited' && JSON.parse(e.data.post).id === postId);
        if (f) {
          frames.splice(frames.indexOf(f), 1);
          return JSON.parse(f.data.post);
        }
        await new Promise((r) => setTimeout(r, 25));
      }
      throw new Error(`no post_edited for ${postId}`);
    },
    close: () => ws.close(),
  };
}

test.before(async () => {
  s = await startMmServer();
  ({ client: A, user: alice } = await s.signUp('alice'));
  ({ client: B, user: bob } = await s.signUp('bob'));
  const team = await A.createTeam({ name: 'acme', display_name: 'Acme', type: 'O' } as any);
  await B.addToTeam(team.id, bob.id);
  channelId = (await A.getChannelByName(team.id, 'town-square')).id;
  await B.addToChannel(bob.id, channelId);
});
test.after(() => s.close());

test('mobile edit: patchPost with file_ids keeps, removes and adds files; emits post_edited', async () => {
  const sock = mmSocket(B.getToken());
  await sock.ready;
  const f1 = await upload(A, 'one.txt');
  const f2 = await upload(A, 'two.txt');
  const post = await A.createPost({ channel_id: channelId, message: 'with files', file_ids: [f1, f2] } as any);
  // The mobile app's edit: message and the files it still shows.
  const same = await A.patchPost({ id: post.id, message: 'with files (edited)', file_ids: [f1, f2] } as any);
  assert.is(same.message, 'with files (edited)');
  assert.equal(same.file_ids, [f1, f2]);
  assert.ok(same.edit_at > 0);
  assert.is((await sock.edited(post.id)).message, 'with files (edited)');
  // Removing one file: gone from the post and from the files API.
  const fewer = await A.patchPost({ id: post.id, message: 'one file left', file_ids: [f1] } as any);
  assert.equal(fewer.file_ids, [f1]);
  assert.equal(fewer.metadata.files.map((f: any) => f.id), [f1]);
  assert.equal((await A.getFileInfosForPost(post.id)).map((f: any) => f.id), [f1]);
  assert.is((await fetch(`${s.url}/api/v4/files/${f2}/info`, { headers: { authorization: `Bearer ${A.getToken()}` } })).status, 404);
  assert.is((await fetch(`${s.url}/api/v4/files/${f1}/info`, { headers: { authorization: `Bearer ${A.getToken()}` } })).status, 200);
  assert.equal((await sock.edited(post.id)).file_ids, [f1]);
  // Adding a file of one's own that is not attached anywhere.
  const f3 = await upload(A, 'three.txt');
  const more = await A.patchPost({ id: post.id, message: 'one file left', file_ids: [f1, f3] } as any);
  assert.equal(more.file_ids, [f1, f3]);
  assert.equal((await A.getFileInfosForPost(post.id)).map((f: any) => f.name).sort(), ['one.txt', 'three.txt']);
  // Someone else's upload, or a file already on another post, cannot be added: nothing changes.
  const bobs = await upload(B, 'bobs.txt');
  assert.is(await status(A.patchPost({ id: post.id, message: 'steal', file_ids: [f1, f3, bobs] } as any)), 400);
  const other = await A.createPost({ channel_id: channelId, message: 'other', file_ids: [await upload(A, 'x.txt')] } as any);
  assert.is(await status(A.patchPost({ id: post.id, file_ids: [f1, other.file_ids[0]] } as any)), 400);
  const now = await A.getPost(post.id);
  assert.is(now.message, 'one file left');
  assert.equal(now.file_ids, [f1, f3]);
  // All files off and an empty message: a post needs one or the other.
  assert.is(await status(A.patchPost({ id: post.id, message: '', file_ids: [] } as any)), 400);
  const textOnly = await A.patchPost({ id: post.id, message: 'just text', file_ids: [] } as any);
  assert.equal(textOnly.file_ids, []);
  assert.not.ok(textOnly.metadata.files);
  // Only the author edits.
  assert.is(await status(B.patchPost({ id: post.id, message: 'not mine', file_ids: [] } as any)), 403);
  sock.close();
});

test('web edit: editPost patches with the whole post object; props keep only what a client may set', async () => {
  const sock = mmSocket(B.getToken());
  await sock.ready;
  const post = await A.createPost({ channel_id: channelId, message: 'original', props: { disable_group_highlight: true } } as any);
  await s.t.deps.db.query(`update posts set props = props || '{"from_webhook":"true"}'::jsonb where id = $1`, [post.id]);
  s.t.takeEvents();
  // What redux's editPost sends: the post as the app holds it, with the new message.
  const full = await A.getPost(post.id);
  const edited = await A.patchPost({ ...full, message: 'edited in the web app', props: { ...full.props, override_username: 'ceo', custom: 1 } });
  assert.is(edited.message, 'edited in the web app');
  assert.is(edited.is_pinned, false);
  // A client cannot set or drop a server-set key; its own keys are replaced as sent.
  assert.equal(edited.props, { disable_group_highlight: true, custom: 1, from_webhook: 'true' });
  const events = s.t.takeEvents().filter((e) => e.event === 'post_edited');
  assert.is(events.length, 1);
  assert.is(events[0].data.post.message, 'edited in the web app');
  assert.is((await sock.edited(post.id)).message, 'edited in the web app');
  // updatePost (PUT /posts/{id}) with the whole post; file_ids null keeps the files.
  const updated = await A.updatePost({ ...edited, message: 'updated', file_ids: null } as any);
  assert.is(updated.message, 'updated');
  assert.is((await sock.edited(post.id)).message, 'updated');
  // The whole post with is_pinned changed pins it too; unchanged, nothing else happens.
  const pinned = await A.patchPost({ ...updated, is_pinned: true });
  assert.is(pinned.is_pinned, true);
  assert.is((await A.getPost(post.id)).is_pinned, true);
  // is_pinned alone needs no authorship (any member may pin), but no edit happens.
  const unpinned = await B.patchPost({ id: post.id, is_pinned: false } as any);
  assert.is(unpinned.is_pinned, false);
  assert.is(unpinned.message, 'updated');
  sock.close();
});

test('thread: requested post first, then oldest first; paged by fromCreateAt/fromPost; direction up', async () => {
  const root = await A.createPost({ channel_id: channelId, message: 'root' } as any);
  const replies: any[] = [];
  for (let i = 0; i < 5; i++) replies.push(await (i % 2 ? B : A).createPost({ channel_id: channelId, message: `r${i}`, root_id: root.id } as any));
  const all = [root.id, ...replies.map((r) => r.id)];
  const t = await A.getPostThread(root.id);
  assert.equal(t.order, all);
  assert.is(t.has_next, false);
  assert.is(t.posts[root.id].reply_count, 5);
  // Opened from a reply: that reply first, then the rest in order.
  const fromReply = await B.getPostThread(replies[2].id);
  assert.equal(fromReply.order, [replies[2].id, ...all.filter((id) => id !== replies[2].id)]);
  // Pages of 2, as the web app's paginated thread loader asks.
  const p1 = await A.getPaginatedPostThread(root.id, { perPage: 2, direction: 'down' });
  assert.equal(p1.order, [root.id, replies[0].id]);
  assert.is(p1.has_next, true);
  const last1 = p1.posts[p1.order[p1.order.length - 1]];
  const p2 = await A.getPaginatedPostThread(root.id, { perPage: 2, direction: 'down', fromCreateAt: last1.create_at, fromPost: last1.id });
  assert.equal(p2.order, [root.id, replies[1].id, replies[2].id]);
  assert.is(p2.has_next, true);
  const last2 = p2.posts[replies[2].id];
  const p3 = await A.getPaginatedPostThread(root.id, { perPage: 2, direction: 'down', fromCreateAt: last2.create_at, fromPost: last2.id });
  assert.equal(p3.order, [root.id, replies[3].id, replies[4].id]);
  assert.is(p3.has_next, false);
  const up = await A.getPaginatedPostThread(root.id, { perPage: 3, direction: 'up' });
  assert.equal(up.order, [root.id, replies[4].id, replies[3].id, replies[2].id]);
  assert.is(up.has_next, true);
  // skipFetchThreads: the post alone.
  assert.equal((await A.getPostThread(replies[0].id, false)).order, [replies[0].id]);
  // Bad parameters are 400s, as in Mattermost.
  assert.is((await fetch(`${s.url}/api/v4/posts/${root.id}/thread?perPage=500`, { headers: { authorization: `Bearer ${A.getToken()}` } })).status, 400);
  assert.is((await fetch(`${s.url}/api/v4/posts/${root.id}/thread?fromPost=${root.id}`, { headers: { authorization: `Bearer ${A.getToken()}` } })).status, 400);
  assert.is((await fetch(`${s.url}/api/v4/posts/${root.id}/thread?direction=sideways`, { headers: { authorization: `Bearer ${A.getToken()}` } })).status, 400);
});

test('edit history: getPostEditHistory lists the replaced versions, latest first; only the author', async () => {
  const post = await A.createPost({ channel_id: channelId, message: 'version one' } as any);
  await A.patchPost({ id: post.id, message: 'version two' } as any);
  const full = await A.getPost(post.id);
  const third = await A.patchPost({ ...full, message: 'version three' });
  const h = await A.getPostEditHistory(post.id);
  assert.equal(h.map((v: any) => v.message), ['version two', 'version one']);
  for (const v of h) {
    assert.is(v.original_id, post.id);
    assert.is.not(v.id, post.id);
    assert.ok(v.delete_at > 0);
    assert.is(v.user_id, alice.id);
  }
  assert.is(h[1].edit_at, 0, 'the original version was never an edit');
  assert.is(h[0].edit_at, full.edit_at);
  assert.is(h[0].delete_at, third.edit_at);
  assert.is(await status(B.getPostEditHistory(post.id)), 403);
  assert.is(await status(A.getPostEditHistory('nope')), 400);
});

test.run();
