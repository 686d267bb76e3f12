import type { Deps } from '../deps.ts';

/**
 * Reports file storage on /health/ready. Neither S3 nor the local directory is required: with
 * the bucket unreachable or the disk broken, uploads and downloads answer 503 but text chat
 * works, so readiness says `degraded` (200) and a load balancer keeps the node in rotation.
 */
export function registerStorageCheck(deps: Deps): void {
  const storage = deps.storage;
  if (!storage) return;
  deps.services.readiness.push({
    name: storage.kind === 's3' ? 's3' : 'files',
    required: false,
    check: async () => ((await storage.check()) === 'full' ? 'full' : 'ok'),
  });
}
