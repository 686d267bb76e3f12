/**
 * File transfers for the web client. File routes need the bearer token like every API call, so
 * images and downloads are fetched with it and shown through blob: URLs (the CSP allows blob: for
 * img and media); uploads use XMLHttpRequest because fetch cannot report upload progress.
 */
import { getToken } from '../api.ts';

export interface FileInfo {
  id: string;
  name: string;
  size: number;
  mime_type: string;
  width: number;
  height: number;
  extension?: string;
  has_preview_image?: boolean;
}

export interface Upload {
  /** Resolves with the stored file's info; rejects with an Error whose message is shown. */
  done: Promise<FileInfo>;
  cancel(): void;
}

/** Uploads one file into a channel; `onProgress` gets the fraction sent (0..1). */
export function uploadFile(channelId: string, file: File, onProgress: (fraction: number) => void): Upload {
  const xhr = new XMLHttpRequest();
  const done = new Promise<FileInfo>((resolve, reject) => {
    xhr.open('POST', '/api/v1/files');
    const token = getToken();
    if (token) xhr.setRequestHeader('Authorization', `Bearer ${token}`);
    xhr.upload.onprogress = (e) => e.lengthComputable && onProgress(e.loaded / e.total);
    xhr.onload = () => {
      type Answer = { items?: FileInfo[]; error?: { message?: string } } | null;
      let body: Answer = null;
      try {
        body = JSON.parse(xhr.responseText) as Answer;
      } catch {
        /* not JSON */
      }
      if (xhr.status === 201 && body?.items?.[0]) resolve(body.items[0]);
      else reject(new Error(body?.error?.message ?? `Upload failed (${xhr.status})`));
    };
    xhr.onerror = () => reject(new Error('Cannot reach the server'));
    xhr.onabort = () => reject(new Error('Cancelled'));
    const form = new FormData();
    form.append('channel_id', channelId);
    form.append('files', file, file.name || 'pasted');
    xhr.send(form);
  });
  return { done, cancel: () => xhr.abort() };
}

const blobs = new Map<string, Promise<string>>();

/**
 * A blob: URL of a file's bytes, or of its rendered thumbnail (≤ 120 × 100) or preview
 * (≤ 1920 × 1080), fetched once per page with the token.
 */
export function fileBlobUrl(id: string, variant: 'file' | 'thumbnail' | 'preview' = 'file'): Promise<string> {
  const key = `${id}:${variant}`;
  let p = blobs.get(key);
  if (!p) {
    p = fetch(`/api/v1/files/${id}${variant === 'file' ? '' : `/${variant}`}`, { headers: { Authorization: `Bearer ${getToken()}` } }).then(async (res) => {
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      return URL.createObjectURL(await res.blob());
    });
    p.catch(() => blobs.delete(key));
    blobs.set(key, p);
  }
  return p;
}

/** Saves a file to the user's disk under its name. */
export async function downloadFile(f: { id: string; name: string }): Promise<void> {
  const res = await fetch(`/api/v1/files/${f.id}?download=1`, { headers: { Authorization: `Bearer ${getToken()}` } });
  if (!res.ok) throw new Error(`Download failed (${res.status})`);
  const url = URL.createObjectURL(await res.blob());
  const a = document.createElement('a');
  a.href = url;
  a.download = f.name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/** Images the server has (or will render) a preview of; the type check covers older servers' answers. */
export const isPreviewable = (f: { mime_type?: string; width?: number; has_preview_image?: boolean }) =>
  f.has_preview_image ?? (!!f.width && ['image/png', 'image/jpeg', 'image/gif', 'image/webp'].includes(f.mime_type ?? ''));

export function formatSize(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(n < 10 * 1024 ? 1 : 0)} KB`;
  if (n < 1024 * 1024 * 1024) return `${(n / 1024 / 1024).toFixed(1)} MB`;
  return `${(n / 1024 / 1024 / 1024).toFixed(2)} GB`;
}

/** The box an image is shown in: its aspect ratio, at most max × max. */
export function fitBox(width: number, height: number, maxW = 360, maxH = 280): { width: number; height: number } {
  if (!width || !height) return { width: maxW, height: maxH };
  const s = Math.min(1, maxW / width, maxH / height);
  return { width: Math.max(1, Math.round(width * s)), height: Math.max(1, Math.round(height * s)) };
}
