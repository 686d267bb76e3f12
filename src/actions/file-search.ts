import type { Deps } from '../deps.ts';
import type { Auth } from './tokens.ts';
import { accessChannel, accessTeam } from './access.ts';
import { dateWindow, MAX_CLAUSES, MAX_QUERY_CHARS, parseQuery } from './search.ts';
import { badRequest } from '../errors.ts';
import { isId } from '../ids.ts';
import * as store from '../store/file-search.ts';

export const FILE_SEARCH_DEFAULT_LIMIT = 20;
export const FILE_SEARCH_MAX_LIMIT = 100;
/** At most this many files are skipped with `offset` (Mattermost's page × per_page). */
export const FILE_SEARCH_MAX_OFFSET = 20_000;

export interface FileSearchInput {
  /** The search string (docs/api/files.md#search); may be empty when channel_id is given. */
  q: string;
  team_id?: string;
  /** Only this channel's files: the channel Files list. */
  channel_id?: string;
  /** A file id from a previous page's next_cursor. */
  cursor?: string;
  /** Files skipped (Mattermost's paging); not with cursor. */
  offset?: number;
  limit?: number;
  time_zone?: string;
}

export interface FileSearchResult {
  items: store.FileSearchRow[];
  next_cursor: string | null;
}

/** The letters-and-digits words of a term (`Q3-report.pdf` → q3, report, pdf), lowercased. */
export function termWords(term: string): string[] {
  return term.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
}

/**
 * Searches files attached to live posts in channels the caller is a member of now, by name
 * (word prefixes), text content, `ext:`, `from:`, `in:` and dates; newest upload first. With
 * team_id the caller must be in the team (or a system admin), as for post search (accessTeam).
 */
export async function searchFiles(deps: Deps, auth: Auth, input: FileSearchInput): Promise<FileSearchResult> {
  const q = typeof input.q === 'string' ? input.q : '';
  if (q.length > MAX_QUERY_CHARS) throw badRequest('query_too_long', `q is longer than ${MAX_QUERY_CHARS} characters`);
  if (q.includes('\u0000')) throw badRequest('invalid_characters', 'q contains a NUL character');
  if (input.team_id !== undefined && !isId(input.team_id)) throw badRequest('invalid_id', 'team_id is not a valid id');
  if (input.channel_id !== undefined && !isId(input.channel_id)) throw badRequest('invalid_id', 'channel_id is not a valid id');
  const limit = input.limit ?? FILE_SEARCH_DEFAULT_LIMIT;
  if (!Number.isInteger(limit) || limit < 1) throw badRequest('invalid_limit', `limit must be an integer from 1 to ${FILE_SEARCH_MAX_LIMIT}`);
  const offset = input.offset ?? 0;
  if (!Number.isInteger(offset) || offset < 0 || offset > FILE_SEARCH_MAX_OFFSET) throw badRequest('invalid_offset', `offset must be an integer from 0 to ${FILE_SEARCH_MAX_OFFSET}`);
  if (offset && input.cursor !== undefined) throw badRequest('invalid_offset', 'offset and cursor cannot be combined');

  const p = parseQuery(q, { ext: true });
  // Words and phrases all match the same way for files: as word prefixes of the name, or in the text.
  const words = [...p.terms, ...p.prefixes, ...p.phrases].map(termWords).filter((w) => w.length);
  const excludedWords = [...p.excludedTerms, ...p.excludedPhrases].map(termWords).filter((w) => w.length);
  const ext = p.ext!.map((e) => e.replace(/^\.+/, '')).filter(Boolean);
  const excludedExt = p.excludedExt!.map((e) => e.replace(/^\.+/, '')).filter(Boolean);
  const clauses = words.length + excludedWords.length + ext.length + excludedExt.length + p.from.length + p.in.length;
  if (clauses > MAX_CLAUSES) throw badRequest('query_too_complex', `At most ${MAX_CLAUSES} terms and filters`);
  const filtered = clauses > 0 || !!(p.before || p.after || p.on);
  // Words made only of punctuation (`%`, `--`) find nothing, as in post search.
  const unmatchable = !words.length && p.terms.length + p.prefixes.length + p.phrases.length > 0;
  if (!filtered && !input.channel_id && !unmatchable) throw badRequest('invalid_query', 'q has no terms or filters');
  if (input.team_id !== undefined) await accessTeam(deps.db, auth, input.team_id, 'member');
  if (input.channel_id) await accessChannel(deps.db, auth, input.channel_id);
  if (unmatchable) return { items: [], next_cursor: null };

  const { afterMs, beforeMs } = await dateWindow(deps, auth, p, input.time_zone);
  let before: { create_at: number; id: string } | undefined;
  if (input.cursor !== undefined) {
    before = isId(input.cursor) ? await store.fileSearchPosition(deps.db, input.cursor) : undefined;
    if (!before) throw badRequest('invalid_cursor', 'cursor is not a file id from a previous page');
  }
  const max = Math.min(limit, FILE_SEARCH_MAX_LIMIT);
  const rows = await store.searchFiles(deps.db, {
    userId: auth.user.id,
    teamId: input.team_id,
    channelId: input.channel_id,
    words,
    excludedWords,
    ext,
    excludedExt,
    from: p.from,
    in: p.in.filter((c) => !c.startsWith('@')),
    inDirect: p.in.filter((c) => c.startsWith('@')).map((c) => c.slice(1)),
    afterMs,
    beforeMs,
    before,
    offset,
    limit: max + 1,
  });
  const more = rows.length > max;
  const items = rows.slice(0, max);
  return { items, next_cursor: more ? items[items.length - 1].id : null };
}
