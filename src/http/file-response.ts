import { Readable } from 'node:stream';
import type { openFileContent } from '../actions/files.ts';

type FileContent = Awaited<ReturnType<typeof openFileContent>>;

/**
 * The HTTP response for a file's bytes, shared by /api/v1/files and /api/v4/files: nosniff, a
 * sandbox CSP, the disposition chosen by the action (attachment unless image/audio/video), ETag
 * with 304, and Range with 206/416. `headers` carries the API's own headers (e.g. X-Version-Id).
 */
export function fileResponse(content: FileContent, headers: Headers = new Headers()): Response {
  headers.set('Cache-Control', content.cacheControl);
  headers.set('ETag', content.etag);
  if (content.notModified) {
    headers.delete('Content-Type');
    return new Response(null, { status: 304, headers });
  }
  headers.set('Content-Type', content.contentType);
  headers.set('Content-Disposition', content.disposition);
  headers.set('X-Content-Type-Options', 'nosniff');
  headers.set('Content-Security-Policy', "default-src 'none'; sandbox");
  headers.set('Accept-Ranges', 'bytes');
  if (content.unsatisfiable) {
    headers.set('Content-Range', `bytes */${content.size}`);
    return new Response(null, { status: 416, headers });
  }
  const stream = Readable.toWeb(content.stream!) as unknown as ReadableStream;
  if (content.range) {
    const { start, end } = content.range;
    headers.set('Content-Range', `bytes ${start}-${end}/${content.size}`);
    headers.set('Content-Length', String(end - start + 1));
    return new Response(stream, { status: 206, headers });
  }
  headers.set('Content-Length', String(content.size));
  return new Response(stream, { status: 200, headers });
}
