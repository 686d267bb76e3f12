// glibc malloc settings for a long-running `rustchat serve` from the single executable.
//
// Start-up (PGlite's wasm compile and first boot, the template unpack) mallocs and frees a lot of
// memory; with glibc's defaults (dynamic mmap threshold, 128 kB trim threshold raised along with it)
// most of it stays in the main heap and thread arenas after it is freed (~45 MB of the idle RSS,
// docs/benchmarks.md "Embedded memory after use": 128 kB thresholds alone saved ~5-10 MB; 64 kB
// with no top pad and 2 arenas ~45 MB; 1 arena a few MB more). glibc reads these settings only when the
// process starts, so the executable re-executes itself once with them added: same PID (systemd's
// Type=simple service keeps tracking it), same arguments, same file descriptors.
//
// Not done when any of the variables is already set (the operator's choice wins, and the re-executed
// process sees them set, so it never loops), for other commands, or with RUSTCHAT_MALLOC_TUNING=0.

export const MALLOC_TUNING_ENV: Readonly<Record<string, string>> = {
  MALLOC_TRIM_THRESHOLD_: '65536',
  MALLOC_MMAP_THRESHOLD_: '65536',
  MALLOC_TOP_PAD_: '0',
  MALLOC_ARENA_MAX: '2',
};

/** The environment to re-execute `serve` with, or undefined to go on as is. `args` are the CLI's (after the program). */
export function mallocTuningEnv(args: readonly string[], env: NodeJS.ProcessEnv, platform: string = process.platform): NodeJS.ProcessEnv | undefined {
  if (platform !== 'linux') return undefined;
  if (args[0] !== 'serve') return undefined;
  const opt = (env.RUSTCHAT_MALLOC_TUNING ?? '').trim().toLowerCase();
  if (opt === '0' || opt === 'false' || opt === 'off' || opt === 'no') return undefined;
  if (Object.keys(MALLOC_TUNING_ENV).some((k) => env[k] !== undefined)) return undefined;
  if (env.GLIBC_TUNABLES !== undefined && /glibc\.malloc\./.test(env.GLIBC_TUNABLES)) return undefined;
  return { ...env, ...MALLOC_TUNING_ENV };
}

type Execve = (file: string, args: string[], env: NodeJS.ProcessEnv) => never;

/**
 * In the single executable: re-execute with the malloc settings when mallocTuningEnv says so.
 * process.argv there is [executable, executable, ...args] (Node inserts the second); the new
 * process gets [executable, ...args] as its argv and Node inserts it again. Returns only when not
 * re-executing (process.execve is Node ≥ 22.15/23.11; without it the server just runs).
 */
export function reexecWithMallocTuning(): void {
  const execve = (process as unknown as { execve?: Execve }).execve;
  if (typeof execve !== 'function') return;
  const args = process.argv.slice(2);
  const env = mallocTuningEnv(args, process.env);
  if (!env) return;
  try {
    execve.call(process, process.execPath, [process.execPath, ...args], env);
  } catch (e) {
    process.stderr.write(`warning: could not re-execute with malloc settings (${(e as Error)?.message ?? e}); running without\n`);
  }
}
