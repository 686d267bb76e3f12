// Compressed transfers (issue 20, target 5), measured in one run:
//  1. the app shell (index.html + the stylesheet + the entry script and its static imports) as a
//     browser fetches it: bytes on the wire with `Accept-Encoding: gzip, deflate, br` against none;
//  2. a page of 50 posts on the native and the Mattermost API: bytes and the server CPU that the
//     on-the-fly compression adds per response (median of many).
//   npm run build:web && npm run bench:compress
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Hono } from 'hono';
import { testApp } from '../test/app.ts';
import { fxChannel, fxTeam, fxUser } from '../test/fixtures.ts';
import { readWebDir, serveWeb } from '../src/http/static.ts';
import { compressBytes } from '../src/http/compress.ts';

const BROWSER = { 'accept-encoding': 'gzip, deflate, br, zstd' };
const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;
const load0 = loadavg()[0]!;

// --- 1. the app shell ----------------------------------------------------------------------
const assets = readWebDir(fileURLToPath(new URL('../dist/web/', import.meta.url)));
if (!assets.has('/index.html')) throw new Error('dist/web is missing: run `npm run build:web` first');
const web = new Hono();
web.use('*', serveWeb(assets) as any);
const wire = async (path: string, headers: Record<string, string>) => {
  const r = await web.request(path, { headers });
  return { bytes: (await r.arrayBuffer()).byteLength, text: '' };
};
const html = await (await web.request('/')).text();
const shell = ['/', ...[...html.matchAll(/(?:href|src)="(\/assets\/[^"]+)"/g)].map((m) => m[1]!)];
let plainShell = 0;
let packedShell = 0;
for (const p of shell) {
  plainShell += (await wire(p, {})).bytes;
  packedShell += (await wire(p, BROWSER)).bytes;
}

// --- 2. a page of 50 posts -----------------------------------------------------------------
const t = await testApp();
const alice = await fxUser(t.deps);
const team = await fxTeam(t.deps, alice);
const chan = await fxChannel(t.deps, team.id, alice);
const words = 'the quick brown fox jumps over the lazy dog while we ship release notes and fix bugs'.split(' ');
for (let i = 0; i < 50; i++) {
  const message = Array.from({ length: 8 + (i % 20) }, (_, j) => words[(i * 7 + j * 3) % words.length]).join(' ');
  await t.req('POST', `/api/v1/channels/${chan.id}/posts`, { token: alice.token, body: { message } });
}
const rows: string[] = [];
for (const [api, path] of [
  ['native', `/api/v1/channels/${chan.id}/posts?limit=50`],
  ['v4', `/api/v4/channels/${chan.id}/posts?per_page=50`],
] as const) {
  const auth = { authorization: `Bearer ${alice.token}` };
  const plain = new Uint8Array(await (await t.server.app.request(path, { headers: auth })).arrayBuffer());
  const br = (await (await t.server.app.request(path, { headers: { ...auth, ...BROWSER } })).arrayBuffer()).byteLength;
  const gz = (await (await t.server.app.request(path, { headers: { ...auth, 'accept-encoding': 'gzip' } })).arrayBuffer()).byteLength;
  const cost = async (enc: 'br' | 'gz') => {
    const times: number[] = [];
    for (let i = 0; i < 300; i++) {
      const c0 = process.cpuUsage();
      await compressBytes(plain, enc);
      const c = process.cpuUsage(c0);
      times.push((c.user + c.system) / 1000);
    }
    times.sort((a, b) => a - b);
    return times[times.length >> 1]!.toFixed(2);
  };
  rows.push(`| page of 50 posts, ${api} | ${kb(plain.byteLength)} | ${kb(br)} | ${kb(gz)} | ${await cost('br')} ms | ${await cost('gz')} ms |`);
}
await t.close();

console.log(`load average ${load0.toFixed(2)} at start, node ${process.version}\n`);
console.log(`App shell (${shell.length} files: ${shell.join(', ')}): ${kb(plainShell)} uncompressed, ${kb(packedShell)} transferred with Brotli (precompressed at build time, quality 11).\n`);
console.log('| response | identity | Brotli (q4) | gzip (level 6) | CPU Brotli | CPU gzip |');
console.log('|---|---|---|---|---|---|');
for (const r of rows) console.log(r);
