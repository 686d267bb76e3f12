/**
 * Custom emoji through Mattermost's own client (issue 15 item 5): createCustomEmoji (multipart
 * `image` + `emoji` JSON), the emoji_added event on a real /api/v4/websocket, getCustomEmoji(s),
 * ByName, ByNames, search, autocomplete, the image with its cache headers, a reaction with the
 * custom name, delete (creator or admin) and Mattermost's error ids and statuses; with
 * site.custom_emoji off, EnableCustomEmoji is "false" and the routes answer 501.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { WebSocket } from 'ws';
import { ClientError, startMmServer, type Client, type MmServer } from './harness.ts';
import { fakePng } from '../files.ts';

let s: MmServer;
let A: Client; // system admin (first account)
let B: Client;
let C: Client;
let bob: any;
let channelId: string;

const png = (w = 32, h = 32) => new Blob([new Uint8Array(fakePng(w, h, 1500))], { type: 'image/png' });

async function error(p: Promise<unknown>): Promise<{ status: number; id: string }> {
  try {
    await p;
  } catch (e: any) {
    assert.instance(e, ClientError);
    return { status: e.status_code, id: e.server_error_id };
  }
  throw new Error('expected an error');
}

test.before(async () => {
  s = await startMmServer();
  ({ client: A } = await s.signUp('alice'));
  ({ client: B, user: bob } = await s.signUp('bob'));
  ({ client: C } = await s.signUp('carol'));
  const team = await A.createTeam({ name: 'acme', display_name: 'Acme', type: 'O' } as any);
  await B.addToTeam(team.id, bob.id);
  channelId = (await A.getChannelByName(team.id, 'town-square')).id;
  await B.addToChannel(bob.id, channelId);
});
test.after(() => s.close());

test('client config: EnableCustomEmoji is on by default', async () => {
  const cfg = await B.getClientConfig();
  assert.is(cfg.EnableCustomEmoji, 'true');
});

test('createCustomEmoji: Mattermost shape, emoji_added on the socket; read back every way', async () => {
  const ws = new WebSocket(`${s.url.replace('http', 'ws')}/api/v4/websocket`, { headers: { authorization: `Bearer ${C.getToken()}` } });
  const frames: any[] = [];
  ws.on('message', (d) => frames.push(JSON.parse(String(d))));
  await new Promise((r) => ws.once('open', r));
  try {
    const e = await B.createCustomEmoji({ name: 'partyparrot', creator_id: bob.id } as any, png());
    assert.equal(Object.keys(e).sort(), ['create_at', 'creator_id', 'delete_at', 'id', 'name', 'update_at']);
    assert.is(e.name, 'partyparrot');
    assert.is(e.creator_id, bob.id);
    let added: any;
    for (let i = 0; i < 200 && !added; i++) {
      added = frames.find((f) => f.event === 'emoji_added');
      if (!added) await new Promise((r) => setTimeout(r, 25));
    }
    assert.ok(added, 'emoji_added');
    assert.equal(JSON.parse(added.data.emoji), e, 'the emoji as a JSON string');

    assert.equal(await C.getCustomEmoji(e.id), e);
    assert.equal(await C.getCustomEmojiByName('partyparrot'), e);
    assert.equal(await C.getCustomEmojisByNames(['partyparrot', 'unknown']), [e]);
    assert.equal(await C.getCustomEmojis(0, 60, 'name'), [e]);
    assert.equal(await C.getCustomEmojis(1, 60), []);
    assert.equal(await C.searchCustomEmoji('typarr'), [e]);
    assert.equal(await C.searchCustomEmoji('typarr', { prefix_only: true }), []);
    assert.equal(await C.autocompleteCustomEmoji('party'), [e]);

    const img = await fetch(C.getCustomEmojiImageUrl(e.id), { headers: { authorization: `Bearer ${C.getToken()}` } });
    assert.is(img.status, 200);
    assert.is(img.headers.get('content-type'), 'image/png');
    assert.match(img.headers.get('cache-control')!, /max-age=31536000/);
    assert.is((await img.arrayBuffer()).byteLength, 1500);
  } finally {
    ws.close();
  }
});

test('a reaction with a custom emoji name', async () => {
  const post = await A.createPost({ channel_id: channelId, message: 'ship it :partyparrot:' } as any);
  const r = await B.addReaction(bob.id, post.id, 'partyparrot');
  assert.is(r.emoji_name, 'partyparrot');
  assert.equal((await A.getReactionsForPost(post.id)).map((x: any) => x.emoji_name), ['partyparrot']);
});

test("errors: Mattermost's ids and statuses", async () => {
  assert.equal(await error(C.createCustomEmoji({ name: 'partyparrot', creator_id: (await C.getMe()).id } as any, png())), { status: 400, id: 'api.emoji.create.duplicate.app_error' });
  assert.equal(await error(C.createCustomEmoji({ name: 'theirs', creator_id: bob.id } as any, png())), { status: 403, id: 'api.emoji.create.other_user.app_error' });
  assert.equal(await error(C.createCustomEmoji({ name: 'smile', creator_id: (await C.getMe()).id } as any, png())), { status: 400, id: 'model.emoji.system_emoji_name.app_error' });
  assert.equal(await error(C.createCustomEmoji({ name: 'huge', creator_id: (await C.getMe()).id } as any, png(2000, 2000))), { status: 400, id: 'api.emoji.upload.large_image.too_large.app_error' });
  assert.is((await error(C.getCustomEmoji('x'.repeat(26)))).status, 404);
  assert.is((await error(C.getCustomEmojiByName('nothing'))).status, 404);
  assert.is((await error(C.getCustomEmojis(0, 60, 'size'))).status, 400);
  assert.is((await error(C.autocompleteCustomEmoji(''))).status, 400);
});

test('deleteCustomEmoji: not by another user; by the creator, or by a system admin', async () => {
  const e = await B.getCustomEmojiByName('partyparrot');
  assert.equal(await error(C.deleteCustomEmoji(e.id)), { status: 403, id: 'api.context.permissions.app_error' });
  assert.equal(await B.deleteCustomEmoji(e.id), { status: 'OK' });
  assert.is((await error(C.getCustomEmoji(e.id))).status, 404);
  const other = await C.createCustomEmoji({ name: 'partyparrot', creator_id: (await C.getMe()).id } as any, png());
  assert.equal(await A.deleteCustomEmoji(other.id), { status: 'OK' });
  assert.equal(await A.getCustomEmojis(), []);
});

test('site.custom_emoji off: EnableCustomEmoji "false", the routes answer 501', async () => {
  const off = await startMmServer({ 'site.custom_emoji': false });
  try {
    const { client } = await off.signUp('dora');
    assert.is((await client.getClientConfig()).EnableCustomEmoji, 'false');
    assert.equal(await error(client.getCustomEmojis()), { status: 501, id: 'api.emoji.disabled.app_error' });
  } finally {
    await off.close();
  }
});

test.run();
