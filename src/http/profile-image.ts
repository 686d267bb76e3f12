import type { Context } from 'hono';
import { Readable } from 'node:stream';
import { createHash } from 'node:crypto';
import { badRequest, tooLarge } from '../errors.ts';
import { MAX_PICTURE_BYTES } from '../actions/profile-image.ts';
import { defaultAvatarPng } from './v4/avatar.ts';

const FRAMING = 64 * 1024;

/** The `image` file of a multipart/form-data body (both APIs' picture uploads). */
export async function readPictureUpload(c: Context): Promise<Buffer | undefined> {
  const type = c.req.header('content-type') ?? '';
  if (!/^multipart\/form-data/i.test(type)) throw badRequest('invalid_content_type', 'Expected a multipart/form-data body with an "image" file');
  const declared = Number(c.req.header('content-length'));
  if (Number.isFinite(declared) && declared > MAX_PICTURE_BYTES + FRAMING) throw tooLarge('picture_too_large', `A profile picture may be at most ${MAX_PICTURE_BYTES} bytes`);
  let form: FormData;
  try {
    form = await c.req.raw.formData();
  } catch {
    throw badRequest('invalid_multipart', 'The multipart body could not be read');
  }
  const v = form.get('image');
  return v && typeof v !== 'string' ? Buffer.from(await v.arrayBuffer()) : undefined;
}

/**
 * A profile picture response. Clients put last_picture_update in the URL (`?_=` as Mattermost's
 * apps do); when it names the current version, the answer may be cached for good (immutable);
 * otherwise it must be revalidated (ETag → 304). Uploaded pictures keep the type found at upload,
 * nosniff, sandboxed; without one, the generated default PNG.
 */
export function pictureResponse(
  c: Context,
  userId: string,
  r: { version: number; picture: { mime: string; size: number; sha256: string; stream: Readable } | null },
  headers: Headers = new Headers(),
): Response {
  const asked = c.req.query('_') ?? c.req.query('t');
  headers.set('Cache-Control', asked !== undefined && asked === String(r.version) ? 'private, max-age=31536000, immutable' : 'private, no-cache');
  const body = r.picture ? undefined : defaultAvatarPng(userId);
  const etag = r.picture ? `"${r.picture.sha256.slice(0, 32)}"` : `"d${createHash('sha256').update(body!).digest('hex').slice(0, 31)}"`;
  headers.set('ETag', etag);
  headers.set('X-Content-Type-Options', 'nosniff');
  const inm = c.req.header('if-none-match');
  if (inm && inm.split(',').some((t) => t.trim() === etag)) {
    r.picture?.stream.destroy();
    headers.delete('Content-Type');
    return new Response(null, { status: 304, headers });
  }
  headers.set('Content-Security-Policy', "default-src 'none'; sandbox");
  headers.set('Content-Disposition', 'inline');
  if (!r.picture) {
    headers.set('Content-Type', 'image/png');
    headers.set('Content-Length', String(body!.length));
    return new Response(new Uint8Array(body!), { status: 200, headers });
  }
  headers.set('Content-Type', r.picture.mime);
  headers.set('Content-Length', String(r.picture.size));
  return new Response(Readable.toWeb(r.picture.stream) as unknown as ReadableStream, { status: 200, headers });
}
