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

/** Postgres SQLSTATE of an error thrown by either driver, if any. */
export function pgCode(err: unknown): string | undefined {
  const e = err as { code?: unknown } | null;
  return e && typeof e.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code) ? e.code : undefined;
}
export const isUniqueViolation = (err: unknown) => pgCode(err) === '23505';
