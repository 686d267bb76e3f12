/**
 * Mark as unread from a post the way the Mattermost apps do it (issue 15 item 3):
 * markPostAsUnread answers ChannelUnreadAt with the member's counts back to just before the post,
 * post_unread reaches the user's socket, getMyChannelMember and the team unreads agree, and only
 * the caller, a member of the channel, may.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { WebSocket } from 'ws';
import { ClientError, startMmServer, type Client, type MmServer } from './harness.ts';

let s: MmServer;
let A: Client;
let B: Client;
let C: Client;
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

test.before(async () => {
  s = await startMmServer();
  ({ client: A, user: alice } = await s.signUp('alice'));
  ({ client: B, user: bob } = await s.signUp('bob'));
  ({ client: C, user: carol } = await s.signUp('carol'));
  teamId = (await A.createTeam({ name: 'unread', display_name: 'Unread', type: 'O' } as any)).id;
  await A.addToTeam(teamId, bob.id);
  await A.addToTeam(teamId, carol.id);
  channelId = (await A.createChannel({ team_id: teamId, name: 'talk', display_name: 'Talk', type: 'P' } as any)).id;
  await A.addToChannel(bob.id, channelId);
});
test.after(() => s.close());

test('markPostAsUnread: counts back to the post, post_unread on the socket', async () => {
  const ws = new WebSocket(`${s.url.replace('http', 'ws')}/api/v4/websocket`, { headers: { authorization: `Bearer ${B.getToken()}` } });
  const frames: any[] = [];
  ws.on('message', (d) => frames.push(JSON.parse(String(d))));
  await new Promise((r) => ws.once('open', r));
  const first = await A.createPost({ channel_id: channelId, message: 'first' } as any);
  await A.createPost({ channel_id: channelId, message: `hi @${bob.username}` } as any);
  await A.createPost({ channel_id: channelId, message: 'reply', root_id: first.id } as any);
  await B.viewMyChannel(channelId);
  const read = await B.getMyChannelMember(channelId);
  const at = await B.markPostAsUnread(bob.id, first.id);
  assert.is(at.channel_id, channelId);
  assert.is(at.team_id, teamId);
  assert.is(at.msg_count, read.msg_count - 3);
  assert.is(at.msg_count_root, read.msg_count_root - 2);
  assert.is(at.mention_count, 1);
  assert.is(at.mention_count_root, 1);
  assert.is(at.last_viewed_at, first.create_at - 1);
  const m = await B.getMyChannelMember(channelId);
  assert.equal([m.msg_count, m.mention_count, m.last_viewed_at], [at.msg_count, at.mention_count, at.last_viewed_at]);
  const tu = (await B.getMyTeamUnreads()).find((x: any) => x.team_id === teamId);
  assert.is(tu.msg_count, 3);
  assert.is(tu.mention_count, 1);
  let ev: any;
  for (let i = 0; i < 200 && !(ev = frames.find((f) => f.event === 'post_unread')); i++) await new Promise((r) => setTimeout(r, 25));
  assert.ok(ev, 'post_unread');
  assert.equal([ev.data.channel_id, ev.data.post_id, ev.data.msg_count, ev.data.mention_count, ev.data.last_viewed_at], [channelId, first.id, at.msg_count, 1, at.last_viewed_at]);
  const closed = new Promise((r) => ws.once('close', r));
  ws.close();
  await closed;
});

test('permissions: another user, a channel I am not in', async () => {
  const p = await A.createPost({ channel_id: channelId, message: 'not for carol' } as any);
  assert.is(await status(B.markPostAsUnread(alice.id, p.id)), 403);
  assert.is(await status(C.markPostAsUnread(carol.id, p.id)), 403);
  assert.is(await status(B.markPostAsUnread(bob.id, 'nope')), 400);
});

test.run();
