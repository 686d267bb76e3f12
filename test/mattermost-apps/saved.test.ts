/**
 * Saved messages the way the Mattermost apps do them (issue 15 item 2): flag = the
 * `flagged_post` preference (savePreferences / deletePreferences, with preferences_changed and
 * preferences_deleted on the socket), the Saved screen = getFlaggedPosts with channel and team
 * filters and page / per_page; nobody sees another user's saved posts or posts of channels they
 * are not in.
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
let teamId: string;
let townId: string;
let privateId: string;

async function status(p: Promise<unknown>): Promise<number> {
  try {
    await p;
    return 200;
  } catch (e: any) {
    assert.instance(e, ClientError);
    return e.status_code;
  }
}
const flag = (c: Client, user: any, postId: string) => c.savePreferences(user.id, [{ user_id: user.id, category: 'flagged_post', name: postId, value: 'true' }]);

test.before(async () => {
  s = await startMmServer();
  ({ client: A, user: alice } = await s.signUp('alice'));
  ({ client: B, user: bob } = await s.signUp('bob'));
  const team = await A.createTeam({ name: 'saved', display_name: 'Saved', type: 'O' } as any);
  teamId = team.id;
  await A.addToTeam(teamId, bob.id);
  townId = (await A.getChannelByName(teamId, 'town-square')).id;
  await B.addToChannel(bob.id, townId);
  privateId = (await A.createChannel({ team_id: teamId, name: 'secret', display_name: 'Secret', type: 'P' } as any)).id;
});
test.after(() => s.close());

test('flag, list newest first with filters and pages, unflag; preference events on the socket', async () => {
  const ws = new WebSocket(`${s.url.replace('http', 'ws')}/api/v4/websocket`, { headers: { authorization: `Bearer ${A.getToken()}` } });
  const frames: any[] = [];
  ws.on('message', (d) => frames.push(JSON.parse(String(d))));
  await new Promise((r) => ws.once('open', r));
  const ids: string[] = [];
  for (let i = 0; i < 3; i++) ids.push((await B.createPost({ channel_id: townId, message: `town ${i}` } as any)).id);
  const secret = (await A.createPost({ channel_id: privateId, message: 'secret' } as any)).id;
  for (const id of [...ids, secret]) await flag(A, alice, id);
  const all = await A.getFlaggedPosts(alice.id);
  assert.equal(all.order, [secret, ids[2], ids[1], ids[0]]);
  assert.is(all.posts[secret].message, 'secret');
  assert.equal((await A.getFlaggedPosts(alice.id, townId)).order, [ids[2], ids[1], ids[0]]);
  assert.equal((await A.getFlaggedPosts(alice.id, '', teamId, 1, 2)).order, [ids[1], ids[0]]);
  await A.deletePreferences(alice.id, [{ user_id: alice.id, category: 'flagged_post', name: ids[0], value: 'true' }]);
  assert.equal((await A.getFlaggedPosts('me', townId)).order, [ids[2], ids[1]]);
  for (let i = 0; i < 100 && !frames.some((f) => f.event === 'preferences_deleted'); i++) await new Promise((r) => setTimeout(r, 25));
  const changed = frames.filter((f) => f.event === 'preferences_changed').map((f) => JSON.parse(f.data.preferences)[0].name);
  assert.equal(changed, [...ids, secret]);
  assert.is(JSON.parse(frames.find((f) => f.event === 'preferences_deleted').data.preferences)[0].name, ids[0]);
  const closed = new Promise((r) => ws.once('close', r));
  ws.close();
  await closed;
});

test("permissions: another user's list, a post of a channel I am not in", async () => {
  assert.is(await status(B.getFlaggedPosts(alice.id)), 403);
  const secret = (await A.getFlaggedPosts(alice.id)).order[0];
  await flag(B, bob, secret);
  assert.not.ok((await B.getFlaggedPosts(bob.id)).order.includes(secret));
  assert.is(await status(B.getFlaggedPosts(bob.id, privateId)), 403);
  assert.is(await status(B.getFlaggedPosts(bob.id, '', 'nope')), 400);
});

test.run();
