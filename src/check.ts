import type { z } from 'zod';
import { AppError, badRequest } from './errors.ts';

/** Converts zod issues to a stable 400. */
export function validationError(error: z.ZodError): AppError {
  const issues = error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
  const first = issues[0];
  return badRequest('invalid_input', first ? `${first.path || 'body'}: ${first.message}` : 'Invalid input', { issues });
}

/** Parses a value with a schema or throws invalid_input. */
export function check<S extends z.ZodTypeAny>(schema: S, value: unknown): z.infer<S> {
  const r = schema.safeParse(value);
  if (!r.success) throw validationError(r.error);
  return r.data;
}
