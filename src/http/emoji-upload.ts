import type { Context } from 'hono';
import { Readable } from 'node:stream';
import { badRequest, tooLarge } from '../errors.ts';
import { MAX_EMOJI_BYTES } from '../actions/emoji.ts';

/** Room for the multipart framing and the other fields around an image at the limit. */
const FRAMING = 64 * 1024;

/**
 * Reads a custom emoji upload (multipart/form-data: an `image` file and text fields), for both
 * APIs. The JSON body limit (server.body_limit_bytes) already applies to these routes; a declared
 * length that cannot hold an image within the emoji limit is refused before a byte is read.
 */
export async function readEmojiUpload(c: Context): Promise<{ fields: Map<string, string>; image: Buffer | undefined }> {
  const type = c.req.header('content-type') ?? '';
  if (!/^multipart\/form-data/i.test(type)) throw badRequest('invalid_content_type', 'Expected a multipart/form-data body');
  const declared = Number(c.req.header('content-length'));
  if (Number.isFinite(declared) && declared > MAX_EMOJI_BYTES + FRAMING) throw tooLarge('emoji_too_large', `An emoji image may be at most ${MAX_EMOJI_BYTES} bytes`);
  let form: FormData;
  try {
    form = await c.req.raw.formData();
  } catch {
    throw badRequest('invalid_multipart', 'The multipart body could not be read');
  }
  const fields = new Map<string, string>();
  let image: Buffer | undefined;
  for (const [name, value] of form.entries()) {
    if (typeof value === 'string') fields.set(name, value);
    else if (name === 'image' && !image) image = Buffer.from(await value.arrayBuffer());
  }
  return { fields, image };
}

/**
 * A custom emoji image: immutable (an emoji's image never changes; a new image is a new emoji id),
 * private (it needs a session), nosniff with the type found when it was uploaded, ETag from its
 * checksum.
 */
/** What the response needs of the emoji (its row from actions/emoji.ts: http does not import store/). */
export interface EmojiImage {
  sha256: string;
  mime_type: string;
  size: number;
}

export function emojiImageResponse(emoji: EmojiImage, stream: Readable, ifNoneMatch: string | undefined, headers: Headers = new Headers()): Response {
  const etag = `"${emoji.sha256.slice(0, 32)}"`;
  headers.set('Cache-Control', 'private, max-age=31536000, immutable');
  headers.set('ETag', etag);
  if (ifNoneMatch && ifNoneMatch.split(',').some((t) => t.trim() === etag)) {
    stream.destroy();
    headers.delete('Content-Type');
    return new Response(null, { status: 304, headers });
  }
  headers.set('Content-Type', emoji.mime_type);
  headers.set('Content-Length', String(emoji.size));
  headers.set('X-Content-Type-Options', 'nosniff');
  headers.set('Content-Security-Policy', "default-src 'none'; sandbox");
  headers.set('Content-Disposition', 'inline');
  return new Response(Readable.toWeb(stream) as unknown as ReadableStream, { status: 200, headers });
}
