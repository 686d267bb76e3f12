/**
 * Test helpers for files and backup suites: an s3rver on a free port, fake image bytes and a
 * raw multipart builder (raw so tests control every byte of the file name).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { createRequire } from 'node:module';

export interface S3Server {
  endpoint: string;
  port: number;
  stop(): Promise<void>;
  /** Starts again on the same port and directory (after stop). */
  start(): Promise<void>;
  cleanup(): Promise<void>;
}

/** Starts s3rver (path-style, any credentials) on 127.0.0.1 and a free port. */
export async function startS3rver(): Promise<S3Server> {
  const S3rver = createRequire(import.meta.url)('s3rver');
  const directory = mkdtempSync(join(tmpdir(), 'rustchat-s3rver-'));
  let port = 0;
  let inst: any;
  const start = async () => {
    inst = new S3rver({ address: '127.0.0.1', port, silent: true, directory, allowMismatchedSignatures: true });
    const addr = (await inst.run()) as AddressInfo;
    port = addr.port;
  };
  await start();
  const stop = async () => {
    const server = inst.httpServer as Server;
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  };
  return {
    get endpoint() {
      return `http://127.0.0.1:${port}`;
    },
    get port() {
      return port;
    },
    stop,
    start,
    async cleanup() {
      await stop().catch(() => {});
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

/** Bytes that start with a valid PNG signature and IHDR of the given size, then random data. */
export function fakePng(width: number, height: number, total = 4096): Buffer {
  const b = randomBytes(Math.max(total, 33));
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]).copy(b, 0);
  b.write('IHDR', 12, 'latin1');
  b.writeUInt32BE(width, 16);
  b.writeUInt32BE(height, 20);
  return b;
}

export interface Part {
  name: string;
  value?: string;
  filename?: string;
  /** Written as `filename*=UTF-8''<this>` (already percent-encoded), instead of filename. */
  filenameStar?: string;
  type?: string;
  data?: Buffer;
}

/** A multipart/form-data body; file names are written as given (quotes escaped only). */
export function multipart(parts: Part[]): { body: Buffer; contentType: string } {
  const boundary = `----rustchat${randomBytes(8).toString('hex')}`;
  const chunks: Buffer[] = [];
  for (const p of parts) {
    let head = `--${boundary}\r\nContent-Disposition: form-data; name="${p.name}"`;
    if (p.filename !== undefined) head += `; filename="${p.filename.replace(/"/g, '%22')}"`;
    if (p.filenameStar !== undefined) head += `; filename*=UTF-8''${p.filenameStar}`;
    head += '\r\n';
    if (p.filename !== undefined || p.filenameStar !== undefined) head += `Content-Type: ${p.type ?? 'application/octet-stream'}\r\n`;
    chunks.push(Buffer.from(head + '\r\n', 'utf8'), p.data ?? Buffer.from(p.value ?? '', 'utf8'), Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` };
}
