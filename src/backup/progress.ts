/**
 * Progress on stderr: a redrawn bar on a TTY, otherwise one line per phase and every 25 %.
 * Silent when `quiet`. Backups run for minutes on big installations; admins want to see motion.
 */
export type Progress = (phase: string, done: number, total: number) => void;

export const noProgress: Progress = () => {};

export function stderrProgress(opts: { quiet?: boolean; stream?: NodeJS.WriteStream } = {}): Progress & { end(): void } {
  const out = opts.stream ?? process.stderr;
  const tty = !!out.isTTY;
  let lastPhase = '';
  let lastPct = -1;
  let lastDraw = 0;
  const fn = ((phase: string, done: number, total: number) => {
    if (opts.quiet) return;
    // total 0 = unknown (bytes streamed from a server): show the count only.
    const pct = total > 0 ? Math.min(100, Math.floor((done / total) * 100)) : 0;
    if (tty) {
      const now = Date.now();
      if (phase === lastPhase && pct === lastPct && now - lastDraw < 200) return;
      lastDraw = now;
      const width = 30;
      const fill = Math.round((pct / 100) * width);
      if (phase !== lastPhase && lastPhase) out.write('\n');
      if (total === 0) out.write(`\r${phase.padEnd(24).slice(0, 24)} ${done}\x1b[K`);
      else out.write(`\r${phase.padEnd(24).slice(0, 24)} [${'#'.repeat(fill)}${'.'.repeat(width - fill)}] ${String(pct).padStart(3)}% ${done}/${total}\x1b[K`);
    } else if (total > 0 && (phase !== lastPhase || Math.floor(pct / 25) !== Math.floor(lastPct / 25) || (done === total && lastPct !== 100))) {
      out.write(`${phase}: ${done}/${total} (${pct}%)\n`);
    } else if (total === 0 && phase !== lastPhase) {
      out.write(`${phase}...\n`);
    }
    lastPhase = phase;
    lastPct = pct;
  }) as Progress & { end(): void };
  fn.end = () => {
    if (tty && lastPhase && !opts.quiet) out.write('\n');
  };
  return fn;
}
