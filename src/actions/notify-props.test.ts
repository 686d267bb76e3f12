import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { testApp } from '../../test/app.ts';
import { fxChannel, fxTeam, fxUser } from '../../test/fixtures.ts';
import { translateEvent } from '../http/v4/ws-serializer.ts';

// Notification settings shared by both APIs, and what counts as a mention.
const t = await testApp();
const ada = await fxUser(t.deps);
const bob = await fxUser(t.deps);
const cy = await fxUser(t.deps);
const team = await fxTeam(t.deps, ada, { members: [bob, cy] });
const town = await fxChannel(t.deps, team.id, ada, { members: [bob, cy] });
const code = (r: { body: any }) => r.body?.error?.code;

async function post(u: { token: string }, channelId: string, message: string) {
  t.takeEvents();
  const r = await t.req('POST', `/api/v1/channels/${channelId}/posts`, { token: u.token, body: { message } });
  assert.is(r.status, 201, JSON.stringify(r.body));
  return t.takeEvents().find((e) => e.event === 'posted')!.data as { mentions: string[] };
}
const mentionCount = async (channelId: string, userId: string) =>
  Number((await t.deps.db.query<any>('select mention_count from channel_members where channel_id = $1 and user_id = $2', [channelId, userId]))[0].mention_count);

test('a direct message is a mention for its recipient; a group message for every recipient', async () => {
  const dm = (await t.req('POST', '/api/v1/channels/direct', { token: ada.token, body: { user_id: bob.id } })).body;
  const posted = await post(ada, dm.id, 'hello, no at-sign here');
  assert.equal(posted.mentions, [bob.id]);
  assert.is(await mentionCount(dm.id, bob.id), 1);
  assert.is(await mentionCount(dm.id, ada.id), 0, 'not for the author');
  const unreads = await t.req('GET', '/api/v1/channels/unreads', { token: bob.token });
  assert.is(unreads.body.channels.find((c: any) => c.channel_id === dm.id).mention_count, 1);
  const gm = (await t.req('POST', '/api/v1/channels/group', { token: ada.token, body: { user_ids: [bob.id, cy.id] } })).body;
  const g = await post(bob, gm.id, 'group hello');
  assert.equal(g.mentions, [ada.id, cy.id].sort());
  assert.is(await mentionCount(gm.id, cy.id), 1);
  // Marked unread from a DM post, the count comes back as a mention too.
  await t.req('POST', `/api/v1/channels/${dm.id}/read`, { token: bob.token });
  assert.is(await mentionCount(dm.id, bob.id), 0);
  const first = (await t.req('GET', `/api/v1/channels/${dm.id}/posts`, { token: bob.token })).body.items.at(-1);
  const unread = await t.req('POST', `/api/v1/posts/${first.id}/unread`, { token: bob.token });
  assert.is(unread.status, 200, JSON.stringify(unread.body));
  assert.is(await mentionCount(dm.id, bob.id), 1);
  // A channel post without a mention is not.
  const plain = await post(ada, town.id, 'nothing for anyone');
  assert.equal(plain.mentions, []);
});

test('@channel skips members who ignore channel-wide mentions (per channel, or by default per user)', async () => {
  // bob: ignore in this channel; cy: user-level channel=false, but this channel says "off" (do not ignore).
  const r1 = await t.req('PUT', `/api/v1/channels/${town.id}/members/me/notify_props`, { token: bob.token, body: { ignore_channel_mentions: 'on' } });
  assert.is(r1.status, 200, JSON.stringify(r1.body));
  assert.is(r1.body.notify_props.ignore_channel_mentions, 'on');
  assert.is((await t.req('PATCH', '/api/v1/users/me/notify_props', { token: cy.token, body: { notify_props: { channel: 'false' } } })).status, 200);
  let ev = await post(ada, town.id, 'hey @channel');
  assert.equal(ev.mentions, [], 'bob ignores here, cy ignores by default');
  await t.req('PUT', `/api/v1/channels/${town.id}/members/me/notify_props`, { token: cy.token, body: { ignore_channel_mentions: 'off' } });
  ev = await post(ada, town.id, 'again @all');
  assert.equal(ev.mentions, [cy.id]);
  // Named mentions always count.
  ev = await post(ada, town.id, `@${bob.username} look`);
  assert.equal(ev.mentions, [bob.id]);
});

