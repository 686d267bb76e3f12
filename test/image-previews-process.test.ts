/**
 * Image previews in a served process — the built executable when there is one (CI builds it):
 * there the image worker is the bundle embedded as a SEA asset, run with `eval`, and the codecs'
 * wasm comes from the executable too. An upload of a real photo answers with has_preview_image
 * and the thumbnail route serves a rendered, upright JPEG.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { rmSync } from 'node:fs';
import { binaryChoice, spawnServer, type ServerProcess } from './process.ts';
import { at, decodeImage, initTestCodecs, jpeg, near, pixels, withExifOrientation, type Rgba } from './images.ts';

let s: ServerProcess;

test.before(async () => {
  await initTestCodecs();
  s = await spawnServer({ timeoutMs: 60_000 });
});
test.after(async () => {
  await s?.stop();
  if (s) rmSync(s.dataDir, { recursive: true, force: true });
});

async function api(token: string, method: string, path: string, body?: unknown) {
  const r = await fetch(`${s.url}/api/v1${path}`, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: body ? JSON.stringify(body) : undefined });
  const json: any = await r.json();
  if (!r.ok) throw new Error(`${method} ${path}: ${r.status} ${JSON.stringify(json)}`);
  return json;
}

test(`upload, thumbnail and preview (${binaryChoice().reason})`, async () => {
  const reg = await fetch(`${s.url}/api/v1/auth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: 'p@example.com', username: 'photographer', password: 'correct horse battery staple' }),
  });
  assert.is(reg.status, 201, await reg.clone().text());
  const { token } = (await reg.json()) as { token: string };
  const team = await api(token, 'POST', '/teams', { type: 'O', name: 'photos', display_name: 'Photos' });
  const channel = (await api(token, 'GET', `/teams/${team.id}/channels`)).items[0];

  const RED: Rgba = [220, 20, 20, 255];
  const BLUE: Rgba = [20, 20, 220, 255];
  const photo = withExifOrientation(await jpeg(pixels(1600, 800, (x) => (x < 800 ? RED : BLUE))), 6);
  const form = new FormData();
  form.append('channel_id', channel.id);
  form.append('files', new Blob([new Uint8Array(photo)], { type: 'image/jpeg' }), 'sideways.jpg');
  const up = await fetch(`${s.url}/api/v1/files`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: form });
  const info = ((await up.json()) as any).items[0];
  assert.is(up.status, 201);
  assert.is(info.has_preview_image, true, s.output().slice(-2000));

  const thumb = await fetch(`${s.url}/api/v1/files/${info.id}/thumbnail`, { headers: { authorization: `Bearer ${token}` } });
  assert.is(thumb.status, 200);
  assert.is(thumb.headers.get('content-type'), 'image/jpeg');
  const t = await decodeImage(new Uint8Array(await thumb.arrayBuffer()));
  assert.equal([t.width, t.height], [50, 100]);
  assert.ok(near(at(t, 25, 10), RED) && near(at(t, 25, 90), BLUE), 'upright');
  const preview = await fetch(`${s.url}/api/v1/files/${info.id}/preview`, { headers: { authorization: `Bearer ${token}` } });
  const p = await decodeImage(new Uint8Array(await preview.arrayBuffer()));
  assert.equal([p.width, p.height], [540, 1080]);
  assert.not.match(s.output(), /image preview not rendered/);
});

test.run();
