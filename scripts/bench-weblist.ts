// The web client in a long channel (issue 20, target 6), in Debian Chromium through playwright-core:
//  1. start a server (dist/rustchat when current, else the source; embedded PGlite, rate limits
//     off), register alice and bob, seed one channel with 1,000 messages through the API (authors
//     alternate in runs, some markdown);
//  2. alice opens the channel and scrolls to the top until every page is loaded (50 a page): the
//     long tasks (PerformanceObserver "longtask", > 50 ms) while each older page loads and renders;
//  3. with 1,000 messages loaded: the number of DOM elements in the document (loaded posts are
//     counted from the list's `data-loaded`, since a windowed list renders only some of them);
//  4. bob posts 20 times through the API, one at a time: time from the request being sent to the
//     post's element being in alice's DOM (median, max), and the longest task per message;
//  5. cached channel switch: town-square and back, from the click to the channel's newest post in
//     the DOM and a frame painted (median of 10).
//   npm run bench:weblist [-- --messages 1000] [-- --trace]
// --trace: records a Chromium performance trace (with the V8 sampling profiler) while the older
// pages load and prints what each long task was made of (scripts/trace-longtasks.ts); the tracing
// itself costs time, so take the numbers from runs without it.
import { writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, longTasks, TRACE_CATEGORIES } from './trace-longtasks.ts';
import { browserUnavailable, ensureWebBuilt, launch, logIn, openClient, startServer, useBinary } from '../web/test/harness.ts';

const args = process.argv.slice(2);
const opt = (name: string, def: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1]! : def;
};
const MESSAGES = Number(opt('messages', '1000'));
const TRACE = args.includes('--trace');
const NEW_POSTS = 20;
const SWITCHES = 10;
const PW = 'correct-horse-battery';
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[s.length >> 1]! : NaN;
};
const r0 = (x: number) => Math.round(x);

