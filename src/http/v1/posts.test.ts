import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { testApp, type TestContext, only } from '../../../test/app.ts';
import { fxChannel, fxJoin, fxTeam, fxUser, type FxUser } from '../../../test/fixtures.ts';
import { newId } from '../../ids.ts';

let t: TestContext;
let alice: FxUser, bob: FxUser, carol: FxUser, dave: FxUser;
let team: { id: string };
let chan: { id: string; name: string };

const sorted = (a: string[]) => [...a].sort();

async function post(u: FxUser, channelId: string, body: Record<string, unknown>) {
  return t.req('POST', `/api/v1/channels/${channelId}/posts`, { token: u.token, body });
}
async function member(channelId: string, userId: string) {
  return (await t.deps.db.query<any>('select * from channel_members where channel_id = $1 and user_id = $2', [channelId, userId]))[0];
}
async function channelRow(id: string) {
  return (await t.deps.db.query<any>('select * from channels where id = $1', [id]))[0];
}

test.before(async () => {
  t = await testApp();
  alice = await fxUser(t.deps, { username: `alice${Date.now() % 100000}` });
  bob = await fxUser(t.deps, { username: `bob${Date.now() % 100000}` });
  carol = await fxUser(t.deps);
  dave = await fxUser(t.deps); // in the team, not in the channel
  team = await fxTeam(t.deps, alice, { members: [bob, carol, dave] });
  chan = await fxChannel(t.deps, team.id, alice, { type: 'P', members: [bob, carol] });
});
test.after(async () => t.close());

test('create a post: 201, presented shape, posted event to current members only', async () => {
  t.takeEvents();
  const res = await post(alice, chan.id, { message: 'hello world', client_msg_id: 'c-1', props: { a: 1 } });
  assert.is(res.status, 201);
  const p = res.body;
  assert.is(p.id.length, 26);
  assert.is(p.channel_id, chan.id);
  assert.is(p.user_id, alice.id);
  assert.is(p.message, 'hello world');
  assert.is(p.root_id, '');
  assert.equal(p.props, { a: 1 });
  assert.is(p.client_msg_id, 'c-1');
  assert.is(p.edit_at, 0);
  assert.is(p.delete_at, 0);
  assert.is(p.is_pinned, false);
  assert.is(p.reply_count, 0);
  assert.equal(p.file_ids, []);
  assert.equal(p.metadata, { reactions: [], files: [] });
  assert.type(p.create_at, 'number');
  assert.not.ok('seq' in p, 'internal seq stays internal');

  const ev = only(t.takeEvents(), 'posted');
  assert.is(ev.length, 1);
  assert.equal(sorted(ev[0].broadcast.user_ids), sorted([alice.id, bob.id, carol.id]));
  assert.is(ev[0].broadcast.channel_id, chan.id);
  assert.is(ev[0].data.channel_id, chan.id);
  assert.is(ev[0].data.channel_type, 'P');
  assert.is(ev[0].data.team_id, team.id);
  assert.is(ev[0].data.sender_name, alice.username);
  assert.equal(ev[0].data.mentions, []);
  assert.equal(ev[0].data.post, p);
  // The channel's totals with the post counted (the client's reducer compares them with its copy).
  const [c] = await t.deps.db.query<any>('select total_msg_count, total_msg_count_root from channels where id = $1', [chan.id]);
  assert.equal([ev[0].data.total_msg_count, ev[0].data.total_msg_count_root], [Number(c.total_msg_count), Number(c.total_msg_count_root)]);
  assert.ok(ev[0].data.total_msg_count >= 1);
  const reply = (await post(bob, chan.id, { message: 'a reply', root_id: p.id })).body;
  const ev2 = only(t.takeEvents(), 'posted').find((e) => e.data.post.id === reply.id)!;
  assert.equal([ev2.data.total_msg_count, ev2.data.total_msg_count_root], [ev[0].data.total_msg_count + 1, ev[0].data.total_msg_count_root]);
  // A reply's event carries its root's reply_count with it counted (the reducer compares it with its copy); a root's does not.
  assert.not.ok('root_reply_count' in ev[0].data, 'a root post has no root count');
  assert.is(ev2.data.root_reply_count, 1);
  const reply2 = (await post(carol, chan.id, { message: 'a reply to the reply', root_id: reply.id })).body;
  const ev3 = only(t.takeEvents(), 'posted').find((e) => e.data.post.id === reply2.id)!;
  assert.is(ev3.data.root_reply_count, 2, 'a reply to a reply counts in the root');
  const [r] = await t.deps.db.query<any>('select reply_count from posts where id = $1', [p.id]);
  assert.is(Number(r.reply_count), 2);
});

