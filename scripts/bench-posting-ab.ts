// Embedded posting, executables side by side (issue 20 target 1; docs/benchmarks.md, "Embedded
// posting: file sizes kept in memory"). Two or more builds serve copies of one seeded data
// directory and get the same open-loop load at the same moments (each request goes to every
// server), so a busy machine slows them alike; server CPU per post (user + system from /proc) is
// compared round by round. bench:chat measures one build at a time, and on a shared machine its
// sequential runs swing by more than the differences looked for here.
//
//   npm run bench:posting-ab -- [--rounds 6] [--rate 100] [--seconds 10] label=path/to/rustchat label=path/to/other
//
// Seed: 10 users in a team, 10 public channels with all of them, 200,000 posts (100,000 in one
// channel); every measured post mentions a member (an offline email row), as in bench:chat.
import { spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { openPglite } from '../src/db/pglite.ts';
import { migrate } from '../src/db/migrate.ts';
import { newId } from '../src/ids.ts';
import { signSessionToken } from '../src/actions/tokens.ts';

const args = process.argv.slice(2);
const opt = (name: string, def: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1]! : def;
};
const ROUNDS = Number(opt('rounds', '6'));
const RATE = Number(opt('rate', '100'));
const SECONDS = Number(opt('seconds', '10'));
const targets = args.filter((a) => /^[\w.-]+=/.test(a));
if (targets.length < 2) throw new Error('give at least two label=executable pairs');
const WORDS = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel', 'india', 'juliet', 'kilo', 'lima', 'mike', 'deploy', 'release', 'incident', 'review', 'budget'];

const base = mkdtempSync(join(tmpdir(), 'rustchat-bench-posting-ab-'));
const seedDir = join(base, 'seed');
mkdirSync(seedDir);
{
  const dir = seedDir;
  const db = await openPglite({ dataDir: join(dir, 'pg'), flushIntervalMs: 1000 });
  await migrate(db);
  const now = Date.now();
  const userId = newId();
  const teamId = newId();
  await db.query(`insert into users (id, username, email, create_at, update_at) values ($1, 'bench', 'bench@example.com', $2, $2)`, [userId, now]);
  await db.query(`insert into teams (id, name, display_name, invite_id, create_at, update_at) values ($1, 'bench', 'Bench', $2, $3, $3)`, [teamId, newId(), now]);
  for (let i = 0; i < 9; i++) await db.query(`insert into users (id, username, email, create_at, update_at) values ($1, $2, $3, $4, $4)`, [newId(), `member${i}`, `member${i}@example.com`, now]);
  await db.query(`insert into team_members (team_id, user_id, role, create_at) select $1, id, 'team_user', $2 from users`, [teamId, now]);
  const channels: string[] = [];
  for (let c = 0; c < 10; c++) {
    const id = newId();
    channels.push(id);
    await db.query(`insert into channels (id, team_id, type, name, display_name, create_at, update_at) values ($1, $2, 'O', $3, $3, $4, $4)`, [id, teamId, `bench-${c}`, now]);
    await db.query(`insert into channel_members (channel_id, user_id, create_at, last_update_at) select $1, id, $2, $2 from users`, [id, now]);
  }
  const words = `array[${WORDS.map((w) => `'${w}'`).join(',')}]`;
  const pick = `(${words})[1 + floor(random() * ${WORDS.length})::int]`;
  const message = Array.from({ length: 6 }, () => pick).join(` || ' ' || `);
  for (let c = 0; c < 10; c++)
    await db.query(
      `insert into posts (id, channel_id, user_id, message, create_at, update_at)
       select substr(md5($1 || ($3::int8 + g)::text), 1, 26), $1, $2, ${message} || ' msg ' || g::text, $3::int8 + g, $3::int8 + g
       from generate_series(1, $4::int) g`,
      [channels[c], userId, now - 10_000_000 + c * 1_000_000, c === 0 ? 100_000 : 11_112],
    );
  await db.query('update channels set total_msg_count = (select count(*) from posts where channel_id = channels.id), total_msg_count_root = (select count(*) from posts where channel_id = channels.id)');
  await db.query('update channel_members set msg_count = c.total_msg_count, msg_count_root = c.total_msg_count_root from channels c where c.id = channel_members.channel_id');
  await db.exec('analyze');
  await db.close();
}
const secret = randomBytes(24).toString('hex');
const db = await openPglite({ dataDir: join(base, 'seed', 'pg') });
const [{ id: userId }] = await db.query<{ id: string }>(`select id from users where username = 'bench'`);
const channels = (await db.query<{ id: string }>(`select id from channels order by name`)).map((r) => r.id);
const sessionId = newId();
const now = Date.now();
await db.query(`insert into sessions (id, user_id, create_at, expires_at, last_activity_at) values ($1, $2, $3, $4, $3)`, [sessionId, userId, now, now + 7 * 86_400_000]);
await db.close();
const token = await signSessionToken({ jwtKey: new TextEncoder().encode(secret) } as never, sessionId, userId!, Date.now());

