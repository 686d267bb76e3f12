/**
 * The cost of the Mattermost adapter: the same operations through /api/v1 and /api/v4, in
 * process (app.request, no sockets), on PGlite or on PostgreSQL (RUSTCHAT_TEST_DATABASE_URL).
 * Sequential requests, v1 and v4 alternating; reports p50/p99 per route and the v4/v1 ratio.
 *   node --import tsx scripts/bench-mattermost.ts [N]
 */
import { testApp } from '../test/app.ts';
import { fxChannel, fxTeam, fxUser } from '../test/fixtures.ts';

const N = Number(process.argv[2] ?? 300);
const t = await testApp();
const u = await fxUser(t.deps);
const team = await fxTeam(t.deps, u);
const ch = await fxChannel(t.deps, team.id, u);

function pct(xs: number[], p: number) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}
/** Runs the two routes alternately (same machine state for both), after a warm-up. */
async function pair(name: string, v1: (i: number) => Promise<{ status: number }>, v4: (i: number) => Promise<{ status: number }>, ok: number) {
  for (let i = 0; i < 30; i++) {
    await v1(-1 - i);
    await v4(-1 - i);
  }
  const a: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < N; i++) {
    for (const [fn, out] of [[v1, a], [v4, b]] as const) {
      const t0 = performance.now();
      const r = await fn(i);
      out.push(performance.now() - t0);
      if (r.status !== ok) throw new Error(`${name}: ${r.status}`);
    }
  }
  return [
    { label: `v1 ${name}`, p50: pct(a, 50), p99: pct(a, 99) },
    { label: `v4 ${name}`, p50: pct(b, 50), p99: pct(b, 99) },
  ];
}

const results = [
  ...(await pair(
    'create post',
    (i) => t.req('POST', `/api/v1/channels/${ch.id}/posts`, { token: u.token, body: { message: `v1 ${i}` } }),
    (i) => t.req('POST', '/api/v4/posts', { token: u.token, body: { channel_id: ch.id, message: `v4 ${i}` } }),
    201,
  )),
  ...(await pair(
    'history 60',
    () => t.req('GET', `/api/v1/channels/${ch.id}/posts?limit=60`, { token: u.token }),
    () => t.req('GET', `/api/v4/channels/${ch.id}/posts?page=0&per_page=60`, { token: u.token }),
    200,
  )),
];
const db = process.env.RUSTCHAT_TEST_DATABASE_URL ? 'postgresql' : 'pglite';
for (const r of results) console.log(`${db}\t${r.label.padEnd(16)}\tp50 ${r.p50.toFixed(2)} ms\tp99 ${r.p99.toFixed(2)} ms`);
const ratio = (a: string, b: string) => {
  const x = results.find((r) => r.label === a)!;
  const y = results.find((r) => r.label === b)!;
  return `${(x.p50 / y.p50).toFixed(2)}x p50, ${(x.p99 / y.p99).toFixed(2)}x p99`;
};
console.log(`${db}\tv4/v1 create: ${ratio('v4 create post', 'v1 create post')}; history: ${ratio('v4 history 60', 'v1 history 60')}`);
await t.close();