test('props that would let a user impersonate someone are dropped', async () => {
  const r = await post(alice, chan.id, { message: 'hi', props: { from_webhook: 'true', override_username: 'ceo', override_icon_url: 'x', attachments: [{ text: 'ok' }] } });
  assert.is(r.status, 201);
  assert.equal(r.body.props, { attachments: [{ text: 'ok' }] });
});

test('unread counters: totals, root totals, author viewed, mentions for members only', async () => {
  const c = await fxChannel(t.deps, team.id, alice, { members: [bob, carol] });
  // carol has looked at the channel before; her counters must not move except mentions.
  const before = await member(c.id, carol.id);
  const r1 = await post(alice, c.id, { message: `hi @${bob.username} and @${dave.username}, mail bob@example.com` });
  assert.is(r1.status, 201);
  let ch = await channelRow(c.id);
  assert.is(ch.total_msg_count, 1);
  assert.is(ch.total_msg_count_root, 1);
  assert.is(ch.last_post_at, r1.body.create_at);
  assert.is(ch.last_root_post_at, r1.body.create_at);
  const b1 = await member(c.id, bob.id);
  assert.is(b1.mention_count, 1, 'bob mentioned');
  assert.is(b1.mention_count_root, 1);
  assert.is(b1.msg_count, 0, 'bob has not read it');
  const a1 = await member(c.id, alice.id);
  assert.is(a1.msg_count, 1, 'author marked viewed');
  assert.is(a1.msg_count_root, 1);
  assert.is(a1.last_viewed_at, r1.body.create_at);
  assert.is((await member(c.id, carol.id)).mention_count, 0);
  assert.equal((await member(c.id, carol.id)).msg_count, before.msg_count);
  const stored = (await t.deps.db.query<any>('select mentions, mention_channel from posts where id = $1', [r1.body.id]))[0];
  assert.equal(stored.mentions, [bob.id], 'dave is not a member: not a mention');
  assert.is(stored.mention_channel, false);

  // A reply by bob with @channel: everyone but bob gets a mention; not a root.
  t.takeEvents();
  const r2 = await post(bob, c.id, { message: 'ping @channel', root_id: r1.body.id });
  assert.is(r2.status, 201);
  ch = await channelRow(c.id);
  assert.is(ch.total_msg_count, 2);
  assert.is(ch.total_msg_count_root, 1);
  assert.is(ch.last_post_at, r2.body.create_at);
  assert.is(ch.last_root_post_at, r1.body.create_at);
  const a2 = await member(c.id, alice.id);
  assert.is(a2.mention_count, 1);
  assert.is(a2.mention_count_root, 0, 'reply mentions are not root mentions');
  assert.is((await member(c.id, carol.id)).mention_count, 1);
  const b2 = await member(c.id, bob.id);
  assert.is(b2.mention_count, 0, 'posting marks the author viewed');
  assert.is(b2.msg_count, 2);
  assert.is(b2.msg_count_root, 1);
  const ev = only(t.takeEvents(), 'posted')[0];
  assert.equal(sorted(ev.data.mentions as string[]), sorted([alice.id, carol.id]));

  // The author mentioning themself counts nothing.
  await post(carol, c.id, { message: `note to self @${(await t.deps.db.query<any>('select username from users where id = $1', [carol.id]))[0].username}` });
  assert.is((await member(c.id, carol.id)).mention_count, 0);
});

