/** Small formatting helpers. */

/** "My Team!" -> "my-team" (the URL name of a team or channel). */
export const slugify = (s: string) =>
  s
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 64);

// One formatter each, made once: toLocaleTimeString and friends with options build a new
// Intl.DateTimeFormat on every call (two calls a post: the largest part of rendering a page of
// posts, issue 20 target 6). Same output: the same locale and options.
const TIME = new Intl.DateTimeFormat([], { hour: 'numeric', minute: '2-digit' });
const FULL = new Intl.DateTimeFormat(undefined, { year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
const DAY = new Intl.DateTimeFormat([], { weekday: 'long', month: 'long', day: 'numeric' });
const DAY_YEAR = new Intl.DateTimeFormat([], { weekday: 'long', month: 'long', day: 'numeric', year: 'numeric' });
export const timeOf = (ms: number) => TIME.format(ms);
export const fullDate = (ms: number) => FULL.format(ms);
export const dayKey = (ms: number) => {
  const d = new Date(ms);
  return `${d.getFullYear()}-${d.getMonth()}-${d.getDate()}`;
};
export function dayLabel(ms: number) {
  const d = new Date(ms);
  const today = new Date();
  const y = new Date();
  y.setDate(today.getDate() - 1);
  if (dayKey(ms) === dayKey(today.getTime())) return 'Today';
  if (dayKey(ms) === dayKey(y.getTime())) return 'Yesterday';
  return (d.getFullYear() === today.getFullYear() ? DAY : DAY_YEAR).format(d);
}

/** A stable small number from an id (avatar colors). */
export function hue(id: string, n = 8) {
  let h = 0;
  for (let i = 0; i < id.length; i++) h = (h * 31 + id.charCodeAt(i)) >>> 0;
  return h % n;
}

export const cx = (...c: (string | false | null | undefined)[]) => c.filter(Boolean).join(' ');