const why = browserUnavailable();
if (why) {
  console.error(`cannot run: ${why}`);
  process.exit(1);
}
const load0 = loadavg()[0]!;
await ensureWebBuilt();
const server = await startServer({ env: { RUSTCHAT_RATE_LIMIT_PER_SECOND: '0' } });
const browser = await launch();
try {
  const tokens: Record<string, string> = {};
  const api = async (who: string, method: string, path: string, body?: unknown) => {
    const res = await fetch(`${server.url}/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${tokens[who]}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const json = (await res.json()) as any;
    if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
    return json;
  };
  for (const u of ['alice', 'bob']) {
    const res = await fetch(`${server.url}/api/v1/auth/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: `${u}@example.com`, username: u, password: PW }) });
    const body = (await res.json()) as any;
    if (res.status !== 201) throw new Error(`register ${u}: ${JSON.stringify(body)}`);
    tokens[u] = body.token;
  }
  const team = await api('alice', 'POST', '/teams', { type: 'O', name: 'bench', display_name: 'Bench' });
  await api('bob', 'POST', `/teams/${team.id}/join`, { invite_id: team.invite_id });
  const chan = await api('alice', 'POST', '/channels', { team_id: team.id, name: 'long', display_name: 'Long', type: 'public' });
  await api('bob', 'POST', `/channels/${chan.id}/join`);

  const words = 'the quick brown fox jumps over the lazy dog while we ship release notes and fix bugs in the deploy pipeline before the review meeting'.split(' ');
  const t0 = Date.now();
  let who = 'alice';
  for (let i = 0; i < MESSAGES; i++) {
    if (i % 3 === 0 && (i * 7) % 5 < 3) who = who === 'alice' ? 'bob' : 'alice';
    let message = Array.from({ length: 6 + ((i * 13) % 30) }, (_, j) => words[(i * 7 + j * 3) % words.length]).join(' ');
    if (i % 7 === 0) message = `**${message}** with \`code\` and a [link](https://example.com/${i})`;
    if (i % 11 === 0) message += `\n- one\n- two\n- three`;
    if (i % 17 === 0) message += `\n\`\`\`\nconst x = ${i};\n\`\`\``;
    await api(who, 'POST', `/channels/${chan.id}/posts`, { message: `#${i} ${message}` });
  }
  const seedMs = Date.now() - t0;

  const A = await openClient(browser, server.url);
  const page = A.page;
  await logIn(page, 'alice', PW);
  await page.waitForURL('**/bench/channels/town-square');
  // Long tasks from here on, with the time they started.
  await page.evaluate(`(() => {
    window.__long = [];
    new PerformanceObserver((l) => { for (const e of l.getEntries()) window.__long.push([e.startTime, e.duration]); }).observe({ type: 'longtask', buffered: true });
  })()`);
  await page.click('a[data-channel="long"]');
  await page.waitForURL('**/bench/channels/long');
  await page.locator('.messages .post[data-post-id]').first().waitFor();
  await page.waitForTimeout(500);

  // 2. scroll to the top until the start of the channel shows.
  // Loaded posts: the list says how many it holds (`data-loaded`; a windowed list renders only
  // some); an older client without it: the posts in the DOM.
  const count = () => page.evaluate(`(() => { const m = document.querySelector('.messages'); return m && m.dataset.loaded ? Number(m.dataset.loaded) : document.querySelectorAll('.messages .post[data-post-id]').length; })()`) as Promise<number>;
  const rendered = () => page.evaluate(`document.querySelectorAll('.messages .post[data-post-id]').length`) as Promise<number>;
  const perPage: { posts: number; longest: number; long: number; ms: number }[] = [];
  if (TRACE) await browser.startTracing(page, { categories: TRACE_CATEGORIES });
  for (let guard = 0; guard < 100; guard++) {
    if (await page.locator('.channel-start').count()) break;
    const before = await count();
    if (TRACE) await page.evaluate(`performance.mark('older-page-${perPage.length + 1}')`);
    const mark = (await page.evaluate('performance.now()')) as number;
    await page.evaluate(`document.querySelector('.messages').scrollTop = 0`);
    const deadline = Date.now() + 15_000;
    while ((await count()) === before && Date.now() < deadline) await page.waitForTimeout(20);
    const done = (await page.evaluate('new Promise((r) => requestAnimationFrame(() => setTimeout(() => r(performance.now()), 0)))')) as number;
    await page.waitForTimeout(150);
    const long = ((await page.evaluate('window.__long')) as [number, number][]).filter(([t]) => t >= mark);
    perPage.push({ posts: await count(), longest: long.reduce((m, [, d]) => Math.max(m, d), 0), long: long.length, ms: done - mark });
    // Leave the top so the next scroll to 0 is a new scroll event.
    await page.evaluate(`document.querySelector('.messages').scrollTop = 400`);
    await page.waitForTimeout(50);
  }
  const loaded = await count();
  const traced = TRACE ? await browser.stopTracing() : undefined;

  // 3. DOM size with everything loaded, scrolled to the bottom.
  await page.evaluate(`(() => { const m = document.querySelector('.messages'); m.scrollTop = m.scrollHeight; })()`);
  await page.waitForTimeout(300);
  const dom = (await page.evaluate(`document.getElementsByTagName('*').length`)) as number;
  const listDom = (await page.evaluate(`document.querySelector('.messages').getElementsByTagName('*').length`)) as number;
  const inDom = await rendered();

  // 4. bob posts; time until the element is in alice's DOM.
  const arrive: number[] = [];
  const longest: number[] = [];
  for (let i = 0; i < NEW_POSTS; i++) {
    const token = `newmsg${i}x${Date.now().toString(36)}`;
    await page.evaluate(`(() => {
      window.__seen = new Promise((resolve) => {
        const o = new MutationObserver((muts) => {
          for (const m of muts) for (const n of m.addedNodes) {
            if (n.nodeType === 1 && n.textContent.includes(${JSON.stringify(token)})) { o.disconnect(); resolve(performance.timeOrigin + performance.now()); return; }
          }
        });
        o.observe(document.querySelector('.messages'), { childList: true, subtree: true });
      });
    })()`);
    const mark = (await page.evaluate('performance.now()')) as number;
    const sent = Date.now();
    await api('bob', 'POST', `/channels/${chan.id}/posts`, { message: `${token} a new message from bob` });
    const seen = (await page.evaluate('window.__seen')) as number;
    arrive.push(seen - sent);
    await page.waitForTimeout(400);
    const long = ((await page.evaluate('window.__long')) as [number, number][]).filter(([t]) => t >= mark);
    longest.push(long.reduce((m, [, d]) => Math.max(m, d), 0));
  }

  // 5. cached channel switch: away to town-square, back to long.
  const newest = (await page.evaluate(`[...document.querySelectorAll('.messages .post[data-post-id]')].pop().dataset.postId`)) as string;
  const switches: number[] = [];
  for (let i = 0; i < SWITCHES; i++) {
    await page.click('a[data-channel="town-square"]');
    await page.waitForURL('**/bench/channels/town-square');
    await page.waitForTimeout(400);
    const ms = (await page.evaluate(`new Promise((resolve) => {
      const t0 = performance.now();
      document.querySelector('a[data-channel="long"]').click();
      const poll = () => {
        if (document.querySelector('.messages .post[data-post-id="${newest}"]')) requestAnimationFrame(() => setTimeout(() => resolve(performance.now() - t0), 0));
        else requestAnimationFrame(poll);
      };
      poll();
    })`)) as number;
    switches.push(ms);
    await page.waitForTimeout(300);
  }
  const switchedCount = await count();
  if (A.problems.length) console.error('page problems:', A.problems);
  await A.ctx.close();

  const worst = perPage.reduce((m, p) => Math.max(m, p.longest), 0);
  console.log(`load average ${load0.toFixed(2)} at start, ${loadavg()[0]!.toFixed(2)} at end; node ${process.version}; server ${useBinary() ? 'dist/rustchat' : 'from source'}; seeded ${MESSAGES} messages in ${(seedMs / 1000).toFixed(1)} s\n`);
  console.log('| measure | value | target |');
  console.log('|---|---|---|');
  console.log(`| messages loaded (scrolled to the start) | ${loaded} | 1,000 |`);
  console.log(`| DOM elements, whole document | ${dom.toLocaleString('en')} | ≤ 5,000 |`);
  console.log(`| DOM elements in the message list | ${listDom.toLocaleString('en')} | |`);
  console.log(`| posts in the DOM (of ${loaded} loaded) | ${inDom} | |`);
  console.log(`| new message from another user in the DOM, median (max) of ${NEW_POSTS} | ${r0(median(arrive))} ms (${r0(Math.max(...arrive))} ms) | ≤ 50 ms |`);
  console.log(`| longest task per new message, median (max) | ${r0(median(longest))} ms (${r0(Math.max(...longest))} ms) | |`);
  console.log(`| cached channel switch, median (max) of ${SWITCHES} | ${r0(median(switches))} ms (${r0(Math.max(...switches))} ms) | ≤ 100 ms |`);
  console.log(`| posts in the list after switching back | ${switchedCount} | |`);
  console.log(`| longest task while an older page loads, worst of ${perPage.length} pages | ${r0(worst)} ms | no frame over 50 ms |`);
  if (traced) {
    // Which page each long task belongs to: the user-timing marks set before each scroll.
    const marks = (JSON.parse(String(traced)).traceEvents as { name: string; ts: number; cat?: string }[])
      .filter((e) => /^older-page-\d+$/.test(e.name) && e.cat?.includes('user_timing'))
      .map((e) => [Number(e.name.slice(11)), e.ts] as const)
      .sort((a, b) => a[1] - b[1]);
    const tasks = longTasks(traced, 50);
    const file = join(tmpdir(), `bench-weblist-trace-${process.pid}.json`);
    writeFileSync(file, traced);
    console.log(`\ntrace written to ${file} (opens in the browser's Performance panel)`);
    console.log(`\ntrace: ${tasks.length} renderer main-thread tasks over 50 ms while the older pages loaded`);
    for (const t of tasks) {
      const page = [...marks].reverse().find(([, ts]) => ts <= t.ts)?.[0];
      console.log(`page ${page ?? '?'} (${page ? perPage[page - 1]?.posts : '?'} posts):\n${describe(t)}`);
    }
  }
  console.log(`\nper older page: ${perPage.map((p) => `${p.posts} posts: longest ${r0(p.longest)} ms (${p.long} long tasks), ${r0(p.ms)} ms to render`).join('; ')}`);
} finally {
  await browser.close();
  await server.stop();
}