test('replies: root keeps reply_count and last_reply_at; replies to replies attach to the root', async () => {
  const root = (await post(alice, chan.id, { message: 'root' })).body;
  const r1 = (await post(bob, chan.id, { message: 'first', root_id: root.id })).body;
  assert.is(r1.root_id, root.id);
  const r2 = (await post(carol, chan.id, { message: 'second', root_id: r1.id })).body;
  assert.is(r2.root_id, root.id, 'reply to a reply joins the root thread');
  const got = await t.req('GET', `/api/v1/posts/${root.id}`, { token: bob.token });
  assert.is(got.status, 200);
  assert.is(got.body.reply_count, 2);
  assert.is(got.body.last_reply_at, r2.create_at);

  const thread = await t.req('GET', `/api/v1/posts/${r1.id}/thread`, { token: carol.token });
  assert.is(thread.status, 200);
  assert.is(thread.body.root.id, root.id);
  assert.equal(thread.body.items.map((p: any) => p.id), [r1.id, r2.id]);
  assert.is(thread.body.next_cursor, null);
  const page = await t.req('GET', `/api/v1/posts/${root.id}/thread?limit=1`, { token: carol.token });
  assert.equal(page.body.items.map((p: any) => p.id), [r1.id]);
  assert.is(page.body.next_cursor, r1.id);
  const page2 = await t.req('GET', `/api/v1/posts/${root.id}/thread?limit=1&after=${r1.id}`, { token: carol.token });
  assert.equal(page2.body.items.map((p: any) => p.id), [r2.id]);
  assert.is(page2.body.next_cursor, null);

  // root_id in another channel, unknown, or deleted: 400 invalid_root_id.
  const other = await fxChannel(t.deps, team.id, alice);
  const elsewhere = (await post(alice, other.id, { message: 'elsewhere' })).body;
  for (const rid of [elsewhere.id, newId(), 'nope']) {
    const r = await post(alice, chan.id, { message: 'x', root_id: rid });
    assert.is(r.status, 400);
    assert.is(r.body.error.code, 'invalid_root_id');
  }
});

test('history: newest first, before/after cursors, limits, since with edits and deletes', async () => {
  const c = await fxChannel(t.deps, team.id, alice, { members: [bob] });
  const ids: string[] = [];
  for (let i = 0; i < 7; i++) ids.push((await post(alice, c.id, { message: `m${i}` })).body.id);
  const get = (qs: string) => t.req('GET', `/api/v1/channels/${c.id}/posts${qs}`, { token: bob.token });
  const all = await get('');
  assert.is(all.status, 200);
  assert.equal(all.body.items.map((p: any) => p.id), [...ids].reverse());
  assert.is(all.body.next_cursor, null);

  const p1 = await get('?limit=3');
  assert.equal(p1.body.items.map((p: any) => p.message), ['m6', 'm5', 'm4']);
  assert.is(p1.body.next_cursor, ids[4]);
  const p2 = await get(`?limit=3&before=${p1.body.next_cursor}`);
  assert.equal(p2.body.items.map((p: any) => p.message), ['m3', 'm2', 'm1']);
  const p3 = await get(`?limit=3&before=${p2.body.next_cursor}`);
  assert.equal(p3.body.items.map((p: any) => p.message), ['m0']);
  assert.is(p3.body.next_cursor, null);

  // after: the oldest page after the cursor, still newest first; next_cursor pages forward.
  const f1 = await get(`?limit=2&after=${ids[1]}`);
  assert.equal(f1.body.items.map((p: any) => p.message), ['m3', 'm2']);
  assert.is(f1.body.next_cursor, ids[3]);
  const f2 = await get(`?limit=10&after=${f1.body.next_cursor}`);
  assert.equal(f2.body.items.map((p: any) => p.message), ['m6', 'm5', 'm4']);
  assert.is(f2.body.next_cursor, null);
  const between = await get(`?after=${ids[1]}&before=${ids[5]}`);
  assert.equal(between.body.items.map((p: any) => p.message), ['m4', 'm3', 'm2']);

  // since: edits and deletes after T show up (deleted ones blanked); untouched ones do not.
  const T = Date.now();
  await new Promise((r) => setTimeout(r, 5)); // clock must move past T (ms resolution)
  assert.is((await t.req('PATCH', `/api/v1/posts/${ids[0]}`, { token: alice.token, body: { message: 'm0 edited' } })).status, 200);
  assert.is((await t.req('DELETE', `/api/v1/posts/${ids[1]}`, { token: alice.token })).status, 200);
  const s = await get(`?since=${T}`);
  assert.equal(s.body.items.map((p: any) => p.id), [ids[1], ids[0]]);
  assert.is(s.body.items[0].delete_at > 0, true);
  assert.is(s.body.items[0].message, '', 'deleted content is not sent');
  assert.is(s.body.items[1].message, 'm0 edited');
  assert.ok(s.body.items[1].edit_at >= T);
  const after = await get('');
  assert.not.ok(after.body.items.some((p: any) => p.id === ids[1]), 'deleted posts leave normal history');

  // Bad cursors and limits.
  const other = await fxChannel(t.deps, team.id, alice);
  const foreign = (await post(alice, other.id, { message: 'x' })).body.id;
  for (const [qs, code] of [
    [`?before=${foreign}`, 'invalid_cursor'],
    ['?before=abc', 'invalid_cursor'],
    ['?limit=0', 'invalid_limit'],
    ['?limit=abc', 'invalid_input'],
    ['?since=-5', 'invalid_input'],
  ] as const) {
    const r = await get(qs);
    assert.is(r.status, 400, qs);
    assert.is(r.body.error.code, code, qs);
  }
  const capped = await get('?limit=100000');
  assert.is(capped.status, 200, 'limit above the maximum is capped');
});

