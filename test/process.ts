import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
export const BINARY = join(root, 'dist', 'rustchat');

export interface ServerProcess {
  proc: ChildProcess;
  port: number;
  url: string;
  dataDir: string;
  /** Everything the process printed so far (stdout + stderr). */
  output(): string;
  /** Sends a signal and resolves with the exit code (or signal name). */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<number | string>;
}

export interface SpawnOptions {
  /** Run dist/rustchat (default: see binaryChoice()) or the TypeScript source through tsx. */
  binary?: boolean;
  dataDir?: string;
  env?: Record<string, string | undefined>;
  args?: string[];
  /** How long to wait for the "listening" log line. */
  timeoutMs?: number;
  /** Another checkout of RustChat to run from source (benchmarks: an older build side by side). */
  root?: string;
}

function newestMtime(p: string): number {
  if (!existsSync(p)) return 0;
  const st = statSync(p);
  if (!st.isDirectory()) return st.mtimeMs;
  return readdirSync(p).reduce((m, name) => Math.max(m, newestMtime(join(p, name))), st.mtimeMs);
}

let defaultBinary: { use: boolean; reason: string } | undefined;
/**
 * Whether process tests run dist/rustchat (and why not). In CI (CI=true) the binary is required:
 * .ci/run builds it first. Locally a missing binary, or one older than src/ or web/ (it would test
 * stale code), falls back to the TypeScript source; RUSTCHAT_TEST_SOURCE=1 forces the source.
 */
export function binaryChoice(): { use: boolean; reason: string } {
  if (defaultBinary) return defaultBinary;
  if (process.env.RUSTCHAT_TEST_SOURCE) defaultBinary = { use: false, reason: 'RUSTCHAT_TEST_SOURCE is set' };
  else if (!existsSync(BINARY)) {
    if (process.env.CI) throw new Error('dist/rustchat is missing: CI must run `npm run build` before the tests');
    defaultBinary = { use: false, reason: 'dist/rustchat is not built' };
  } else if (!process.env.CI && statSync(BINARY).mtimeMs < Math.max(newestMtime(join(root, 'src')), newestMtime(join(root, 'web')))) {
    defaultBinary = { use: false, reason: 'dist/rustchat is older than src/ or web/' };
  } else defaultBinary = { use: true, reason: 'dist/rustchat' };
  return defaultBinary;
}

/** The command that runs the CLI: the built executable or `node --import tsx src/main.ts`. */
export function cliCommand(binary = binaryChoice().use): [string, string[]] {
  return binary ? [BINARY, []] : [process.execPath, ['--import', 'tsx', join(root, 'src/main.ts')]];
}

/** Runs a CLI command to completion. */
export function runCli(args: string[], o: { env?: Record<string, string | undefined>; input?: string; binary?: boolean; timeoutMs?: number } = {}): Promise<{ code: number | null; stdout: string; stderr: string; ms: number }> {
  const [cmd, pre] = cliCommand(o.binary);
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, [...pre, ...args], { cwd: root, env: cleanEnv(o.env), stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    const t = setTimeout(() => p.kill('SIGKILL'), o.timeoutMs ?? 60_000);
    p.on('error', reject);
    p.on('close', (code) => {
      clearTimeout(t);
      resolve({ code, stdout, stderr, ms: Date.now() - started });
    });
    p.stdin.end(o.input ?? '');
  });
}

/** The environment for a child: ours without RUSTCHAT_* (so tests are explicit), plus overrides. */
function cleanEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('RUSTCHAT_')) env[k] = v;
  for (const [k, v] of Object.entries(extra)) if (v !== undefined) env[k] = v;
  return env;
}

export function tempDir(prefix = 'rustchat-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Starts `serve --port 0` and waits for its "listening" line. */
export async function spawnServer(o: SpawnOptions = {}): Promise<ServerProcess> {
  const dataDir = o.dataDir ?? tempDir();
  const [cmd, pre] = o.root ? [process.execPath, ['--import', 'tsx', join(o.root, 'src/main.ts')]] : cliCommand(o.binary);
  const proc = spawn(cmd, [...pre, 'serve', '--port', '0', '--host', '127.0.0.1', '--data-dir', dataDir, ...(o.args ?? [])], {
    cwd: o.root ?? root,
    // Load-generating tests post far faster than a person: the per-user API limits are off unless
    // a test sets them (test/security/api-rate-limit tests them).
    env: cleanEnv({ RUSTCHAT_LOG_LEVEL: 'info', RUSTCHAT_RATE_LIMIT_PER_SECOND: '0', ...o.env }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const exited = new Promise<number | string>((resolve) => proc.on('exit', (code, sig) => resolve(code ?? sig ?? 'unknown')));
  const port = await new Promise<number>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`server did not start within ${o.timeoutMs ?? 30000} ms:\n${out}`)), o.timeoutMs ?? 30000);
    const onData = (d: Buffer) => {
      out += d;
      const m = /"msg":"listening".*?"port":(\d+)/.exec(out);
      if (m) {
        clearTimeout(t);
        resolve(Number(m[1]));
      }
    };
    proc.stdout!.on('data', onData);
    proc.stderr!.on('data', (d) => (out += d));
    void exited.then((code) => {
      clearTimeout(t);
      reject(new Error(`server exited (${code}) before listening:\n${out}`));
    });
  });
  return {
    proc,
    port,
    url: `http://127.0.0.1:${port}`,
    dataDir,
    output: () => out,
    async stop(signal = 'SIGTERM', timeoutMs = 15000) {
      if (proc.exitCode !== null || proc.signalCode !== null) return proc.exitCode ?? proc.signalCode ?? 'unknown';
      proc.kill(signal);
      const t = setTimeout(() => proc.kill('SIGKILL'), timeoutMs);
      const code = await exited;
      clearTimeout(t);
      return code;
    },
  };
}
