/**
 * File search through the native API (GET /api/v1/files/search): names by word prefix, text
 * content, ext:/from:/in:/dates, the channel files list, paging, bad input, and who sees what —
 * membership at query time, deleted posts' files never, unattached files never. PGlite, and
 * PostgreSQL with RUSTCHAT_TEST_DATABASE_URL.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testApp, type TestContext } from '../../test/app.ts';
import { fxUser, type FxUser } from '../../test/fixtures.ts';
import { multipart } from '../../test/files.ts';
import { extractText, MAX_CONTENT_BYTES } from '../files/text.ts';
import { termWords } from './file-search.ts';
import { newId } from '../ids.ts';

const dir = mkdtempSync(join(tmpdir(), 'rustchat-file-search-'));
const HOUR = 3_600_000;
// Late on 2024-05-10 (UTC): the first uploads fall on that day, the later ones on the next.
let clock = Date.UTC(2024, 4, 10, 23);
let ctx: TestContext;
let alice: FxUser; // in everything
let bob: FxUser; // in the private channel and the DM
let dave: FxUser; // team member, not in the private channel
let teamId: string;
let otherTeamId: string;
let priv: { id: string; name: string };
let pub: { id: string; name: string };
let other: { id: string; name: string };
let dm: string;
const ids: Record<string, string> = {};

async function call(u: FxUser, method: string, path: string, body?: unknown): Promise<any> {
  const r = await ctx.req(method, `/api/v1${path}`, { token: u.token, body });
  if (r.status < 200 || r.status > 299) throw new Error(`${method} ${path}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

/** Uploads one file into a channel and posts it there (unless `attach` is false); returns its id. */
async function share(u: FxUser, channelId: string, name: string, data: string | Buffer, type = 'application/octet-stream', attach = true): Promise<string> {
  const { body, contentType } = multipart([
    { name: 'channel_id', value: channelId },
    { name: 'files', filename: name, type, data: typeof data === 'string' ? Buffer.from(data) : data },
  ]);
  const r = await ctx.req('POST', '/api/v1/files', { token: u.token, raw: new Uint8Array(body), headers: { 'content-type': contentType } });
  assert.is(r.status, 201, JSON.stringify(r.body));
  const id = r.body.items[0].id;
  if (attach) await call(u, 'POST', `/channels/${channelId}/posts`, { message: `sharing ${name}`, file_ids: [id] });
  clock += 1000;
  return id;
}

async function search(u: FxUser, q: string, extra = ''): Promise<string[]> {
  const r = await call(u, 'GET', `/files/search?q=${encodeURIComponent(q)}&limit=100${extra}`);
  return r.items.map((f: any) => f.name);
}

async function status(u: FxUser, query: string): Promise<{ status: number; code?: string }> {
  const r = await ctx.req('GET', `/api/v1/files/search?${query}`, { token: u.token });
  return { status: r.status, code: r.body?.error?.code };
}

test.before(async () => {
  ctx = await testApp({ config: { 'server.data_dir': dir }, now: () => clock });
  [alice, bob, dave] = await Promise.all([fxUser(ctx.deps), fxUser(ctx.deps), fxUser(ctx.deps)]);
  teamId = (await call(alice, 'POST', '/teams', { type: 'O', name: `fs${Date.now().toString(36)}`, display_name: 'Files' })).id;
  otherTeamId = (await call(alice, 'POST', '/teams', { type: 'O', name: `ft${Date.now().toString(36)}`, display_name: 'Other' })).id;
  for (const t of [teamId, otherTeamId]) for (const u of [bob, dave]) await call(alice, 'POST', `/teams/${t}/members`, { user_id: u.id });
  priv = await call(alice, 'POST', '/channels', { team_id: teamId, name: 'finance', display_name: 'Finance', type: 'private' });
  await call(alice, 'POST', `/channels/${priv.id}/members`, { user_id: bob.id });
  pub = (await call(alice, 'GET', `/teams/${teamId}/channels`)).items.find((c: any) => c.name === 'town-square');
  await call(dave, 'POST', `/channels/${pub.id}/join`).catch(() => {});
  await call(bob, 'POST', `/channels/${pub.id}/join`).catch(() => {});
  other = await call(alice, 'POST', '/channels', { team_id: otherTeamId, name: 'elsewhere', display_name: 'Elsewhere', type: 'private' });
  await call(alice, 'POST', `/channels/${other.id}/members`, { user_id: bob.id });
  dm = (await call(bob, 'POST', '/channels/direct', { user_id: alice.id })).id;

  ids.report = await share(alice, priv.id, 'Q3-report_final.pdf', '%PDF-1.4 not really');
  ids.budget = await share(bob, priv.id, 'budget-2024.xlsx', 'PK binary');
  ids.notes = await share(alice, pub.id, 'meeting notes.txt', 'We agreed on the quarterly numbers and the deployment window.', 'text/plain');
  ids.uber = await share(dave, pub.id, 'Überblick.md', '# Überblick\nNächste Schritte', 'text/markdown');
  clock += 2 * HOUR;
  ids.photo = await share(bob, dm, 'holiday.png', Buffer.from('not an image'), 'application/octet-stream');
  ids.elsewhere = await share(alice, other.id, 'report-other-team.pdf', '%PDF');
  ids.loose = await share(alice, pub.id, 'unattached-report.pdf', '%PDF', 'application/pdf', false);
});

