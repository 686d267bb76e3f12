import { createServer, request, type IncomingMessage } from 'node:http';
import { chmodSync, existsSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { Deps } from '../deps.ts';
import { AppError } from '../errors.ts';

/**
 * The local admin socket: while `serve` runs on the embedded database (which one process at a
 * time may open), admin commands reach it over a Unix socket in the data directory instead of
 * failing on the data-directory lock — like `mmctl --local`. The socket file is mode 0600, so only
 * the server's own OS user (and root) can connect; there is no other authentication.
 *
 * Operations are registered by name (`registerAdminOp`) at module load; src/admin/index.ts imports
 * every module that registers some. The same handler serves the socket and the command line's
 * direct mode (see run.ts), so an operation behaves the same whether or not a server is running.
 *
 * Wire protocol (HTTP/1.1 over the socket): `POST /ops/<name>`, arguments as base64url JSON in the
 * `X-Admin-Args` header, the request body (if any) passed raw to the handler as a stream. Answers:
 * `200 application/json {"result": …}`, or a raw stream when the handler returns an AdminStream,
 * or `4xx/5xx {"error": {code, message, details}}`.
 */
export interface AdminOpContext {
  deps: Deps;
  args: Record<string, unknown>;
  /** The raw request body (uploads); an empty stream when there is none. */
  body: Readable;
}
export type AdminOpHandler = (ctx: AdminOpContext) => Promise<unknown>;

/** Return this from a handler to stream bytes (e.g. a backup tarball) instead of JSON. */
export class AdminStream {
  constructor(
    readonly stream: Readable,
    readonly contentType = 'application/octet-stream',
    readonly filename?: string,
  ) {}
}

const registry = new Map<string, AdminOpHandler>();

export function registerAdminOp(name: string, handler: AdminOpHandler): void {
  if (!/^[a-z][a-z0-9.-]*$/.test(name)) throw new Error(`invalid admin op name ${name}`);
  registry.set(name, handler);
}

export function adminOp(name: string): AdminOpHandler | undefined {
  return registry.get(name);
}

export function adminOpNames(): string[] {
  return [...registry.keys()].sort();
}

/** `<data_dir>/admin.sock`, or $RUSTCHAT_ADMIN_SOCKET when set (for data dirs whose path is too long for a socket). */
export function adminSocketPath(dataDir: string): string {
  return process.env.RUSTCHAT_ADMIN_SOCKET || join(dataDir, 'admin.sock');
}

// sun_path holds 108 bytes on Linux, including the terminating NUL.
const MAX_SOCKET_PATH = 107;

export interface AdminSocketServer {
  path: string;
  close(): Promise<void>;
}

/**
 * Starts the socket server. Any existing file at the path is stale (the caller holds the
 * data-directory lock) and is replaced.
 */
export async function startAdminSocket(deps: Deps, opts: { path?: string } = {}): Promise<AdminSocketServer | undefined> {
  const path = opts.path ?? adminSocketPath(deps.config.server.data_dir);
  if (Buffer.byteLength(path) > MAX_SOCKET_PATH) {
    deps.log.warn('admin socket path too long; admin commands cannot reach this server (set RUSTCHAT_ADMIN_SOCKET)', { path });
    return undefined;
  }
  if (existsSync(path)) unlinkSync(path);
  const server = createServer((req, res) => void handle(deps, req, res));
  // Create the socket file as 0600 from the start (umask), then chmod to be sure.
  const oldMask = process.umask(0o177);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(path, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } finally {
    process.umask(oldMask);
  }
  chmodSync(path, 0o600);
  deps.log.info('admin socket listening', { path });
  return {
    path,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        try {
          unlinkSync(path);
        } catch {
          /* already gone */
        }
      }),
  };
}

