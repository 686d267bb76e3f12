/**
 * File sizes for PGlite's Emscripten NODEFS, kept in memory instead of asked of the kernel.
 *
 * PostgreSQL learns a relation's length with lseek(fd, 0, SEEK_END) — at every sequential scan,
 * every relation extension, every planner estimate. Emscripten's NODEFS answers SEEK_END with an
 * `fstatSync` of the file: a system call and a Stats object each time, about 16 per post in the
 * embedded posting batch (docs/benchmarks.md, "Embedded posting: file sizes kept in memory").
 *
 * Here the size is asked once per open file (the first SEEK_END after an open) and then followed
 * through every operation NODEFS performs that can change it: a write extends it to the end of
 * what was written, a truncate (ftruncate, truncate by path, open with O_TRUNC) sets it, a write
 * or truncate that throws forgets it (asked again next time). This is exact as long as nothing
 * but this PGlite instance changes the files while they are open — which the data directory's
 * lock (lock.ts) guarantees: one process, and PGlite is the only writer in it. Files are known by
 * their Emscripten node (one per path while it exists; a file created again at the same path
 * after an unlink is a new node), and any open forgets the node's size, so a file replaced while
 * closed is asked afresh.
 *
 * Returns false (nothing changed) when the module has no NODEFS of the expected shape.
 */
export function cacheNodefsSizes(emscriptenModule: unknown): boolean {
  const fs = (emscriptenModule as { NODEFS?: NodeFs } | undefined)?.NODEFS;
  const s = fs?.stream_ops;
  const n = fs?.node_ops;
  if (!s || !n || (['llseek', 'write', 'setattr', 'open'] as const).some((k) => typeof s[k] !== 'function') || typeof n.setattr !== 'function') return false;
  if ((s as { [HOOKED]?: true })[HOOKED]) return true;
  const sizes = new WeakMap<object, number>();
  const { llseek, write, setattr, open } = s;
  const nodeSetattr = n.setattr;

  s.llseek = function (this: unknown, stream: Stream, offset: number, whence: number) {
    // SEEK_END of a regular file (mode S_IFREG): the one case NODEFS answers with fstat.
    if (whence !== 2 || (stream.node.mode & 0o170000) !== 0o100000) return llseek.call(this, stream, offset, whence);
    let size = sizes.get(stream.node);
    if (size === undefined) {
      // Asked of NODEFS itself (its fstat), so errors and the result are exactly its own.
      size = llseek.call(this, stream, 0, 2) as number;
      sizes.set(stream.node, size);
    }
    const at = size + offset;
    if (at < 0) return llseek.call(this, stream, offset, whence); // EINVAL, as NODEFS throws it
    return at;
  };
  s.write = function (this: unknown, stream: Stream, buffer: unknown, offset: number, length: number, position: number) {
    let written: number;
    try {
      written = write.call(this, stream, buffer, offset, length, position) as number;
    } catch (e) {
      sizes.delete(stream.node); // part of it may have reached the file
      throw e;
    }
    const size = sizes.get(stream.node);
    if (size !== undefined && written > 0 && position + written > size) sizes.set(stream.node, position + written);
    return written;
  };
  const truncated = (node: object, attr: { size?: number } | undefined, run: () => unknown) => {
    if (attr?.size === undefined) return run();
    sizes.delete(node);
    const out = run();
    sizes.set(node, attr.size);
    return out;
  };
  s.setattr = function (this: unknown, stream: Stream, attr: { size?: number }) {
    return truncated(stream.node, attr, () => setattr.call(this, stream, attr));
  };
  n.setattr = function (this: unknown, node: object, attr: { size?: number }) {
    return truncated(node, attr, () => nodeSetattr.call(this, node, attr));
  };
  // posix_fallocate, should a later NODEFS implement it: the size is asked again.
  if (typeof s.allocate === 'function') {
    const allocate = s.allocate;
    s.allocate = function (this: unknown, stream: Stream, ...rest: unknown[]) {
      sizes.delete(stream.node);
      return allocate.call(this, stream, ...rest);
    };
  }
  s.open = function (this: unknown, stream: Stream) {
    sizes.delete(stream.node); // O_TRUNC, or a file changed while no stream had it open
    return open.call(this, stream);
  };
  (s as { [HOOKED]?: true })[HOOKED] = true;
  return true;
}

const HOOKED = Symbol('rustchat.nodefsSizes');

interface Stream {
  node: { mode: number };
}
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- Emscripten's operations take positional arguments of many shapes
type Op = (...args: any[]) => unknown;
interface NodeFs {
  stream_ops: Record<string, Op>;
  node_ops: Record<string, Op>;
}
