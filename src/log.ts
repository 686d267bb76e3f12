/** Structured JSON logs, one line per record, on stdout (or any sink). */
export type Level = 'debug' | 'info' | 'warn' | 'error';
const ORDER: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  child(fields: Record<string, unknown>): Logger;
}

export function createLogger(level: Level = 'info', sink: (line: string) => void = (l) => process.stdout.write(l + '\n'), base: Record<string, unknown> = {}): Logger {
  const min = ORDER[level];
  const emit = (lvl: Level, msg: string, fields?: Record<string, unknown>) => {
    if (ORDER[lvl] < min) return;
    const rec: Record<string, unknown> = { time: new Date().toISOString(), level: lvl, msg, ...base, ...fields };
    const err = rec.err;
    if (err instanceof Error) rec.err = { name: err.name, message: err.message, stack: err.stack, code: (err as NodeJS.ErrnoException).code };
    sink(JSON.stringify(rec));
  };
  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
    child: (f) => createLogger(level, sink, { ...base, ...f }),
  };
}

/** A logger that drops everything (tests). */
export const silentLogger: Logger = createLogger('error', () => {});

/** Rate limit of one kind of log line (see logLineLimiter). */
export interface LogLineLimiter {
  /** null: drop this line; otherwise how many were dropped since the last one written. */
  take(now: number): number | null;
}

/** A fixed window of a minute that lets `perMinute` lines through. */
export function logLineLimiter(perMinute: number): LogLineLimiter {
  let windowStart = -Infinity;
  let written = 0;
  let dropped = 0;
  return {
    take(now) {
      if (now - windowStart >= 60_000) {
        windowStart = now;
        written = 0;
      }
      if (written >= perMinute) {
        dropped++;
        return null;
      }
      written++;
      const d = dropped;
      dropped = 0;
      return d;
    },
  };
}