test('idempotency: the same client_msg_id returns the same post, also under 20 concurrent requests', async () => {
  const c = await fxChannel(t.deps, team.id, alice, { members: [bob] });
  const first = await post(alice, c.id, { message: 'once', client_msg_id: 'retry-1' });
  assert.is(first.status, 201);
  const again = await post(alice, c.id, { message: 'once', client_msg_id: 'retry-1' });
  assert.is(again.status, 200);
  assert.is(again.body.id, first.body.id);
  // Another user may use the same key.
  const bobs = await post(bob, c.id, { message: 'mine', client_msg_id: 'retry-1' });
  assert.is(bobs.status, 201);
  assert.is.not(bobs.body.id, first.body.id);
  // The same key in another channel is a conflict, not a silent duplicate.
  const c2 = await fxChannel(t.deps, team.id, alice);
  const moved = await post(alice, c2.id, { message: 'once', client_msg_id: 'retry-1' });
  assert.is(moved.status, 409);
  assert.is(moved.body.error.code, 'client_msg_id_conflict');

  t.takeEvents();
  const before = await channelRow(c.id);
  const results = await Promise.all(Array.from({ length: 20 }, () => post(bob, c.id, { message: 'burst', client_msg_id: 'burst-1' })));
  assert.ok(results.every((r) => r.status === 200 || r.status === 201), JSON.stringify(results.map((r) => r.status)));
  assert.is(results.filter((r) => r.status === 201).length, 1);
  assert.is(new Set(results.map((r) => r.body.id)).size, 1);
  const rows = await t.deps.db.query<any>('select count(*)::int as n from posts where user_id = $1 and client_msg_id = $2', [bob.id, 'burst-1']);
  assert.is(rows[0].n, 1);
  assert.is(only(t.takeEvents(), 'posted').length, 1);
  assert.is((await channelRow(c.id)).total_msg_count, before.total_msg_count + 1);
});

test('a member removed while posts arrive gets exactly the posts committed before the removal', async () => {
  const c = await fxChannel(t.deps, team.id, alice, { type: 'P', members: [bob, carol] });
  t.takeEvents();
  const sends = Array.from({ length: 40 }, (_, i) => post(carol, c.id, { message: `race ${i}` }));
  await sends[3]; // some posts are in, most are still queued on the channel lock
  const rem = await t.req('DELETE', `/api/v1/channels/${c.id}/members/${bob.id}`, { token: alice.token });
  const posted = await Promise.all(sends);
  assert.is(rem.status, 200, JSON.stringify(rem.body));
  assert.ok(posted.every((r) => r.status === 201));
  // The channel row lock orders each post against the removal; seq follows that order. So bob is
  // a recipient of a prefix of the posts (by seq) and of none after it.
  const events = t.takeEvents();
  const seqs = await t.deps.db.query<{ id: string; seq: number }>('select id, seq from posts where channel_id = $1 order by seq', [c.id]);
  const toBob = new Set(only(events, 'posted').filter((e) => e.broadcast.user_ids.includes(bob.id)).map((e) => (e.data.post as any).id));
  const pattern = seqs.map((s) => (toBob.has(s.id) ? 'b' : '-')).join('');
  assert.ok(/^b*-*$/.test(pattern), `bob received posts out of order with his removal: ${pattern}`);
  // Events are published after COMMIT: nothing published after user_removed may still name bob.
  const removedAt = events.findIndex((e) => e.event === 'user_removed');
  assert.ok(removedAt >= 0);
  const late = events.slice(removedAt + 1).filter((e) => e.event === 'posted' && e.broadcast.user_ids.includes(bob.id));
  assert.is(late.length, 0, `${late.length} posts reached bob after his removal was published`);
});

