import { registerAdminOp, AdminStream } from '../admin/socket.ts';
import { storageOf } from '../actions/files.ts';
import { backupFileName } from './format.ts';

/**
 * `backup.create` on the admin socket: a running embedded-mode server streams a backup of its
 * own database and storage to `rustchat backup create` (which cannot open the locked database).
 * Args: {files?: boolean}. The answer is the .tar.gz byte stream; a failure aborts it, and the
 * client never renames a partial file into place.
 */
registerAdminOp('backup.create', async ({ deps, args }) => {
  const { backupStream } = await import('./create.ts'); // loaded on first use: keeps start-up lean
  const files = args.files !== false;
  const storage = files ? await storageOf(deps) : undefined;
  const now = deps.now();
  const stream = backupStream(
    { db: deps.db, storage },
    {
      files,
      now,
      warn: (message) => deps.log.warn('backup', { message }),
      onDone: (err, m) => (err ? deps.log.error('backup failed', { err }) : deps.log.info('backup created', { tables: m?.tables.length, files: m?.files?.count ?? 0 })),
    },
  );
  return new AdminStream(stream, 'application/gzip', backupFileName(now));
});
