/**
 * Calls the apps make at start-up and from their menus that used to answer 501 or 400 (issue 16
 * items 3–6), through Mattermost's own client: group-message profiles, all channel members with
 * page=-1, a channel by team and channel name, "Add members" (users not in a channel), mark
 * several channels read, team stats, channel timezones, known users, user stats, server limits,
 * web app plugins, archived channels. Each also keeps its permission rule.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ClientError, startMmServer, type Client, type MmServer } from './harness.ts';

let s: MmServer;
let A: Client;
let B: Client;
let C: Client;
let D: Client;
let alice: any;
let bob: any;
let carol: any;
let dave: any;
let team: any;
let town: any;
let secret: any;

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
  ({ client: D, user: dave } = await s.signUp('dave'));
  team = await A.createTeam({ name: 'acme', display_name: 'Acme', type: 'O' } as any);
  for (const [c, u] of [[B, bob], [C, carol]] as const) await c.addToTeam(team.id, u.id);
  town = await A.getChannelByName(team.id, 'town-square');
  secret = await A.createChannel({ team_id: team.id, name: 'secret', display_name: 'Secret', type: 'P' } as any);
});
test.after(() => s.close());

test('POST /users/group_channels: the other members of my group messages, by channel', async () => {
  const g1 = await A.createGroupChannel([alice.id, bob.id, carol.id]);
  const g2 = await B.createGroupChannel([bob.id, carol.id, dave.id]);
  const dm = await A.createDirectChannel([alice.id, bob.id]);
  const res = await A.getProfilesInGroupChannels([g1.id, g2.id, dm.id]);
  // Only g1: g2 is not alice's, a DM is not a group.
  assert.equal(Object.keys(res), [g1.id]);
  assert.equal(res[g1.id].map((u: any) => u.username).sort(), ['bob', 'carol']);
  // Presented for the caller: bob (not an admin) does not see others' emails.
  const forBob = await B.getProfilesInGroupChannels([g1.id, g2.id]);
  assert.equal(forBob[g1.id].map((u: any) => [u.username, u.email]), [['alice', ''], ['carol', '']]);
  assert.equal(forBob[g2.id].map((u: any) => u.username), ['carol', 'dave']);
  assert.equal(await A.getProfilesInGroupChannels([]), {});
});

test('GET /users/{id}/channel_members?page=-1: every membership', async () => {
  const all = await A.getAllChannelsMembers(alice.id, -1);
  const mine = await A.getMyChannels(team.id);
  const ids = new Set(all.map((m: any) => m.channel_id));
  for (const ch of mine) assert.ok(ids.has(ch.id), ch.name);
  assert.ok(all.every((m: any) => m.user_id === alice.id && typeof m.msg_count === 'number'));
  // Paged as before.
  assert.is((await A.getAllChannelsMembers(alice.id, 0, 1)).length, 1);
});

test('GET /teams/name/{team}/channels/name/{channel}: open by URL, archived only when asked', async () => {
  const ch = await B.getChannelByNameAndTeamName('acme', 'town-square');
  assert.is(ch.id, town.id);
  // A private channel Bob may not read answers exactly like a name that does not exist: names
  // can be guessed, so they must not reveal private channels (Mattermost answers 404 too).
  assert.is(await status(B.getChannelByNameAndTeamName('acme', 'secret')), 404);
  assert.is(await status(B.getChannelByName(team.id, 'secret')), 404);
  assert.is(await status(B.getChannelByNameAndTeamName('acme', 'no-such-channel')), 404);
  assert.is((await A.getChannelByNameAndTeamName('acme', 'secret')).id, secret.id, 'its member still finds it');
  assert.is(await status(D.getChannelByNameAndTeamName('acme', 'town-square')), 403);
  assert.is(await status(A.getChannelByNameAndTeamName('nope', 'town-square')), 404);
  const old = await A.createChannel({ team_id: team.id, name: 'old-news', display_name: 'Old news', type: 'O' } as any);
  await A.deleteChannel(old.id);
  assert.is(await status(A.getChannelByNameAndTeamName('acme', 'old-news')), 404);
  assert.is((await A.getChannelByNameAndTeamName('acme', 'old-news', true)).id, old.id);
  // And the archived list: public archived channels, and private ones only for their members.
  const hidden = await A.createChannel({ team_id: team.id, name: 'old-secret', display_name: 'Old secret', type: 'P' } as any);
  await A.deleteChannel(hidden.id);
  assert.equal((await A.getArchivedChannels(team.id)).map((c: any) => c.name), ['old-news', 'old-secret']);
  assert.equal((await B.getArchivedChannels(team.id)).map((c: any) => c.name), ['old-news']);
  assert.is(await status(D.getArchivedChannels(team.id)), 403);
});

test('GET /users?in_team=&not_in_channel=: the "Add members" list', async () => {
  const users = await A.getProfilesNotInChannel(team.id, secret.id, false, 0, 60);
  assert.equal(users.map((u: any) => u.username), ['bob', 'carol']);
  await A.addToChannel(bob.id, secret.id);
  assert.equal((await A.getProfilesNotInChannel(team.id, secret.id, false, 0, 60)).map((u: any) => u.username), ['carol']);
  // Carol cannot read the private channel, so cannot list who is outside it either.
  assert.is(await status(C.getProfilesNotInChannel(team.id, secret.id, false, 0, 60)), 403);
});

test('POST /channels/members/me/mark_read: several channels at once', async () => {
  const offTopic = await A.getChannelByName(team.id, 'off-topic');
  await B.addToChannel(bob.id, offTopic.id);
  await B.createPost({ channel_id: town.id, message: 'one' } as any);
  await B.createPost({ channel_id: offTopic.id, message: 'two' } as any);
  const before = await A.getMyChannelMembers(team.id);
  const unread = (id: string, members: any[], chans: any[]) => chans.find((c) => c.id === id).total_msg_count - members.find((m) => m.channel_id === id).msg_count;
  let chans = await A.getMyChannels(team.id);
  assert.ok(unread(town.id, before, chans) > 0 && unread(offTopic.id, before, chans) > 0);
  const res = await A.readMultipleChannels([town.id, offTopic.id]);
  assert.is(res.status, 'OK');
  assert.ok(res.last_viewed_at_times[town.id] > 0 && res.last_viewed_at_times[offTopic.id] > 0);
  const after = await A.getMyChannelMembers(team.id);
  chans = await A.getMyChannels(team.id);
  assert.is(unread(town.id, after, chans), 0);
  assert.is(unread(offTopic.id, after, chans), 0);
  assert.is(await status(D.readMultipleChannels([town.id])), 403);
});

test('team stats, channel timezones, known users, user stats', async () => {
  assert.equal(await A.getTeamStats(team.id), { team_id: team.id, total_member_count: 3, active_member_count: 3 });
  assert.is(await status(D.getTeamStats(team.id)), 403);
  await B.patchMe({ timezone: { useAutomaticTimezone: 'false', manualTimezone: 'Europe/Berlin', automaticTimezone: '' } } as any);
  const zones = await A.getChannelTimezones(town.id);
  assert.ok(zones.some((z: any) => z.manualTimezone === 'Europe/Berlin'));
  assert.is(await status(D.getChannelTimezones(secret.id)), 403);
  const known = await A.getKnownUsers();
  assert.equal([...known].sort(), [bob.id, carol.id].sort());
  // Dave shares only the group message with bob and carol.
  assert.equal([...(await D.getKnownUsers())].sort(), [bob.id, carol.id].sort());
  assert.equal(await A.getTotalUsersStats(), { total_users_count: 4 });
});

test('no-op start-up calls: server limits and web app plugins answer 200', async () => {
  const limits = await A.getServerLimits();
  assert.is(limits.data.maxUsersLimit, 0);
  assert.is(limits.data.activeUserCount, 4);
  assert.equal(await A.getWebappPlugins(), []);
});

test.run();
