import { randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { Config } from '../config.ts';
import type { Deps } from '../deps.ts';
import { openDatabase, withServices } from '../boot.ts';
import { migrate } from '../db/migrate.ts';
import { createMemoryBus } from '../realtime/bus.ts';
import { createLogger } from '../log.ts';
import { adminOp, AdminStream, AdminUnavailableError, callAdminRaw, emptyBody } from './socket.ts';

export interface RunOpOptions {
  /** Raw input for upload-style operations. */
  body?: Readable;
  /** Receives the bytes of an operation that answers with a stream (both modes). */
  onStream?: (stream: Readable, meta: { contentType: string; filename?: string }) => Promise<void>;
}

/**
 * Runs an admin operation for the command line: over the admin socket when a server runs on the
 * embedded data directory, otherwise directly against the database (PostgreSQL, or the embedded
 * one under the data-directory lock, migrated first so a fresh install can create its first
 * admin before the first `serve`).
 */
export async function runAdminOp(config: Config, name: string, args: Record<string, unknown>, opts: RunOpOptions = {}): Promise<unknown> {
  const handler = adminOp(name);
  if (!handler) throw new Error(`unknown admin operation ${name}`);
  if (!config.database.url) {
    try {
      const res = await callAdminRaw(config.server.data_dir, name, args, { body: opts.body });
      const type = String(res.headers['content-type'] ?? '');
      if (type.startsWith('application/json')) {
        let text = '';
        res.setEncoding('utf8');
        for await (const chunk of res) text += chunk;
        return JSON.parse(text).result;
      }
      if (!opts.onStream) throw new Error(`admin operation ${name} answered a stream, but the caller expected JSON`);
      const filename = res.headers['x-admin-filename'];
      await opts.onStream(res, { contentType: type, filename: typeof filename === 'string' ? filename : undefined });
      return null;
    } catch (e) {
      if (!(e instanceof AdminUnavailableError)) throw e;
      // Nobody is listening: open the data directory ourselves (fails cleanly on the lock if a
      // server is starting up or runs without its socket).
    }
  }
  const local = await openLocalDeps(config);
  try {
    const result = await handler({ deps: local.deps, args, body: opts.body ?? emptyBody() });
    if (result instanceof AdminStream) {
      if (!opts.onStream) throw new Error(`admin operation ${name} answered a stream, but the caller expected JSON`);
      await opts.onStream(result.stream, { contentType: result.contentType, filename: result.filename });
      return null;
    }
    // Round-trip through JSON so both modes return the same shapes.
    return result === undefined ? null : JSON.parse(JSON.stringify(result));
  } finally {
    await local.close();
  }
}

/**
 * Deps for a one-shot command: the database (migrated), the bus (Redis when configured, else
 * in-process), errors-only logging to stderr.
 */
export async function openLocalDeps(config: Config): Promise<{ deps: Deps; close(): Promise<void> }> {
  const log = createLogger('error', (line) => process.stderr.write(line + '\n'));
  const { db, lock } = await openDatabase(config, log);
  try {
    await migrate(db);
  } catch (e) {
    await db.close();
    lock?.release();
    throw e;
  }
  // With Redis, revocations made here reach every server at once (their hubs close the sockets);
  // without it, servers on PostgreSQL notice through the session rows within a second.
  // Loaded only when configured, like boot.ts does: node-redis is a large module.
  const bus = config.redis.url ? await (await import('../realtime/redis-bus.ts')).createRedisBus({ url: config.redis.url, prefix: config.redis.channel_prefix, log, connectWaitMs: 1000 }) : createMemoryBus();
  const jwtKey = config.auth.jwt_secret ? new TextEncoder().encode(config.auth.jwt_secret) : randomBytes(32);
  const deps = withServices({ config, db, bus, log, now: Date.now, jwtKey });
  return {
    deps,
    async close() {
      await deps.services.close();
      await bus.close();
      await db.close();
      lock?.release();
    },
  };
}
