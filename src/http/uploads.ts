import type { Context } from 'hono';
import { Readable } from 'node:stream';
import busboy from 'busboy';
import type { IncomingMessage } from 'node:http';
import { badRequest, clientClosed, tooLarge } from '../errors.ts';
import type { Deps } from '../deps.ts';
import { MAX_FILES_PER_UPLOAD, type UploadPart } from '../actions/files.ts';

/**
 * Requests whose bodies stream to file storage under files.max_upload_bytes instead of the
 * JSON body limit (server.ts skips limitBody for them). Includes the Mattermost route.
 */
export function isUploadRequest(method: string, path: string): boolean {
  return method === 'POST' && (path === '/api/v1/files' || path === '/api/v4/files');
}

export interface MultipartUpload {
  /** Non-file fields seen before the first file. */
  fields: Map<string, string>;
  /** The files, one at a time; each stream must be consumed before the next part arrives. */
  parts: AsyncIterable<UploadPart>;
  /** Stops parsing and discards the rest of the body (after an error). */
  abort(): void;
  /** Every value of a repeated field seen so far, in order (Mattermost's `client_ids`). */
  all(name: string): string[];
}

/**
 * Parses a multipart request body with busboy, streaming: fields first (resolved as soon as the
 * first file starts or the body ends), then files as an async iterable. Nothing is buffered
 * beyond busboy's own chunks. Used by both API versions.
 */
export async function readMultipart(c: Context, maxFiles = MAX_FILES_PER_UPLOAD): Promise<MultipartUpload> {
  const type = c.req.header('content-type') ?? '';
  if (!/^multipart\/form-data/i.test(type)) throw badRequest('invalid_content_type', 'Expected a multipart/form-data body');
  // A declared length that cannot fit (every file at the limit, plus room for the multipart
  // framing) is refused before a byte is read.
  const max = (c.get('deps') as Deps).config.files.max_upload_bytes;
  const declared = Number(c.req.header('content-length'));
  if (Number.isFinite(declared) && declared > max * maxFiles + 1024 * 1024) throw tooLarge('file_too_large', `A file exceeds the upload limit of ${max} bytes`);
  const body = c.req.raw.body;
  if (!body) throw badRequest('no_files', 'The upload contains no file');
  let bb: busboy.Busboy;
  try {
    bb = busboy({ headers: { 'content-type': type }, defParamCharset: 'utf8', limits: { files: maxFiles + 1, fields: 50, fieldSize: 64 * 1024, parts: maxFiles + 60 } });
  } catch {
    throw badRequest('invalid_content_type', 'Malformed multipart content type');
  }
  const fields = new Map<string, string>();
  const queue: (UploadPart | null | Error)[] = [];
  let wake: (() => void) | undefined;
  let fieldsDone: (() => void) | undefined;
  const fieldsReady = new Promise<void>((r) => (fieldsDone = r));
  const push = (v: UploadPart | null | Error) => {
    queue.push(v);
    fieldsDone?.();
    wake?.();
  };
  const repeated: [string, string][] = [];
  bb.on('field', (name, value) => {
    fields.set(name, value);
    if (repeated.length < 100) repeated.push([name, value]);
  });
  bb.on('file', (_name, stream, info) => {
    // A body that breaks off can fail this stream before the consumer takes it from the queue;
    // the error stays in stream.errored for it (uploadFiles), instead of crashing the process.
    stream.on('error', () => {});
    push({ filename: info.filename ?? '', mime: info.mimeType ?? '', stream });
  });
  bb.on('close', () => push(null));
  bb.on('error', (e) => push(badRequest('invalid_multipart', `Malformed multipart body: ${(e as Error).message}`)));
  const source = Readable.fromWeb(body as import('node:stream/web').ReadableStream);
  source.on('error', (e) => push(badRequest('invalid_multipart', `The upload body could not be read: ${(e as Error).message}`)));
  source.pipe(bb);
  // The client gone in the middle of the body: the web stream over the request never ends, so the
  // upload would wait forever (its handler, its temporary file). Fail the file being written and
  // the parts still to come; the action removes what the request stored.
  const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
  incoming?.once('close', () => {
    if (incoming.complete) return;
    const e = clientClosed();
    push(e);
    source.unpipe(bb);
    bb.destroy(e);
  });
  await fieldsReady;
  const abort = () => {
    source.unpipe(bb);
    source.resume();
  };
  return {
    fields,
    abort,
    all: (name: string) => repeated.filter(([n]) => n === name).map(([, v]) => v),
    parts: {
      async *[Symbol.asyncIterator]() {
        for (;;) {
          while (!queue.length) await new Promise<void>((r) => (wake = r));
          const next = queue.shift()!;
          if (next === null) return;
          if (next instanceof Error) throw next;
          yield next;
        }
      },
    },
  };
}
