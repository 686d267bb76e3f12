// What the server benchmarks share (bench-chat, bench-backup-stall, bench-embedded-reads): their
// options, percentiles, the load average, the server in its own process, a keep-alive HTTP
// client, CPU time from /proc and the seeded world of users, a team and channels. It imports
// TypeScript of ours: run the benches with tsx (their npm scripts do).
import { spawn } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { Agent, request as httpRequest } from 'node:http';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { newId } from '../src/ids.ts';
import { signSessionToken } from '../src/actions/tokens.ts';

/** The repository (the folder above scripts/). */
export const root = new URL('..', import.meta.url).pathname;

/** This process's command line: `opt('seconds', '10')` is the value after --seconds, `flag('binary')` whether --binary is there. */
export function cliArgs(argv = process.argv.slice(2)) {
  return {
    args: argv,
    opt: (name, def) => {
      const i = argv.indexOf(`--${name}`);
      return i >= 0 && argv[i + 1] ? argv[i + 1] : def;
    },
    flag: (name) => argv.includes(`--${name}`),
  };
}

export const log = (...a) => console.log(...a);

/** The p-th percentile (nearest rank, 0–100) of some numbers; NaN for none. */
export const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] : NaN;
};
/** One decimal; NaN for what is not a finite number (a maximum of nothing). */
export const r1 = (x) => (Number.isFinite(x) ? Math.round(x * 10) / 10 : NaN);
export const r2 = (x) => Math.round(x * 100) / 100;
/** The 1-minute load average, one decimal: the benches print it, as other work shares the machine. */
export const load = () => loadavg()[0].toFixed(1);

export const freePort = () =>
  new Promise((resolve, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });

/** This process's environment without any RUSTCHAT_ setting, plus `extra`. */
export const childEnv = (extra = {}) => ({ ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('RUSTCHAT_'))), ...extra });

/** The command that runs RustChat: `binary` (dist/rustchat), else the source of `tree` with tsx. */
export const rustchatCommand = (binary, tree = root) => (binary ? [binary === true ? join(tree, 'dist/rustchat') : binary, []] : [process.execPath, ['--import', 'tsx', join(tree, 'src/main.ts')]]);

/**
 * `serve` on a data directory in its own process, on a free port of 127.0.0.1, ready once
 * /api/v1/health/live answers. `env` is added to this environment without its RUSTCHAT_
 * settings; the per-user rate limit is off (one user makes the whole load). `output()` is the
 * last `keep` characters the server wrote; `echoStderr` also copies its stderr here.
 */
export async function startServer({ command, cwd = root, dataDir, env = {}, keep = 200_000, startTimeoutMs = 180_000, echoStderr = false }) {
  const port = await freePort();
  const [cmd, pre] = command;
  const proc = spawn(cmd, [...pre, 'serve', '--port', String(port), '--host', '127.0.0.1', '--data-dir', dataDir], {
    cwd,
    env: childEnv({ RUSTCHAT_RATE_LIMIT_PER_SECOND: '0', ...env }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout.on('data', (d) => (out = (out + d).slice(-keep)));
  proc.stderr.on('data', (d) => {
    out = (out + d).slice(-keep);
    if (echoStderr) process.stderr.write(d);
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + startTimeoutMs;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`server exited (${proc.exitCode}): ${out.slice(-4000)}`);
    try {
      if ((await fetch(`${url}/api/v1/health/live`)).ok) break;
    } catch {}
    if (Date.now() > deadline) {
      proc.kill('SIGKILL');
      throw new Error(`server did not start: ${out.slice(-4000)}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    url,
    pid: proc.pid,
    output: () => out,
    stop: () =>
      new Promise((resolve) => {
        if (proc.exitCode !== null) return resolve();
        proc.on('exit', () => resolve());
        proc.kill('SIGTERM');
        setTimeout(() => proc.kill('SIGKILL'), 15_000).unref();
      }),
  };
}

/**
 * A keep-alive HTTP/1.1 client on node:http: much less CPU per request than fetch, so the load
 * generator (which shares the machine with the server) takes as little as it can. A call
 * resolves with `{ status, bytes, text() }`.
 */
export function httpClient(base, headers) {
  const url = new URL(base);
  // Idle sockets go after 4 s, before the server's 5 s keep-alive timeout closes them under a request.
  const agent = new Agent({ keepAlive: true, maxSockets: 256, timeout: 4000 });
  return (method, path, body) =>
    new Promise((resolve, reject) => {
      const payload = body === undefined ? undefined : Buffer.from(body);
      const req = httpRequest({ host: url.hostname, port: url.port, method, path, agent, headers: payload ? { ...headers, 'content-length': payload.length } : headers }, (res) => {
        const chunks = [];
        let bytes = 0;
        res.on('data', (c) => {
          chunks.push(c);
          bytes += c.length;
        });
        res.on('end', () => resolve({ status: res.statusCode, bytes, text: () => Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(payload);
    });
}

/** CPU ms used so far by a process (user + system, all threads), from /proc; 0 if it is gone. */
export function procCpuMs(pid) {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    return ((Number(f[11]) + Number(f[12])) * 1000) / 100;
  } catch {
    return 0;
  }
}

/** CPU ms of every PostgreSQL process on this machine (backends, WAL writer, checkpointer…). */
export function postgresCpuMs() {
  let ms = 0;
  for (const p of readdirSync('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    try {
      if (readFileSync(`/proc/${p}/comm`, 'utf8').trim() === 'postgres') ms += procCpuMs(p);
    } catch {}
  }
  return ms;
}

/**
 * The world every server bench seeds with SQL through `q(sql, params)`: the user `bench` (with a
 * session, for a token) and 9 members, all in one team, and 10 public channels `bench-0`… with
 * all of them as members. No posts: each bench adds its own.
 */
export async function seedWorld(q) {
  const now = Date.now();
  const userId = newId();
  const sessionId = newId();
  const teamId = newId();
  await q(`insert into users (id, username, email, create_at, update_at) values ($1, 'bench', 'bench@example.com', $2, $2)`, [userId, now]);
  await q(`insert into sessions (id, user_id, create_at, expires_at, last_activity_at) values ($1, $2, $3, $4, $3)`, [sessionId, userId, now, now + 7 * 86_400_000]);
  await q(`insert into teams (id, name, display_name, invite_id, create_at, update_at) values ($1, 'bench', 'Bench', $2, $3, $3)`, [teamId, newId(), now]);
  for (let i = 0; i < 9; i++) await q(`insert into users (id, username, email, create_at, update_at) values ($1, $2, $3, $4, $4)`, [newId(), `member${i}`, `member${i}@example.com`, now]);
  await q(`insert into team_members (team_id, user_id, role, create_at) select $1, id, 'team_user', $2 from users`, [teamId, now]);
  const channels = [];
  for (let c = 0; c < 10; c++) {
    const id = newId();
    channels.push(id);
    await q(`insert into channels (id, team_id, type, name, display_name, create_at, update_at) values ($1, $2, 'O', $3, $3, $4, $4)`, [id, teamId, `bench-${c}`, now]);
    await q(`insert into channel_members (channel_id, user_id, create_at, last_update_at) select $1, id, $2, $2 from users`, [id, now]);
  }
  return { now, userId, sessionId, teamId, channels };
}

/** A bearer token for the seeded `bench` user's session, signed with the server's secret. */
export const benchToken = (secret, world) => signSessionToken({ jwtKey: new TextEncoder().encode(secret) }, world.sessionId, world.userId, Date.now());