test('edit own post: edit_at, mentions re-parsed, post_edited event; others cannot edit', async () => {
  const p = (await post(alice, chan.id, { message: 'draft' })).body;
  t.takeEvents();
  const r = await t.req('PATCH', `/api/v1/posts/${p.id}`, { token: alice.token, body: { message: `final @${bob.username}` } });
  assert.is(r.status, 200);
  assert.is(r.body.message, `final @${bob.username}`);
  assert.ok(r.body.edit_at > 0);
  assert.is(r.body.update_at, r.body.edit_at);
  const stored = (await t.deps.db.query<any>('select mentions from posts where id = $1', [p.id]))[0];
  assert.equal(stored.mentions, [bob.id]);
  const ev = t.takeEvents();
  assert.is(ev.length, 1);
  assert.is(ev[0].event, 'post_edited');
  assert.equal(ev[0].data.post, r.body);
  assert.equal(sorted(ev[0].broadcast.user_ids), sorted([alice.id, bob.id, carol.id]));

  const other = await t.req('PATCH', `/api/v1/posts/${p.id}`, { token: bob.token, body: { message: 'hijack' } });
  assert.is(other.status, 403);
  assert.is(other.body.error.code, 'not_post_author');
  const tooLong = await t.req('PATCH', `/api/v1/posts/${p.id}`, { token: alice.token, body: { message: 'x'.repeat(16_384) } });
  assert.is(tooLong.status, 400);
  assert.is(tooLong.body.error.code, 'message_too_long');
  assert.is(t.takeEvents().length, 0);
});

test('delete: own post or moderator; deleting a root deletes its replies; event', async () => {
  const root = (await post(bob, chan.id, { message: 'root to delete' })).body;
  const reply = (await post(carol, chan.id, { message: 'reply', root_id: root.id })).body;
  const carolsOwn = (await post(carol, chan.id, { message: 'mine' })).body;
  const reply2 = (await post(carol, chan.id, { message: 'reply to delete', root_id: root.id })).body;

  // A deleted reply's event carries its root's reply_count without it.
  t.takeEvents();
  assert.is((await t.req('DELETE', `/api/v1/posts/${reply2.id}`, { token: carol.token })).status, 200);
  const delReply = only(t.takeEvents(), 'post_deleted');
  assert.is(delReply.length, 1);
  assert.is(delReply[0].data.root_reply_count, 1);
  assert.is((await t.req('GET', `/api/v1/posts/${root.id}`, { token: carol.token })).body.reply_count, 1);

  const denied = await t.req('DELETE', `/api/v1/posts/${root.id}`, { token: carol.token });
  assert.is(denied.status, 403);
  assert.is(denied.body.error.code, 'not_post_author');

  t.takeEvents();
  const own = await t.req('DELETE', `/api/v1/posts/${carolsOwn.id}`, { token: carol.token });
  assert.is(own.status, 200);
  assert.ok(own.body.delete_at > 0);
  assert.is(own.body.message, '');
  const ev = t.takeEvents();
  assert.is(ev.length, 1);
  assert.is(ev[0].event, 'post_deleted');
  assert.is((ev[0].data.post as any).id, carolsOwn.id);
  assert.not.ok('root_reply_count' in ev[0].data, 'a root post has no root count');
  assert.equal(sorted(ev[0].broadcast.user_ids), sorted([alice.id, bob.id, carol.id]));
  assert.is((await t.req('GET', `/api/v1/posts/${carolsOwn.id}`, { token: carol.token })).status, 404);

  // alice is channel admin: may delete bob's root; the reply goes with it.
  const mod = await t.req('DELETE', `/api/v1/posts/${root.id}`, { token: alice.token });
  assert.is(mod.status, 200);
  const rows = await t.deps.db.query<any>('select id, delete_at from posts where id = $1 or id = $2', [root.id, reply.id]);
  assert.ok(rows.every((r: any) => r.delete_at > 0));
  const gone = await t.req('GET', `/api/v1/posts/${reply.id}/thread`, { token: bob.token });
  assert.is(gone.status, 404);
  assert.is(gone.body.error.code, 'post_not_found');
  const again = await t.req('DELETE', `/api/v1/posts/${root.id}`, { token: alice.token });
  assert.is(again.status, 404);

  // Deleting a reply lowers its root's reply_count.
  const root2 = (await post(bob, chan.id, { message: 'r2' })).body;
  const rep2 = (await post(bob, chan.id, { message: 'x', root_id: root2.id })).body;
  await t.req('DELETE', `/api/v1/posts/${rep2.id}`, { token: bob.token });
  assert.is((await t.req('GET', `/api/v1/posts/${root2.id}`, { token: bob.token })).body.reply_count, 0);
});

