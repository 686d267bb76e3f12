import type { Deps } from '../deps.ts';
import { readinessChecks } from '../readiness.ts';

/**
 * Reports file storage on /health/ready. S3 is required (the bucket must answer); the local
 * directory only reports, so a full or broken disk does not take text chat out of rotation.
 */
export function registerStorageCheck(deps: Deps): void {
  const storage = deps.storage;
  if (!storage) return;
  readinessChecks(deps.local).push({
    name: storage.kind === 's3' ? 's3' : 'files',
    required: storage.kind === 's3',
    check: async () => {
      await storage.check();
      return 'ok';
    },
  });
}