test.after(async () => {
  await ctx?.close();
  rmSync(dir, { recursive: true, force: true });
});

test('termWords and extractText', () => {
  assert.equal(termWords('Q3-report_final.PDF'), ['q3', 'report', 'final', 'pdf']);
  assert.equal(termWords("' OR 1=1--"), ['or', '1', '1']);
  assert.equal(termWords('%_\\'), []);
  assert.is(extractText(Buffer.from('plain text')), 'plain text');
  assert.is(extractText(Buffer.from([0x61, 0, 0x62])), '', 'a NUL byte means binary');
  assert.is(extractText(Buffer.from([0x61, 0xff, 0x62])), '', 'invalid UTF-8 means binary');
  const cut = Buffer.concat([Buffer.alloc(MAX_CONTENT_BYTES - 1, 0x61), Buffer.from('é')]);
  assert.is(extractText(cut), 'a'.repeat(MAX_CONTENT_BYTES - 1), 'a character cut by the limit is dropped');
  const whole = Buffer.concat([Buffer.alloc(MAX_CONTENT_BYTES - 2, 0x61), Buffer.from('é'), Buffer.from('tail')]);
  assert.is(extractText(whole), `${'a'.repeat(MAX_CONTENT_BYTES - 2)}é`, 'a whole character at the limit is kept');
});

test('names: word prefixes, any case, adjacent words in order, non-ASCII', async () => {
  assert.equal(await search(alice, 'rep'), ['report-other-team.pdf', 'Q3-report_final.pdf']);
  assert.equal(await search(alice, 'Q3-REPORT'), ['Q3-report_final.pdf']);
  assert.equal(await search(alice, '"report final"'), ['Q3-report_final.pdf']);
  assert.equal(await search(alice, '"final report"'), [], 'words of a phrase must be in order');
  assert.equal(await search(alice, 'report final'), ['Q3-report_final.pdf'], 'several words: all of them');
  assert.equal(await search(alice, 'über'), ['Überblick.md']);
  assert.equal(await search(alice, 'port'), [], 'prefixes of words, not any substring');
  assert.equal(await search(alice, 'pdf'), ['report-other-team.pdf', 'Q3-report_final.pdf'], 'the extension is a word of the name');
});

test('text content (stemmed), not of binary files', async () => {
  assert.equal(await search(alice, 'deployments'), ['meeting notes.txt'], 'English stemming');
  assert.equal(await search(alice, 'nächste'), ['Überblick.md']);
  assert.equal(await search(alice, '"quarterly numbers"'), ['meeting notes.txt']);
  assert.equal(await search(alice, 'binary'), [], 'the xlsx bytes are not searched');
  assert.equal(await search(alice, 'meeting -quarterly'), [], 'an excluded word found in the content');
});

