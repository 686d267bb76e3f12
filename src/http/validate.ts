import type { IncomingMessage } from 'node:http';
import type { Context } from 'hono';
import type { z } from 'zod';
import { badRequest, clientClosed } from '../errors.ts';
import { isId } from '../ids.ts';

/** Deepest nesting of arrays and objects a JSON body may have; deeper is 400 invalid_json. */
export const MAX_JSON_DEPTH = 64;

/**
 * Walks a parsed JSON value without recursion (a body nested thousands of levels deep would
 * otherwise overflow the stack: a 500 and a stack trace per request). Answers what is wrong
 * with it, or null: nesting beyond MAX_JSON_DEPTH, or a NUL in a key or string.
 */
export function inspectJson(value: unknown): 'too_deep' | 'nul' | null {
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length) {
    const [v, depth] = stack.pop()!;
    if (typeof v === 'string') {
      if (v.includes('\u0000')) return 'nul';
    } else if (v && typeof v === 'object') {
      if (depth >= MAX_JSON_DEPTH) return 'too_deep';
      if (Array.isArray(v)) for (const x of v) stack.push([x, depth + 1]);
      else
        for (const k in v) {
          if (k.includes('\u0000')) return 'nul';
          stack.push([(v as Record<string, unknown>)[k], depth + 1]);
        }
    }
  }
  return null;
}

/** Throws the 400 for what inspectJson found (invalid_json or invalid_characters). */
export function checkJsonShape(value: unknown): void {
  const problem = inspectJson(value);
  if (problem === 'too_deep') throw badRequest('invalid_json', `Request body is nested deeper than ${MAX_JSON_DEPTH} levels`);
  if (problem === 'nul') throw badRequest('invalid_characters', 'Request body contains a NUL character');
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
  try {
    if (!incoming || length === undefined || incoming.readableFlowing !== null || incoming.readableDidRead) return await c.req.text();
    if (length === '0') return '';
    // Events rather than `for await`: the async iterator costs more than the read (~0.5 % of a post).
    const chunks = await new Promise<Buffer[]>((resolve, reject) => {
      const got: Buffer[] = [];
      const done = () => {
        incoming.off('data', data).off('error', fail).off('aborted', aborted).off('close', closed);
      };
      const data = (chunk: Buffer) => got.push(chunk);
      const fail = (e: unknown) => (done(), reject(e));
      const aborted = () => fail(Object.assign(new Error('aborted'), { code: 'ECONNRESET' }));
      // 'close' before 'end': the client went away in the middle of the body.
      const closed = () => {
        if (!incoming.complete) aborted();
      };
      incoming.on('data', data).on('error', fail).on('aborted', aborted).on('close', closed);
      incoming.once('end', () => (done(), resolve(got)));
    });
    return chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8');
  } catch (e) {
    // The client went away in the middle of its body ("aborted", ECONNRESET): not our error.
    if (incoming?.aborted || (incoming && !incoming.complete && incoming.destroyed) || (e as { code?: unknown })?.code === 'ECONNRESET') throw clientClosed();
    throw e;
  }
}

/**
 * Reads and validates a JSON body. Errors: invalid_json (not JSON, or nested deeper than
 * MAX_JSON_DEPTH), invalid_characters (NUL
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
  checkJsonShape(value);
  return check(schema, value);
}

/** A path parameter that must be an id. */
export function idParam(c: Context, name: string): string {
  const v = c.req.param(name);
  if (!isId(v)) throw badRequest('invalid_id', `${name} is not a valid id`);
  return v;
}