test('channel notify props: validated, own membership only, channel_member_updated to the member (and Mattermost\'s translation)', async () => {
  t.takeEvents();
  const r = await t.req('PUT', `/api/v4/channels/${town.id}/members/me/notify_props`, { token: bob.token, body: { channel_id: town.id, user_id: bob.id, mark_unread: 'mention', desktop: 'none', push: 'mention', email: 'false' } });
  assert.is(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body, { status: 'OK' });
  const ev = t.takeEvents().find((e) => e.event === 'channel_member_updated')!;
  assert.ok(ev);
  assert.equal(ev.broadcast.user_ids, [bob.id]);
  const mm = translateEvent(ev as any)!;
  assert.is(mm.event, 'channel_member_updated');
  const member = JSON.parse((mm.data as any).channelMember);
  assert.is(member.notify_props.mark_unread, 'mention');
  assert.is(member.notify_props.ignore_channel_mentions, 'on', 'earlier keys are kept');
  const got = await t.req('GET', `/api/v4/channels/${town.id}/members/me`, { token: bob.token });
  assert.equal(
    { m: got.body.notify_props.mark_unread, d: got.body.notify_props.desktop, p: got.body.notify_props.push, e: got.body.notify_props.email, s: got.body.notify_props.desktop_sound },
    { m: 'mention', d: 'none', p: 'mention', e: 'false', s: 'default' },
  );
  const bad = await t.req('PUT', `/api/v1/channels/${town.id}/members/me/notify_props`, { token: bob.token, body: { mark_unread: 'never' } });
  assert.is(bad.status, 400);
  assert.is(code(bad), 'invalid_input');
  assert.match(bad.body.error.message, 'mark_unread');
  assert.is((await t.req('PUT', `/api/v1/channels/${town.id}/members/me/notify_props`, { token: bob.token, body: { x: 1 } })).status, 400);
  assert.is((await t.req('PUT', `/api/v1/channels/${town.id}/members/${cy.id}/notify_props`, { token: bob.token, body: { mark_unread: 'mention' } })).status, 403);
  const outsider = await fxUser(t.deps);
  const priv = await fxChannel(t.deps, team.id, ada, { type: 'P' });
  assert.is((await t.req('PUT', `/api/v1/channels/${priv.id}/members/me/notify_props`, { token: outsider.token, body: { mark_unread: 'mention' } })).status, 403);
  assert.is((await t.req('PUT', `/api/v4/channels/${priv.id}/members/me/notify_props`, { token: bob.token, body: { mark_unread: 'mention' } })).status, 403);
});

test('/mute goes through the same action (and its event)', async () => {
  t.takeEvents();
  const r = await t.req('POST', '/api/v1/commands/execute', { token: cy.token, body: { channel_id: town.id, command: '/mute' } });
  assert.is(r.status, 200, JSON.stringify(r.body));
  const ev = t.takeEvents().find((e) => e.event === 'channel_member_updated');
  assert.is((ev!.data as any).member.notify_props.mark_unread, 'mention');
});

test('user notify props and email interval: v1 settings, Mattermost patch and preferences', async () => {
  const get = await t.req('GET', '/api/v1/users/me/notify_props', { token: ada.token });
  assert.is(get.status, 200);
  assert.is(get.body.notify_props.email, 'true');
  assert.is(get.body.notify_props.push, 'mention');
  assert.is(get.body.email_interval, 30, 'immediately by default');
  t.takeEvents();
  const set = await t.req('PATCH', '/api/v1/users/me/notify_props', { token: ada.token, body: { notify_props: { push: 'all', desktop: 'none' }, email_interval: 900 } });
  assert.is(set.status, 200, JSON.stringify(set.body));
  assert.is(set.body.notify_props.push, 'all');
  assert.is(set.body.email_interval, 900);
  assert.ok(t.takeEvents().some((e) => e.event === 'preferences_changed'));
  const prefs = await t.req('GET', '/api/v4/users/me/preferences/notifications', { token: ada.token });
  assert.equal(prefs.body.find((p: any) => p.name === 'email_interval').value, '900');
  assert.is(code(await t.req('PATCH', '/api/v1/users/me/notify_props', { token: ada.token, body: { email_interval: 60 } })), 'invalid_input');
  assert.is(code(await t.req('PATCH', '/api/v1/users/me/notify_props', { token: ada.token, body: { notify_props: { push: 'sometimes' } } })), 'invalid_input');
  assert.is((await t.req('PATCH', `/api/v1/users/${bob.id}/notify_props`, { token: ada.token, body: { notify_props: { push: 'all' } } })).status, 403);
  assert.is((await t.req('GET', `/api/v1/users/${bob.id}/notify_props`, { token: ada.token })).status, 403);
  // Mattermost: the whole map through PATCH /users/me/patch; unknown keys are kept as strings.
  const mm = await t.req('PUT', '/api/v4/users/me/patch', { token: ada.token, body: { notify_props: { email: 'false', push: 'mention', push_status: 'offline', auto_responder_active: 'false', calls_desktop_sound: true } } });
  assert.is(mm.status, 200, JSON.stringify(mm.body));
  assert.is(mm.body.notify_props.email, 'false');
  const me = await t.req('GET', '/api/v4/users/me', { token: ada.token });
  assert.is(me.body.notify_props.push_status, 'offline');
  assert.is(me.body.notify_props.calls_desktop_sound, 'true');
  assert.is(me.body.notify_props.desktop, 'none', 'merged with what was there');
  // Others never see them.
  const seen = await t.req('GET', `/api/v4/users/${ada.id}`, { token: bob.token });
  assert.is(seen.body.notify_props.email, 'true', 'the defaults, not ada\'s settings');
  const pref = await t.req('PUT', '/api/v4/users/me/preferences', { token: ada.token, body: [{ user_id: ada.id, category: 'notifications', name: 'email_interval', value: 'soon' }] });
  assert.is(pref.status, 400);
  assert.is((await t.req('PUT', '/api/v4/users/me/preferences', { token: ada.token, body: [{ user_id: ada.id, category: 'notifications', name: 'email_interval', value: '3600' }] })).status, 200);
});

test.after(() => t.close());
test.run();
