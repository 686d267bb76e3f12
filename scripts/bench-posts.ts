// Post creation, channel history and search, measured against a server in its own process
// (issue 3 "Benchmarks"; results in docs/benchmarks.md).
//   node --import tsx scripts/bench-posts.ts [pglite|postgres] [seconds-per-rate]
// postgres uses RUSTCHAT_BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres)
// to create and drop a scratch database. Seeds 100,000 posts in one channel and 100,000 more in
// nine others (200,000 searchable) with SQL before the server starts, then:
//  1. POST /api/v1/channels/:id/posts at fixed rates (open loop), p50/p99/errors, and the same
//     rows inserted with a bare INSERT through the driver at the same rate, for the ratio;
//  2. GET /api/v1/channels/:id/posts?limit=60 (newest page and random `before` pages);
//  3. GET /api/v1/search?q=… with one or two words from the seeded vocabulary.
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import postgres from 'postgres';
import type { Db } from '../src/db/driver.ts';
import { openPglite } from '../src/db/pglite.ts';
import { openPostgres } from '../src/db/postgres.ts';
import { migrate } from '../src/db/migrate.ts';
import { newId } from '../src/ids.ts';
import { signSessionToken } from '../src/actions/tokens.ts';
import { spawnServer, tempDir } from '../test/process.ts';

const kind = (process.argv[2] ?? 'pglite') as 'pglite' | 'postgres';
const seconds = Number(process.argv[3] ?? 10);
const RATES = [100, 500, 1000];
const HISTORY_POSTS = 100_000;
const SEARCH_POSTS = 200_000;
const secret = randomBytes(24).toString('hex');
const WORDS = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel', 'india', 'juliet', 'kilo', 'lima', 'mike', 'november', 'oscar', 'papa', 'quebec', 'romeo', 'sierra', 'tango', 'uniform', 'victor', 'whiskey', 'xray', 'yankee', 'zulu', 'deploy', 'release', 'incident', 'review', 'budget', 'meeting', 'customer', 'database', 'frontend', 'backend', 'latency', 'outage', 'roadmap', 'invoice'];

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] : NaN;
};
const fmt = (x: number) => (Number.isFinite(x) ? x.toFixed(1) : '-');