test('files: attach own unattached uploads; others, attached or foreign files are rejected', async () => {
  const mkFile = async (creator: FxUser, o: { channel_id?: string; post_id?: string } = {}) => {
    const id = newId();
    await t.deps.db.query(
      `insert into files (id, creator_id, channel_id, post_id, name, size, storage_key, create_at) values ($1, $2, $3, $4, 'a.txt', 3, $1, $5)`,
      [id, creator.id, o.channel_id ?? '', o.post_id ?? '', Date.now()],
    );
    return id;
  };
  const f1 = await mkFile(alice, { channel_id: chan.id });
  const f2 = await mkFile(alice);
  const r = await post(alice, chan.id, { message: '', file_ids: [f1, f2] });
  assert.is(r.status, 201, JSON.stringify(r.body));
  assert.equal(r.body.file_ids, [f1, f2]);
  assert.equal(r.body.metadata.files.map((f: any) => f.id), [f1, f2]);
  const rows = await t.deps.db.query<any>('select post_id, channel_id from files where id = $1 or id = $2', [f1, f2]);
  assert.ok(rows.every((x: any) => x.post_id === r.body.id && x.channel_id === chan.id));

  const bobsFile = await mkFile(bob);
  const otherChan = await fxChannel(t.deps, team.id, alice);
  const wrongChannel = await mkFile(alice, { channel_id: otherChan.id });
  for (const ids of [[f1], [bobsFile], [wrongChannel], [newId()]]) {
    const bad = await post(alice, chan.id, { message: 'x', file_ids: ids });
    assert.is(bad.status, 400);
    assert.is(bad.body.error.code, 'invalid_file_ids');
  }
  // Rolled back: the failed post did not consume bob's file or create a post.
  assert.is((await t.deps.db.query<any>('select post_id from files where id = $1', [bobsFile]))[0].post_id, '');
  const many = await post(alice, chan.id, { message: 'x', file_ids: Array.from({ length: 11 }, () => newId()) });
  assert.is(many.body.error.code, 'too_many_files');
  const shape = await post(alice, chan.id, { message: 'x', file_ids: ['short'] });
  assert.is(shape.body.error.code, 'invalid_file_ids');
});

test('bad input: stable codes, never a 500', async () => {
  const url = `/api/v1/channels/${chan.id}/posts`;
  const cases: [string, Promise<{ status: number; body: any }>, number, string][] = [
    ['16,384 chars', post(alice, chan.id, { message: 'x'.repeat(16_384) }), 400, 'message_too_long'],
    ['16,384 astral chars', post(alice, chan.id, { message: '😀'.repeat(16_384) }), 400, 'message_too_long'],
    ['NUL', post(alice, chan.id, { message: 'a\u0000b' }), 400, 'invalid_characters'],
    ['NUL in props', post(alice, chan.id, { message: 'a', props: { k: 'a\u0000' } }), 400, 'invalid_characters'],
    ['invalid JSON', t.req('POST', url, { token: alice.token, raw: '{"message": "x"', headers: { 'content-type': 'application/json' } }), 400, 'invalid_json'],
    ['message number', post(alice, chan.id, { message: 42 }), 400, 'invalid_input'],
    ['props array', post(alice, chan.id, { message: 'x', props: [1] }), 400, 'invalid_input'],
    ['file_ids string', post(alice, chan.id, { message: 'x', file_ids: 'abc' }), 400, 'invalid_input'],
    ['root_id number', post(alice, chan.id, { message: 'x', root_id: 5 }), 400, 'invalid_input'],
    ['empty', post(alice, chan.id, { message: '   ' }), 400, 'message_empty'],
    ['props too large', post(alice, chan.id, { message: 'x', props: { big: 'y'.repeat(20_000) } }), 400, 'props_too_large'],
    ['client_msg_id too long', post(alice, chan.id, { message: 'x', client_msg_id: 'k'.repeat(129) }), 400, 'invalid_client_msg_id'],
    ['channel id shape', t.req('POST', '/api/v1/channels/not-an-id/posts', { token: alice.token, body: { message: 'x' } }), 400, 'invalid_id'],
    ['post id shape', t.req('GET', '/api/v1/posts/abc', { token: alice.token }), 400, 'invalid_id'],
    ['post id with quote', t.req('GET', `/api/v1/posts/${encodeURIComponent("' OR 1=1--")}`, { token: alice.token }), 400, 'invalid_id'],
    ['unknown channel', post(alice, newId(), { message: 'x' }), 404, 'channel_not_found'],
    ['unknown post', t.req('GET', `/api/v1/posts/${newId()}`, { token: alice.token }), 404, 'post_not_found'],
    ['no token', t.req('GET', `/api/v1/channels/${chan.id}/posts`), 401, 'unauthorized'],
  ];
  for (const [name, p, status, code] of cases) {
    const r = await p;
    assert.is(r.status, status, `${name}: ${JSON.stringify(r.body)}`);
    assert.is(r.body.error.code, code, name);
  }
  const max = await post(alice, chan.id, { message: 'x'.repeat(16_383) });
  assert.is(max.status, 201, '16,383 characters is allowed');
  const astral = await post(alice, chan.id, { message: '😀'.repeat(16_383) });
  assert.is(astral.status, 201, 'characters are code points, not UTF-16 units');
});

