import { Command, InvalidArgumentError } from 'commander';
import { createWriteStream, existsSync, mkdirSync, renameSync, rmSync, statSync, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { basename, dirname, join, resolve } from 'node:path';
import { Transform, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { action, configFrom, dataOptions, jsonOption, printJson, UsageError } from './common.ts';
import type { Config } from '../config.ts';
import { openDatabase } from '../boot.ts';
import { openStorage } from '../files/open.ts';
import { createLogger } from '../log.ts';
import type { IncomingMessage } from 'node:http';
import { callAdminRaw, AdminUnavailableError } from '../admin/socket.ts';
import { AppError } from '../errors.ts';
import { DataDirLockedError } from '../db/lock.ts';
import { backupFileName } from '../backup/format.ts';
import { stderrProgress, type Progress } from '../backup/progress.ts';

// The archive code (tar, zlib, restore) is loaded only when a backup command runs.
const createBackup: typeof import('../backup/create.ts').createBackup = async (...a) => (await import('../backup/create.ts')).createBackup(...a);
const restoreBackup: typeof import('../backup/restore.ts').restoreBackup = async (...a) => (await import('../backup/restore.ts')).restoreBackup(...a);
const readManifest: typeof import('../backup/restore.ts').readManifest = async (...a) => (await import('../backup/restore.ts')).readManifest(...a);
const listBackups: typeof import('../backup/list.ts').listBackups = async (...a) => (await import('../backup/list.ts')).listBackups(...a);
const pruneBackups = async (dir: string, keep: number) => (await import('../backup/list.ts')).pruneBackups(dir, keep);

type Common = { config?: string; dataDir?: string; json?: boolean; quiet?: boolean };

const count = (v: string) => {
  if (!/^\d+$/.test(v) || Number(v) < 1) throw new InvalidArgumentError('must be a whole number of at least 1');
  return Number(v);
};

const mib = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MiB`;

/** What `backup.snapshot` answers (src/admin/backup-ops.ts). */
interface SnapshotAnswer {
  dir: string;
  bytes: number;
  heldMaxMs: number;
}

/**
 * The backup of a running server, through its admin socket; false when no server listens.
 * An embedded server copies its database into its data directory (chat waits only milliseconds,
 * src/db/pglite-snapshot.ts) and this process dumps the copy with its own PGlite, then deletes it.
 * When that is impossible (not enough free space for the copy, an older server) the server dumps
 * its database itself and streams the archive, holding its single connection meanwhile.
 */
async function viaSocket(config: Config, files: boolean, out: Writable, progress: Progress, tmpDir: string | undefined): Promise<boolean> {
  let snap: { answer: SnapshotAnswer; conn: IncomingMessage } | undefined;
  try {
    const conn = await callAdminRaw(config.server.data_dir, 'backup.snapshot', {});
    snap = { answer: await firstLine(conn), conn };
  } catch (e) {
    if (e instanceof AdminUnavailableError) return false;
    if (!(e instanceof AppError)) throw e;
    if (e.code === 'storage_full') process.stderr.write(`warning: ${e.message}; the server makes the backup itself instead, and its queries wait until it has read the database\n`);
    else if (e.code !== 'unknown_op' && e.code !== 'not_embedded') throw e;
  }
  if (snap) {
    try {
      await fromSnapshot(config, snap.answer.dir, files, out, progress, tmpDir);
    } finally {
      rmSync(snap.answer.dir, { recursive: true, force: true });
      snap.conn.destroy(); // the server deletes the copy too when the connection closes, however it closes
    }
    return true;
  }
  const res = await callAdminRaw(config.server.data_dir, 'backup.create', { files });
  let bytes = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _e, cb) {
      bytes += chunk.length;
      progress('backup bytes from server', bytes, 0);
      cb(null, chunk);
    },
  });
  // The server aborts the response when the backup fails; a cut stream must not look complete.
  let complete = false;
  res.on('end', () => (complete = true));
  await pipeline(res, counter, out);
  if (!complete) throw new Error('the server aborted the backup (see its log)');
  return true;
}

/** The JSON line `backup.snapshot` answers first (the connection stays open after it). */
async function firstLine(res: IncomingMessage): Promise<SnapshotAnswer> {
  // Not `for await`: leaving that loop would destroy the response, and with it the copy.
  return new Promise((resolve, reject) => {
    let text = '';
    const onData = (chunk: Buffer) => {
      text += chunk.toString('utf8');
      const nl = text.indexOf('\n');
      if (nl < 0) return;
      res.off('data', onData);
      res.off('end', onEnd);
      res.pause();
      try {
        resolve(JSON.parse(text.slice(0, nl)) as SnapshotAnswer);
      } catch (e) {
        reject(e);
      }
    };
    const onEnd = () => reject(new Error('the server closed the connection before the snapshot was ready (see its log)'));
    res.on('data', onData);
    res.on('end', onEnd);
    res.on('error', reject);
  });
}

/** Dumps a snapshot of the embedded database (opened here: crash recovery makes it consistent) and the storage. */
async function fromSnapshot(config: Config, dir: string, files: boolean, out: Writable, progress: Progress, tmpDir: string | undefined) {
  const { openPglite } = await import('../db/pglite.ts');
  const db = await openPglite({ dataDir: dir, scratch: true });
  try {
    const storage = files ? await openStorage(config) : undefined;
    try {
      await createBackup({ db, storage }, out, { files, progress, tmpDir, warn: (m) => process.stderr.write(`warning: ${m}\n`) });
    } finally {
      await storage?.close();
    }
  } finally {
    await db.close();
  }
}

/** Runs a backup in this process: the database (PostgreSQL, or embedded under its lock) and storage. */
async function direct(config: Config, files: boolean, out: Writable, progress: Progress, tmpDir: string | undefined) {
  let opened;
  try {
    opened = await openDatabase(config, createLogger('error', (l) => process.stderr.write(l + '\n')));
  } catch (e) {
    if (e instanceof DataDirLockedError) throw new Error(`${e.message} (a running server answers backups over its admin socket; is ${join(config.server.data_dir, 'admin.sock')} missing?)`);
    throw e;
  }
  const storage = files ? await openStorage(config) : undefined;
  try {
    await createBackup({ db: opened.db, storage }, out, { files, progress, tmpDir, warn: (m) => process.stderr.write(`warning: ${m}\n`) });
  } finally {
    await storage?.close();
    await opened.db.close();
    opened.lock?.release();
  }
}

function createCommand(): Command {
  return jsonOption(dataOptions(new Command('create')))
    .description('write a backup archive (.tar.gz) of the database and the files')
    .option('-o, --output <path>', 'archive file, a directory to put it in, or - for stdout (default: <data_dir>/backups/)')
    .option('--no-files', 'leave the stored files out (database only)')
    .option('--keep <n>', 'afterwards delete all but the newest N backups in the output directory', count)
    .option('-q, --quiet', 'no progress on stderr')
    .action(
      action(async (opts: Common & { output?: string; files: boolean; keep?: number }) => {
        const config = configFrom(opts);
        const progress = stderrProgress({ quiet: opts.quiet });
        const now = Date.now();
        if (opts.output === '-') {
          if (opts.keep) throw new UsageError('--keep needs an output directory, not stdout');
          if (process.stdout.isTTY) throw new UsageError('refusing to write a binary archive to a terminal; redirect stdout or use --output FILE');
          const out = process.stdout as unknown as Writable;
          if (!(await viaSocket(config, opts.files, out, progress, undefined))) await direct(config, opts.files, out, progress, undefined);
          progress.end();
          return;
        }
        const target = resolve(opts.output ?? join(config.server.data_dir, 'backups') + '/');
        const isDir = (opts.output === undefined || opts.output.endsWith('/') || (existsSync(target) && statSync(target).isDirectory()));
        const dir = isDir ? target : dirname(target);
        const name = isDir ? backupFileName(now) : basename(target);
        mkdirSync(dir, { recursive: true, mode: 0o700 });
        const final = join(dir, name);
        const tmp = join(dir, `.${name}.${process.pid}.partial`);
        const out: WriteStream = createWriteStream(tmp, { mode: 0o600, flags: 'wx' });
        try {
          if (!(await viaSocket(config, opts.files, out, progress, dir))) await direct(config, opts.files, out, progress, dir);
          if (!out.closed) await once(out, 'close');
          renameSync(tmp, final);
        } catch (e) {
          out.destroy();
          rmSync(tmp, { force: true });
          throw e;
        } finally {
          progress.end();
        }
        const manifest = await readManifest(final);
        const bytes = statSync(final).size;
        const pruned = opts.keep ? await pruneBackups(dir, opts.keep) : [];
        if (opts.json) printJson({ file: final, bytes, pruned, manifest });
        else {
          const rows = manifest.tables.reduce((n, t) => n + t.rows, 0);
          process.stdout.write(`${final}  ${mib(bytes)}  ${rows} rows in ${manifest.tables.length} tables, ${manifest.files ? `${manifest.files.count} files` : 'files not included'}\n`);
          for (const p of pruned) process.stdout.write(`pruned ${p}\n`);
        }
      }),
    );
}

function restoreCommand(): Command {
  return jsonOption(dataOptions(new Command('restore')))
    .description('restore a backup archive into an empty installation (stop the server first)')
    .argument('<file>', 'the .tar.gz written by backup create')
    .option('--force', 'replace the data of a non-empty installation')
    .option('-q, --quiet', 'no progress on stderr')
    .action(
      action(async (file: string, opts: Common & { force?: boolean }) => {
        const config = configFrom(opts);
        if (!existsSync(file)) throw new UsageError(`no such file: ${file}`);
        const progress = stderrProgress({ quiet: opts.quiet });
        const { db, lock } = await openDatabase(config, createLogger('error', (l) => process.stderr.write(l + '\n')));
        try {
          const storage = await openStorage(config);
          try {
            const r = await restoreBackup({ db, storage }, file, { force: opts.force, progress });
            progress.end();
            if (opts.json) printJson({ file, rows: r.rows, files: r.files, migrations_applied: r.migrationsApplied, manifest: r.manifest });
            else process.stdout.write(`restored ${r.rows} rows and ${r.files} files from ${file} (made ${r.manifest.created_at_iso} by RustChat ${r.manifest.app_version}, schema ${r.manifest.schema_version})\n`);
          } finally {
            await storage.close();
          }
        } finally {
          progress.end();
          await db.close();
          lock?.release();
        }
      }),
    );
}

function listCommand(): Command {
  return jsonOption(new Command('list'))
    .description('list the backups in a directory, newest first')
    .argument('<dir>', 'directory holding rustchat-backup-*.tar.gz files')
    .action(
      action(async (dir: string, opts: { json?: boolean }) => {
        if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new UsageError(`not a directory: ${dir}`);
        const items = await listBackups(dir);
        if (opts.json) return printJson(items);
        if (!items.length) process.stdout.write('no backups\n');
        for (const b of items) {
          if (b.error) process.stdout.write(`${basename(b.file)}  ${mib(b.bytes)}  UNREADABLE: ${b.error}\n`);
          else process.stdout.write(`${basename(b.file)}  ${b.created_at}  ${mib(b.bytes)}  v${b.app_version} schema ${b.schema_version}  ${b.rows?.users ?? 0} users, ${b.rows?.posts ?? 0} posts, ${b.files ?? 'no'} files\n`);
        }
        return undefined;
      }),
    );
}

/** `rustchat backup create|restore|list` (docs/backup.md). */
export function backupCommand(): Command {
  return new Command('backup').description('back up and restore the database and files').addCommand(createCommand()).addCommand(restoreCommand()).addCommand(listCommand());
}
