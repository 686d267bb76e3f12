import type { Context } from 'hono';
import type { z } from 'zod';
import { badRequest } from '../errors.ts';
import { isId } from '../ids.ts';

function hasNul(v: unknown): boolean {
  if (typeof v === 'string') return v.includes('\u0000');
  if (Array.isArray(v)) return v.some(hasNul);
  if (v && typeof v === 'object') return Object.entries(v).some(([k, x]) => k.includes('\u0000') || hasNul(x));
  return false;
}

// Schema checks live outside http so actions can use them too.
export { check, validationError } from '../check.ts';
import { check } from '../check.ts';

/**
 * Reads and validates a JSON body. Errors: invalid_json (not JSON), invalid_characters (NUL
 * anywhere; PostgreSQL text cannot hold it), invalid_input (schema). Size is limited earlier by
 * the body-limit middleware.
 */
export async function readJson<S extends z.ZodTypeAny>(c: Context, schema: S): Promise<z.infer<S>> {
  const text = await c.req.text();
  let value: unknown;
  try {
    value = text.length ? JSON.parse(text) : {};
  } catch {
    throw badRequest('invalid_json', 'Request body is not valid JSON');
  }
  if (hasNul(value)) throw badRequest('invalid_characters', 'Request body contains a NUL character');
  return check(schema, value);
}

/** A path parameter that must be an id. */
export function idParam(c: Context, name: string): string {
  const v = c.req.param(name);
  if (!isId(v)) throw badRequest('invalid_id', `${name} is not a valid id`);
  return v;
}
