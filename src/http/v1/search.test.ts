import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { testApp, type TestContext } from '../../../test/app.ts';
import { fxChannel, fxTeam, fxUser, type FxUser } from '../../../test/fixtures.ts';
import { newId } from '../../ids.ts';

let t: TestContext;
let alice: FxUser, bob: FxUser, carol: FxUser, eve: FxUser;
let team: { id: string };
let general: { id: string; name: string };
let secret: { id: string; name: string };
let dm: string;
const ids: Record<string, string> = {};

async function post(u: FxUser, channelId: string, message: string, key: string, createAt?: number) {
  const r = await t.req('POST', `/api/v1/channels/${channelId}/posts`, { token: u.token, body: { message } });
  assert.is(r.status, 201, JSON.stringify(r.body));
  ids[key] = r.body.id;
  if (createAt !== undefined) await t.deps.db.query('update posts set create_at = $2 where id = $1', [r.body.id, createAt]);
}
async function search(u: FxUser, q: string, extra = '') {
  return t.req('GET', `/api/v1/search?q=${encodeURIComponent(q)}${extra}`, { token: u.token });
}
async function found(u: FxUser, q: string, extra = ''): Promise<string[]> {
  const r = await search(u, q, extra);
  assert.is(r.status, 200, `${q}: ${JSON.stringify(r.body)}`);
  const byId = Object.fromEntries(Object.entries(ids).map(([k, v]) => [v, k]));
  return r.body.items.map((p: any) => byId[p.id] ?? p.id);
}

test.before(async () => {
  t = await testApp();
  alice = await fxUser(t.deps);
  bob = await fxUser(t.deps);
  carol = await fxUser(t.deps);
  eve = await fxUser(t.deps);
  team = await fxTeam(t.deps, alice, { members: [bob, carol, eve] });
  general = await fxChannel(t.deps, team.id, alice, { type: 'O', members: [bob, carol] });
  secret = await fxChannel(t.deps, team.id, alice, { type: 'P', members: [bob] });
  // A DM between carol and eve, by direct SQL (the channels API is not under test here).
  dm = newId();
  const now = Date.now();
  await t.deps.db.query(`insert into channels (id, team_id, type, name, create_at, update_at) values ($1, '', 'D', $2, $3, $3)`, [dm, [carol.id, eve.id].sort().join('__'), now]);
  for (const u of [carol, eve]) await t.deps.db.query(`insert into channel_members (channel_id, user_id, create_at, last_update_at) values ($1, $2, $3, $3)`, [dm, u.id, now]);

  const day = (d: string, h = 12) => Date.parse(`${d}T${String(h).padStart(2, '0')}:00:00Z`);
  await post(alice, general.id, 'The quick brown fox jumps over the lazy dog', 'fox1', day('2024-01-10'));
  await post(bob, general.id, 'A fox, brown and quick, was seen', 'fox2', day('2024-01-11'));
  await post(carol, general.id, 'lazy afternoon with no animals', 'lazy', day('2024-01-12', 1));
  await post(alice, secret.id, 'falcon launch plan: the brown fox is ready', 'secret1', day('2024-01-13'));
  await post(bob, secret.id, 'falcon budget numbers', 'secret2', day('2024-01-14'));
  await post(carol, dm, 'private falcon gossip about the brown fox', 'dm1', day('2024-01-15'));
  await post(alice, general.id, "never write where 1=1 in SQL, or 50% of rows_leak \\ here", 'sql', day('2024-01-16'));
  // bob leaves the private channel after posting there.
  await t.deps.db.query('delete from channel_members where channel_id = $1 and user_id = $2', [secret.id, bob.id]);
});
test.after(async () => t.close());

test('plain terms are AND-ed; stemming; newest first; matches and terms in the response', async () => {
  assert.equal(await found(alice, 'quick fox'), ['fox2', 'fox1']);
  assert.equal(await found(alice, 'foxes jumping'), ['fox1'], 'english stemming');
  const r = await search(alice, 'brown fox');
  assert.equal(r.body.items.map((p: any) => p.id), [ids.secret1, ids.fox2, ids.fox1]);
  assert.equal(r.body.matches[ids.fox1].sort(), ['brown', 'fox']);
  assert.equal(r.body.terms, ['brown', 'fox']);
  assert.is(r.body.next_cursor, null);
  assert.is(r.body.items[0].message, 'falcon launch plan: the brown fox is ready', 'items are presented posts');
});

test('"exact phrase" and -excluded', async () => {
  assert.equal(await found(alice, '"brown fox"'), ['secret1', 'fox1']);
  assert.equal(await found(alice, 'fox -lazy'), ['secret1', 'fox2']);
  assert.equal(await found(alice, 'fox -"lazy dog"'), ['secret1', 'fox2']);
  assert.equal(await found(alice, 'lazy -fox'), ['lazy']);
});

