/**
 * File search the way the Mattermost apps do it (issue 15 item 4): the search screen's Files tab
 * (searchFilesWithParams with a team, and without one: all teams), the web app's channel files
 * list (terms `channel:<id>` plus `ext:` for its type filter), page / per_page; a FileInfoList
 * whose files are only those of channels the caller is in now, never of deleted posts.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ClientError, startMmServer, type Client, type MmServer } from './harness.ts';

let s: MmServer;
let A: Client;
let B: Client;
let bob: any;
let teamId: string;
let townId: string;
let privateId: string;
let otherTeamChannelId: string;

async function status(p: Promise<unknown>): Promise<number> {
  try {
    await p;
    return 200;
  } catch (e: any) {
    assert.instance(e, ClientError);
    return e.status_code;
  }
}

/** Uploads and posts a file as the apps do (uploadFile, then createPost with file_ids). */
async function share(c: Client, channelId: string, name: string, text: string): Promise<any> {
  const form = new FormData();
  form.append('channel_id', channelId);
  form.append('files', new Blob([text], { type: 'text/plain' }), name);
  const info = (await c.uploadFile(form)).file_infos[0];
  const post = await c.createPost({ channel_id: channelId, message: `file ${name}`, file_ids: [info.id] } as any);
  return { ...info, post_id: post.id };
}

const names = (list: any) => list.order.map((id: string) => list.file_infos[id].name);
const find = (c: Client, terms: string, team = teamId, page = 0, perPage = 20) => c.searchFilesWithParams(team, { terms, is_or_search: false, page, per_page: perPage });

test.before(async () => {
  s = await startMmServer();
  ({ client: A } = await s.signUp('alice'));
  ({ client: B, user: bob } = await s.signUp('bob'));
  const team = await A.createTeam({ name: 'shared-files', display_name: 'Files', type: 'O' } as any);
  teamId = team.id;
  await A.addToTeam(teamId, bob.id);
  townId = (await A.getChannelByName(teamId, 'town-square')).id;
  await B.addToChannel(bob.id, townId);
  privateId = (await A.createChannel({ team_id: teamId, name: 'secret', display_name: 'Secret', type: 'P' } as any)).id;
  const other = await A.createTeam({ name: 'elsewhere', display_name: 'Elsewhere', type: 'O' } as any);
  otherTeamChannelId = (await A.getChannelByName(other.id, 'town-square')).id;

  await share(A, townId, 'roadmap-2025.txt', 'milestones and dates');
  await share(B, townId, 'budget.csv', 'item,amount');
  await share(A, privateId, 'secret-plan.txt', 'only for alice');
  await share(A, otherTeamChannelId, 'roadmap-other.txt', 'another team');
});
test.after(() => s.close());

test('Files tab: FileInfoList newest first; team and all-teams variants; content and ext:', async () => {
  const list = await find(A, 'roadmap');
  assert.equal(Object.keys(list).sort(), ['file_infos', 'first_inaccessible_file_time', 'next_file_info_id', 'order', 'prev_file_info_id']);
  assert.equal(names(list), ['roadmap-2025.txt']);
  const info = list.file_infos[list.order[0]];
  assert.is(info.channel_id, townId);
  assert.ok(info.post_id && info.user_id && info.create_at > 0);
  assert.is(info.extension, 'txt');
  assert.equal(names(await A.searchFilesWithParams('', { terms: 'roadmap', is_or_search: false, page: 0, per_page: 20 })), ['roadmap-other.txt', 'roadmap-2025.txt'], 'POST /files/search: every team');
  assert.equal(names(await find(A, 'milestones')), ['roadmap-2025.txt'], 'text content');
  assert.equal(names(await find(A, 'ext:csv')), ['budget.csv']);
  assert.equal(names(await find(A, 'from:bob')), ['budget.csv']);
});

test("the web app's channel files list: channel:<id>, with its type filter; pages", async () => {
  assert.equal(names(await find(A, `channel:${townId}`)), ['budget.csv', 'roadmap-2025.txt']);
  assert.equal(names(await find(A, `channel:${townId} ext:csv ext:tsv`)), ['budget.csv']);
  assert.equal(names(await find(A, `channel:${townId}`, teamId, 0, 1)), ['budget.csv']);
  assert.equal(names(await find(A, `channel:${townId}`, teamId, 1, 1)), ['roadmap-2025.txt']);
  assert.equal(names(await find(A, `channel:${townId}`, teamId, 2, 1)), []);
});

test('who sees what: channels one is in now; deleted posts take their files along; errors', async () => {
  assert.equal(names(await find(B, 'secret')), [], 'a private channel bob is not in');
  assert.equal(names(await find(B, `channel:${privateId}`)), []);
  assert.equal(names(await B.searchFilesWithParams('', { terms: 'roadmap', is_or_search: false, page: 0, per_page: 20 })), ['roadmap-2025.txt'], 'not the team bob is not in');
  const gone = await share(B, townId, 'mistake.txt', 'oops');
  assert.equal(names(await find(A, 'mistake')), ['mistake.txt']);
  await B.deletePost(gone.post_id);
  assert.equal(names(await find(A, 'mistake')), []);
  await A.addToChannel(bob.id, privateId);
  await share(B, privateId, 'bobs-draft.txt', 'draft');
  assert.equal(names(await find(B, 'draft')), ['bobs-draft.txt']);
  assert.equal(names(await find(B, 'secret')), ['secret-plan.txt'], 'the older files of a channel one joins');
  await A.removeFromChannel(bob.id, privateId);
  assert.equal(names(await find(B, 'draft')), [], "bob's own upload, in a channel he was removed from");
  assert.is(await status(find(A, '')), 400);
  assert.is(await status(A.searchFilesWithParams(teamId, { terms: 'x', is_or_search: true })), 501);
});

test.run();
