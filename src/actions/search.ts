import type { Deps } from '../deps.ts';
import type { Auth } from './tokens.ts';
import { loadViews, type Page, type PostView } from './posts.ts';
import { accessTeam } from './access.ts';
import { badRequest } from '../errors.ts';
import { isId } from '../ids.ts';
import * as store from '../store/search.ts';

export const MAX_QUERY_CHARS = 1000;
export const MAX_CLAUSES = 32;
export const SEARCH_DEFAULT_LIMIT = 20;
export const SEARCH_MAX_LIMIT = 100;

/** A search string taken apart (see docs/api/search.md for the syntax). */
export interface ParsedQuery {
  terms: string[];
  /** `deploy*`: words starting with these (letters and digits only). */
  prefixes: string[];
  phrases: string[];
  excludedTerms: string[];
  excludedPhrases: string[];
  from: string[];
  /** Channel names; `@username` names the caller's DM with that user. */
  in: string[];
  before?: string;
  after?: string;
  on?: string;
  /** File search only (parseQuery with `{ ext: true }`): `ext:pdf` and `-ext:pdf`, lowercased, no dot. */
  ext?: string[];
  excludedExt?: string[];
}

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

/**
 * Parses a Mattermost-style search string: words (AND-ed), prefix*, "exact phrases", -excluded
 * words or -"phrases", from:user, in:channel or in:@user (a DM), before:/after:/on:YYYY-MM-DD. Nothing here is SQL: every
 * piece is later bound as a parameter, so quotes, %, _ and backslashes are just characters.
 */
export function parseQuery(q: string, opts: { ext?: boolean } = {}): ParsedQuery {
  const out: ParsedQuery = { terms: [], prefixes: [], phrases: [], excludedTerms: [], excludedPhrases: [], from: [], in: [] };
  if (opts.ext) {
    out.ext = [];
    out.excludedExt = [];
  }
  let i = 0;
  const n = q.length;
  const isSpace = (ch: string) => /\s/.test(ch);
  const readQuoted = (): string => {
    // at an opening quote; a missing closing quote runs to the end
    const end = q.indexOf('"', i + 1);
    const s = q.slice(i + 1, end === -1 ? n : end);
    i = end === -1 ? n : end + 1;
    return s;
  };
  const readWord = (): string => {
    const start = i;
    while (i < n && !isSpace(q[i]) && q[i] !== '"') i++;
    return q.slice(start, i);
  };
  while (i < n) {
    if (isSpace(q[i])) {
      i++;
      continue;
    }
    let negate = false;
    if (q[i] === '-' && i + 1 < n && !isSpace(q[i + 1])) {
      negate = true;
      i++;
    }
    if (q[i] === '"') {
      const phrase = readQuoted().trim();
      if (phrase) (negate ? out.excludedPhrases : out.phrases).push(phrase);
      continue;
    }
    const word = readWord();
    const ext = opts.ext ? /^ext:\.?(.*)$/i.exec(word) : null;
    if (ext) {
      const value = ext[1].trim().toLowerCase();
      if (value) (negate ? out.excludedExt! : out.ext!).push(value);
      continue;
    }
    const m = /^(from|in|channel|before|after|on):(.*)$/i.exec(word);
    if (m && !negate) {
      const key = m[1].toLowerCase();
      let value = m[2];
      if (!value && q[i] === '"') value = readQuoted();
      value = value.trim();
      if (!value) continue;
      if (key === 'from') out.from.push(value.replace(/^@/, '').toLowerCase());
      else if (key === 'in' || key === 'channel') out.in.push(value.replace(/^~/, '').replace(/^@+/, '@').toLowerCase());
      else out[key as 'before' | 'after' | 'on'] = value;
      continue;
    }
    if (!word || word === '-') continue;
    const prefix = /^([\p{L}\p{N}]+)\*+$/u.exec(word);
    if (prefix && !negate) out.prefixes.push(prefix[1].toLowerCase());
    else (negate ? out.excludedTerms : out.terms).push(word);
  }
  return out;
}

function checkTimeZone(tz: string): string {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return tz;
  } catch {
    throw badRequest('invalid_time_zone', `Unknown time zone: ${tz}`);
  }
}

/** Offset of a zone from UTC at an instant, in ms (positive east of Greenwich). */
function zoneOffset(utcMs: number, tz: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: tz,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(new Date(utcMs));
  const get = (t: string) => Number(parts.find((p) => p.type === t)!.value);
  const asUtc = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  return asUtc - Math.floor(utcMs / 1000) * 1000;
}

