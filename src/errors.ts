/**
 * The one error type the application throws on purpose. `code` is stable and snake_case so
 * clients can switch on it; `status` is the HTTP status both APIs render.
 */
export class AppError extends Error {
  readonly code: string;
  readonly status: number;
  readonly details?: unknown;
  constructor(status: number, code: string, message: string, details?: unknown) {
    super(message);
    this.name = 'AppError';
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

export const badRequest = (code: string, message: string, details?: unknown) => new AppError(400, code, message, details);
export const unauthorized = (code = 'unauthorized', message = 'Authentication required') => new AppError(401, code, message);
export const forbidden = (code = 'forbidden', message = 'You do not have permission to do that') => new AppError(403, code, message);
export const notFound = (code: string, message: string) => new AppError(404, code, message);
export const conflict = (code: string, message: string, details?: unknown) => new AppError(409, code, message, details);
export const tooLarge = (code: string, message: string) => new AppError(413, code, message);
export const tooMany = (message: string, retryAfterSeconds: number) =>
  new AppError(429, 'rate_limited', message, { retry_after: retryAfterSeconds });
export const unavailable = (code: string, message: string) => new AppError(503, code, message);
/** The database could not be reached; `cause` keeps the driver's error for the log. */
export const databaseUnavailable = (cause?: unknown) =>
  Object.assign(new AppError(503, 'database_unavailable', 'The database is unavailable; try again shortly'), { cause });

/**
 * Out of space: 507 storage_full, the answer of uploads to a full disk or bucket and of database
 * writes refused or failed for lack of disk space (both APIs; nothing of the request was stored).
 */
export const storageFull = (message = 'The server is out of storage space; try again later', cause?: unknown) =>
  Object.assign(new AppError(507, 'storage_full', message), { cause });

/**
 * The client closed the connection before its request body was complete: nothing is answered
 * (nobody is listening), the request is logged as 499 at info level (nginx's "client closed
 * request"), not as a 500 with a stack trace, and whatever it had started (an upload) is removed.
 */
export const clientClosed = () => new AppError(499, 'client_closed_request', 'The client closed the connection before the request body was complete');

/** Postgres SQLSTATE of an error thrown by either driver, if any. */
export function pgCode(err: unknown): string | undefined {
  const e = err as { code?: unknown } | null;
  return e && typeof e.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code) ? e.code : undefined;
}
export const isUniqueViolation = (err: unknown) => pgCode(err) === '23505';
