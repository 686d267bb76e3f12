/**
 * Search scoped to a team (the apps' search screen: POST /teams/{id}/posts/search and
 * /teams/{id}/files/search) answers like the team's other reads: 403 for a team the caller is not
 * in, 404 for an unknown or archived team (as GET /teams/{id}/stats does), never an empty 200.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ClientError, startMmServer, type Client, type MmServer } from './harness.ts';

let s: MmServer;
let A: Client;
let B: Client;
let bob: any;
let sharedId: string;
let alicesId: string;

/** The HTTP status and Mattermost error id of a client call (200 and '' when it succeeds). */
async function outcome(p: Promise<unknown>): Promise<[number, string]> {
  try {
    await p;
    return [200, ''];
  } catch (e: any) {
    assert.instance(e, ClientError);
    return [e.status_code, e.server_error_id];
  }
}

const params = { terms: 'okapi', is_or_search: false, page: 0, per_page: 20 };
const posts = (c: Client, team: string) => outcome(c.searchPostsWithParams(team, params));
const files = (c: Client, team: string) => outcome(c.searchFilesWithParams(team, params));

test.before(async () => {
  s = await startMmServer();
  ({ client: A } = await s.signUp('alice')); // the first account: a system admin
  ({ client: B, user: bob } = await s.signUp('bob'));
  sharedId = (await A.createTeam({ name: 'shared', display_name: 'Shared', type: 'O' } as any)).id;
  await A.addToTeam(sharedId, bob.id);
  alicesId = (await A.createTeam({ name: 'alices', display_name: 'Alice only', type: 'O' } as any)).id;
  const town = (await A.getChannelByName(sharedId, 'town-square')).id;
  await B.addToChannel(bob.id, town);
  await B.createPost({ channel_id: town, message: 'an okapi in town' } as any);
});
test.after(() => s.close());

test('a member searches the team', async () => {
  assert.equal(await posts(B, sharedId), [200, '']);
  assert.is((await B.searchPostsWithParams(sharedId, params)).order.length, 1);
  assert.equal(await files(B, sharedId), [200, '']);
});

test('a team the caller is not in: 403, as its stats', async () => {
  const stats = await outcome(B.getTeamStats(alicesId));
  assert.equal(stats, [403, 'api.context.permissions.app_error']);
  assert.equal(await posts(B, alicesId), stats);
  assert.equal(await files(B, alicesId), stats);
});

test('an unknown team: 404', async () => {
  const unknown = 'abcdefghijklmnopqrstuvwxyz';
  const stats = await outcome(B.getTeamStats(unknown));
  assert.equal(stats, [404, 'app.team.get.find.app_error']);
  assert.equal(await posts(B, unknown), stats);
  assert.equal(await files(B, unknown), stats);
});

test('an archived team: 404 for its former members and system admins alike', async () => {
  assert.is((await s.t.req('DELETE', `/api/v1/teams/${sharedId}`, { token: A.getToken() })).status, 200);
  for (const c of [B, A]) {
    const stats = await outcome(c.getTeamStats(sharedId));
    assert.equal(stats, [404, 'app.team.get.find.app_error']);
    assert.equal(await posts(c, sharedId), stats);
    assert.equal(await files(c, sharedId), stats);
  }
});

test.run();
