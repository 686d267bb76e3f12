/**
 * Profile pictures (issue 13): upload (PNG/GIF/JPEG/WebP by their bytes, size and dimension
 * limits), served to any signed-in user with the type found at upload and cache headers
 * (immutable when the URL names the current version, else revalidated with the ETag), changed by
 * yourself or a system admin only, user_updated with the new last_picture_update, removal back to
 * the generated picture; the same through Mattermost's /api/v4/users/{id}/image.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testApp } from '../../../test/app.ts';
import { fxUser } from '../../../test/fixtures.ts';
import { fakePng, multipart } from '../../../test/files.ts';
import { openLocalStorage } from '../../files/local.ts';
import { defaultAvatarPng } from '../v4/avatar.ts';

const dir = mkdtempSync(join(tmpdir(), 'rustchat-picture-test-'));
const t = await testApp({ config: { 'server.data_dir': dir } });
t.deps.storage = await openLocalStorage(join(dir, 'files'));
const admin = await fxUser(t.deps, { admin: true });
const bob = await fxUser(t.deps);
const carol = await fxUser(t.deps);
const code = (r: { body: any }) => r.body?.error?.code;

function upload(token: string | undefined, userId: string, image: Buffer | undefined, api = 'v1') {
  const { body, contentType } = multipart(image ? [{ name: 'image', filename: 'me.png', type: 'image/png', data: image } as never] : [{ name: 'other', value: 'x' }]);
  return t.req('POST', `/api/${api}/users/${userId}/image`, { token, raw: new Uint8Array(body), headers: { 'content-type': contentType } });
}
async function fetchImage(token: string, path: string, headers: Record<string, string> = {}) {
  const res = await t.server.app.request(path, { headers: { authorization: `Bearer ${token}`, ...headers } });
  return { status: res.status, headers: res.headers, bytes: Buffer.from(await res.arrayBuffer()) };
}
const storedFiles = () => {
  try {
    return readdirSync(join(dir, 'files/avatars', bob.id));
  } catch {
    return [];
  }
};

test('without an upload: the generated picture, revalidated', async () => {
  const r = await fetchImage(carol.token, `/api/v1/users/${bob.id}/image`);
  assert.is(r.status, 200);
  assert.is(r.headers.get('content-type'), 'image/png');
  assert.ok(r.bytes.equals(defaultAvatarPng(bob.id)));
  assert.is(r.headers.get('cache-control'), 'private, no-cache');
  assert.is((await fetchImage(carol.token, `/api/v1/users/${bob.id}/image`, { 'if-none-match': r.headers.get('etag')! })).status, 304);
  assert.is((await t.req('GET', `/api/v1/users/${bob.id}/image`)).status, 401);
});

test('upload: stored, served to others with its type and cache headers; user_updated carries the version', async () => {
  const png = fakePng(256, 256, 3000);
  t.takeEvents();
  const r = await upload(bob.token, bob.id, png);
  assert.is(r.status, 200, JSON.stringify(r.body));
  const version = r.body.last_picture_update;
  assert.ok(version > 0);
  const ev = t.takeEvents().find((e) => e.event === 'user_updated') as any;
  assert.is(ev.data.user.last_picture_update, version);
  assert.ok(ev.broadcast.user_ids.includes(bob.id));

  const img = await fetchImage(carol.token, `/api/v1/users/${bob.id}/image?_=${version}`);
  assert.is(img.status, 200);
  assert.ok(img.bytes.equals(png), 'the same bytes');
  assert.is(img.headers.get('content-type'), 'image/png');
  assert.is(img.headers.get('cache-control'), 'private, max-age=31536000, immutable');
  assert.is(img.headers.get('x-content-type-options'), 'nosniff');
  assert.is((await fetchImage(carol.token, `/api/v1/users/${bob.id}/image?_=1`)).headers.get('cache-control'), 'private, no-cache', 'an old version is revalidated');
  assert.is((await fetchImage(carol.token, `/api/v1/users/${bob.id}/image`, { 'if-none-match': img.headers.get('etag')! })).status, 304);
  // Mattermost's route serves the same picture.
  const v4 = await fetchImage(carol.token, `/api/v4/users/${bob.id}/image?_=${version}`);
  assert.ok(v4.bytes.equals(png));
  assert.is(v4.headers.get('cache-control'), 'private, max-age=31536000, immutable');
  assert.is(storedFiles().length, 1);
});

test('a new picture replaces the old one (old bytes removed from storage)', async () => {
  const png = fakePng(128, 128, 2000);
  const r = await upload(bob.token, bob.id, png);
  assert.is(r.status, 200);
  assert.ok((await fetchImage(carol.token, `/api/v1/users/${bob.id}/image`)).bytes.equals(png));
  assert.is(storedFiles().length, 1);
});

test('only yourself or a system admin; bad input refused with stable codes, nothing changed', async () => {
  const before = (await t.req('GET', `/api/v1/users/${bob.id}`, { token: bob.token })).body.last_picture_update;
  const r = await upload(carol.token, bob.id, fakePng(64, 64));
  assert.is(r.status, 403);
  assert.is(code(r), 'forbidden');
  assert.is((await t.req('DELETE', `/api/v1/users/${bob.id}/image`, { token: carol.token })).status, 403);
  assert.is(code(await upload(bob.token, bob.id, Buffer.from('not an image at all'))), 'invalid_picture');
  assert.is(code(await upload(bob.token, bob.id, undefined)), 'no_image');
  assert.is(code(await upload(bob.token, bob.id, fakePng(5000, 5000))), 'picture_too_large');
  // Over the JSON body limit (1 MiB by default), which applies before the picture's own 5 MiB.
  const big = await upload(bob.token, bob.id, fakePng(100, 100, 1024 * 1024 + 1));
  assert.is(big.status, 413);
  assert.is(code(big), 'body_too_large');
  const json = await t.req('POST', `/api/v1/users/${bob.id}/image`, { token: bob.token, body: {} });
  assert.is(code(json), 'invalid_content_type');
  assert.is((await t.req('GET', `/api/v1/users/${bob.id}`, { token: bob.token })).body.last_picture_update, before);
  assert.is(storedFiles().length, 1);
  // A system admin may change anyone's; Mattermost's route too.
  assert.is((await upload(admin.token, carol.id, fakePng(64, 64), 'v4')).status, 200);
  assert.ok((await t.req('GET', `/api/v1/users/${carol.id}`, { token: carol.token })).body.last_picture_update > 0);
  // Audited, as the admin's change of someone else's account (a user's own changes are not).
  const audited = async (action: string) =>
    (await t.req('GET', `/api/v1/admin/audit?action=${action}`, { token: admin.token })).body.items.map((a: any) => [a.actor_id, a.target_type, a.target_id]);
  assert.equal(await audited('profile_image_update'), [[admin.id, 'user', carol.id]]);
  assert.is((await t.req('DELETE', `/api/v1/users/${carol.id}/image`, { token: admin.token })).status, 200);
  assert.equal(await audited('profile_image_remove'), [[admin.id, 'user', carol.id]]);
  assert.is((await t.req('GET', `/api/v1/users/aaaaaaaaaaaaaaaaaaaaaaaaaa/image`, { token: bob.token })).status, 404);
});

test('remove: back to the generated picture, bytes removed', async () => {
  const r = await t.req('DELETE', `/api/v1/users/me/image`, { token: bob.token });
  assert.is(r.status, 200);
  assert.ok((await fetchImage(carol.token, `/api/v1/users/${bob.id}/image`)).bytes.equals(defaultAvatarPng(bob.id)));
  assert.is(storedFiles().length, 0);
});

test.after(async () => {
  await t.close();
  rmSync(dir, { recursive: true, force: true });
});
test.run();
