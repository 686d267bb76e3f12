import { UNPREPARED, type Queryable } from '../db/driver.ts';
import { POST_COLUMNS_P, type PostRow } from './posts.ts';

/** A parsed search, reduced to what SQL needs. Every value is bound as a parameter. */
export interface SearchSpec {
  userId: string;
  teamId?: string;
  terms: string[];
  /** Letters and digits only (the parser guarantees it): safe inside to_tsquery syntax. */
  prefixes: string[];
  phrases: string[];
  excludedTerms: string[];
  excludedPhrases: string[];
  /** Lowercased usernames (OR-ed). */
  from: string[];
  /** Lowercased channel names (OR-ed). */
  in: string[];
  /** Usernames: the caller's DM with each (OR-ed with `in`). */
  inDirect: string[];
  /** create_at >= afterMs and < beforeMs. */
  afterMs?: number;
  beforeMs?: number;
  /** Only posts before this one in (create_at, seq) order (paging). */
  before?: { create_at: number; seq: number };
  limit: number;
}

export interface SearchRow extends PostRow {
  /** ts_headline of the message with matches between \u0002 and \u0003 ('' without text terms). */
  headline: string;
}

const HEADLINE_OPTS = 'StartSel=\u0002, StopSel=\u0003, HighlightAll=true';

/**
 * Full-text search over posts in channels the user is a member of NOW (the membership join is
 * not optional: it is what keeps other people's channels out). Newest first by (create_at, seq),
 * which posts_create_seq_idx serves: a word found in most posts stops after one page.
 */
export async function searchPosts(q: Queryable, s: SearchSpec): Promise<SearchRow[]> {
  const params: unknown[] = [s.userId];
  const bind = (v: unknown) => {
    params.push(v);
    return `$${params.length}`;
  };
  // The tsquery: plain terms and phrases AND-ed, exclusions negated. Only the number of clauses
  // comes from the input; their text is always a bound parameter.
  const parts = [
    ...s.terms.map((t) => `plainto_tsquery('english', ${bind(t)})`),
    ...s.prefixes.map((t) => `to_tsquery('english', ${bind(`${t}:*`)})`),
    ...s.phrases.map((t) => `phraseto_tsquery('english', ${bind(t)})`),
    ...s.excludedTerms.map((t) => `(!! plainto_tsquery('english', ${bind(t)}))`),
    ...s.excludedPhrases.map((t) => `(!! phraseto_tsquery('english', ${bind(t)}))`),
  ];
  const tsq = parts.length ? `(${parts.join(' && ')})` : '';
  // A deleted (archived) team's channels go with it, for their members too (actions/access.ts).
  const where = ['p.delete_at = 0', "(c.team_id = '' or t.delete_at = 0)"];
  if (tsq) where.push(`p.search_vector @@ ${tsq}`);
  if (s.teamId) where.push(`(c.team_id = ${bind(s.teamId)} or c.team_id = '')`);
  if (s.from.length) where.push(`p.user_id in (select u.id from users u where lower(u.username) in (select jsonb_array_elements_text(${bind(JSON.stringify(s.from))}::text::jsonb)))`);
  const inChannel: string[] = [];
  if (s.in.length) inChannel.push(`lower(c.name) in (select jsonb_array_elements_text(${bind(JSON.stringify(s.in))}::text::jsonb))`);
  if (s.inDirect.length) {
    // A DM's name is the two user ids in byte order joined by '__'.
    inChannel.push(
      `(c.type = 'D' and c.name in (select case when u.id collate "C" < $1 collate "C" then u.id || '__' || $1 else $1 || '__' || u.id end
         from users u where lower(u.username) in (select jsonb_array_elements_text(${bind(JSON.stringify(s.inDirect))}::text::jsonb))))`,
    );
  }
  if (inChannel.length) where.push(`(${inChannel.join(' or ')})`);
  if (s.afterMs !== undefined) where.push(`p.create_at >= ${bind(s.afterMs)}`);
  if (s.beforeMs !== undefined) where.push(`p.create_at < ${bind(s.beforeMs)}`);
  if (s.before) where.push(`(p.create_at, p.seq) < (${bind(s.before.create_at)}, ${bind(s.before.seq)})`);
  const limit = bind(s.limit);
  const headline = tsq ? `ts_headline('english', r.message, ${tsq}, ${bind(HEADLINE_OPTS)})` : `''`;
  return q.query<SearchRow>(
    `${UNPREPARED}select r.*, ${headline} as headline from (
       select ${POST_COLUMNS_P}
         from posts p
         join channel_members cm on cm.channel_id = p.channel_id and cm.user_id = $1
         join channels c on c.id = p.channel_id
         left join teams t on c.team_id <> '' and t.id = c.team_id
        where ${where.join(' and ')}
        order by p.create_at desc, p.seq desc
        limit ${limit}
     ) r order by r.create_at desc, r.seq desc`,
    params,
  );
}

/** Where a post sits in search order (the cursor), or undefined. */
export async function searchPosition(q: Queryable, id: string): Promise<{ create_at: number; seq: number } | undefined> {
  return (await q.query<{ create_at: number; seq: number }>('select create_at, seq from posts where id = $1', [id]))[0];
}

/** The user's stored timezone (Mattermost's shape), for date filters. */
export async function userTimezone(q: Queryable, userId: string): Promise<Record<string, unknown>> {
  return (await q.query<{ timezone: Record<string, unknown> }>('select timezone from users where id = $1', [userId]))[0]?.timezone ?? {};
}
