import { Command, Option } from 'commander';
import { loadConfig, ConfigError, type Config } from '../config.ts';
import { DataDirLockedError } from '../db/lock.ts';

/** Exit codes of every command: 0 ok, 1 failure, 2 usage or configuration error. */
export const EXIT = { ok: 0, failure: 1, usage: 2 } as const;

export class UsageError extends Error {}

/** Adds --config and --data-dir, the options of every command that touches data. */
export function dataOptions(cmd: Command): Command {
  return cmd
    .option('-c, --config <file>', 'configuration file (default: $RUSTCHAT_CONFIG)')
    .option('-d, --data-dir <dir>', 'data directory (default: ./data, or $RUSTCHAT_DATA_DIR)');
}

export function jsonOption(cmd: Command): Command {
  return cmd.addOption(new Option('--json', 'print machine-readable JSON'));
}

/** Loads the configuration for a command from its options (file < env < flags). */
export function configFrom(opts: { config?: string; dataDir?: string }, flags: Record<string, unknown> = {}): Config {
  return loadConfig({ file: opts.config, flags: { 'server.data_dir': opts.dataDir, ...flags } });
}

/** Runs a command body, mapping errors to a one-line reason and the exit codes above. */
export function action<A extends unknown[]>(fn: (...args: A) => Promise<number | void>) {
  return async (...args: A) => {
    try {
      const code = await fn(...args);
      process.exitCode = code ?? EXIT.ok;
    } catch (e) {
      const err = e as Error;
      if (e instanceof ConfigError || e instanceof UsageError) {
        process.stderr.write(`error: ${err.message}\n`);
        process.exitCode = EXIT.usage;
      } else if (e instanceof DataDirLockedError) {
        process.stderr.write(`error: ${err.message}\n`);
        process.exitCode = EXIT.failure;
      } else {
        process.stderr.write(`error: ${err.message}\n`);
        if (process.env.RUSTCHAT_DEBUG) process.stderr.write(`${err.stack}\n`);
        process.exitCode = EXIT.failure;
      }
      // A failed command must not linger on a stray handle (a half-open database socket, a timer).
      process.exit();
    }
  };
}

export function printJson(v: unknown) {
  process.stdout.write(JSON.stringify(v, null, 2) + '\n');
}
