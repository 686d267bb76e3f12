import { createHash } from 'node:crypto';
import { Transform, type Readable } from 'node:stream';
import type { Deps } from '../deps.ts';
import type { Queryable } from '../db/driver.ts';
import type { Auth } from './tokens.ts';
import { accessChannel } from './access.ts';
import { inTx } from './tx.ts';
import { AppError, badRequest, notFound, tooLarge, unavailable } from '../errors.ts';
import { newId } from '../ids.ts';
import { deleteUnattachedFiles, getFile, insertFiles, type FileRow, type PublicFileRow } from '../store/files.ts';
import { canRender, ensurePreviews, hasPreviewImage, MAX_PREVIEW_SOURCE_BYTES, renderPreviews } from './file-previews.ts';
import { newStorageKey, StorageError, type Storage } from '../files/storage.ts';
import { openStorage } from '../files/open.ts';
import { extractText, isTextFile } from '../files/text.ts';
import { contentDisposition, decideMime, extensionOf, isInlineType, sanitizeFileName, sniffImage, SNIFF_BYTES } from '../files/sniff.ts';

/** Files per upload request; the same as the most a post may carry. */
export const MAX_FILES_PER_UPLOAD = 10;

/** One file of an upload, independent of HTTP (the v1 and v4 routes both produce these). */
export interface UploadPart {
  filename: string;
  /** The type the client declared; only a hint (see decideMime). */
  mime: string;
  stream: Readable;
}

/**
 * The storage in force: deps.storage (opened by boot), or the configured one opened on first use
 * for Deps built without it (tests, one-off commands).
 */
export function storageOf(deps: Deps): Promise<Storage> {
  if (deps.storage) return Promise.resolve(deps.storage);
  const caches = deps.services.caches;
  const p = (caches.filesStorage ??= openStorage(deps.config));
  // A failed open (S3 unreachable) is retried by the next request, not remembered.
  p.catch(() => {
    if (caches.filesStorage === p) caches.filesStorage = undefined;
  });
  return p;
}

/** A storage failure as the API's error: 507 when full, 503 otherwise. */
export function storageAppError(e: unknown): AppError {
  if (e instanceof AppError) return e;
  if (e instanceof StorageError) {
    if (e.kind === 'full') return new AppError(507, 'storage_full', 'File storage is full');
    if (e.kind === 'not_found') return notFound('file_content_missing', 'The file content is missing from storage');
  }
  return unavailable('storage_unavailable', 'File storage is unavailable; try again later');
}

/** The file info clients see. Storage keys and checksums stay on the server. */
export function presentFile(f: PublicFileRow) {
  return {
    id: f.id,
    creator_id: f.creator_id,
    channel_id: f.channel_id,
    post_id: f.post_id,
    name: f.name,
    extension: f.extension,
    size: f.size,
    mime_type: f.mime_type,
    width: f.width,
    height: f.height,
    has_preview_image: hasPreviewImage(f),
    create_at: f.create_at,
  };
}

/**
 * Counts, hashes and keeps the head of a stream; fails with 413 past `max` bytes. (The counter is
 * not called `size`: lib-storage reads `Body.size` as the total length.)
 */
class Inspector extends Transform {
  bytes = 0;
  readonly hash = createHash('sha256');
  private head: Buffer[] = [];
  private headLen = 0;
  /** Whether the start looks like an image: then all of it is kept for the previews (up to a limit). */
  private image: boolean | undefined;
  constructor(private readonly max: number) {
    super();
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null, data?: Buffer) => void) {
    this.bytes += chunk.length;
    if (this.bytes > this.max) return cb(tooLarge('file_too_large', `A file exceeds the upload limit of ${this.max} bytes`));
    this.hash.update(chunk);
    if (this.headLen < SNIFF_BYTES || this.image) {
      this.head.push(chunk);
      this.headLen += chunk.length;
    }
    if (this.image === undefined && this.headLen >= 16) this.image = looksLikeImage(Buffer.concat(this.head).subarray(0, 16));
    if (this.image && this.headLen > MAX_PREVIEW_SOURCE_BYTES) this.image = false;
    cb(null, chunk);
  }
  headBytes(): Buffer {
    return Buffer.concat(this.head).subarray(0, SNIFF_BYTES);
  }
  /** All the bytes, when they looked like an image from the start and were not too many. */
  wholeBytes(): Buffer | undefined {
    return this.image && this.headLen === this.bytes ? Buffer.concat(this.head) : undefined;
  }
}