test('ext:, -ext:, from:, in: (name, id, ~name, @user), team, dates', async () => {
  assert.equal(await search(alice, 'ext:pdf'), ['report-other-team.pdf', 'Q3-report_final.pdf']);
  assert.equal(await search(alice, 'ext:.PDF ext:xlsx'), ['report-other-team.pdf', 'budget-2024.xlsx', 'Q3-report_final.pdf'], 'several ext: are OR-ed');
  assert.equal(await search(alice, 'rep -ext:pdf'), []);
  assert.equal(await search(alice, `from:${bob.username}`), ['holiday.png', 'budget-2024.xlsx']);
  assert.equal(await search(alice, `from:@${dave.username} ext:md`), ['Überblick.md']);
  assert.equal(await search(alice, 'in:finance'), ['budget-2024.xlsx', 'Q3-report_final.pdf']);
  assert.equal(await search(alice, `in:~Town-Square`), ['Überblick.md', 'meeting notes.txt']);
  assert.equal(await search(alice, `channel:${priv.id}`), ['budget-2024.xlsx', 'Q3-report_final.pdf'], "a channel id (Mattermost's channel files list)");
  assert.equal(await search(alice, `in:@${bob.username}`), ['holiday.png']);
  assert.equal(await search(alice, 'rep', `&team_id=${teamId}`), ['Q3-report_final.pdf']);
  assert.equal(await search(alice, 'holiday', `&team_id=${teamId}`), ['holiday.png'], 'direct messages belong to every team');
  assert.equal(await search(alice, 'on:2024-05-10'), ['Überblick.md', 'meeting notes.txt', 'budget-2024.xlsx', 'Q3-report_final.pdf']);
  assert.equal(await search(alice, 'after:2024-05-10 ext:pdf'), ['report-other-team.pdf']);
  assert.equal(await search(alice, 'before:2024-05-11 ext:pdf'), ['Q3-report_final.pdf']);
});

test('the channel files list: channel_id without words; a channel one cannot read is refused', async () => {
  const r = await call(alice, 'GET', `/files/search?channel_id=${priv.id}`);
  assert.equal(r.items.map((f: any) => f.name), ['budget-2024.xlsx', 'Q3-report_final.pdf']);
  assert.equal(Object.keys(r.items[0]).sort(), ['channel_id', 'create_at', 'creator_id', 'extension', 'has_preview_image', 'height', 'id', 'mime_type', 'name', 'post_id', 'size', 'width']);
  assert.equal((await call(alice, 'GET', `/files/search?channel_id=${priv.id}&q=ext:pdf`)).items.map((f: any) => f.name), ['Q3-report_final.pdf']);
  assert.equal(await status(dave, `channel_id=${priv.id}`), { status: 403, code: 'forbidden' });
});

test('paging: limit and next_cursor, then the rest; a bad cursor is refused', async () => {
  const first = await call(alice, 'GET', '/files/search?q=ext:pdf ext:xlsx&limit=2');
  assert.equal(first.items.map((f: any) => f.name), ['report-other-team.pdf', 'budget-2024.xlsx']);
  assert.is(first.next_cursor, ids.budget);
  const rest = await call(alice, 'GET', `/files/search?q=ext:pdf ext:xlsx&limit=2&cursor=${first.next_cursor}`);
  assert.equal(rest.items.map((f: any) => f.name), ['Q3-report_final.pdf']);
  assert.is(rest.next_cursor, null);
  assert.equal(await status(alice, `q=pdf&cursor=${'x'.repeat(26)}`), { status: 400, code: 'invalid_cursor' });
});

test('who sees what: members only, at query time; deleted posts and unattached files never', async () => {
  assert.equal(await search(dave, 'rep'), [], "not a member of the private channel or the other team's channel");
  assert.equal(await search(dave, 'ext:txt ext:md'), ['Überblick.md', 'meeting notes.txt']);
  assert.equal(await search(dave, `in:finance`), [], 'naming the channel does not help');
  assert.equal(await search(dave, `channel:${priv.id}`), []);
  assert.equal(await search(dave, 'holiday'), [], "others' direct messages");
  assert.equal(await search(alice, 'unattached'), [], 'files never posted are not searched, not even by their uploader');
  const admin = await fxUser(ctx.deps, { admin: true });
  assert.equal(await search(admin, 'rep'), [], 'system admins are no exception');

  // Removed from the channel: its files go at once, their own uploads included.
  assert.equal(await search(bob, 'budget'), ['budget-2024.xlsx']);
  await call(alice, 'DELETE', `/channels/${priv.id}/members/${bob.id}`);
  assert.equal(await search(bob, 'budget'), []);
  assert.equal(await search(bob, 'ext:pdf'), ['report-other-team.pdf']);

  // A deleted post takes its files with it.
  const gone = await share(alice, pub.id, 'draft-to-delete.txt', 'draft');
  assert.equal(await search(dave, 'draft'), ['draft-to-delete.txt']);
  const post = (await call(alice, 'GET', `/files/${gone}/info`)).post_id;
  await call(alice, 'DELETE', `/posts/${post}`);
  assert.equal(await search(dave, 'draft'), []);
  assert.equal(await search(alice, 'draft'), []);
});

