/**
 * The files UI: `ComposerAttachments` (button, drag and drop, paste; progress and cancel per file)
 * and `PostAttachments` (images inline with a viewer, other files as download cards).
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import type { Post } from '../state.ts';
import { Modal } from '../components/Modal.tsx';
import { downloadFile, fileBlobUrl, fitBox, formatSize, isPreviewable, uploadFile, type FileInfo, type Upload } from './transfer.ts';

/** At most this many files per post (the server's limit). */
export const MAX_FILES = 10;

interface Pending {
  key: number;
  name: string;
  size: number;
  progress: number;
  info?: FileInfo;
  error?: string;
  upload?: Upload;
}

let nextKey = 1;

export function ComposerAttachments({ channelId, fileIds, onChange }: { channelId: string; fileIds: string[]; onChange: (ids: string[]) => void }) {
  const [items, setItems] = useState<Pending[]>([]);
  const itemsRef = useRef(items);
  itemsRef.current = items;
  const input = useRef<HTMLInputElement>(null);
  const anchor = useRef<HTMLSpanElement>(null);
  const [dragging, setDragging] = useState(false);

  const publish = (list: Pending[]) => onChange(list.filter((p) => p.info).map((p) => p.info!.id));
  const update = (key: number, change: Partial<Pending> | null) => {
    const list = change === null ? itemsRef.current.filter((p) => p.key !== key) : itemsRef.current.map((p) => (p.key === key ? { ...p, ...change } : p));
    itemsRef.current = list;
    setItems(list);
    if (change === null || change.info) publish(list);
  };

  const add = (files: File[]) => {
    const room = MAX_FILES - itemsRef.current.length;
    for (const file of files.slice(0, Math.max(0, room))) {
      const key = nextKey++;
      const p: Pending = { key, name: file.name || 'pasted image', size: file.size, progress: 0 };
      p.upload = uploadFile(channelId, file, (progress) => update(key, { progress }));
      itemsRef.current = [...itemsRef.current, p];
      setItems(itemsRef.current);
      p.upload.done.then(
        (info) => update(key, { info, progress: 1, upload: undefined }),
        (e: Error) => (e.message === 'Cancelled' ? update(key, null) : update(key, { error: e.message, upload: undefined })),
      );
    }
  };

  // The composer sent the message (it cleared its ids): drop what was attached.
  useEffect(() => {
    if (!fileIds.length && itemsRef.current.some((p) => p.info)) {
      itemsRef.current = itemsRef.current.filter((p) => !p.info);
      setItems(itemsRef.current);
    }
  }, [fileIds.length]);

  // Another channel: cancel and forget everything.
  useEffect(
    () => () => {
      for (const p of itemsRef.current) p.upload?.cancel();
      itemsRef.current = [];
      setItems([]);
      onChange([]);
    },
    [channelId],
  );

  // Drag and drop onto, and paste into, the whole composer.
  useEffect(() => {
    const box = anchor.current?.closest('.composer-wrap') as HTMLElement | null;
    if (!box) return;
    const hasFiles = (e: DragEvent) => !!e.dataTransfer && [...e.dataTransfer.types].includes('Files');
    const over = (e: DragEvent) => {
      if (!hasFiles(e)) return;
      e.preventDefault();
      setDragging(true);
    };
    const leave = (e: DragEvent) => {
      if (!box.contains(e.relatedTarget as Node)) setDragging(false);
    };
    const drop = (e: DragEvent) => {
      if (!hasFiles(e)) return;
      e.preventDefault();
      setDragging(false);
      add([...(e.dataTransfer?.files ?? [])]);
    };
    const paste = (e: ClipboardEvent) => {
      const files = [...(e.clipboardData?.files ?? [])];
      if (!files.length) return;
      e.preventDefault();
      add(files);
    };
    box.addEventListener('dragover', over);
    box.addEventListener('dragleave', leave);
    box.addEventListener('drop', drop);
    box.addEventListener('paste', paste);
    return () => {
      box.removeEventListener('dragover', over);
      box.removeEventListener('dragleave', leave);
      box.removeEventListener('drop', drop);
      box.removeEventListener('paste', paste);
    };
  }, [channelId]);

  useEffect(() => {
    const box = anchor.current?.closest('.composer-wrap');
    box?.classList.toggle('drop-target', dragging);
  }, [dragging]);

  return (
    <span class="composer-files" ref={anchor}>
      <button type="button" class="btn icon-btn attach-btn" aria-label="Attach files" title="Attach files" onClick={() => input.current?.click()} disabled={items.length >= MAX_FILES}>
        📎
      </button>
      <input
        ref={input}
        type="file"
        multiple
        hidden
        aria-hidden="true"
        tabIndex={-1}
        onChange={(e) => {
          const el = e.currentTarget;
          add([...(el.files ?? [])]);
          el.value = '';
        }}
      />
      {items.length > 0 && (
        <ul class="pending-files" aria-label="Files to send">
          {items.map((p) => (
            <li key={p.key} class={p.error ? 'failed' : p.info ? 'ready' : 'uploading'}>
              <span class="pending-name" title={p.name}>
                {p.name}
              </span>
              {p.error ? (
                <span class="pending-error" role="alert">
                  {p.error}
                </span>
              ) : p.info ? (
                <span class="muted">{formatSize(p.size)}</span>
              ) : (
                <progress max={1} value={p.progress} aria-label={`Uploading ${p.name}`} />
              )}
              <button
                type="button"
                class="pending-remove"
                aria-label={p.upload ? `Cancel upload of ${p.name}` : `Remove ${p.name}`}
                onClick={() => (p.upload ? p.upload.cancel() : update(p.key, null))}
              >
                ×
              </button>
            </li>
          ))}
        </ul>
      )}
    </span>
  );
}