async function seed(db: Db) {
  await migrate(db);
  const now = Date.now();
  const userId = newId();
  const sessionId = newId();
  const teamId = newId();
  await db.query(`insert into users (id, username, email, roles, create_at, update_at) values ($1, 'bench', 'bench@example.com', 'system_user', $2, $2)`, [userId, now]);
  await db.query(`insert into sessions (id, user_id, create_at, expires_at, last_activity_at) values ($1, $2, $3, $4, $3)`, [sessionId, userId, now, now + 86_400_000]);
  await db.query(`insert into teams (id, name, display_name, invite_id, create_at, update_at) values ($1, 'bench', 'Bench', $2, $3, $3)`, [teamId, newId(), now]);
  await db.query(`insert into team_members (team_id, user_id, role, create_at) values ($1, $2, 'team_admin', $3)`, [teamId, userId, now]);
  // Nine other members, so each post has a realistic recipient list and mention lookups.
  for (let i = 0; i < 9; i++) {
    const id = newId();
    await db.query(`insert into users (id, username, email, create_at, update_at) values ($1, $2, $3, $4, $4)`, [id, `member${i}`, `member${i}@example.com`, now]);
  }
  const channels: string[] = [];
  for (let c = 0; c < 10; c++) {
    const id = newId();
    channels.push(id);
    await db.query(`insert into channels (id, team_id, type, name, display_name, create_at, update_at) values ($1, $2, 'O', $3, $3, $4, $4)`, [id, teamId, `bench-${c}`, now]);
    await db.query(`insert into channel_members (channel_id, user_id, create_at, last_update_at) select $1, id, $2, $2 from users`, [id, now]);
  }
  const words = `array[${WORDS.map((w) => `'${w}'`).join(',')}]`;
  const pick = `(${words})[1 + floor(random() * ${WORDS.length})::int]`;
  const insertPosts = async (channelId: string, n: number, start: number) => {
    // Ids: 26 chars from md5 (not the real alphabet, but the same shape and uniqueness).
    await db.query(
      `insert into posts (id, channel_id, user_id, message, create_at, update_at)
       select substr(md5($1 || ($3::bigint + g)::text), 1, 26), $1, $2,
              ${pick} || ' ' || ${pick} || ' ' || ${pick} || ' ' || ${pick} || ' ' || ${pick} || ' ' || ${pick} || ' msg ' || g::text,
              $3::bigint + g, $3::bigint + g
       from generate_series(1, $4::int) g`,
      [channelId, userId, start, n],
    );
  };
  const t0 = Date.now();
  for (let off = 0; off < HISTORY_POSTS; off += 20_000) await insertPosts(channels[0], 20_000, now - 10_000_000 + off);
  const perOther = Math.ceil((SEARCH_POSTS - HISTORY_POSTS) / 9);
  for (let c = 1; c < 10; c++) await insertPosts(channels[c], perOther, now - 10_000_000 + c * 1_000_000);
  await db.query('update channels set total_msg_count = (select count(*) from posts where channel_id = channels.id), total_msg_count_root = (select count(*) from posts where channel_id = channels.id)');
  await db.exec('analyze');
  console.log(`seeded ${SEARCH_POSTS} posts in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  return { userId, sessionId, teamId, channels };
}

/** Sends `rate` requests per second for `seconds` on a fixed schedule; latencies in ms. */
async function openLoop(rate: number, secs: number, fn: (i: number) => Promise<boolean>) {
  const lat: number[] = [];
  let errors = 0;
  const total = rate * secs;
  const start = performance.now();
  const pending: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const due = start + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    pending.push(
      (async () => {
        // Latency from the scheduled time (includes any queueing the client could not avoid).
        try {
          if (!(await fn(i))) errors++;
        } catch (e) {
          errors++;
          if (errors <= 3) console.log(`  (request failed: ${(e as Error).message})`);
        }
        lat.push(performance.now() - due);
      })(),
    );
  }
  await Promise.all(pending);
  const elapsed = (performance.now() - start) / 1000;
  return { p50: pct(lat, 50), p99: pct(lat, 99), errors, achieved: total / elapsed };
}

async function main() {
  let url: string | undefined;
  let dropDb: (() => Promise<void>) | undefined;
  const dataDir = tempDir('rustchat-bench-');
  let db: Db;
  if (kind === 'postgres') {
    const base = process.env.RUSTCHAT_BENCH_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
    const name = `rc_bench_${randomBytes(4).toString('hex')}`;
    const admin = postgres(base, { max: 1, onnotice: () => {} });
    await admin.unsafe(`create database ${name}`);
    const u = new URL(base);
    u.pathname = `/${name}`;
    url = u.toString();
    dropDb = async () => {
      await admin.unsafe(`drop database if exists ${name} with (force)`);
      await admin.end();
    };
    db = await openPostgres(url, { poolSize: 20 });
  } else {
    db = await openPglite({ dataDir: join(dataDir, 'pg') });
  }
  let world: Awaited<ReturnType<typeof seed>>;
  try {
    world = await seed(db);
  } catch (e) {
    await db.close();
    await dropDb?.();
    throw e;
  }

  // Baseline: the same rows through a bare INSERT on the driver, at the same rates.
  const baseline: Record<number, Awaited<ReturnType<typeof openLoop>>> = {};
  for (const rate of RATES) {
    baseline[rate] = await openLoop(rate, seconds, async (i) => {
      await db.query(`insert into posts (id, channel_id, user_id, message, create_at, update_at) values ($1, $2, $3, $4, $5, $5)`, [newId(), world.channels[1], world.userId, `baseline ${rate} ${i}`, Date.now()]);
      return true;
    });
  }
  await db.close();

  const server = await spawnServer({
    dataDir,
    env: { RUSTCHAT_DATABASE_URL: url, RUSTCHAT_JWT_SECRET: secret, RUSTCHAT_DATABASE_POOL_SIZE: '20' },
    timeoutMs: 120_000,
  }).catch(async (e) => {
    await dropDb?.();
    throw e;
  });
  const token = await signSessionToken({ jwtKey: new TextEncoder().encode(secret) } as any, world.sessionId, world.userId, Date.now());
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  const api = (path: string, init?: RequestInit) => fetch(`${server.url}/api/v1${path}`, { ...init, headers });

  try {
    const warm = await api(`/channels/${world.channels[2]}/posts`, { method: 'POST', body: JSON.stringify({ message: 'warm up @member1' }) });
    if (warm.status !== 201) throw new Error(`warm-up post failed: ${warm.status} ${await warm.text()}`);
    // History: newest page and pages at random depths of a 100,000-post channel.
    const lat: number[] = [];
    const ids: string[] = [];
    let cursor: string | null = null;
    for (let i = 0; i < 50; i++) {
      const res = await api(`/channels/${world.channels[0]}/posts?limit=200${cursor ? `&before=${cursor}` : ''}`);
      const body = (await res.json()) as any;
      ids.push(...body.items.map((p: any) => p.id));
      cursor = body.next_cursor;
    }
    for (let i = 0; i < 300; i++) {
      const before = i % 3 === 0 ? '' : `&before=${ids[Math.floor(Math.random() * ids.length)]}`;
      const t0 = performance.now();
      const res = await api(`/channels/${world.channels[0]}/posts?limit=60${before}`);
      const body = (await res.json()) as any;
      lat.push(performance.now() - t0);
      if (res.status !== 200 || body.items.length !== 60) throw new Error(`history: ${res.status}`);
    }
    console.log(`\n## ${kind}: history, 60 posts, channel of ${HISTORY_POSTS} posts (300 sequential requests)`);
    console.log(`p50 ${fmt(pct(lat, 50))} ms, p99 ${fmt(pct(lat, 99))} ms`);

    const slat: number[] = [];
    let hits = 0;
    for (let i = 0; i < 200; i++) {
      const w1 = WORDS[Math.floor(Math.random() * 26)];
      const w2 = WORDS[26 + Math.floor(Math.random() * (WORDS.length - 26))];
      const q = i % 2 ? `${w1} ${w2}` : `"${w1} ${w2}"`;
      const t0 = performance.now();
      const res = await api(`/search?q=${encodeURIComponent(q)}&team_id=${world.teamId}`);
      const body = (await res.json()) as any;
      slat.push(performance.now() - t0);
      if (res.status !== 200) throw new Error(`search: ${res.status} ${JSON.stringify(body)}`);
      hits += body.items.length;
    }
    console.log(`\n## ${kind}: search over ${SEARCH_POSTS} posts (200 sequential queries, two words or a phrase, 20 results)`);
    console.log(`p50 ${fmt(pct(slat, 50))} ms, p99 ${fmt(pct(slat, 99))} ms, mean results ${(hits / 200).toFixed(1)}`);

    // Creation last: at rates above what the host sustains, the server is still draining its
    // backlog after the client gives up, which would slow anything measured after it.
    console.log(`\n## ${kind}: post creation (${seconds} s per rate; server ${server.proc.pid ? 'in its own process' : ''})`);
    console.log('| rate/s | achieved/s | p50 ms | p99 ms | errors | bare INSERT p50 | bare INSERT p99 | p99 ratio |');
    console.log('|---|---|---|---|---|---|---|---|');
    const failures = new Map<string, number>();
    for (const rate of RATES) {
      const r = await openLoop(rate, seconds, async (i) => {
        const res = await api(`/channels/${world.channels[2 + (i % 8)]}/posts`, { method: 'POST', body: JSON.stringify({ message: `bench ${rate} ${i} hello @member${i % 9}`, client_msg_id: `b-${rate}-${i}` }) });
        const text = await res.text();
        if (res.status !== 201) failures.set(`${res.status} ${text.slice(0, 120)}`, (failures.get(`${res.status} ${text.slice(0, 120)}`) ?? 0) + 1);
        return res.status === 201;
      });
      const b = baseline[rate];
      await new Promise((r) => setTimeout(r, 3000)); // let the server drain before the next rate
      for (const [k, n] of failures) console.log(`  (errors at ${rate}/s: ${n} × ${k})`);
      failures.clear();
      console.log(`| ${rate} | ${r.achieved.toFixed(0)} | ${fmt(r.p50)} | ${fmt(r.p99)} | ${r.errors} | ${fmt(b.p50)} | ${fmt(b.p99)} | ${(r.p99 / b.p99).toFixed(1)} |`);
    }

  } finally {
    await server.stop();
    await dropDb?.();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