/** PNG, GIF, WebP or JPEG signatures (sniffImage decides later, from the whole header). */
function looksLikeImage(b: Buffer): boolean {
  return (
    b.readUInt32BE(0) === 0x89504e47 ||
    b.toString('latin1', 0, 4) === 'GIF8' ||
    (b.toString('latin1', 0, 4) === 'RIFF' && b.toString('latin1', 8, 12) === 'WEBP') ||
    (b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff)
  );
}

/**
 * Stores every part, then inserts all rows in one transaction. Any failure (a file over the
 * limit, storage down, a bad part) deletes the objects already stored and inserts nothing, so a
 * failed upload leaves neither objects nor rows. The caller must be able to post in the channel.
 */
export async function uploadFiles(deps: Deps, auth: Auth, channelId: string, parts: AsyncIterable<UploadPart>): Promise<FileRow[]> {
  await accessChannel(deps.db, auth, channelId, { mode: 'write' });
  const max = deps.config.files.max_upload_bytes;
  const rows: FileRow[] = [];
  const contents = new Map<string, string>();
  let storage: Storage | undefined;
  try {
    storage = await storageOf(deps).catch((e) => {
      throw storageAppError(e);
    });
    for await (const part of parts) {
      if (rows.length >= MAX_FILES_PER_UPLOAD) {
        part.stream.resume();
        throw badRequest('too_many_files', `At most ${MAX_FILES_PER_UPLOAD} files per upload`);
      }
      const id = newId();
      const now = deps.now();
      const key = newStorageKey(id, now);
      const name = sanitizeFileName(part.filename);
      const extension = extensionOf(name);
      const inspector = new Inspector(max);
      // The body itself failing (truncated multipart, client gone) is the client's error, not storage's.
      let bodyError: unknown;
      part.stream.on('error', (e) => {
        bodyError ??= e;
        inspector.destroy(e);
      });
      const early = part.stream.errored;
      if (early) {
        bodyError = early;
        inspector.destroy(early);
      }
      inspector.on('error', () => {}); // the storage's put reports it
      const body = part.stream.pipe(inspector);
      // Recorded before the put so a failure in the middle of it still cleans the key up.
      const row: FileRow = {
        id, creator_id: auth.user.id, channel_id: channelId, post_id: '', name, extension, size: 0,
        mime_type: 'application/octet-stream', width: 0, height: 0, storage_key: key, thumbnail_key: '', sha256: '', create_at: now, delete_at: 0,
        preview_key: '', preview_type: '', thumbnail_size: 0, preview_size: 0, preview_state: '',
      };
      rows.push(row);
      try {
        await storage.putStream(key, body, { contentType: 'application/octet-stream' });
      } catch (e) {
        part.stream.resume();
        if (e instanceof AppError) throw e;
        if (bodyError) throw badRequest('invalid_multipart', `The upload body ended early or is malformed: ${(bodyError as Error).message ?? bodyError}`);
        deps.log.error('file storage write failed', { err: e, cause: (e as { cause?: unknown })?.cause, key });
        throw storageAppError(e);
      }
      const image = sniffImage(inspector.headBytes());
      row.size = inspector.bytes;
      row.sha256 = inspector.hash.digest('hex');
      row.mime_type = decideMime(part.mime, extension, image);
      row.width = image?.width ?? 0;
      row.height = image?.height ?? 0;
      if (!image && isTextFile(row.mime_type, extension)) contents.set(id, extractText(inspector.headBytes()));
      const whole = image && canRender(row) ? inspector.wholeBytes() : undefined;
      if (whole) {
        // Rendered now, in the image worker, so that has_preview_image in the answer is true.
        try {
          const fields = await renderPreviews(deps, storage, row, whole);
          if (fields) Object.assign(row, fields);
        } catch (e) {
          deps.log.error('file storage write failed (image preview)', { err: e, key });
          throw storageAppError(e);
        }
      }
    }
    if (!rows.length) throw badRequest('no_files', 'The upload contains no file');
    await inTx(deps, (tx) => insertFiles(tx, rows.map((r) => ({ ...r, content: contents.get(r.id) ?? '' }))));
    return rows;
  } catch (e) {
    if (storage) {
      for (const r of rows) {
        for (const k of [r.storage_key, r.thumbnail_key, r.preview_key]) {
          if (k) await storage.delete(k).catch((err) => deps.log.warn('could not remove an object of a failed upload', { key: k, err }));
        }
      }
    }
    throw e;
  }
}

