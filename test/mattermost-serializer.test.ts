/**
 * The Mattermost frame encoder (src/http/v4/ws-serializer.ts): every native event name maps to
 * Mattermost's event and data shape, with post/reaction/channel/team/preferences as JSON strings.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mmConfigChanged, mmSerializer, translateEvent } from '../src/http/v4/ws-serializer.ts';
import { EVENT_NAMES } from '../src/contract/events.ts';
import { A, B, C, sampleChannel, sampleData, sampleEvent as ev, samplePost, sampleReaction, sampleStatus, sampleUser, T } from './samples.ts';

const post = samplePost({ client_msg_id: 'pend' });
const str = (v: unknown) => JSON.parse(String(v));

test('frames: envelope with broadcast block and seq', () => {
  const p = mmSerializer.prepare(ev('posted', { post, channel_id: C, channel_type: 'O', channel_name: 'eng', channel_display_name: 'Eng', team_id: '', mentions: [B], sender_name: 'alice', total_msg_count: 1, total_msg_count_root: 1 }), 5)!;
  const f = JSON.parse(p.frame(7));
  assert.is(f.event, 'posted');
  assert.is(f.seq, 7);
  assert.equal(f.broadcast, { omit_users: null, user_id: '', channel_id: C, team_id: '', connection_id: '', omit_connection_id: '' });
  assert.type(f.data.post, 'string');
  const mp = JSON.parse(f.data.post);
  assert.is(mp.pending_post_id, 'pend');
  assert.is(mp.message, 'hi');
  assert.is(f.data.mentions, JSON.stringify([B]));
  assert.is(f.data.channel_name, 'eng');
  assert.is(f.data.channel_display_name, 'Eng');
  const hello = JSON.parse(mmSerializer.hello({ connection_id: 'x', user_id: A, server_version: '10.11.0' }));
  assert.equal([hello.event, hello.seq, hello.data.connection_id], ['hello', 0, 'x']);
  assert.match(hello.data.server_version, /^10\.11\.0\./, 'the Mattermost-compatible version id, as in X-Version-Id');
  assert.equal(JSON.parse(mmSerializer.reply(3, true)), { status: 'OK', seq_reply: 3 });
  const fail = JSON.parse(mmSerializer.reply(4, false, undefined, { code: 'bad_action', message: 'nope' }));
  assert.is(fail.status, 'FAIL');
  assert.is(fail.error.id, 'api.web_socket_router.bad_action.app_error');
  assert.ok(mmSerializer.sequenceEphemeral, 'typing takes a seq: the client closes on gaps');
});

test('every native event is either translated or deliberately dropped', () => {
  // Mattermost has no emoji_deleted (its apps notice the image's 404); its config_changed is
  // built apart (mmConfigChanged: the client config takes queries).
  const dropped = new Set(['unread_updated', 'emoji_deleted', 'config_changed']);
  const data = sampleData();
  for (const name of EVENT_NAMES) {
    const t = translateEvent(ev(name, data[name]));
    if (dropped.has(name)) assert.is(t, null, name);
    else assert.ok(t && typeof t.event === 'string', name);
  }
});

test('config_changed: the client config as an object under "config", broadcast to everyone', () => {
  const f = JSON.parse(mmConfigChanged({ SiteName: 'Acme', EnableIncomingWebhooks: 'false' }, 1).frame(4));
  assert.equal(f, {
    event: 'config_changed',
    data: { config: { SiteName: 'Acme', EnableIncomingWebhooks: 'false' } },
    broadcast: { omit_users: null, user_id: '', channel_id: '', team_id: '', connection_id: '', omit_connection_id: '' },
    seq: 4,
  });
});

test("emoji_added: the emoji in Mattermost's shape, as a JSON string", () => {
  const t = translateEvent(ev('emoji_added', sampleData().emoji_added))!;
  assert.is(t.event, 'emoji_added');
  assert.equal(JSON.parse(t.data.emoji as string), { id: 'e'.repeat(26), create_at: 2, update_at: 2, delete_at: 0, creator_id: A, name: 'partyparrot' });
});

test('shapes of the other events', () => {
  const typing = translateEvent(ev('typing', { channel_id: C, root_id: post.id, user_id: A, at: 1 }, { user_ids: [A, B], omit_user_id: A, channel_id: C }, true))!;
  assert.equal(typing, { event: 'typing', data: { parent_id: post.id, user_id: A } });
  const typingFrame = JSON.parse(mmSerializer.prepare(ev('typing', { channel_id: C, root_id: '', user_id: A, at: 1 }, { user_ids: [A, B], omit_user_id: A, channel_id: C }, true), 0)!.frame(2));
  assert.equal(typingFrame.broadcast.omit_users, { [A]: true });
  assert.is(typingFrame.seq, 2);
  const r = translateEvent(ev('reaction_added', { reaction: sampleReaction({ post_id: post.id, user_id: A, emoji_name: 'tada', create_at: 3 }), channel_id: C }))!;
  assert.equal(str(r.data.reaction), { user_id: A, post_id: post.id, emoji_name: 'tada', create_at: 3, update_at: 3, delete_at: 0, remote_id: '', channel_id: C });
  const pin = translateEvent(ev('post_pinned', { post: { ...post, is_pinned: true }, channel_id: C }))!;
  assert.is(pin.event, 'post_edited');
  assert.is(str(pin.data.post).is_pinned, true);
  const dm = translateEvent(ev('channel_created', { ...sampleData().channel_created, channel: sampleChannel({ team_id: '', type: 'D', name: [A, B].sort().join('__'), creator_id: A }), team_id: '' }, { user_ids: [B], channel_id: C }))!;
  assert.equal(dm, { event: 'direct_added', data: { creator_id: A, teammate_id: B, channel_id: C } });
  const gm = translateEvent(ev('channel_created', { ...sampleData().channel_created, channel: sampleChannel({ team_id: '', type: 'G', name: 'h' }), team_id: '' }, { user_ids: [A, B], channel_id: C }))!;
  assert.is(gm.event, 'group_added');
  assert.equal(str(gm.data.teammate_ids), [A, B]);
  const open = translateEvent(ev('channel_created', sampleData().channel_created))!;
  assert.equal(open, { event: 'channel_created', data: { channel_id: C, team_id: T } });
  const viewed = translateEvent(ev('channel_viewed', { ...sampleData().channel_viewed, last_viewed_at: 42 }))!;
  assert.equal(viewed, { event: 'multiple_channels_viewed', data: { channel_times: { [C]: 42 } } });
  const sc = translateEvent(ev('status_change', sampleStatus({ user_id: A, status: 'dnd', manual: true }), { user_ids: [A] }))!;
  assert.equal(sc, { event: 'status_change', data: { status: 'dnd', user_id: A } });
  const scFrame = JSON.parse(mmSerializer.prepare(ev('status_change', sampleStatus({ status: 'dnd' }), { user_ids: [A] }), 0)!.frame(1));
  assert.is(scFrame.broadcast.user_id, A);
  const prefs = translateEvent(ev('preferences_changed', { preferences: [{ user_id: A, category: 'c', name: 'n', value: 'v' }] }))!;
  assert.equal(str(prefs.data.preferences), [{ user_id: A, category: 'c', name: 'n', value: 'v' }]);
  const deleted = translateEvent(ev('post_deleted', { post: { ...post, delete_at: 9, message: '' }, channel_id: C, deleted_reply_count: 0, root_reply_count: 2 }))!;
  assert.is(str(deleted.data.post).delete_at, 9);
  assert.equal(Object.keys(deleted.data).sort(), ['delete_by', 'post'], 'Mattermost has no root count');
  // Nor in posted: the native counts stay out of Mattermost's data.
  const reply = translateEvent(ev('posted', { ...sampleData().posted, post: { ...post, root_id: 'r'.repeat(26) }, root_reply_count: 3 }))!;
  assert.equal(Object.keys(reply.data).sort(), ['channel_display_name', 'channel_name', 'channel_type', 'post', 'sender_name', 'set_online', 'team_id']);
  const uu = translateEvent(ev('user_updated', { user: sampleUser({ username: 'alice' }) }))!;
  const user = uu.data.user as { username: string; email: string };
  assert.is(user.username, 'alice');
  assert.is(user.email, '');
});

test.run();