/** The first ms of a calendar day in a zone (DST-safe to the second). */
export function dayStart(date: string, tz: string, name = 'date'): number {
  const m = DATE_RE.exec(date);
  const y = m ? Number(m[1]) : NaN;
  const mo = m ? Number(m[2]) : NaN;
  const d = m ? Number(m[3]) : NaN;
  const guess = Date.UTC(y, mo - 1, d);
  const check = new Date(guess);
  if (!m || check.getUTCFullYear() !== y || check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d) {
    throw badRequest('invalid_search_date', `${name}: expected a date as YYYY-MM-DD`, { value: date });
  }
  if (tz === 'UTC') return guess;
  const first = guess - zoneOffset(guess, tz);
  return guess - zoneOffset(first, tz);
}
const nextDay = (date: string) => new Date(Date.parse(`${date}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);

/** The zone for date filters: the request's, else the user's profile (Mattermost's shape), else UTC. */
export function pickTimeZone(requested: string | undefined, profile: Record<string, unknown>): string {
  if (requested) return checkTimeZone(requested);
  const auto = profile.useAutomaticTimezone;
  const zone = auto === true || auto === 'true' ? profile.automaticTimezone : profile.manualTimezone;
  if (typeof zone === 'string' && zone) {
    try {
      return checkTimeZone(zone);
    } catch {
      /* a stale profile value must not break search */
    }
  }
  return 'UTC';
}

export interface SearchInput {
  q: string;
  team_id?: string;
  cursor?: string;
  limit?: number;
  /** IANA zone for before:/after:/on: (default: the user's profile zone, else UTC). */
  time_zone?: string;
}

export interface SearchResult extends Page<PostView> {
  /** Words of each post's message that matched, by post id. */
  matches: Record<string, string[]>;
  /** The parsed query, so clients can show and highlight it. */
  terms: string[];
}

/**
 * Searches posts in channels the caller is a member of now; newest first, paged by post id. With
 * team_id the caller must be in the team (or a system admin): 403, and 404 for an archived or
 * unknown team, as accessTeam answers for the team's other reads.
 */
export async function searchPosts(deps: Deps, auth: Auth, input: SearchInput): Promise<SearchResult> {
  if (typeof input.q !== 'string' || !input.q.trim()) throw badRequest('invalid_query', 'q is required');
  if (input.q.length > MAX_QUERY_CHARS) throw badRequest('query_too_long', `q is longer than ${MAX_QUERY_CHARS} characters`);
  if (input.q.includes('\u0000')) throw badRequest('invalid_characters', 'q contains a NUL character');
  if (input.team_id !== undefined && !isId(input.team_id)) throw badRequest('invalid_id', 'team_id is not a valid id');
  const limit = input.limit ?? SEARCH_DEFAULT_LIMIT;
  if (!Number.isInteger(limit) || limit < 1) throw badRequest('invalid_limit', `limit must be an integer from 1 to ${SEARCH_MAX_LIMIT}`);

  const p = parseQuery(input.q);
  const clauses = p.terms.length + p.prefixes.length + p.phrases.length + p.excludedTerms.length + p.excludedPhrases.length + p.from.length + p.in.length;
  if (clauses > MAX_CLAUSES) throw badRequest('query_too_complex', `At most ${MAX_CLAUSES} terms and filters`);
  if (!clauses && !p.before && !p.after && !p.on) throw badRequest('invalid_query', 'q has no terms or filters');
  if (input.team_id !== undefined) await accessTeam(deps.db, auth, input.team_id, 'member');

  const { afterMs, beforeMs } = await dateWindow(deps, auth, p, input.time_zone);

  let before: { create_at: number; seq: number } | undefined;
  if (input.cursor !== undefined) {
    before = isId(input.cursor) ? await store.searchPosition(deps.db, input.cursor) : undefined;
    if (!before) throw badRequest('invalid_cursor', 'cursor is not a post id from a previous page');
  }

  const max = Math.min(limit, SEARCH_MAX_LIMIT);
  const rows = await store.searchPosts(deps.db, {
    userId: auth.user.id,
    teamId: input.team_id,
    terms: p.terms,
    prefixes: p.prefixes,
    phrases: p.phrases,
    excludedTerms: p.excludedTerms,
    excludedPhrases: p.excludedPhrases,
    from: p.from,
    in: p.in.filter((c) => !c.startsWith('@')),
    inDirect: p.in.filter((c) => c.startsWith('@')).map((c) => c.slice(1)),
    afterMs,
    beforeMs,
    before,
    limit: max + 1,
  });
  const more = rows.length > max;
  const page = rows.slice(0, max);
  const matches: Record<string, string[]> = {};
  for (const r of page) matches[r.id] = highlighted(r.headline);
  const views = await loadViews(
    deps.db,
    page.map(({ headline: _h, ...row }) => row),
  );
  return { items: views, next_cursor: more ? page[page.length - 1].id : null, matches, terms: [...p.terms, ...p.prefixes.map((s) => `${s}*`), ...p.phrases.map((s) => `"${s}"`)] };
}

/**
 * The [afterMs, beforeMs) window of a query's before:/after:/on: filters, in the request's time
 * zone, else the caller's profile zone, else UTC (both undefined without date filters).
 */
export async function dateWindow(deps: Deps, auth: Auth, p: ParsedQuery, timeZone: string | undefined): Promise<{ afterMs?: number; beforeMs?: number }> {
  let afterMs: number | undefined;
  let beforeMs: number | undefined;
  if (p.before || p.after || p.on) {
    const tz = pickTimeZone(timeZone, await store.userTimezone(deps.db, auth.user.id));
    if (p.after) afterMs = dayStart(nextDay(dayStartCheck(p.after, 'after')), tz, 'after');
    if (p.before) beforeMs = dayStart(p.before, tz, 'before');
    if (p.on) {
      const start = dayStart(p.on, tz, 'on');
      const end = dayStart(nextDay(p.on), tz, 'on');
      afterMs = Math.max(afterMs ?? start, start);
      beforeMs = Math.min(beforeMs ?? end, end);
    }
  }
  return { afterMs, beforeMs };
}

function dayStartCheck(date: string, name: string): string {
  dayStart(date, 'UTC', name); // validates the shape and the calendar date
  return date;
}

/** The distinct words ts_headline marked between \u0002 and \u0003. */
function highlighted(headline: string): string[] {
  const out = new Set<string>();
  for (const m of headline.matchAll(/\u0002([^\u0003]*)\u0003/g)) if (m[1]) out.add(m[1]);
  return [...out];
}
