import { Readable } from 'node:stream';
import type { Deps } from '../deps.ts';
import { ImageRenderer, RenderQueueFull } from '../files/image-renderer.ts';
import type { SourceType } from '../files/image-types.ts';
import { newStorageKey, type Storage } from '../files/storage.ts';
import { newId } from '../ids.ts';
import { getFile, setFilePreviews, type FileRow, type PreviewFields, type PreviewState } from '../store/files.ts';

/**
 * Image previews (docs/storage.md, "Image previews"): every PNG, JPEG, GIF and WebP upload within
 * these limits gets a thumbnail (≤ 120 × 100) and a preview (≤ 1920 × 1080), rendered in a worker
 * thread while the upload request waits, and stored beside the original. Larger images keep
 * has_preview_image false, as in Mattermost (whose default MaxImageResolution this is).
 */
export const MAX_PREVIEW_PIXELS = 7680 * 4320;
/** Images larger than this many bytes are not rendered either (they are held in memory to render). */
export const MAX_PREVIEW_SOURCE_BYTES = 50 * 1024 * 1024;

const RENDERABLE = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp']);

/** Whether a file is an image we render previews of (by its sniffed type and header size). */
export function canRender(f: { mime_type: string; width: number; height: number; size: number }): boolean {
  return RENDERABLE.has(f.mime_type) && f.width > 0 && f.height > 0 && f.width * f.height <= MAX_PREVIEW_PIXELS && f.size <= MAX_PREVIEW_SOURCE_BYTES;
}

/** has_preview_image on both APIs: renderable, and rendering has not failed. */
export function hasPreviewImage(f: { mime_type: string; width: number; height: number; size: number; preview_state?: PreviewState | string }): boolean {
  return canRender(f) && f.preview_state !== 'failed';
}

export function rendererOf(deps: Deps): ImageRenderer {
  return (deps.services.caches.imageRenderer ??= new ImageRenderer());
}

const FAILED: PreviewFields = { thumbnail_key: '', preview_key: '', preview_type: '', thumbnail_size: 0, preview_size: 0, preview_state: 'failed' };

/**
 * Renders a file's thumbnail and preview from its bytes and stores both. Returns the fields to
 * record: 'ready', 'failed' (the bytes do not decode), or null when the renderer is too busy now
 * (the file keeps state '' and is rendered when first asked for). Storage errors are thrown.
 */
export async function renderPreviews(deps: Deps, storage: Storage, file: Pick<FileRow, 'id' | 'mime_type'>, bytes: Uint8Array): Promise<PreviewFields | null> {
  let r;
  try {
    r = await rendererOf(deps).render(bytes, file.mime_type as SourceType);
  } catch (e) {
    if (e instanceof RenderQueueFull) return null;
    deps.log.warn('image preview not rendered; the original is served instead', { file_id: file.id, error: String((e as Error)?.message ?? e) });
    return FAILED;
  }
  const now = deps.now();
  const thumbnailKey = newStorageKey(newId(), now);
  const previewKey = newStorageKey(newId(), now);
  await storage.putStream(thumbnailKey, Readable.from([Buffer.from(r.thumbnail.bytes)]), { contentType: r.type });
  try {
    await storage.putStream(previewKey, Readable.from([Buffer.from(r.preview.bytes)]), { contentType: r.type });
  } catch (e) {
    await storage.delete(thumbnailKey).catch(() => {});
    throw e;
  }
  return {
    thumbnail_key: thumbnailKey,
    preview_key: previewKey,
    preview_type: r.type,
    thumbnail_size: r.thumbnail.bytes.length,
    preview_size: r.preview.bytes.length,
    preview_state: 'ready',
  };
}

async function readAll(storage: Storage, key: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of await storage.getStream(key)) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/**
 * A renderable file whose previews were never rendered (uploaded before previews existed, or
 * while the renderer was busy): renders them now, once per process however many ask at once.
 * Returns the row as it is afterwards (still without previews when the renderer is busy).
 */
export function ensurePreviews(deps: Deps, storage: Storage, file: FileRow): Promise<FileRow> {
  if (file.preview_state !== '' || !canRender(file)) return Promise.resolve(file);
  const jobs = (deps.services.caches.previewJobs ??= new Map());
  let job = jobs.get(file.id);
  if (!job) {
    job = (async () => {
      const fields = await renderPreviews(deps, storage, file, await readAll(storage, file.storage_key));
      if (!fields) return file;
      if (!(await setFilePreviews(deps.db, file.id, fields))) {
        for (const key of [fields.thumbnail_key, fields.preview_key]) if (key) await storage.delete(key).catch(() => {});
      }
      return (await getFile(deps.db, file.id)) ?? file;
    })().finally(() => jobs.delete(file.id));
    jobs.set(file.id, job);
  }
  return job;
}
