import { Hono, type Context } from 'hono';
import type { AppEnv } from '../env.ts';
import { badRequest } from '../../errors.ts';
import { executeIncomingWebhook } from '../../actions/incoming-webhooks.ts';
import { executeCommandWebhook } from '../../actions/commands.ts';
import { renderMmError } from './errors.ts';
import { inspectJson, MAX_JSON_DEPTH } from '../validate.ts';

function parseJson(text: string): unknown {
  if (!text.trim()) throw badRequest('webhook_invalid_payload', 'Unable to parse the webhook payload: empty body');
  try {
    return JSON.parse(text);
  } catch {
    throw badRequest('webhook_invalid_payload', 'Unable to parse the webhook payload: not JSON');
  }
}

/**
 * The payload of an incoming webhook request, as Mattermost reads it: a form whose `payload`
 * field is the JSON (Slack's way), multipart form fields, or a JSON body (whatever the
 * Content-Type says, which is optional).
 */
async function readPayload(c: Context<AppEnv>): Promise<unknown> {
  const type = (c.req.header('content-type') ?? '').split(';')[0].trim().toLowerCase();
  if (type === 'application/x-www-form-urlencoded') {
    const form = new URLSearchParams(await c.req.text());
    return parseJson(form.get('payload') ?? '');
  }
  if (type === 'multipart/form-data') {
    let fields: Record<string, unknown>;
    try {
      fields = await c.req.parseBody();
    } catch {
      throw badRequest('webhook_invalid_payload', 'Unable to parse the multipart form');
    }
    if (typeof fields.payload === 'string') return parseJson(fields.payload);
    return Object.fromEntries(Object.entries(fields).filter(([, v]) => typeof v === 'string'));
  }
  return parseJson(await c.req.text());
}

/**
 * `POST /hooks/{id}`: Mattermost's incoming webhook endpoint (no session: the id is the
 * secret). Answers `ok` as text/plain; errors in Mattermost's JSON shape.
 */
export function hookRoutes() {
  const r = new Hono<AppEnv>();
  r.onError(renderMmError);
  // A custom command's response_url: a JSON CommandResponse, or plain text (an ephemeral answer).
  r.post('/hooks/commands/:id', async (c) => {
    const type = (c.req.header('content-type') ?? '').split(';')[0].trim().toLowerCase();
    const text = await c.req.text();
    const payload = type === 'application/json' ? parseJson(text) : { text };
    const problem = inspectJson(payload);
    if (problem === 'too_deep') throw badRequest('command_webhook_invalid', `Unable to parse the command response: nested deeper than ${MAX_JSON_DEPTH} levels`);
    if (problem === 'nul') throw badRequest('invalid_characters', 'The payload contains a NUL character');
    await executeCommandWebhook(c.get('deps'), c.req.param('id'), payload);
    return c.text('ok', 200, { 'Content-Type': 'text/plain' });
  });
  r.post('/hooks/:id', async (c) => {
    const payload = await readPayload(c);
    const problem = inspectJson(payload);
    if (problem === 'too_deep') throw badRequest('webhook_invalid_payload', `Unable to parse the webhook payload: nested deeper than ${MAX_JSON_DEPTH} levels`);
    if (problem === 'nul') throw badRequest('invalid_characters', 'The payload contains a NUL character');
    await executeIncomingWebhook(c.get('deps'), c.req.param('id'), payload);
    return c.text('ok', 200, { 'Content-Type': 'text/plain' });
  });
  return r;
}