/**
 * Loads a live file the caller may read: they uploaded it, or it is attached to a live post in a
 * channel they can read. Unattached files of others do not exist for the caller (404).
 */
export async function accessFile(q: Queryable, auth: Auth, fileId: string): Promise<FileRow> {
  const f = await getFile(q, fileId);
  if (!f || f.delete_at !== 0) throw notFound('file_not_found', 'File not found');
  if (f.creator_id === auth.user.id) return f;
  if (!f.post_id) throw notFound('file_not_found', 'File not found');
  const [post] = await q.query<{ channel_id: string; delete_at: number }>('select channel_id, delete_at from posts where id = $1', [f.post_id]);
  if (!post || post.delete_at !== 0) throw notFound('file_not_found', 'File not found');
  await accessChannel(q, auth, post.channel_id);
  return f;
}

export async function getFileInfo(deps: Deps, auth: Auth, fileId: string) {
  return presentFile(await accessFile(deps.db, auth, fileId));
}

/** A parsed `Range` header: one satisfiable range, 'unsatisfiable', or null for the whole file. */
export function parseRange(header: string | undefined, size: number): { start: number; end: number } | 'unsatisfiable' | null {
  if (!header) return null;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m) return null; // several ranges or another unit: serve the whole file (RFC 9110 allows it)
  const [, a, b] = m;
  if (a === '' && b === '') return null;
  let start: number;
  let end: number;
  if (a === '') {
    const n = Number(b);
    if (n === 0) return 'unsatisfiable';
    start = Math.max(0, size - n);
    end = size - 1;
  } else {
    start = Number(a);
    end = b === '' ? size - 1 : Math.min(Number(b), size - 1);
    if (b !== '' && Number(b) < start) return null;
  }
  if (start >= size || size === 0) return 'unsatisfiable';
  return { start, end };
}

export interface FileContent {
  file: FileRow;
  stream: Readable | null;
  /** Bytes of what is served: the file, or its thumbnail or preview. */
  size: number;
  /** Present for a 206 answer. */
  range?: { start: number; end: number };
  unsatisfiable?: boolean;
  /** The caller's If-None-Match names this content: answer 304, nothing was opened. */
  notModified?: boolean;
  /** Strong validator: the sha256 of the content (with -thumbnail / -preview for those). */
  etag: string;
  /** Content-Disposition value. */
  disposition: string;
  contentType: string;
  cacheControl: string;
}

/** What a file route serves: the file itself, or its thumbnail (≤ 120 × 100) or preview (≤ 1920 × 1080). */
export type FileVariant = 'file' | 'thumbnail' | 'preview';

/** Files change only by being deleted: a day in private caches, revalidated by ETag after. */
const FILE_CACHE = 'private, max-age=86400';
/** A thumbnail or preview never changes once rendered. */
const RENDITION_CACHE = 'private, max-age=2592000, immutable';
/** The original standing in for a thumbnail or preview not rendered (yet): revalidate every time. */
const FALLBACK_CACHE = 'private, no-cache';

/**
 * Opens a file's bytes (or its thumbnail or preview) for the caller. Types that are not
 * inline-safe (anything but sniffed images, audio and video; never HTML or SVG) always go out as
 * attachments. A thumbnail or preview is the rendered image when there is one; images uploaded
 * before previews existed get theirs rendered on this first request; an image that could not be
 * rendered is answered with the original (and has_preview_image false).
 */
