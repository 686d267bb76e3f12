import { join } from 'node:path';
import type { Config } from '../config.ts';
import type { Storage } from './storage.ts';

// Apart from storage.ts: the backends import its interface and errors, and this imports them.
/** Opens the storage named by the config: S3 when s3.bucket is set, else `<data_dir>/files`. */
export async function openStorage(config: Config): Promise<Storage> {
  if (config.s3.bucket) {
    const { openS3Storage } = await import('./s3.ts');
    return openS3Storage({
      endpoint: config.s3.endpoint,
      bucket: config.s3.bucket,
      accessKey: config.s3.access_key,
      secretKey: config.s3.secret_key,
      region: config.s3.region,
      forcePathStyle: config.s3.force_path_style,
      createBucket: config.s3.create_bucket,
    });
  }
  const { openLocalStorage } = await import('./local.ts');
  return openLocalStorage(join(config.server.data_dir, 'files'), { minFreeBytes: config.server.min_free_disk_mb * 1024 * 1024 });
}
