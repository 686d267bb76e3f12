import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { serve } from '@hono/node-server';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { testApp, type TestContext } from '../../../test/app.ts';
import { fxChannel, fxTeam, fxUser, type FxUser } from '../../../test/fixtures.ts';
import { connect, WsClient } from '../../../test/realtime.ts';

/** `POST /api/v4/posts/ephemeral` over HTTP, and its `ephemeral_message` on real sockets of both endpoints. */
let t: TestContext;
let server: Server;
let base: string;

test.before(async () => {
  t = await testApp();
  server = await new Promise<Server>((resolve) => {
    const s = serve({ fetch: t.server.app.fetch, hostname: '127.0.0.1', port: 0 }, () => resolve(s as Server)) as Server;
  });
  t.server.injectWebSocket(server);
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

test.after(async () => {
  t.server.closeSockets(); // a failed test may leave its sockets open
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  await t.close();
});

async function mmSocket(u: FxUser): Promise<WsClient> {
  const c = new WsClient(`${base.replace('http', 'ws')}/api/v4/websocket`, { token: u.token });
  await c.opened;
  await c.nextEvent('hello');
  return c;
}

const ephemeral = (token: string | undefined, body: unknown) => t.req('POST', '/api/v4/posts/ephemeral', { token, body });

test('POST /posts/ephemeral: 401, 400 for bad input, 403 for non-admins and for a user who cannot read the channel, 404 for unknown ids', async () => {
  const admin = await fxUser(t.deps, { admin: true });
  const member = await fxUser(t.deps);
  const outsider = await fxUser(t.deps);
  const team = await fxTeam(t.deps, member, { members: [outsider] });
  const priv = await fxChannel(t.deps, team.id, member, { type: 'P' });
  const good = { user_id: member.id, post: { channel_id: priv.id, message: 'only you' } };
  t.takeEvents();

  const noAuth = await ephemeral(undefined, good);
  assert.is(noAuth.status, 401);

  const notAdmin = await ephemeral(member.token, good);
  assert.is(notAdmin.status, 403);
  assert.is(notAdmin.body.id, 'api.context.permissions.app_error');

  const bad: [unknown, string][] = [
    [{}, 'no user_id, no post'],
    [{ user_id: member.id }, 'no post'],
    [{ user_id: member.id, post: { message: 'x' } }, 'no channel_id'],
    [{ user_id: 'nope', post: { channel_id: priv.id, message: 'x' } }, 'bad user_id'],
    [{ user_id: member.id, post: { channel_id: 'nope', message: 'x' } }, 'bad channel_id'],
    [{ user_id: member.id, post: { channel_id: priv.id, message: 'x', root_id: 'nope' } }, 'bad root_id'],
    [{ user_id: member.id, post: { channel_id: priv.id, message: 7 } }, 'message not a string'],
    [{ user_id: member.id, post: { channel_id: priv.id, message: '  ' } }, 'empty message'],
    [{ user_id: member.id, post: { channel_id: priv.id, message: 'x'.repeat(16_384) } }, 'message too long'],
    [{ user_id: member.id, post: { channel_id: priv.id, message: 'x', props: [1] } }, 'props not an object'],
  ];
  for (const [body, why] of bad) {
    const r = await ephemeral(admin.token, body);
    assert.is(r.status, 400, why);
    assert.is(r.headers.get('content-type'), 'application/json');
    assert.is(r.body.status_code, 400, why);
  }
  const badJson = await t.req('POST', '/api/v4/posts/ephemeral', { token: admin.token, raw: '{', headers: { 'content-type': 'application/json' } });
  assert.is(badJson.status, 400);

  const unknownUser = await ephemeral(admin.token, { ...good, user_id: 'e'.repeat(26) });
  assert.is(unknownUser.status, 404);
  const unknownChannel = await ephemeral(admin.token, { ...good, post: { ...good.post, channel_id: 'e'.repeat(26) } });
  assert.is(unknownChannel.status, 404);
  // A deactivated user is not sent anything.
  const gone = await fxUser(t.deps);
  await t.deps.db.query('update users set delete_at = $1 where id = $2', [Date.now(), gone.id]);
  const deactivated = await ephemeral(admin.token, { ...good, user_id: gone.id });
  assert.is(deactivated.status, 400);
  // The outsider is in the team but not in the private channel: it cannot read it.
  const cannotRead = await ephemeral(admin.token, { ...good, user_id: outsider.id });
  assert.is(cannotRead.status, 403);
  assert.is(cannotRead.body.id, 'api.context.permissions.app_error');
  assert.is(t.takeEvents().length, 0, 'nothing sent for a refusal');
});

test('POST /posts/ephemeral: 201 with the post; only the target user\'s sockets (v4 and native) get ephemeral_message; nothing is stored', async () => {
  const admin = await fxUser(t.deps, { admin: true });
  const target = await fxUser(t.deps);
  const other = await fxUser(t.deps);
  const team = await fxTeam(t.deps, other, { members: [target] });
  const pub = await fxChannel(t.deps, team.id, other, { type: 'O', members: [target] });
  const root = await t.req('POST', '/api/v4/posts', { token: other.token, body: { channel_id: pub.id, message: 'a thread' } });
  assert.is(root.status, 201);

  const targetMm = await mmSocket(target);
  const targetNative = (await connect(base, target.token)).c;
  const otherMm = await mmSocket(other);
  const adminMm = await mmSocket(admin);

  const r = await ephemeral(admin.token, { user_id: target.id, post: { channel_id: pub.id, root_id: root.body.id, message: 'only you can see this', props: { attachments: [{ text: 'hi' }], from_webhook: 'true' } } });
  assert.is(r.status, 201, JSON.stringify(r.body));
  assert.is(r.headers.get('content-type'), 'application/json');
  const post = r.body;
  assert.is(post.id.length, 26);
  assert.is(post.user_id, admin.id, 'the author is the caller, as in Mattermost');
  assert.is(post.channel_id, pub.id);
  assert.is(post.root_id, root.body.id);
  assert.is(post.message, 'only you can see this');
  assert.is(post.type, 'system_ephemeral');
  assert.equal(post.props.attachments, [{ text: 'hi' }]);
  assert.is(post.props.from_webhook, undefined, 'reserved props are dropped');
  assert.ok(post.create_at > 0);

  const mmEv = await targetMm.nextEvent('ephemeral_message');
  const wire = JSON.parse(mmEv.data.post);
  assert.is(wire.id, post.id);
  assert.is(wire.message, 'only you can see this');
  assert.is(wire.user_id, admin.id);
  const nativeEv = await targetNative.nextEvent('ephemeral_message');
  assert.is(nativeEv.data.post.id, post.id);
  assert.is(nativeEv.data.channel_id, pub.id);

  // A barrier: a real post reaches both members; the other member and the admin never saw the ephemeral one.
  const after = await t.req('POST', '/api/v4/posts', { token: other.token, body: { channel_id: pub.id, message: 'after' } });
  assert.is(after.status, 201);
  await otherMm.nextEvent('posted');
  await targetMm.nextEvent('posted');
  assert.not.ok(otherMm.frames.some((f) => f.event === 'ephemeral_message'), 'another member of the channel');
  assert.not.ok(adminMm.frames.some((f) => f.event === 'ephemeral_message'), 'the sender');

  assert.is((await t.req('GET', `/api/v4/posts/${post.id}`, { token: target.token })).status, 404, 'not stored');
  const [{ n }] = await t.deps.db.query<{ n: number }>('select count(*)::int as n from posts where id = $1', [post.id]);
  assert.is(n, 0);
  for (const c of [targetMm, targetNative, otherMm, adminMm]) await c.close();
});

test.run();
