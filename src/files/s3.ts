import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { Readable } from 'node:stream';
import { assertKey, StorageError, type Storage } from './storage.ts';

export interface S3Options {
  endpoint: string;
  bucket: string;
  accessKey: string;
  secretKey: string;
  region: string;
  forcePathStyle: boolean;
  createBucket: boolean;
  /** Multipart part size (default 8 MiB); memory per upload is about partSize × queueSize. */
  partSize?: number;
}

const NOT_FOUND = new Set(['NotFound', 'NoSuchKey', 'NoSuchBucket']);
const FULL = new Set(['EntityTooLarge', 'QuotaExceeded', 'XMinioStorageFull']);

function s3Error(e: unknown, what: string): StorageError {
  if (e instanceof StorageError) return e;
  const err = e as { name?: string; Code?: string; $metadata?: { httpStatusCode?: number }; code?: string; message?: string };
  const name = err?.name ?? err?.Code ?? '';
  if (NOT_FOUND.has(name) || err?.$metadata?.httpStatusCode === 404) return new StorageError('not_found', `${what}: not found`, { cause: e });
  if (FULL.has(name) || err?.$metadata?.httpStatusCode === 507) return new StorageError('full', `${what}: storage is full (${name})`, { cause: e });
  return new StorageError('unavailable', `${what}: ${[name, err?.code, err?.message].filter(Boolean).join(': ') || 'S3 error'}`, { cause: e });
}

/**
 * An S3-compatible bucket (AWS, MinIO, Ceph RGW, s3rver). Puts go through lib-storage's
 * multipart Upload, so memory stays at a few parts whatever the object size; an aborted body
 * aborts the multipart upload and leaves no object.
 */
export async function openS3Storage(o: S3Options): Promise<Storage> {
  const client = new S3Client({
    endpoint: o.endpoint || undefined,
    region: o.region || 'us-east-1',
    forcePathStyle: o.forcePathStyle,
    credentials: o.accessKey ? { accessKeyId: o.accessKey, secretAccessKey: o.secretKey } : undefined,
    maxAttempts: 2,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  // Every logical request (after the SDK's retries) and those that failed for any reason but
  // "not found", for the metrics (rustchat_storage_*): S3 trouble shows between two scrapes.
  const counts = { requests: 0, errors: 0 };
  client.middlewareStack.add(
    (next) => async (args) => {
      counts.requests++;
      try {
        return await next(args);
      } catch (e) {
        if (s3Error(e, '').kind !== 'not_found') counts.errors++;
        throw e;
      }
    },
    { step: 'initialize', name: 'rustchatRequestCounts' },
  );
  const Bucket = o.bucket;
  const where = `${o.endpoint || 'AWS S3'} bucket ${JSON.stringify(Bucket)}`;

  try {
    await client.send(new HeadBucketCommand({ Bucket }));
  } catch (e) {
    const se = s3Error(e, where);
    if (se.kind !== 'not_found') {
      client.destroy();
      throw new Error(`cannot reach S3 storage at ${where}: ${se.message}`);
    }
    if (!o.createBucket) {
      client.destroy();
      throw new Error(`S3 ${where} does not exist; create it, or set s3.create_bucket = true (RUSTCHAT_S3_CREATE_BUCKET=true)`);
    }
    try {
      await client.send(new CreateBucketCommand({ Bucket }));
    } catch (e2) {
      client.destroy();
      throw new Error(`cannot create S3 ${where}: ${s3Error(e2, where).message}`);
    }
  }

  return {
    kind: 's3',
    async putStream(key, body, opts) {
      assertKey(key);
      let size = 0;
      body.on('data', (chunk: Buffer) => (size += chunk.length));
      let bodyError: unknown;
      body.on('error', (e) => (bodyError ??= e));
      const upload = new Upload({
        client,
        params: { Bucket, Key: key, Body: body, ContentType: opts?.contentType ?? 'application/octet-stream' },
        partSize: o.partSize ?? 8 * 1024 * 1024,
        queueSize: 2,
        leavePartsOnError: false,
      });
      try {
        await upload.done();
        if (bodyError) throw bodyError;
        return { size };
      } catch (e) {
        // The body's own error (e.g. the upload limit) wins over what the SDK made of it.
        if (bodyError) throw bodyError;
        throw s3Error(e, 'writing file');
      }
    },
    async getStream(key, range) {
      assertKey(key);
      try {
        const res = await client.send(new GetObjectCommand({ Bucket, Key: key, Range: range ? `bytes=${range.start}-${range.end}` : undefined }));
        const b = res.Body as unknown;
        if (b instanceof Readable) return b;
        return Readable.fromWeb(b as import('node:stream/web').ReadableStream);
      } catch (e) {
        throw s3Error(e, 'reading file');
      }
    },
    async head(key) {
      assertKey(key);
      try {
        const res = await client.send(new HeadObjectCommand({ Bucket, Key: key }));
        return { size: Number(res.ContentLength ?? 0) };
      } catch (e) {
        const se = s3Error(e, 'reading file');
        if (se.kind === 'not_found') return null;
        throw se;
      }
    },
    async delete(key) {
      assertKey(key);
      try {
        await client.send(new DeleteObjectCommand({ Bucket, Key: key }));
      } catch (e) {
        const se = s3Error(e, 'deleting file');
        if (se.kind !== 'not_found') throw se;
      }
    },
    async *list(prefix = '') {
      let token: string | undefined;
      do {
        let res;
        try {
          res = await client.send(new ListObjectsV2Command({ Bucket, Prefix: prefix || undefined, ContinuationToken: token }));
        } catch (e) {
          throw s3Error(e, 'listing files');
        }
        for (const obj of res.Contents ?? []) if (obj.Key) yield { key: obj.Key, size: Number(obj.Size ?? 0) };
        token = res.IsTruncated ? res.NextContinuationToken : undefined;
      } while (token);
    },
    async check() {
      try {
        await client.send(new HeadBucketCommand({ Bucket }));
      } catch (e) {
        throw s3Error(e, where);
      }
    },
    async close() {
      client.destroy();
    },
    stats: () => ({ ...counts }),
  };
}
