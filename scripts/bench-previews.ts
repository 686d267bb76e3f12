#!/usr/bin/env node
// Image previews in the executable (issue 15 item 8): starts `dist/rustchat serve` on an empty
// data directory (PostgreSQL mode with --database-url, else embedded), uploads a 12-megapixel
// photo (4000 × 3000, a ~5 MB JPEG with an EXIF orientation) several times, and reports per
// upload the answer time (the renditions are made while it waits) against an upload of a file
// of the same size that is not an image, then the server's peak RSS during the uploads (VmHWM,
// reset before them) and its RSS 10 s after the last upload (the image worker has ended) next to
// its RSS before.
//
//   npm run build && npm run bench:previews [-- --uploads 3] [-- --progressive] [-- --database-url postgres://…]
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { initTestCodecs, jpeg, noise, pixels, withExifOrientation, type Rgba } from '../test/images.ts';

const root = new URL('..', import.meta.url).pathname;
const args = process.argv.slice(2);
const opt = (name: string, def: string) => (args.includes(`--${name}`) ? args[args.indexOf(`--${name}`) + 1]! : def);
const uploads = Number(opt('uploads', '3'));
// Cameras and phones write baseline JPEGs; --progressive uses a progressive one (more decoder memory).
const progressive = args.includes('--progressive');
const databaseUrl = opt('database-url', '');
const binary = join(root, 'dist', 'rustchat');
if (!existsSync(binary)) throw new Error('dist/rustchat is missing (npm run build)');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const kb = (pid: number, field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN) * 1024;
const mb = (n: number) => `${Math.round(n / 2 ** 20)} MB`;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

await initTestCodecs();
const rnd = noise(11);
const photo = withExifOrientation(
  await jpeg(pixels(4000, 3000, (x, y) => [128 + 100 * Math.sin(x / 300) + (rnd() - 0.5) * 30, 128 + 100 * Math.cos(y / 200) + (rnd() - 0.5) * 30, ((x + y) / 20) % 255, 255] as Rgba), 90, progressive),
  6,
);
const other = Buffer.alloc(photo.length, 7);

const dir = mkdtempSync(join(tmpdir(), 'rustchat-previews-'));
const env: Record<string, string> = Object.fromEntries(Object.entries(process.env).filter(([k, v]) => !k.startsWith('RUSTCHAT_') && v !== undefined)) as Record<string, string>;
env.RUSTCHAT_RATE_LIMIT_PER_SECOND = '0';
if (databaseUrl) env.RUSTCHAT_DATABASE_URL = databaseUrl;
if (databaseUrl) env.RUSTCHAT_JWT_SECRET = 'bench-previews-secret-'.padEnd(48, 'x');
const child = spawn(binary, ['serve', '--host', '127.0.0.1', '--port', '0', '--data-dir', join(dir, 'data')], { env, stdio: ['ignore', 'pipe', 'pipe'] });
let out = '';
const port = await new Promise<number>((resolve, reject) => {
  child.stdout.on('data', (d) => {
    out += d;
    const m = /"msg":"listening".*?"port":(\d+)/.exec(out);
    if (m) resolve(Number(m[1]));
  });
  child.stderr.on('data', (d) => (out += d));
  child.on('exit', (code) => reject(new Error(`server exited (${code}):\n${out}`)));
});
const url = `http://127.0.0.1:${port}`;
try {
  const reg = (await (
    await fetch(`${url}/api/v1/auth/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'b@example.com', username: 'bench', password: 'correct horse battery staple' }) })
  ).json()) as { token: string };
  const auth = { authorization: `Bearer ${reg.token}` };
  const team = (await (await fetch(`${url}/api/v1/teams`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'bench', display_name: 'Bench' }) })).json()) as { id: string };
  const channel = ((await (await fetch(`${url}/api/v1/teams/${team.id}/channels`, { headers: auth })).json()) as { items: { id: string }[] }).items[0]!;
  const upload = async (bytes: Buffer, name: string, type: string) => {
    const form = new FormData();
    form.append('channel_id', channel.id);
    form.append('files', new Blob([new Uint8Array(bytes)], { type }), name);
    const t = performance.now();
    const res = await fetch(`${url}/api/v1/files`, { method: 'POST', headers: auth, body: form });
    const body = (await res.json()) as { items: { has_preview_image: boolean }[] };
    if (res.status !== 201) throw new Error(`upload: ${res.status} ${JSON.stringify(body)}`);
    return { ms: performance.now() - t, preview: body.items[0]!.has_preview_image };
  };
  await upload(other, 'warm-up.bin', 'application/octet-stream');
  await sleep(2000);
  const before = kb(child.pid!, 'VmRSS');
  // The peak from here on, not the start's (PGlite's boot peaks higher than anything after it):
  // writing 5 to clear_refs resets VmHWM to the current RSS.
  writeFileSync(`/proc/${child.pid}/clear_refs`, '5');
  const plain: number[] = [];
  const images: number[] = [];
  for (let i = 0; i < uploads; i++) {
    plain.push((await upload(other, `blob-${i}.bin`, 'application/octet-stream')).ms);
    const r = await upload(photo, `IMG_${i}.jpg`, 'image/jpeg');
    if (!r.preview) throw new Error('no preview was rendered');
    images.push(r.ms);
  }
  const peak = kb(child.pid!, 'VmHWM');
  await sleep(10_000);
  const after = kb(child.pid!, 'VmRSS');
  console.log(
    `bench:previews — ${databaseUrl ? 'PostgreSQL' : 'embedded'} mode, ${uploads} uploads of a 12 MP ${progressive ? 'progressive' : 'baseline'} JPEG (${(photo.length / 2 ** 20).toFixed(1)} MB), load average ${loadavg()[0]!.toFixed(1)}`,
  );
  console.log(`  upload answer, median: photo with thumbnail + preview ${Math.round(median(images))} ms; same-size non-image ${Math.round(median(plain))} ms`);
  console.log(`  server RSS: before ${mb(before)}, peak during the uploads ${mb(peak)}, 10 s after the last upload ${mb(after)}`);
} finally {
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
  rmSync(dir, { recursive: true, force: true });
}