const freePort = () =>
  new Promise<number>((res) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => res(p));
    });
  });
/** CPU ms used so far by a process (user + system, all threads), from /proc. */
const cpuMs = (pid: number) => {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const x = f.slice(f.lastIndexOf(')') + 2).split(' ');
  return ((Number(x[11]) + Number(x[12])) * 1000) / 100;
};
const loadavg = () => readFileSync('/proc/loadavg', 'utf8').split(' ')[0];
const servers: { label: string; pid: number; proc: ReturnType<typeof spawn>; post: (body: string) => Promise<number> }[] = [];
for (const t of targets) {
  const [label, bin] = t.split('=');
  const dir = join(base, label!);
  cpSync(join(base, 'seed'), dir, { recursive: true });
  const port = await freePort();
  const env = { ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('RUSTCHAT_'))), RUSTCHAT_JWT_SECRET: secret, RUSTCHAT_LOG_LEVEL: 'warn', RUSTCHAT_RATE_LIMIT_PER_SECOND: '0' };
  const proc = spawn(bin!, ['serve', '--port', String(port), '--host', '127.0.0.1', '--data-dir', dir], { env, stdio: ['ignore', 'ignore', 'inherit'] });
  const url = `http://127.0.0.1:${port}`;
  for (;;) {
    try {
      if ((await fetch(`${url}/api/v1/health/live`)).ok) break;
    } catch {}
    await new Promise((r) => setTimeout(r, 200));
  }
  const agent = new Agent({ keepAlive: true, maxSockets: 256, timeout: 4000 });
  // A request that fails (a keep-alive socket reset) counts as an error, not a crash.
  const post = (body: string) =>
    new Promise<number>((resolve) => {
      const payload = Buffer.from(body);
      const path = `/api/v1/channels/${channels[2 + Math.floor(Math.random() * 8)]}/posts`;
      const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'content-length': payload.length };
      const req = request({ host: '127.0.0.1', port, method: 'POST', path, agent, headers }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode!));
        res.on('error', () => resolve(0));
      });
      req.on('error', () => resolve(0));
      req.end(payload);
    });
  servers.push({ label: label!, pid: proc.pid!, proc, post });
}
const load = async (rate: number, seconds: number, tag: string) => {
  const total = rate * seconds;
  const start = performance.now();
  const pending: Promise<unknown>[] = [];
  let bad = 0;
  const lat: number[][] = servers.map(() => []);
  for (let i = 0; i < total; i++) {
    const at = start + (i * 1000) / rate;
    const wait = at - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const body = JSON.stringify({ message: `${tag} ${i} hello @member${i % 9}`, client_msg_id: `${tag}-${i}` });
    servers.forEach((s, k) =>
      pending.push(
        s.post(body).then((st) => {
          lat[k]!.push(performance.now() - at);
          if (st !== 201) bad++;
        }),
      ),
    );
  }
  await Promise.all(pending);
  return { bad, p50: lat.map((l) => l.sort((a, b) => a - b)[Math.floor(l.length / 2)]!.toFixed(1)) };
};
// Warm-up, not measured (as bench:chat): keep-alive sockets, prepared statements, optimised code.
await load(300, 3, 'warm');
const results: Record<string, number[]> = {};
for (let r = 0; r < ROUNDS; r++) {
  const c0 = servers.map((s) => cpuMs(s.pid));
  const l0 = loadavg();
  const { bad, p50 } = await load(RATE, SECONDS, `r${r}`);
  const c1 = servers.map((s) => cpuMs(s.pid));
  const l1 = loadavg();
  const per = servers.map((_, k) => (c1[k]! - c0[k]!) / (RATE * SECONDS));
  servers.forEach((s, k) => (results[s.label] ??= []).push(per[k]!));
  console.log(`round ${r} load ${l0}->${l1} bad ${bad} ` + servers.map((s, k) => `${s.label} ${per[k]!.toFixed(2)} ms/post (p50 ${p50[k]} ms)`).join(' | '));
}
const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
console.log('median ' + Object.entries(results).map(([k, v]) => `${k} ${med(v).toFixed(2)}`).join(' | '));
for (const s of servers) s.proc.kill('SIGTERM');
await new Promise((r) => setTimeout(r, 3000));
rmSync(base, { recursive: true, force: true });
process.exit(0);
