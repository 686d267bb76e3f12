import { Command } from 'commander';
import { action, configFrom, dataOptions, EXIT, UsageError } from './common.ts';

/**
 * `rustchat health`: asks a running server whether it is live (or ready) and exits 0 or 1. It is
 * the container HEALTHCHECK, so images need no curl or shell (a distroless base works).
 */
export function healthCommand(): Command {
  return dataOptions(new Command('health'))
    .description('check a running server: exit 0 when /api/v1/health/live (or /ready) answers 200, else 1')
    .option('--ready', 'check /api/v1/health/ready (database and configured services) instead of /live')
    .option('--url <url>', 'base URL of the server (default: http://127.0.0.1:<server.port>)')
    .option('--timeout <ms>', 'give up after this many milliseconds', '3000')
    .action(
      action(async (opts: { config?: string; dataDir?: string; ready?: boolean; url?: string; timeout: string }) => {
        const timeout = Number(opts.timeout);
        if (!Number.isInteger(timeout) || timeout < 1) throw new UsageError(`--timeout must be a positive integer, got ${JSON.stringify(opts.timeout)}`);
        const base = opts.url ?? `http://127.0.0.1:${configFrom(opts).server.port}`;
        const url = `${base.replace(/\/+$/, '')}/api/v1/health/${opts.ready ? 'ready' : 'live'}`;
        try {
          const res = await fetch(url, { signal: AbortSignal.timeout(timeout) });
          const body = await res.text();
          if (res.status === 200) return EXIT.ok;
          process.stderr.write(`health: ${url} answered ${res.status}: ${body.slice(0, 200)}\n`);
        } catch (e) {
          process.stderr.write(`health: ${url}: ${(e as Error).cause ?? (e as Error).message}\n`);
        }
        return EXIT.failure;
      }),
    );
}