test('a 5 MB body to a JSON route is refused with 413 without reading it all', async () => {
  const chunk = new Uint8Array(64 * 1024).fill(0x61);
  let pulled = 0;
  const total = 5 * 1024 * 1024;
  const stream = new ReadableStream<Uint8Array>({
    pull(ctrl) {
      if (pulled >= total) return ctrl.close();
      pulled += chunk.length;
      ctrl.enqueue(chunk);
    },
  });
  const req = new Request(`http://localhost/api/v1/channels/${chan.id}/posts`, {
    method: 'POST',
    headers: { authorization: `Bearer ${alice.token}`, 'content-type': 'application/json' },
    body: stream,
    duplex: 'half',
  } as RequestInit);
  const res = await t.server.app.request(req);
  assert.is(res.status, 413);
  assert.is((await res.json()).error.code, 'body_too_large');
  const limit = t.deps.config.server.body_limit_bytes;
  assert.ok(pulled < total / 2, `read ${pulled} of ${total} bytes`);
  assert.ok(pulled <= limit + 3 * chunk.length, `read ${pulled} bytes for a ${limit}-byte limit`);

  // With a Content-Length header the answer comes before reading anything.
  const big = await t.req('POST', `/api/v1/channels/${chan.id}/posts`, {
    token: alice.token,
    raw: 'x'.repeat(5 * 1024 * 1024),
    headers: { 'content-type': 'application/json', 'content-length': String(5 * 1024 * 1024) },
  });
  assert.is(big.status, 413);
  assert.is(big.body.error.code, 'body_too_large');
});

test('archived channel: reads allowed, writes refused', async () => {
  const c = await fxChannel(t.deps, team.id, alice, { members: [bob] });
  const p = (await post(alice, c.id, { message: 'before archive' })).body;
  await t.deps.db.query('update channels set delete_at = $2 where id = $1', [c.id, Date.now()]);
  assert.is((await t.req('GET', `/api/v1/channels/${c.id}/posts`, { token: bob.token })).status, 200);
  const w = await post(bob, c.id, { message: 'after' });
  assert.is(w.status, 403);
  assert.is(w.body.error.code, 'channel_archived');
  assert.is((await t.req('PATCH', `/api/v1/posts/${p.id}`, { token: alice.token, body: { message: 'y' } })).body.error.code, 'channel_archived');
});

test('public channel: team members may read without joining, but must join to post', async () => {
  const c = await fxChannel(t.deps, team.id, alice, { type: 'O' });
  await post(alice, c.id, { message: 'public hello' });
  const read = await t.req('GET', `/api/v1/channels/${c.id}/posts`, { token: dave.token });
  assert.is(read.status, 200);
  assert.is(read.body.items.length, 1);
  const w = await post(dave, c.id, { message: 'drive-by' });
  assert.is(w.status, 403);
  await fxJoin(t.deps, c.id, dave);
  assert.is((await post(dave, c.id, { message: 'joined' })).status, 201);
});

test.run();
