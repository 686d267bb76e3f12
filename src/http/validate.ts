import type { IncomingMessage } from 'node:http';
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
 * The request body as text. With a Content-Length (which the body-limit middleware has already
 * checked against the limit, and which Node's parser holds the body to), it is read straight
 * from Node's request stream: going through the fetch-style Request that Hono offers turns the
 * stream into a WHATWG stream first, which cost more CPU than the rest of reading a post.
 */
async function bodyText(c: Context): Promise<string> {
  const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
  const length = c.req.header('content-length');
  if (!incoming || length === undefined || incoming.readableFlowing !== null || incoming.readableDidRead) return c.req.text();
  if (length === '0') return '';
  const chunks: Buffer[] = [];
  for await (const chunk of incoming) chunks.push(chunk as Buffer);
  return chunks.length === 1 ? chunks[0].toString('utf8') : Buffer.concat(chunks).toString('utf8');
}

/**
 * Reads and validates a JSON body. Errors: invalid_json (not JSON), invalid_characters (NUL
 * anywhere; PostgreSQL text cannot hold it), invalid_input (schema). Size is limited earlier by
 * the body-limit middleware.
 */
export async function readJson<S extends z.ZodTypeAny>(c: Context, schema: S): Promise<z.infer<S>> {
  const text = await bodyText(c);
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
