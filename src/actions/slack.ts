import { badRequest } from '../errors.ts';

/**
 * Slack's message formatting, as Mattermost converts it for webhooks and slash commands:
 * `<!channel>` / `<!here>` / `<!all>` / `<!everyone>` become @-mentions and `<url|label>`
 * becomes a Markdown link (Mattermost's ProcessSlackText and linkWithTextRegex).
 */
export function processSlackText(text: string): string {
  return text
    .replace(/<!(channel|here|all)>/g, '@$1')
    .replace(/<!everyone>/g, '@all')
    .replace(/<([^\n<|>]+)\|([^\n>]+)>/g, '[$2]($1)');
}

const MAX_ATTACHMENTS = 100;
const MAX_FIELDS = 100;

const STRING_FIELDS = [
  'id', 'fallback', 'color', 'pretext', 'author_name', 'author_link', 'author_icon', 'title', 'title_link', 'text', 'image_url', 'thumb_url', 'footer', 'footer_icon',
] as const;
const TEXT_FIELDS = new Set(['pretext', 'text', 'title', 'fallback']);

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined);

/**
 * Validates Slack attachments (an array of objects) and keeps the fields Mattermost shows:
 * colour, pretext, author, title and link, text, fields (title, value, short), images, footer,
 * timestamp. Text is converted as above. Anything else is dropped; more than 100 attachments or
 * fields is 400 `invalid_attachments`.
 */
export function processSlackAttachments(raw: unknown): Record<string, unknown>[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) throw badRequest('invalid_attachments', 'attachments must be an array');
  if (raw.length > MAX_ATTACHMENTS) throw badRequest('invalid_attachments', `at most ${MAX_ATTACHMENTS} attachments`);
  return raw.map((a) => {
    if (!a || typeof a !== 'object' || Array.isArray(a)) throw badRequest('invalid_attachments', 'each attachment must be an object');
    const src = a as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const k of STRING_FIELDS) {
      const v = str(src[k]);
      if (v !== undefined) out[k] = TEXT_FIELDS.has(k) ? processSlackText(v) : v;
    }
    if (src.ts !== undefined && (typeof src.ts === 'number' || typeof src.ts === 'string')) out.ts = src.ts;
    if (src.fields !== undefined && src.fields !== null) {
      if (!Array.isArray(src.fields) || src.fields.length > MAX_FIELDS) throw badRequest('invalid_attachments', `fields must be an array of at most ${MAX_FIELDS}`);
      out.fields = src.fields
        .filter((f): f is Record<string, unknown> => !!f && typeof f === 'object')
        .map((f) => ({ title: str(f.title) ?? '', value: processSlackText(str(f.value) ?? (f.value === undefined ? '' : JSON.stringify(f.value))), short: f.short === true || f.short === 'true' }));
    }
    return out;
  });
}

/**
 * A payload's top-level fields with the null ones left out: Mattermost (Go) reads `"text": null`
 * or `"username": null` as absent, and senders that serialise empty fields as null (Python's
 * None, Java's null) rely on it.
 */
export function withoutNulls(v: unknown): unknown {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return v;
  return Object.fromEntries(Object.entries(v).filter(([, x]) => x !== null));
}