export async function openFileContent(
  deps: Deps,
  auth: Auth,
  fileId: string,
  o: { rangeHeader?: string; download?: boolean; variant?: FileVariant; ifNoneMatch?: string } = {},
): Promise<FileContent> {
  let file = await accessFile(deps.db, auth, fileId);
  const variant = o.variant ?? 'file';
  const inline = isInlineType(file.mime_type);
  if (variant !== 'file' && !(inline && file.width > 0)) throw notFound('thumbnail_not_available', 'This file has no preview image');
  const disposition = contentDisposition(inline && !o.download ? 'inline' : 'attachment', file.name);
  let storage: Storage;
  try {
    storage = await storageOf(deps);
    if (variant !== 'file') file = await ensurePreviews(deps, storage, file);
  } catch (e) {
    deps.log.error('file storage read failed', { err: e, cause: (e as { cause?: unknown })?.cause, key: file.storage_key });
    throw storageAppError(e);
  }
  const rendered = variant !== 'file' && file.preview_state === 'ready';
  const key = !rendered ? file.storage_key : variant === 'thumbnail' ? file.thumbnail_key : file.preview_key;
  const size = !rendered ? file.size : variant === 'thumbnail' ? file.thumbnail_size : file.preview_size;
  const contentType = rendered ? file.preview_type : inline ? file.mime_type : file.mime_type.startsWith('text/') ? 'text/plain; charset=utf-8' : 'application/octet-stream';
  const cacheControl = variant === 'file' ? FILE_CACHE : rendered ? RENDITION_CACHE : FALLBACK_CACHE;
  const etag = `"${file.sha256 || file.id}${rendered ? `-${variant}` : ''}"`;
  const base = { file, size, disposition, contentType, etag, cacheControl };
  if (o.ifNoneMatch && o.ifNoneMatch.split(',').some((t) => t.trim().replace(/^W\//, '') === etag || t.trim() === '*')) {
    return { ...base, stream: null, notModified: true };
  }
  const range = variant !== 'file' ? null : parseRange(o.rangeHeader, size);
  if (range === 'unsatisfiable') return { ...base, stream: null, unsatisfiable: true };
  let stream: Readable;
  try {
    stream = size === 0 ? (await import('node:stream')).Readable.from([]) : await storage.getStream(key, range ?? undefined);
  } catch (e) {
    deps.log.error('file storage read failed', { err: e, cause: (e as { cause?: unknown })?.cause, key });
    throw storageAppError(e);
  }
  return { ...base, stream, range: range ?? undefined };
}

// ---------------------------------------------------------------- unattached files

/**
 * Removes files uploaded longer than `olderThanMs` ago and never attached to a post (an upload
 * whose message was never sent, a closed tab): their rows, then their stored objects. Without
 * it they would fill the storage for good, invisible to everyone. Rows go first, in batches, so
 * nothing can attach a file whose content is being removed; an object whose removal fails is
 * logged and left (it is no longer reachable). Returns how many files it removed.
 */
export async function sweepUnattachedFiles(deps: Deps, olderThanMs: number, batch = 500): Promise<number> {
  const before = deps.now() - olderThanMs;
  const storage = await storageOf(deps);
  let removed = 0;
  for (;;) {
    const rows = await deleteUnattachedFiles(deps.db, before, batch);
    for (const r of rows) {
      for (const key of [r.storage_key, r.thumbnail_key, r.preview_key]) {
        if (!key) continue;
        await storage.delete(key).catch((e) => deps.log.warn('unattached file: object not removed', { file_id: r.id, key, error: String((e as Error)?.message ?? e) }));
      }
    }
    removed += rows.length;
    if (rows.length < batch) return removed;
  }
}

/**
 * Runs sweepUnattachedFiles a minute after start and then every hour (files.unattached_ttl_hours;
 * 0 turns it off). Every process may run it: the sweep skips rows another one holds.
 */
export function startUnattachedFileSweeper(deps: Deps): () => void {
  const hours = deps.config.files.unattached_ttl_hours;
  if (!hours) return () => {};
  let running = false;
  const run = async () => {
    if (running) return;
    running = true;
    try {
      const n = await sweepUnattachedFiles(deps, hours * 3_600_000);
      if (n) deps.log.info('unattached files removed', { files: n, older_than_hours: hours });
    } catch (e) {
      deps.log.warn('unattached file sweep failed', { error: String((e as Error)?.message ?? e) });
    } finally {
      running = false;
    }
  };
  const first = setTimeout(run, 60_000);
  const every = setInterval(run, 3_600_000);
  first.unref();
  every.unref();
  return () => {
    clearTimeout(first);
    clearInterval(every);
  };
}
