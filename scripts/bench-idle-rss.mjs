#!/usr/bin/env node
// Embedded-mode memory after use (issue 20, target 2: idle RSS ≤ 250 MB after 2,000 posts and
// 10 s idle). Starts `dist/rustchat serve` on an empty data directory, registers a user, creates
// a team, posts 2,000 messages (4 in flight) into its Town Square, reads a few history pages,
// waits 10 s and reads VmRSS / RssAnon / RssFile / VmHWM from /proc. With --baseline PATH the same
// is done for another executable in the same run, alternating (ours, baseline, ours, …), so the
// two are compared under the same conditions.
//
//   npm run build && npm run bench:idle-rss [-- --runs 3] [-- --baseline /tmp/rustchat-old] [-- --posts 2000]
import { spawn, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const args = process.argv.slice(2);
const opt = (name, def) => (args.includes(`--${name}`) ? args[args.indexOf(`--${name}`) + 1] : def);
const runs = Number(opt('runs', '3'));
const posts = Number(opt('posts', '2000'));
const binaries = [['ours', join(root, 'dist', 'rustchat')]];
if (opt('baseline')) binaries.push(['baseline', opt('baseline')]);
for (const [, b] of binaries) if (!existsSync(b)) throw new Error(`${b} is missing (npm run build)`);

const freePort = () =>
  new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const kb = (pid, field) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN) * 1024;
const mb = (n) => `${Math.round(n / 2 ** 20)} MB`;

async function once(binary) {
  const dir = mkdtempSync(join(tmpdir(), 'rustchat-rss-'));
  const port = await freePort();
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('RUSTCHAT_')));
  const child = spawn(binary, ['serve', '--host', '127.0.0.1', '--port', String(port), '--data-dir', join(dir, 'data')], {
    // One user posts everything: the per-user rate limit (10 posts/s) would answer 429.
    env: { ...env, RUSTCHAT_LOG_LEVEL: 'warn', RUSTCHAT_RATE_LIMIT_PER_SECOND: '0' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const base = `http://127.0.0.1:${port}/api/v1`;
  try {
    for (let i = 0; ; i++) {
      if (i > 1200) throw new Error('no /health/live within 60 s');
      if (await fetch(`${base}/health/live`).then((r) => r.ok, () => false)) break;
      await sleep(50);
    }
    const call = async (method, path, body, token) => {
      const res = await fetch(base + path, {
        method,
        headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: body ? JSON.stringify(body) : undefined,
      });
      if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
      return res.json();
    };
    const { token } = await call('POST', '/auth/register', { email: 'bench@example.com', username: 'bench', password: 'a long bench password 42' });
    const team = await call('POST', '/teams', { type: 'O', name: 'bench', display_name: 'Bench' }, token);
    const channels = await call('GET', `/teams/${team.id}/channels`, undefined, token);
    const channel = (channels.items ?? channels.channels ?? channels).find((c) => c.name === 'town-square');
    let next = 0;
    const worker = async () => {
      while (next < posts) {
        const i = next++;
        await call('POST', `/channels/${channel.id}/posts`, { message: `message ${i} with a few words of text to search for later, #${i % 50}` }, token);
      }
    };
    // Server CPU (user + system, all threads) over the posting, from /proc/PID/stat in clock ticks.
    const cpuMs = () => {
      const f = readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1].split(' ');
      return ((Number(f[11]) + Number(f[12])) * 1000) / 100;
    };
    const cpu0 = cpuMs();
    const started = performance.now();
    await Promise.all([worker(), worker(), worker(), worker()]);
    const postMs = performance.now() - started;
    const cpuPerPost = (cpuMs() - cpu0) / posts;
    for (let i = 0; i < 5; i++) await call('GET', `/channels/${channel.id}/posts?limit=60`, undefined, token);
    await sleep(10_000);
    const r = { rss: kb(child.pid, 'VmRSS'), anon: kb(child.pid, 'RssAnon'), file: kb(child.pid, 'RssFile'), peak: kb(child.pid, 'VmHWM'), postMs, cpuPerPost };
    return r;
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    rmSync(dir, { recursive: true, force: true });
  }
}

const results = Object.fromEntries(binaries.map(([name]) => [name, []]));
const load = loadavg()[0];
for (let i = 0; i < runs; i++) {
  for (const [name, binary] of binaries) {
    const r = await once(binary);
    results[name].push(r);
    console.log(`${name} run ${i + 1}: idle RSS ${mb(r.rss)} (anonymous ${mb(r.anon)}, file-backed ${mb(r.file)}), peak ${mb(r.peak)}, ${posts} posts in ${(r.postMs / 1000).toFixed(1)} s, server CPU ${r.cpuPerPost.toFixed(2)} ms per post`);
  }
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(`\nload average ${load.toFixed(1)} at the start, ${loadavg()[0].toFixed(1)} at the end`);
console.log('| executable | idle RSS after posts + 10 s (median) | anonymous | file-backed | peak | server CPU per post |');
console.log('|---|---|---|---|---|---|');
for (const [name, binary] of binaries) {
  const rs = results[name];
  const version = execFileSync(binary, ['version']).toString().trim();
  console.log(`| ${name} (${version}) | **${mb(median(rs.map((r) => r.rss)))}** | ${mb(median(rs.map((r) => r.anon)))} | ${mb(median(rs.map((r) => r.file)))} | ${mb(median(rs.map((r) => r.peak)))} | ${median(rs.map((r) => r.cpuPerPost)).toFixed(2)} ms |`);
}
