import { createWriteStream, promises as fsp, statfsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import { assertKey, StorageError, type Storage } from './storage.ts';

const FULL = new Set(['ENOSPC', 'EDQUOT', 'EFBIG']);

/** Maps a filesystem error to a StorageError (anything but "disk full" is "unavailable"). */
function fsError(e: unknown, what: string): StorageError {
  if (e instanceof StorageError) return e;
  const code = (e as NodeJS.ErrnoException)?.code ?? '';
  if (FULL.has(code)) return new StorageError('full', `${what}: storage is full (${code})`, { cause: e });
  if (code === 'ENOENT') return new StorageError('not_found', `${what}: no such object`, { cause: e });
  return new StorageError('unavailable', `${what}: ${code || (e as Error)?.message}`, { cause: e });
}

async function fsyncPath(path: string) {
  const fh = await fsp.open(path, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/**
 * Files under `root`. A put writes `<root>/.tmp/<random>`, fsyncs it, renames it into place
 * and fsyncs the directory, so a crash leaves either the whole object or nothing (plus, at
 * worst, a temporary file that the next start removes).
 */
export interface LocalStorageOptions {
  /**
   * Space an upload must leave free on the filesystem (server.min_free_disk_mb), so uploads never
   * eat the reserve the embedded database keeps on the same disk: refused before it starts below
   * it, stopped (and removed) when it would cross it. 0: only a full disk (ENOSPC) stops one.
   */
  minFreeBytes?: number;
}

/** How often (in bytes written) an upload looks at the free space again. */
const SPACE_CHECK_EVERY = 1024 * 1024;

export async function openLocalStorage(root: string, opts: LocalStorageOptions = {}): Promise<Storage> {
  const minFree = opts.minFreeBytes ?? 0;
  /** Free space of the filesystem of root, or Infinity when it cannot be read. */
  const freeBytes = () => {
    try {
      const st = statfsSync(root);
      return st.bavail * st.bsize;
    } catch {
      return Infinity;
    }
  };
  const reserveBreached = () => minFree > 0 && freeBytes() < minFree;
  const full = () => new StorageError('full', `writing file: less than ${minFree} bytes free (server.min_free_disk_mb)`);
  const tmpDir = join(root, '.tmp');
  // Leftovers of puts interrupted by a crash. A directory that cannot be created is not fatal:
  // uploads answer 503 and /health/ready reports it, while text chat keeps working.
  try {
    await fsp.mkdir(tmpDir, { recursive: true, mode: 0o700 });
    for (const name of await fsp.readdir(tmpDir)) await fsp.rm(join(tmpDir, name), { force: true });
  } catch {
    /* reported by check() and by every put */
  }
  const pathOf = (key: string) => {
    assertKey(key);
    return join(root, key);
  };

  return {
    kind: 'local',
    async putStream(key, body) {
      const dest = pathOf(key);
      const tmp = join(tmpDir, randomBytes(12).toString('hex'));
      let size = 0;
      let checkedAt = 0;
      try {
        if (reserveBreached()) throw full();
        await fsp.mkdir(tmpDir, { recursive: true, mode: 0o700 });
        const out = createWriteStream(tmp, { flags: 'wx', mode: 0o600 });
        body.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (minFree && size - checkedAt >= SPACE_CHECK_EVERY) {
            checkedAt = size;
            if (reserveBreached()) out.destroy(full());
          }
        });
        await pipeline(body, out);
        if (reserveBreached()) throw full();
        await fsyncPath(tmp);
        await fsp.mkdir(dirname(dest), { recursive: true, mode: 0o700 });
        await fsp.rename(tmp, dest);
        await fsyncPath(dirname(dest));
        return { size };
      } catch (e) {
        await fsp.rm(tmp, { force: true }).catch(() => {});
        // An error of the body stream (e.g. an upload over the size limit) is the caller's, not ours.
        if (!(e as NodeJS.ErrnoException)?.code || (e as { status?: unknown }).status) throw e;
        throw fsError(e, 'writing file');
      }
    },
    async getStream(key, range) {
      const path = pathOf(key);
      try {
        const fh = await fsp.open(path, 'r');
        return fh.createReadStream({ autoClose: true, start: range?.start, end: range?.end });
      } catch (e) {
        throw fsError(e, 'reading file');
      }
    },
    async head(key) {
      try {
        const st = await fsp.stat(pathOf(key));
        return st.isFile() ? { size: st.size } : null;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
        throw fsError(e, 'reading file');
      }
    },
    async delete(key) {
      try {
        await fsp.rm(pathOf(key), { force: true });
      } catch (e) {
        throw fsError(e, 'deleting file');
      }
    },
    async *list(prefix = '') {
      async function* walk(dir: string, rel: string): AsyncGenerator<{ key: string; size: number }> {
        let entries;
        try {
          entries = await fsp.readdir(dir, { withFileTypes: true });
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
          throw fsError(e, 'listing files');
        }
        entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
        for (const ent of entries) {
          if (!rel && ent.name === '.tmp') continue;
          const key = rel ? `${rel}/${ent.name}` : ent.name;
          if (ent.isDirectory()) yield* walk(join(dir, ent.name), key);
          else if (ent.isFile() && key.startsWith(prefix)) yield { key, size: (await fsp.stat(join(dir, ent.name))).size };
        }
      }
      yield* walk(root, '');
    },
    async check() {
      try {
        await fsp.access(tmpDir, 2 /* W_OK */);
      } catch (e) {
        throw fsError(e, 'file storage');
      }
      const free = freeBytes();
      return free < Math.max(minFree, 1) ? 'full' : undefined;
    },
    async close() {},
  };
}