test('prefix* search', async () => {
  assert.equal(await found(alice, 'qui*'), ['fox2', 'fox1']);
  assert.equal(await found(alice, 'laz* -fox'), ['lazy']);
  assert.equal(await found(alice, 'fal* budg*'), ['secret2']);
  assert.equal(await found(bob, 'fal*'), [], 'prefixes obey membership too');
});

test('from: and in: filters', async () => {
  assert.equal(await found(alice, `fox from:${bob.username}`), ['fox2']);
  assert.equal(await found(alice, `from:@${alice.username.toUpperCase()}`), ['sql', 'secret1', 'fox1']);
  assert.equal(await found(alice, `fox in:${secret.name}`), ['secret1']);
  assert.equal(await found(alice, `fox in:${general.name} in:${secret.name}`), ['secret1', 'fox2', 'fox1']);
  assert.equal(await found(alice, `fox from:nobody-here`), []);
  // in:@user is the caller's DM with that user.
  assert.equal(await found(carol, `fox in:@${eve.username}`), ['dm1']);
  assert.equal(await found(eve, `in:@${carol.username.toUpperCase()}`), ['dm1']);
  assert.equal(await found(alice, `fox in:@${eve.username}`), [], 'no DM with eve');
  assert.equal(await found(carol, `fox in:@${eve.username} in:${general.name}`), ['dm1', 'fox2', 'fox1']);
});

test('dates: before/after/on in UTC by default, or in a time zone', async () => {
  assert.equal(await found(alice, 'fox before:2024-01-11'), ['fox1']);
  assert.equal(await found(alice, 'fox after:2024-01-10'), ['secret1', 'fox2']);
  assert.equal(await found(alice, 'fox on:2024-01-11'), ['fox2']);
  assert.equal(await found(alice, 'on:2024-01-12'), ['lazy'], 'filters alone are a query');
  // "lazy" was posted 2024-01-12 01:00 UTC = 2024-01-11 20:00 in New York.
  assert.equal(await found(alice, 'on:2024-01-11', '&time_zone=America/New_York'), ['lazy', 'fox2']);
  await t.deps.db.query(`update users set timezone = $2::text::jsonb where id = $1`, [alice.id, JSON.stringify({ useAutomaticTimezone: 'false', manualTimezone: 'America/New_York' })]);
  assert.equal(await found(alice, 'on:2024-01-11'), ['lazy', 'fox2'], "the user's profile zone applies");
  await t.deps.db.query(`update users set timezone = '{}'::jsonb where id = $1`, [alice.id]);
});

test('paging with a cursor', async () => {
  const p1 = await search(alice, 'fox', '&limit=2');
  assert.equal(p1.body.items.map((p: any) => p.id), [ids.secret1, ids.fox2]);
  assert.is(p1.body.next_cursor, ids.fox2);
  const p2 = await search(alice, 'fox', `&limit=2&cursor=${p1.body.next_cursor}`);
  assert.equal(p2.body.items.map((p: any) => p.id), [ids.fox1]);
  assert.is(p2.body.next_cursor, null);
});

test('never a post from a channel the user is not in now', async () => {
  // bob posted in the private channel and was removed: nothing from it, even his own post.
  assert.equal(await found(bob, 'falcon'), []);
  assert.equal(await found(bob, 'budget'), []);
  assert.equal(await found(bob, `falcon in:${secret.name}`), []);
  assert.equal(await found(bob, `from:${bob.username}`), ['fox2']);
  // eve is in the team but not in general or secret: only her DM.
  assert.equal(await found(eve, 'falcon'), ['dm1']);
  assert.equal(await found(eve, 'fox'), ['dm1'], 'public channels she has not joined are not searched');
  assert.equal(await found(eve, `fox in:${general.name}`), []);
  // alice is not in carol and eve's DM, nor can she name it.
  assert.equal(await found(alice, 'gossip'), []);
  assert.equal(await found(alice, `gossip in:${[carol.id, eve.id].sort().join('__')}`), []);
  assert.equal(await found(alice, `from:${carol.username} gossip`), []);
  // A system admin is no exception.
  const root = await fxUser(t.deps, { admin: true });
  assert.equal(await found(root, 'falcon'), []);
  // A cursor from someone else's result set reveals nothing either.
  assert.equal(await found(bob, 'falcon', `&cursor=${ids.dm1}`), []);
});

test('team_id restricts to that team (plus DMs and groups)', async () => {
  const team2 = await fxTeam(t.deps, carol);
  const other = await fxChannel(t.deps, team2.id, carol);
  await post(carol, other.id, 'brown fox in another team', 'team2');
  assert.equal((await found(carol, 'brown fox')).includes('team2'), true);
  assert.equal(await found(carol, 'brown fox', `&team_id=${team.id}`), ['dm1', 'fox2', 'fox1']);
  assert.equal(await found(carol, 'brown fox', `&team_id=${team2.id}`), ['team2', 'dm1']);
});

