/**
 * Private services for the fault suite: a PostgreSQL cluster of the test's own (initdb in a temp
 * directory, the postmaster on a free port) that a test may kill -9 and restart, never the
 * machine's shared one. Redis has its twin in test/realtime.ts (PrivateRedis).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chownSync, closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, rmSync, statfsSync, writeSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';

/** The newest PostgreSQL server binaries on this machine (Debian puts them outside PATH). */
export const PG_BIN = (() => {
  const base = '/usr/lib/postgresql';
  if (!existsSync(base)) return undefined;
  const versions = readdirSync(base)
    .filter((v) => existsSync(join(base, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return versions.length ? join(base, versions[0], 'bin') : undefined;
})();

/**
 * A case that cannot run on this machine (no PostgreSQL server binaries, no redis-server). Outside
 * CI it is skipped, saying why; under CI (`CI=true`, which .ci/run sets) it fails instead, so a CI
 * machine that lost a binary cannot report the fault suite green without running it. (The
 * disk-full cases' missing tmpfs is a skip everywhere: the issue allows it.)
 */
export function skipCase(reason: string): void {
  if (/^(1|true)$/i.test(process.env.CI ?? '')) throw new Error(`${reason} (CI is set: the fault suite must run here, not skip)`);
  console.log(`[skip] ${reason}`);
}

/** initdb and the postmaster refuse to run as root: as root, they run as the `postgres` user. */
function runAs(): { uid: number; gid: number } | undefined {
  if (userInfo().uid !== 0) return undefined;
  const r = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
  const g = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
  if (r.status !== 0 || g.status !== 0) throw new Error('running as root and there is no postgres user for initdb');
  return { uid: Number(r.stdout.trim()), gid: Number(g.stdout.trim()) };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** A deadline for Promise.race: unref'd, so one that lost the race does not keep the test process alive. */
const deadline = (ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref());

/** A PostgreSQL cluster of this test's own: start, kill -9, restart on the same port and data. */
export class PrivatePostgres {
  proc: ChildProcess | null = null;
  private log = '';
  private constructor(
    readonly dir: string,
    readonly port: number,
    private readonly user: { uid: number; gid: number } | undefined,
  ) {}

  /** The database the server uses (created at the first start). */
  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/rustchat`;
  }
  get adminUrl(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }
  get dataDir(): string {
    return join(this.dir, 'data');
  }

  /** initdb in a new temp directory under `parent` (the cluster is not started yet). */
  static async create(port: number, parent = tmpdir()): Promise<PrivatePostgres> {
    if (!PG_BIN) throw new Error('PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin');
    const user = runAs();
    const dir = mkdtempSync(join(parent, 'rustchat-fault-pg-'));
    mkdirSync(join(dir, 'data'), { mode: 0o700 });
    mkdirSync(join(dir, 'sock'));
    if (user) for (const p of [dir, join(dir, 'data'), join(dir, 'sock')]) chownSync(p, user.uid, user.gid);
    const r = spawnSync(join(PG_BIN, 'initdb'), ['-D', join(dir, 'data'), '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync', '--no-instructions'], {
      encoding: 'utf8',
      ...(user ?? {}),
    });
    if (r.status !== 0) throw new Error(`initdb failed: ${r.stderr || r.stdout}`);
    return new PrivatePostgres(dir, port, user);
  }

  /** Starts the postmaster (retrying while the last one's backends still hold its shared memory) and waits until it accepts queries. */
  async start(timeoutMs = 20_000): Promise<void> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const p = spawn(
        join(PG_BIN!, 'postgres'),
        // fsync off: the faults here are process crashes, not power loss (WAL still reaches the OS at commit).
        ['-D', this.dataDir, '-p', String(this.port), '-k', join(this.dir, 'sock'), '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off', '-c', 'max_connections=50'],
        { stdio: ['ignore', 'pipe', 'pipe'], ...(this.user ?? {}) },
      );
      this.proc = p;
      p.stdout!.on('data', (d) => (this.log += d));
      p.stderr!.on('data', (d) => (this.log += d));
      const exited = new Promise<void>((r) => p.once('exit', () => r()));
      const up = await Promise.race([this.waitAccepting(end).then(() => true), exited.then(() => false)]);
      if (up) break;
      this.proc = null;
      if (Date.now() > end) throw new Error(`postgres did not start:\n${this.log.slice(-2000)}`);
      await sleep(200); // the old backends are still exiting
    }
    const admin = postgres(this.adminUrl, { max: 1, onnotice: () => {} });
    try {
      const [row] = await admin`select count(*)::int as n from pg_database where datname = 'rustchat'`;
      if (!row.n) await admin.unsafe('create database rustchat');
    } finally {
      await admin.end();
    }
  }

  private async waitAccepting(end: number): Promise<void> {
    for (;;) {
      const r = spawnSync(join(PG_BIN!, 'pg_isready'), ['-h', '127.0.0.1', '-p', String(this.port), '-q']);
      if (r.status === 0) return;
      if (Date.now() > end) throw new Error(`postgres not accepting connections:\n${this.log.slice(-2000)}`);
      await sleep(100);
    }
  }

  /** kill -9 of the postmaster (its backends notice and exit on their own). */
  async kill9(): Promise<void> {
    const p = this.proc;
    if (!p || p.exitCode !== null || p.signalCode !== null) return;
    const exited = new Promise((r) => p.once('exit', r));
    p.kill('SIGKILL');
    await exited;
    this.proc = null;
  }

  /** Fast shutdown (SIGINT): PostgreSQL terminates every backend, then stops; waits for the exit. */
  async stopFast(): Promise<void> {
    const p = this.proc;
    if (!p || p.exitCode !== null || p.signalCode !== null) return;
    const exited = new Promise((r) => p.once('exit', r));
    p.kill('SIGINT');
    await exited;
    this.proc = null;
  }

  /** Runs fn with a short-lived admin connection. */
  async admin<T>(fn: (sql: postgres.Sql) => Promise<T>, database = 'postgres'): Promise<T> {
    const sql = postgres(`postgres://postgres@127.0.0.1:${this.port}/${database}`, { max: 1, onnotice: () => {} });
    try {
      return await fn(sql);
    } finally {
      await sql.end({ timeout: 1 });
    }
  }

  /** Terminates every backend of the application (application_name 'rustchat'); returns how many. */
  async terminateBackends(): Promise<number> {
    return this.admin(async (sql) => {
      const rows = await sql`select pg_terminate_backend(pid) as ok from pg_stat_activity where application_name = 'rustchat' and pid <> pg_backend_pid()`;
      return rows.filter((r) => r.ok).length;
    });
  }

  /** Stops the cluster and removes its directory. */
  async destroy(): Promise<void> {
    const p = this.proc;
    if (p && p.exitCode === null && p.signalCode === null) {
      const exited = new Promise((r) => p.once('exit', r));
      p.kill('SIGQUIT'); // immediate shutdown
      await Promise.race([exited, deadline(5000)]);
      if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
    }
    this.proc = null;
    rmSync(this.dir, { recursive: true, force: true });
  }

  output(): string {
    return this.log;
  }
}

/** A small tmpfs of the test's own, to fill up. */
export interface Tmpfs {
  dir: string;
  /** Bytes available on it now. */
  free(): number;
  /** Writes a filler file until at most `leaveBytes` are free (0: until ENOSPC); returns its path. */
  fill(leaveBytes: number, name?: string): string;
  /** Unmounts it (lazily, should something still hold it) and removes the mount point. */
  destroy(): void;
}

/**
 * Mounts a tmpfs of `sizeMb` on a new temporary directory. Needs root (or CAP_SYS_ADMIN); returns
 * a string saying why not when it cannot, for the test to skip with.
 */
export function mountTmpfs(sizeMb: number): Tmpfs | string {
  const dir = mkdtempSync(join(tmpdir(), 'rustchat-fault-disk-'));
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeMb}m,mode=0755`, 'tmpfs', dir], { encoding: 'utf8' });
  if (r.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    return `cannot mount a tmpfs (needs root or CAP_SYS_ADMIN): ${(r.stderr || r.error?.message || `exit ${r.status}`).trim()}`;
  }
  const free = () => {
    const st = statfsSync(dir);
    return st.bavail * st.bsize;
  };
  return {
    dir,
    free,
    fill(leaveBytes, name = 'filler') {
      const path = join(dir, name);
      const fd = openSync(path, 'a');
      const chunk = Buffer.alloc(256 * 1024, 1);
      try {
        for (;;) {
          const room = free() - leaveBytes;
          if (room <= 0) break;
          writeSync(fd, chunk, 0, Math.min(chunk.length, Math.max(room, 4096)));
        }
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOSPC') throw e;
      } finally {
        closeSync(fd);
      }
      return path;
    },
    destroy() {
      spawnSync('umount', ['-l', dir]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
