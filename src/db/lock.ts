import { openSync, writeSync, closeSync, readFileSync, unlinkSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

/**
 * One process per data directory. PGlite takes no lock of its own, and two processes writing one
 * data directory corrupt it, so `serve` (and any command that opens the embedded database) takes
 * this lock first. The lock file holds the owner's pid and start time; a lock whose owner is gone
 * (crash, kill -9, reboot) is taken over.
 */
export class DataDirLockedError extends Error {
  constructor(readonly dir: string, readonly pid: number) {
    super(`data directory ${dir} is in use by another RustChat process (pid ${pid}); stop it first or use another --data-dir`);
    this.name = 'DataDirLockedError';
  }
}

function startTime(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 22 (starttime), counted after the ")" that ends the command name.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}

function ownerAlive(content: string): number | null {
  const [pidText, started] = content.trim().split(/\s+/);
  const pid = Number(pidText);
  if (!Number.isInteger(pid) || pid <= 0) return null;
  try {
    process.kill(pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EPERM') return null;
  }
  const now = startTime(pid);
  if (started && now && started !== now) return null; // pid reused by another process
  return pid;
}

export interface DataDirLock {
  readonly path: string;
  release(): void;
}

export function lockDataDir(dir: string): DataDirLock {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const path = join(dir, 'rustchat.lock');
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(path, 'wx', 0o600);
      writeSync(fd, `${process.pid} ${startTime(process.pid) ?? ''}\n`);
      closeSync(fd);
      let released = false;
      const release = () => {
        if (released) return;
        released = true;
        try {
          if (ownerAlive(readFileSync(path, 'utf8')) === process.pid) unlinkSync(path);
        } catch {
          /* already gone */
        }
      };
      process.once('exit', release);
      return { path, release };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      let content = '';
      try {
        content = readFileSync(path, 'utf8');
      } catch {
        continue; // removed meanwhile: try again
      }
      const owner = ownerAlive(content);
      if (owner !== null && owner !== process.pid) throw new DataDirLockedError(dir, owner);
      try {
        unlinkSync(path); // stale lock
      } catch {
        /* someone else took it over first */
      }
    }
  }
  throw new Error(`could not lock data directory ${dir}`);
}