test("a deleted (archived) team's posts leave search, as its channels do, for members too", async () => {
  const team3 = await fxTeam(t.deps, carol, { members: [bob] });
  const ch = await fxChannel(t.deps, team3.id, carol, { type: 'O', members: [bob] });
  await post(carol, ch.id, 'okapi sighting in the archived team', 'okapi');
  assert.equal(await found(bob, 'okapi'), ['okapi']);
  const root = await fxUser(t.deps, { admin: true });
  assert.is((await t.req('DELETE', `/api/v1/teams/${team3.id}`, { token: root.token })).status, 200);
  assert.is((await t.req('GET', `/api/v1/posts/${ids.okapi}`, { token: bob.token })).status, 404, 'the post itself is gone with its team');
  assert.equal(await found(bob, 'okapi'), [], 'so search does not show it either');
  assert.equal(await found(carol, 'okapi'), [], 'nor to its author');
  const scoped = await search(carol, 'okapi', `&team_id=${team3.id}`);
  assert.equal([scoped.status, scoped.body.error?.code], [404, 'team_not_found'], 'naming the team is 404, as its other reads');
});

test('team_id: a team the caller is not in is 403 (system admins may), an unknown one 404', async () => {
  const outsider = await fxUser(t.deps);
  const code = async (extra: string) => {
    const r = await search(outsider, 'fox', extra);
    return [r.status, r.body.error?.code];
  };
  assert.equal(await code(`&team_id=${team.id}`), [403, 'forbidden']);
  assert.equal(await code(`&team_id=${newId()}`), [404, 'team_not_found']);
  assert.equal(await found(outsider, 'fox'), [], 'without a team: every channel one is in (none)');
  const root = await fxUser(t.deps, { admin: true });
  assert.equal(await found(root, 'fox', `&team_id=${team.id}`), [], 'an admin outside the team: allowed, and still only their own channels');
});

test("hostile strings are literal: ' OR 1=1--, %, _, \\ match only what they say", async () => {
  assert.equal(await found(alice, "' OR 1=1--"), ['sql'], 'only the post containing 1=1');
  assert.equal(await found(eve, "' OR 1=1--"), [], 'and nothing for someone who cannot see it');
  for (const q of ['%', '_', '\\', '%%', '_%_', "'", '"', '\\%', '*', '&', '|', '!', '<->', ':*', '(', ')', '½*', 'x²*', '你好*', "a'*", 'a:*b', '**']) {
    const r = await search(alice, q);
    assert.ok(r.status === 200 || r.status === 400, `${q}: ${r.status}`);
    if (r.status === 200) assert.equal(r.body.items, [], `${q} matches nothing`);
    else assert.is(r.body.error.code, 'invalid_query', q);
  }
  for (const q of ['from:%', 'from:_', 'in:%', 'in:_', 'in:\\', `from:' OR 1=1--`, "in:' OR '1'='1"]) {
    assert.equal(await found(alice, q), [], q);
  }
  assert.equal(await found(alice, 'rows_leak'), ['sql'], 'underscores inside words are just characters');
});

test('bad input: stable codes, never a 500', async () => {
  const cases: [string, string, string][] = [
    ['', '', 'invalid_query'],
    ['   ', '', 'invalid_query'],
    ['x'.repeat(1001), '', 'query_too_long'],
    ['a\u0000b', '', 'invalid_characters'],
    ['fox on:2024-02-30', '', 'invalid_search_date'],
    ['fox before:soon', '', 'invalid_search_date'],
    ['fox', '&team_id=nope', 'invalid_id'],
    ['fox', '&cursor=nope', 'invalid_cursor'],
    ['fox', `&cursor=${newId()}`, 'invalid_cursor'],
    ['fox', '&limit=0', 'invalid_limit'],
    ['fox', '&limit=ten', 'invalid_input'],
    ['on:2024-01-01', '&time_zone=Mars/Olympus', 'invalid_time_zone'],
    [Array.from({ length: 40 }, (_, i) => `w${i}`).join(' '), '', 'query_too_complex'],
  ];
  for (const [q, extra, code] of cases) {
    const r = await search(alice, q, extra);
    assert.is(r.status, 400, `${JSON.stringify(q)} ${extra}: ${r.status}`);
    assert.is(r.body.error.code, code, `${JSON.stringify(q)} ${extra}`);
  }
  const missing = await t.req('GET', '/api/v1/search', { token: alice.token });
  assert.is(missing.status, 400);
  assert.is(missing.body.error.code, 'invalid_input');
  assert.is((await t.req('GET', '/api/v1/search?q=fox')).status, 401);
  const big = await search(alice, 'fox', '&limit=100000');
  assert.is(big.status, 200, 'limit is capped');
});

test.run();