async function handle(deps: Deps, req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) {
  const sendJson = (status: number, body: unknown) => {
    if (res.headersSent) return void res.destroy();
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  };
  const m = /^\/ops\/([a-z][a-z0-9.-]*)$/.exec(req.url ?? '');
  if (req.method !== 'POST' || !m) return sendJson(404, { error: { code: 'route_not_found', message: 'POST /ops/<name>', details: null } });
  const handler = registry.get(m[1]);
  if (!handler) return sendJson(404, { error: { code: 'unknown_op', message: `Unknown admin operation ${m[1]}`, details: { known: adminOpNames() } } });
  let args: Record<string, unknown>;
  try {
    const raw = req.headers['x-admin-args'];
    args = raw ? JSON.parse(Buffer.from(String(raw), 'base64url').toString('utf8')) : {};
    if (!args || typeof args !== 'object' || Array.isArray(args)) throw new Error('not an object');
  } catch {
    return sendJson(400, { error: { code: 'invalid_input', message: 'X-Admin-Args is not base64url JSON of an object', details: null } });
  }
  try {
    const result = await handler({ deps, args, body: req });
    if (result instanceof AdminStream) {
      res.writeHead(200, { 'content-type': result.contentType, ...(result.filename ? { 'x-admin-filename': result.filename } : {}) });
      result.stream.on('error', (err) => {
        deps.log.error('admin op stream failed', { op: m[1], err });
        res.destroy(err);
      });
      // A client that goes away (Ctrl-C) stops the producer instead of leaving it stalled.
      res.on('close', () => {
        if (!res.writableFinished) result.stream.destroy();
      });
      result.stream.pipe(res);
      return;
    }
    sendJson(200, { result: result ?? null });
  } catch (e) {
    if (e instanceof AppError) return sendJson(e.status, { error: { code: e.code, message: e.message, details: e.details ?? null } });
    deps.log.error('admin op failed', { op: m[1], err: e });
    sendJson(500, { error: { code: 'internal_error', message: (e as Error).message || 'Internal error', details: null } });
  }
}

/** No server is listening on the admin socket (so the caller may open the data directory itself). */
export class AdminUnavailableError extends Error {
  constructor(readonly path: string, override readonly cause?: unknown) {
    super(`no server is listening on ${path}`);
    this.name = 'AdminUnavailableError';
  }
}

/**
 * Sends an operation to the running server and returns the raw response (status 200 only; errors
 * are thrown as AppError with the server's code). Connection failures before the request is sent
 * throw AdminUnavailableError.
 */
export function callAdminRaw(dataDir: string, op: string, args: Record<string, unknown> = {}, opts: { body?: Readable } = {}): Promise<IncomingMessage> {
  const path = adminSocketPath(dataDir);
  return new Promise((resolve, reject) => {
    let connected = false;
    const req = request(
      {
        socketPath: path,
        method: 'POST',
        path: `/ops/${op}`,
        headers: { 'x-admin-args': Buffer.from(JSON.stringify(args)).toString('base64url'), 'content-type': 'application/octet-stream' },
      },
      (res) => {
        if (res.statusCode === 200) return resolve(res);
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d) => (text += d));
        res.on('end', () => {
          let err: AppError;
          try {
            const e = JSON.parse(text).error;
            err = new AppError(res.statusCode ?? 500, e.code, e.message, e.details ?? undefined);
          } catch {
            err = new AppError(res.statusCode ?? 500, 'internal_error', `admin socket answered ${res.statusCode}`);
          }
          reject(err);
        });
      },
    );
    req.on('socket', (s) => s.on('connect', () => (connected = true)));
    req.on('error', (err: NodeJS.ErrnoException) => {
      if (!connected && ['ENOENT', 'ECONNREFUSED', 'ENOTSOCK'].includes(err.code ?? '')) reject(new AdminUnavailableError(path, err));
      else reject(err);
    });
    if (opts.body) opts.body.pipe(req);
    else req.end();
  });
}

/** Calls an operation that answers JSON and returns its result. */
export async function callAdmin(dataDir: string, op: string, args: Record<string, unknown> = {}, opts: { body?: Readable } = {}): Promise<unknown> {
  const res = await callAdminRaw(dataDir, op, args, opts);
  let text = '';
  res.setEncoding('utf8');
  for await (const chunk of res) text += chunk;
  return JSON.parse(text).result;
}

/** An empty body for direct (in-process) calls of handlers that read none. */
export const emptyBody = () => Readable.from([]);
