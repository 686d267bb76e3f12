/**
 * Custom emoji through the native API: upload (name rules, image type, size and dimension limits),
 * the emoji_added / emoji_deleted events applied by the web client's reducer to the same state a
 * fresh fetch gives (verifyAction), list / names / search / autocomplete, the image with its
 * cache headers, delete by the creator or a system admin only, use in reactions and messages, and
 * the site.custom_emoji switch. PGlite, and PostgreSQL with RUSTCHAT_TEST_DATABASE_URL.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testApp, type TestContext } from '../../test/app.ts';
import { fxChannel, fxTeam, fxUser, type FxUser } from '../../test/fixtures.ts';
import { fakePng, multipart } from '../../test/files.ts';
import { verifyAction } from '../../test/realtime-verify.ts';
import { openLocalStorage } from '../files/local.ts';
import type { Storage } from '../files/storage.ts';
import { MAX_EMOJI_BYTES } from './emoji.ts';

const dir = mkdtempSync(join(tmpdir(), 'rustchat-emoji-test-'));
let ctx: TestContext;
let storage: Storage;
let admin: FxUser;
let bob: FxUser; // uploads
let carol: FxUser; // observes
let channelId: string;

const who = (u: FxUser) => ({ id: u.id, token: u.token });
const names = (events: { event: string }[]) => events.map((e) => e.event);

function upload(u: FxUser | null, fields: Record<string, string>, image?: Buffer, type = 'image/png') {
  const parts = [...Object.entries(fields).map(([name, value]) => ({ name, value }))];
  if (image) parts.push({ name: 'image', filename: 'emoji.png', type, data: image } as never);
  const { body, contentType } = multipart(parts);
  return ctx.req('POST', '/api/v1/emoji', { token: u?.token, raw: new Uint8Array(body), headers: { 'content-type': contentType } });
}
async function create(u: FxUser, name: string, image = fakePng(32, 32, 2048)): Promise<any> {
  const r = await upload(u, { name }, image);
  if (r.status !== 201) throw new Error(`create ${name}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}
const get = async (u: FxUser, path: string) => ctx.req('GET', `/api/v1${path}`, { token: u.token });

test.before(async () => {
  ctx = await testApp({ config: { 'server.data_dir': dir } });
  storage = await openLocalStorage(join(dir, 'files'));
  ctx.deps.storage = storage;
  admin = await fxUser(ctx.deps, { admin: true });
  bob = await fxUser(ctx.deps);
  carol = await fxUser(ctx.deps);
  const team = await fxTeam(ctx.deps, admin, { members: [bob, carol] });
  channelId = (await fxChannel(ctx.deps, team.id, admin, { members: [bob, carol] })).id;
});

test.after(async () => {
  await ctx?.close();
  await storage?.close();
  rmSync(dir, { recursive: true, force: true });
});

test('upload: 201 with the emoji; emoji_added reaches other users (verifyAction); readable by id and name', async () => {
  const image = fakePng(64, 48, 3000);
  const { events, result } = await verifyAction(ctx, who(carol), async () => {
    const r = await upload(bob, { name: 'PartyParrot' }, image);
    assert.is(r.status, 201, JSON.stringify(r.body));
    return r.body;
  });
  assert.equal(names(events), ['emoji_added']);
  assert.is(result.name, 'partyparrot', 'names are kept in lower case');
  assert.is(result.creator_id, bob.id);
  assert.equal([result.mime_type, result.width, result.height, result.size, result.delete_at], ['image/png', 64, 48, 3000, 0]);
  assert.not.ok('storage_key' in result || 'sha256' in result);
  assert.equal((await get(carol, `/emoji/${result.id}`)).body, result);
  assert.equal((await get(carol, '/emoji/name/partyparrot')).body, result);
  assert.equal((await get(carol, '/emoji/name/PartyParrot')).body, result);
  assert.is((await get(carol, '/emoji/name/nothing_here')).body.error.code, 'emoji_not_found');
  // The image: the bytes as uploaded, immutable, nosniff, with an ETag that answers 304.
  const img = await ctx.server.app.request(`/api/v1/emoji/${result.id}/image`, { headers: { authorization: `Bearer ${carol.token}` } });
  assert.is(img.status, 200);
  assert.equal(Buffer.from(await img.arrayBuffer()), image);
  assert.is(img.headers.get('content-type'), 'image/png');
  assert.is(img.headers.get('cache-control'), 'private, max-age=31536000, immutable');
  assert.is(img.headers.get('x-content-type-options'), 'nosniff');
  const again = await ctx.server.app.request(`/api/v1/emoji/${result.id}/image`, { headers: { authorization: `Bearer ${carol.token}`, 'if-none-match': img.headers.get('etag')! } });
  assert.is(again.status, 304);
  // Without a session: nothing.
  assert.is((await ctx.req('GET', `/api/v1/emoji/${result.id}/image`)).status, 401);
  assert.is((await ctx.req('GET', '/api/v1/emoji')).status, 401);
  assert.is((await upload(null, { name: 'anon' }, fakePng(8, 8))).status, 401);
});

test('names: Mattermost rules, not a standard emoji, unique among live emoji', async () => {
  for (const bad of ['', 'has space', 'colon:', 'ümlaut', 'x'.repeat(65), 'dot.name']) {
    const r = await upload(bob, { name: bad }, fakePng(8, 8));
    assert.is(r.status, 400, bad);
    assert.is(r.body.error.code, 'invalid_emoji_name', bad);
  }
  for (const system of ['smile', '+1', 'thumbsup', 'White_Check_Mark']) {
    const r = await upload(bob, { name: system }, fakePng(8, 8));
    assert.is(r.status, 400, system);
    assert.is(r.body.error.code, 'system_emoji_name', system);
  }
  const ok = await create(bob, 'a-b_c+d');
  assert.is(ok.name, 'a-b_c+d');
  assert.is((await create(bob, 'x'.repeat(64))).name.length, 64);
  const dup = await upload(carol, { name: 'A-B_C+D' }, fakePng(8, 8));
  assert.is(dup.status, 409);
  assert.is(dup.body.error.code, 'emoji_name_taken');
});

test('images: PNG, GIF, JPEG and WebP by their bytes; size and dimension limits; nothing stored on refusal', async () => {
  const gif = Buffer.concat([Buffer.from('GIF89a', 'latin1'), Buffer.from([16, 0, 16, 0, 0, 0, 0]), Buffer.alloc(40)]);
  assert.is((await create(bob, 'gif_one', gif)).mime_type, 'image/gif');
  const webp = Buffer.alloc(40);
  webp.write('RIFF', 0, 'latin1');
  webp.write('WEBPVP8X', 8, 'latin1');
  webp.writeUIntLE(99, 24, 3);
  webp.writeUIntLE(49, 27, 3);
  const w = await create(bob, 'webp_one', webp);
  assert.equal([w.mime_type, w.width, w.height], ['image/webp', 100, 50]);
  // A declared image/png that is really text.
  const text = await upload(bob, { name: 'not_image' }, Buffer.from('<svg onload="x"></svg>'), 'image/png');
  assert.equal([text.status, text.body.error.code], [400, 'invalid_emoji_image']);
  const big = await upload(bob, { name: 'too_big' }, fakePng(64, 64, MAX_EMOJI_BYTES + 1));
  assert.equal([big.status, big.body.error.code], [413, 'emoji_too_large']);
  const wide = await upload(bob, { name: 'too_wide' }, fakePng(1029, 10));
  assert.equal([wide.status, wide.body.error.code], [400, 'emoji_image_too_large']);
  assert.is((await create(bob, 'just_fits', fakePng(1028, 1028))).width, 1028);
  const none = await upload(bob, { name: 'no_image' });
  assert.equal([none.status, none.body.error.code], [400, 'no_image']);
  const notMultipart = await ctx.req('POST', '/api/v1/emoji', { token: bob.token, body: { name: 'json' } });
  assert.is(notMultipart.status, 400);
  // Only the accepted uploads are in storage.
  const keys: string[] = [];
  for await (const o of storage.list('emoji')) keys.push(o.key);
  const [{ n }] = await ctx.deps.db.query<{ n: number }>('select count(*)::int as n from custom_emoji');
  assert.is(keys.length, n);
});

test('two uploads of one name at once: one wins, the loser leaves no image behind', async () => {
  const [a, b] = await Promise.all([upload(bob, { name: 'race' }, fakePng(8, 8)), upload(carol, { name: 'race' }, fakePng(8, 8))]);
  assert.equal([a.status, b.status].sort(), [201, 409]);
  const keys: string[] = [];
  for await (const o of storage.list('emoji')) keys.push(o.key);
  const [{ n }] = await ctx.deps.db.query<{ n: number }>('select count(*)::int as n from custom_emoji');
  assert.is(keys.length, n);
});

test('list (both orders, keyset pages), names, search and autocomplete', async () => {
  for (const n of ['zeta_fish', 'alpha_fish', 'fishbowl', 'axb']) await create(bob, n);
  const all: any[] = [];
  for (let cursor = ''; ; ) {
    const page = (await get(carol, `/emoji?limit=3${cursor ? `&cursor=${cursor}` : ''}`)).body;
    all.push(...page.items);
    if (!page.next_cursor) break;
    cursor = page.next_cursor;
  }
  const [{ n }] = await ctx.deps.db.query<{ n: number }>('select count(*)::int as n from custom_emoji where delete_at = 0');
  assert.is(all.length, n);
  assert.equal(all.map((e) => e.create_at), [...all.map((e) => e.create_at)].sort((x, y) => x - y));
  const byName: string[] = [];
  for (let cursor = ''; ; ) {
    const page = (await get(carol, `/emoji?sort=name&limit=4${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`)).body;
    byName.push(...page.items.map((e: any) => e.name));
    if (!page.next_cursor) break;
    cursor = page.next_cursor;
  }
  assert.equal(byName, [...byName].sort());
  assert.is(byName.length, n);
  assert.is((await get(carol, '/emoji?sort=size')).status, 400);
  assert.is((await get(carol, '/emoji?cursor=not-an-id')).status, 400);

  const r = await ctx.req('POST', '/api/v1/emoji/names', { token: carol.token, body: { names: ['fishbowl', 'ALPHA_FISH', 'unknown', 'bad name'] } });
  assert.equal(r.body.items.map((e: any) => e.name), ['alpha_fish', 'fishbowl']);
  const tooMany = await ctx.req('POST', '/api/v1/emoji/names', { token: carol.token, body: { names: Array.from({ length: 201 }, (_, i) => `n${i}`) } });
  assert.equal([tooMany.status, tooMany.body.error.code], [400, 'too_many_names']);

  const search = async (q: string, prefix = false) => (await get(carol, `/emoji/search?q=${encodeURIComponent(q)}${prefix ? '&prefix=1' : ''}`)).body.items.map((e: any) => e.name);
  assert.equal(await search('fish'), ['fishbowl', 'alpha_fish', 'zeta_fish'], 'prefix matches first, then by name');
  assert.equal(await search('fish', true), ['fishbowl']);
  assert.equal(await search(':fish'), ['fishbowl', 'alpha_fish', 'zeta_fish'], 'a leading colon is ignored');
  assert.equal(await search('a_b'), [], 'an underscore is not a wildcard');
  assert.equal(await search('%'), []);
  assert.is((await get(carol, '/emoji/search?q=')).status, 400);
});

test('use: reactions and messages take a custom emoji name', async () => {
  await create(bob, 'shipit');
  const post = (await ctx.req('POST', `/api/v1/channels/${channelId}/posts`, { token: carol.token, body: { message: 'ready :shipit:' } })).body;
  assert.is(post.message, 'ready :shipit:');
  const { events } = await verifyAction(ctx, who(carol), () => ctx.req('POST', `/api/v1/posts/${post.id}/reactions`, { token: bob.token, body: { emoji_name: 'shipit' } }));
  assert.equal(names(events), ['reaction_added']);
});

test('delete: creator or system admin only; emoji_deleted (verifyAction); image gone; name free again', async () => {
  const e = await create(bob, 'short_lived');
  const denied = await ctx.req('DELETE', `/api/v1/emoji/${e.id}`, { token: carol.token });
  assert.equal([denied.status, denied.body.error.code], [403, 'forbidden']);
  const { events } = await verifyAction(ctx, who(carol), async () => {
    const r = await ctx.req('DELETE', `/api/v1/emoji/${e.id}`, { token: bob.token });
    assert.is(r.status, 200, JSON.stringify(r.body));
  });
  assert.equal(names(events), ['emoji_deleted']);
  assert.is((await get(carol, `/emoji/${e.id}`)).status, 404);
  assert.is((await get(carol, `/emoji/${e.id}/image`)).status, 404);
  assert.is(await storage.head(`emoji/${e.id}`), null);
  assert.is((await ctx.req('DELETE', `/api/v1/emoji/${e.id}`, { token: bob.token })).status, 404);
  // The name can be taken again; an admin may delete someone else's.
  const again = await create(carol, 'short_lived');
  assert.is.not(again.id, e.id);
  assert.is((await ctx.req('DELETE', `/api/v1/emoji/${again.id}`, { token: admin.token })).status, 200);
  // That one is audited (an admin removing someone else's); the creator's own deletion is not.
  const audit = (await ctx.req('GET', '/api/v1/admin/audit?action=emoji_delete', { token: admin.token })).body.items;
  assert.equal(
    audit.map((a: any) => [a.actor_id, a.target_type, a.target_id, a.details]),
    [[admin.id, 'emoji', again.id, { name: 'short_lived', creator_id: carol.id }]],
  );
  assert.is((await get(carol, '/emoji/bad id')).status, 400);
});

test('site.custom_emoji off: the routes answer 403 custom_emoji_disabled', async () => {
  const off = await testApp({ config: { 'site.custom_emoji': false, 'server.data_dir': dir } });
  try {
    const u = await fxUser(off.deps);
    const list = await off.req('GET', '/api/v1/emoji', { token: u.token });
    assert.equal([list.status, list.body.error.code], [403, 'custom_emoji_disabled']);
    const { body, contentType } = multipart([{ name: 'name', value: 'nope' }, { name: 'image', filename: 'x.png', type: 'image/png', data: fakePng(8, 8) }]);
    const up = await off.req('POST', '/api/v1/emoji', { token: u.token, raw: new Uint8Array(body), headers: { 'content-type': contentType } });
    assert.is(up.status, 403);
  } finally {
    await off.close();
  }
});

test.run();
