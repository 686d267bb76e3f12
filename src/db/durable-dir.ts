import { open, readdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';

/**
 * Durability for a directory that PGlite writes through Emscripten's NODEFS: PGlite never calls
 * fsync, so RustChat flushes what it wrote. This does it from Node (`fdatasync` per written file,
 * `fsync` per changed directory) instead of running `sync -f` (syncfs) as a subprocess, so the
 * executable needs no coreutils, and a flush waits only for our own files, not for every other
 * writer on the same filesystem.
 *
 * Which files were written is learnt by wrapping the write, truncate and directory operations of
 * the NODEFS instance that PGlite mounted (its Emscripten module exposes it). Until the hooks are
 * in place (initdb, recovery at open) and after a failed flush, the next flush covers the whole
 * tree. Without a NODEFS to hook (another PGlite build), every flush covers the whole tree:
 * slower, never less durable.
 */
export interface DurableDir {
  /** Makes everything written so far durable; resolves with the files and directories it synced. */
  flush(): Promise<string[]>;
  /** Writes are tracked one by one (false: every flush walks the whole tree). */
  readonly tracked: boolean;
}

/** The parts of an Emscripten NODEFS node and filesystem this needs. */
interface EmNode {
  parent: EmNode;
}
interface NodeFs {
  realPath(node: EmNode): string;
  stream_ops: Record<string, (...args: unknown[]) => unknown>;
  node_ops: Record<string, (...args: unknown[]) => unknown>;
}

/** Files synced at once (each holds a descriptor and a libuv thread while it runs). */
const CONCURRENCY = 8;

export function durableDir(root: string, emscriptenModule?: unknown): DurableDir {
  root = resolve(root);
  const files = new Set<EmNode>();
  const dirs = new Set<EmNode>();
  let everything = true;
  const nodefs = (emscriptenModule as { NODEFS?: NodeFs } | undefined)?.NODEFS;
  const tracked = !!nodefs && hook(nodefs, files, dirs);

  return {
    tracked,
    async flush() {
      let fileList: string[];
      let dirList: string[];
      if (everything || !tracked) {
        everything = false;
        files.clear();
        dirs.clear();
        const tree = await walk(root);
        fileList = tree.files;
        // The root's own entry in its parent too: a fresh data directory was just created there.
        dirList = [...tree.dirs, dirname(root)];
      } else {
        fileList = [...files].map((n) => nodefs!.realPath(n));
        dirList = [...dirs].map((n) => nodefs!.realPath(n));
        files.clear();
        dirs.clear();
      }
      try {
        await forEach(fileList, (p) => syncPath(p, true));
        await forEach(dirList, (p) => syncPath(p, false));
      } catch (e) {
        everything = true; // what this flush took off the lists is not known to be on disk
        throw e;
      }
      return [...fileList, ...dirList];
    },
  };
}

/** Wraps the NODEFS operations that change files or directories; false when they are not there. */
function hook(fs: NodeFs, files: Set<EmNode>, dirs: Set<EmNode>): boolean {
  const s = fs.stream_ops;
  const n = fs.node_ops;
  const names: [Record<string, (...a: unknown[]) => unknown>, string][] = [
    [s, 'write'],
    [s, 'setattr'],
    [n, 'setattr'],
    [n, 'mknod'],
    [n, 'rename'],
    [n, 'unlink'],
    [n, 'rmdir'],
    [n, 'symlink'],
  ];
  if (typeof fs.realPath !== 'function' || names.some(([o, k]) => typeof o?.[k] !== 'function')) return false;
  const wrap = (o: Record<string, (...a: unknown[]) => unknown>, k: string, mark: (...a: never[]) => void) => {
    const orig = o[k];
    o[k] = function (this: unknown, ...args: unknown[]) {
      (mark as (...a: unknown[]) => void)(...args); // before: a write that throws halfway may still have changed the file
      return orig.apply(this, args);
    };
  };
  // write(stream, …), ftruncate and friends through setattr(stream, attr), truncate by path through setattr(node, attr)
  wrap(s, 'write', (stream: { node: EmNode }) => files.add(stream.node));
  wrap(s, 'setattr', (stream: { node: EmNode }) => files.add(stream.node));
  wrap(n, 'setattr', (node: EmNode, attr: { size?: number }) => attr?.size !== undefined && files.add(node));
  // Directory entries: creating, renaming and removing change the parent directories.
  wrap(n, 'mknod', (parent: EmNode) => dirs.add(parent));
  wrap(n, 'rename', (old: EmNode, newDir: EmNode) => (dirs.add(old.parent), dirs.add(newDir)));
  wrap(n, 'unlink', (parent: EmNode) => dirs.add(parent));
  wrap(n, 'rmdir', (parent: EmNode) => dirs.add(parent));
  wrap(n, 'symlink', (parent: EmNode) => dirs.add(parent));
  return true;
}

async function walk(root: string): Promise<{ files: string[]; dirs: string[] }> {
  const out = { files: [] as string[], dirs: [root] };
  const visit = async (dir: string) => {
    for (const e of await readdir(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) {
        out.dirs.push(p);
        await visit(p);
      } else if (e.isFile()) out.files.push(p);
    }
  };
  await visit(root);
  return out;
}

/** fdatasync a file (data and size) or fsync a directory (its entries); a file gone since is fine. */
async function syncPath(path: string, data: boolean): Promise<void> {
  let h;
  try {
    h = await open(path, 'r');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return; // removed since: its directory is synced instead
    throw e;
  }
  try {
    await (data ? h.datasync() : h.sync());
  } finally {
    await h.close();
  }
}

async function forEach<T>(items: T[], fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, items.length) }, worker));
}
