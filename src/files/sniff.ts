/**
 * Pure-JS inspection of the first bytes of an upload: which of the image types we serve inline it
 * really is, and its dimensions, read from the headers only (PNG IHDR, GIF screen descriptor,
 * WebP VP8/VP8L/VP8X, JPEG SOFn). No decoding, so no image library is needed.
 */
export interface ImageInfo {
  mime: 'image/png' | 'image/jpeg' | 'image/gif' | 'image/webp';
  width: number;
  height: number;
}

/** How many leading bytes sniffImage wants (JPEG SOF may follow a 64 KiB EXIF segment). */
export const SNIFF_BYTES = 256 * 1024;

export function sniffImage(b: Buffer): ImageInfo | null {
  if (b.length >= 24 && b.readUInt32BE(0) === 0x89504e47 && b.readUInt32BE(4) === 0x0d0a1a0a && b.toString('latin1', 12, 16) === 'IHDR') {
    return ok('image/png', b.readUInt32BE(16), b.readUInt32BE(20));
  }
  if (b.length >= 10 && (b.toString('latin1', 0, 6) === 'GIF87a' || b.toString('latin1', 0, 6) === 'GIF89a')) {
    return ok('image/gif', b.readUInt16LE(6), b.readUInt16LE(8));
  }
  if (b.length >= 30 && b.toString('latin1', 0, 4) === 'RIFF' && b.toString('latin1', 8, 12) === 'WEBP') {
    const chunk = b.toString('latin1', 12, 16);
    if (chunk === 'VP8 ' && b[23] === 0x9d && b[24] === 0x01 && b[25] === 0x2a) {
      return ok('image/webp', b.readUInt16LE(26) & 0x3fff, b.readUInt16LE(28) & 0x3fff);
    }
    if (chunk === 'VP8L' && b[20] === 0x2f) {
      const bits = b.readUInt32LE(21);
      return ok('image/webp', (bits & 0x3fff) + 1, ((bits >> 14) & 0x3fff) + 1);
    }
    if (chunk === 'VP8X') {
      return ok('image/webp', b.readUIntLE(24, 3) + 1, b.readUIntLE(27, 3) + 1);
    }
    return null;
  }
  if (b.length >= 4 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return sniffJpeg(b);
  return null;
}

function ok(mime: ImageInfo['mime'], width: number, height: number): ImageInfo | null {
  if (!(width > 0 && height > 0 && width <= 100_000 && height <= 100_000)) return null;
  return { mime, width, height };
}

function sniffJpeg(b: Buffer): ImageInfo | null {
  let i = 2;
  while (i + 9 < b.length) {
    if (b[i] !== 0xff) return null;
    const marker = b[i + 1];
    if (marker === 0xff) {
      i++; // fill byte
      continue;
    }
    // Markers without a length.
    if (marker === 0xd8 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      i += 2;
      continue;
    }
    const len = b.readUInt16BE(i + 2);
    if (len < 2) return null;
    // SOF0..SOF15 except DHT (C4), JPG (C8) and DAC (CC).
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      return ok('image/jpeg', b.readUInt16BE(i + 7), b.readUInt16BE(i + 5));
    }
    if (marker === 0xda || marker === 0xd9) return null; // scan data before any frame header
    i += 2 + len;
  }
  return null;
}

// Extensions for files whose client sent no useful type; deliberately short.
const BY_EXT: Record<string, string> = {
  txt: 'text/plain', md: 'text/markdown', csv: 'text/csv', json: 'application/json', pdf: 'application/pdf',
  zip: 'application/zip', gz: 'application/gzip', tar: 'application/x-tar', html: 'text/html', htm: 'text/html',
  svg: 'image/svg+xml', png: 'image/png', jpg: 'image/jpeg', jpeg: 'image/jpeg', gif: 'image/gif', webp: 'image/webp',
  mp3: 'audio/mpeg', ogg: 'audio/ogg', wav: 'audio/wav', m4a: 'audio/mp4', mp4: 'video/mp4', webm: 'video/webm', mov: 'video/quicktime',
  doc: 'application/msword', docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', pptx: 'application/vnd.openxmlformats-officedocument.presentationml.presentation',
};

const MIME_RE = /^[a-z0-9][a-z0-9!#$&^_.+-]{0,63}\/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}$/;

/**
 * The type stored for an upload. Image types are believed only when the bytes confirm them:
 * a file that claims image/png but is not a PNG becomes application/octet-stream, so it is never
 * shown inline.
 */
export function decideMime(declared: string, extension: string, image: ImageInfo | null): string {
  if (image) return image.mime;
  let m = (declared || '').split(';')[0].trim().toLowerCase();
  if (!MIME_RE.test(m) || m === 'application/octet-stream') m = BY_EXT[extension] ?? 'application/octet-stream';
  if (m.startsWith('image/') && m !== 'image/svg+xml') return 'application/octet-stream';
  return m;
}

/** Whether a stored type may be served inline (images we sniffed, audio, video); never HTML or SVG. */
export function isInlineType(mime: string): boolean {
  if (mime === 'image/png' || mime === 'image/jpeg' || mime === 'image/gif' || mime === 'image/webp') return true;
  return (mime.startsWith('audio/') || mime.startsWith('video/')) && MIME_RE.test(mime);
}

const MAX_NAME_BYTES = 255;

/**
 * The user's file name made safe as metadata: the last path segment only (either slash), no
 * control characters, no leading dots or spaces, at most 255 UTF-8 bytes (the extension kept).
 * The result is never used as a path; storage keys are generated.
 */
export function sanitizeFileName(raw: string): string {
  let name = String(raw ?? '').normalize('NFC');
  name = name.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, '');
  name = name.split(/[\\/]/).pop() ?? '';
  name = name.replace(/^[\s.]+/, '').replace(/\s+$/, '');
  if (!name || name === '.' || name === '..') name = 'file';
  if (Buffer.byteLength(name) > MAX_NAME_BYTES) {
    const dot = name.lastIndexOf('.');
    const ext = dot > 0 && name.length - dot <= 16 ? name.slice(dot) : '';
    let base = name.slice(0, ext ? dot : name.length);
    while (Buffer.byteLength(base + ext) > MAX_NAME_BYTES) base = [...base].slice(0, -1).join('');
    name = base + ext;
  }
  return name;
}

export function extensionOf(name: string): string {
  const dot = name.lastIndexOf('.');
  if (dot <= 0) return '';
  const ext = name.slice(dot + 1).toLowerCase();
  return /^[a-z0-9]{1,16}$/.test(ext) ? ext : '';
}

/** RFC 6266 Content-Disposition with an ASCII fallback and the UTF-8 name in filename*. */
export function contentDisposition(kind: 'inline' | 'attachment', name: string): string {
  const fallback = name.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
  const encoded = encodeURIComponent(name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `${kind}; filename="${fallback}"; filename*=UTF-8''${encoded}`;
}