function PostImage({ file, onOpen }: { file: FileInfo; onOpen: () => void }) {
  const [src, setSrc] = useState('');
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    let live = true;
    // The preview (≤ 1920 × 1080): sharp in the 360 × 280 box on any screen, far smaller than a photo.
    fileBlobUrl(file.id, 'preview').then(
      (u) => live && setSrc(u),
      () => live && setFailed(true),
    );
    return () => {
      live = false;
    };
  }, [file.id]);
  const box = fitBox(file.width, file.height);
  if (failed) return <FileCard file={file} />;
  return (
    <button type="button" class="post-image" onClick={onOpen} aria-label={`Open image ${file.name}`} style={{ width: `${box.width}px`, height: `${box.height}px` }}>
      {src ? <img src={src} alt={file.name} width={box.width} height={box.height} /> : <span class="post-image-loading" aria-hidden="true" />}
    </button>
  );
}

function FileCard({ file }: { file: FileInfo }) {
  const [err, setErr] = useState('');
  return (
    <div class="file-card">
      <span class="file-ext" aria-hidden="true">
        {(file.extension || file.name.split('.').pop() || 'file').slice(0, 4).toUpperCase()}
      </span>
      <span class="file-meta">
        <span class="file-name" title={file.name}>
          {file.name}
        </span>
        <span class="muted">{err || formatSize(file.size)}</span>
      </span>
      <button type="button" class="btn file-download" aria-label={`Download ${file.name}`} onClick={() => downloadFile(file).catch((e: Error) => setErr(e.message))}>
        Download
      </button>
    </div>
  );
}

/** An image in a dialog: the original file (animated GIFs move), with its size and a download button. */
export function ImageViewer({ file, onClose }: { file: FileInfo; onClose: () => void }) {
  const [src, setSrc] = useState('');
  useEffect(() => {
    void fileBlobUrl(file.id).then(setSrc, () => {});
  }, [file.id]);
  return (
    <Modal title={file.name} onClose={onClose} wide>
      <div class="image-viewer">
        {src ? <img src={src} alt={file.name} /> : <span class="muted">Loading…</span>}
        <div class="image-viewer-bar">
          <span class="muted">
            {file.width} × {file.height} · {formatSize(file.size)}
          </span>
          <button type="button" class="btn" onClick={() => void downloadFile(file)}>
            Download
          </button>
        </div>
      </div>
    </Modal>
  );
}

export function PostAttachments({ post }: { post: Post }) {
  const files = (post.metadata?.files ?? []) as FileInfo[];
  const [open, setOpen] = useState<FileInfo | null>(null);
  if (!Array.isArray(files) || !files.length) return null;
  const images = files.filter(isPreviewable);
  const others = files.filter((f) => !isPreviewable(f));
  return (
    <div class="attachments" aria-label="Attachments">
      {images.length > 0 && (
        <div class="post-images">
          {images.map((f) => (
            <PostImage key={f.id} file={f} onOpen={() => setOpen(f)} />
          ))}
        </div>
      )}
      {others.map((f) => (
        <FileCard key={f.id} file={f} />
      ))}
      {open && <ImageViewer file={open} onClose={() => setOpen(null)} />}
    </div>
  );
}