test("an archived team's files leave every result, as its channels do (members included)", async () => {
  const team = await call(alice, 'POST', '/teams', { type: 'O', name: `fa${Date.now().toString(36)}`, display_name: 'Archived' });
  const town = (await call(alice, 'GET', `/teams/${team.id}/channels`)).items.find((c: any) => c.name === 'town-square');
  await call(alice, 'POST', `/teams/${team.id}/members`, { user_id: bob.id });
  await call(bob, 'POST', `/channels/${town.id}/join`).catch(() => {});
  const id = await share(alice, town.id, 'zebra-plan.txt', 'zebra plan');
  assert.equal(await search(bob, 'zebra'), ['zebra-plan.txt']);
  const admin = await fxUser(ctx.deps, { admin: true });
  await call(admin, 'DELETE', `/teams/${team.id}`);
  assert.is((await ctx.req('GET', `/api/v1/files/${id}/info`, { token: bob.token })).status, 404, 'the file itself is gone with its team');
  assert.equal(await search(bob, 'zebra'), [], 'so search does not name it either');
  assert.equal(await search(alice, 'zebra'), [], 'nor to its uploader');
  assert.equal(await status(bob, `q=ext:txt&team_id=${team.id}`), { status: 404, code: 'team_not_found' }, 'naming the team is 404, as its other reads');
});

test('team_id: a team the caller is not in is 403 (system admins may), an unknown one 404', async () => {
  const outsider = await fxUser(ctx.deps);
  assert.equal(await status(outsider, `q=rep&team_id=${teamId}`), { status: 403, code: 'forbidden' });
  assert.equal(await status(outsider, `channel_id=${pub.id}&team_id=${teamId}`), { status: 403, code: 'forbidden' });
  assert.equal(await status(outsider, `q=rep&team_id=${newId()}`), { status: 404, code: 'team_not_found' });
  assert.equal(await status(outsider, 'q=rep'), { status: 200, code: undefined }, 'without a team: every channel one is in (none)');
  const admin = await fxUser(ctx.deps, { admin: true });
  assert.equal(await search(admin, 'rep', `&team_id=${teamId}`), [], 'an admin outside the team: allowed, and still only their own channels');
});

test('bad and hostile input: stable codes, literal text', async () => {
  assert.equal(await status(alice, 'q='), { status: 400, code: 'invalid_query' });
  assert.equal(await status(alice, 'q=%20%20'), { status: 400, code: 'invalid_query' });
  assert.equal(await status(alice, `q=${'a'.repeat(1001)}`), { status: 400, code: 'query_too_long' });
  assert.equal(await status(alice, 'q=a%00b'), { status: 400, code: 'invalid_characters' });
  assert.equal(await status(alice, `q=${Array.from({ length: 40 }, (_, i) => `w${i}`).join('+')}`), { status: 400, code: 'query_too_complex' });
  assert.equal(await status(alice, 'q=x&team_id=nope'), { status: 400, code: 'invalid_id' });
  assert.equal(await status(alice, 'q=x&channel_id=nope'), { status: 400, code: 'invalid_id' });
  assert.equal(await status(alice, 'q=x&limit=0'), { status: 400, code: 'invalid_limit' });
  assert.equal(await status(alice, 'q=on:2024-02-30'), { status: 400, code: 'invalid_search_date' });
  assert.equal(await search(alice, '%'), [], 'punctuation finds nothing');
  assert.equal(await search(alice, "' OR 1=1--"), []);
  assert.equal(await search(alice, 'rep:* & !final'), ['Q3-report_final.pdf'], 'tsquery operators are plain characters: & and ! neither join nor negate');
  assert.equal((await ctx.req('GET', '/api/v1/files/search?q=rep')).status, 401);
});

test.run();
