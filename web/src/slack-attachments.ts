/**
 * Slack-style message attachments (`props.attachments` on posts from incoming webhooks, outgoing
 * webhook answers and slash-command answers; the server keeps the fields in
 * src/actions/slack.ts `processSlackAttachments`). `Post.props` is loosely typed, so the shape is
 * checked here at runtime: anything that is not what the server writes is dropped.
 */
import { safeUrl } from './markdown.ts';

export interface SlackField {
  title: string;
  value: string;
  short: boolean;
}

export interface SlackAttachment {
  fallback?: string;
  color?: string;
  pretext?: string;
  author_name?: string;
  author_link?: string;
  title?: string;
  title_link?: string;
  text?: string;
  fields: SlackField[];
  image_url?: string;
  thumb_url?: string;
  footer?: string;
  /** Seconds since the epoch (Slack sends a number or a string like "1700000000.123"). */
  ts?: number;
}

const STRINGS = ['fallback', 'color', 'pretext', 'author_name', 'author_link', 'title', 'title_link', 'text', 'image_url', 'thumb_url', 'footer'] as const;
const MAX = 100;

const isObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);

/** The attachments of a post's props, validated; [] when there are none or they are malformed. */
export function parseAttachments(props: unknown): SlackAttachment[] {
  if (!isObject(props) || !Array.isArray(props.attachments)) return [];
  const out: SlackAttachment[] = [];
  for (const raw of props.attachments.slice(0, MAX)) {
    if (!isObject(raw)) continue;
    const a: SlackAttachment = { fields: [] };
    for (const k of STRINGS) {
      const v = raw[k];
      if (typeof v === 'string' && v.trim() !== '') a[k] = v;
    }
    const ts = typeof raw.ts === 'number' ? raw.ts : typeof raw.ts === 'string' && raw.ts.trim() !== '' ? Number(raw.ts) : NaN;
    if (Number.isFinite(ts) && ts > 0) a.ts = ts;
    if (Array.isArray(raw.fields)) {
      for (const f of raw.fields.slice(0, MAX)) {
        if (!isObject(f)) continue;
        const title = typeof f.title === 'string' ? f.title : '';
        const value = typeof f.value === 'string' ? f.value : '';
        if (!title && !value) continue;
        a.fields.push({ title, value, short: f.short === true });
      }
    }
    out.push(a);
  }
  return out;
}

/** Slack's named colours (the ones its clients and Mattermost draw). */
export const NAMED_COLORS: Readonly<Record<string, string>> = { good: '#2eb886', warning: '#daa038', danger: '#a30200' };
const HEX = /^#(?:[0-9a-f]{3}|[0-9a-f]{6})$/i;

/**
 * The colour bar's CSS colour: a named colour or a `#rgb` / `#rrggbb` hex; undefined for anything
 * else (the stylesheet's default grey), so no text from a payload ever reaches the CSS.
 */
export function attachmentColor(color: string | undefined): string | undefined {
  if (!color) return undefined;
  const c = color.trim();
  const named = NAMED_COLORS[c.toLowerCase()];
  if (named) return named;
  return HEX.test(c) ? c.toLowerCase() : undefined;
}

/** An http(s) URL (for images: shown as a link, the page's CSP lets no external image load), else undefined. */
export function imageUrl(raw: string | undefined): { href: string; host: string } | undefined {
  const href = raw ? safeUrl(raw) : undefined;
  if (!href) return undefined;
  const u = new URL(href);
  return u.protocol === 'http:' || u.protocol === 'https:' ? { href, host: u.host } : undefined;
}

/** True when the attachment has content besides its fallback (a footer or time alone is not). */
export function hasBody(a: SlackAttachment): boolean {
  return !!(a.pretext || a.author_name || a.title || a.text || a.fields.length || a.image_url || a.thumb_url);
}
