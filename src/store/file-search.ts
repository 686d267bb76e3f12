import { UNPREPARED, type Queryable } from '../db/driver.ts';
import type { PublicFileRow } from './files.ts';

/** A parsed file search, reduced to what SQL needs. Every value is bound as a parameter. */
export interface FileSearchSpec {
  userId: string;
  teamId?: string;
  /** Only this channel (the caller's membership is still required). */
  channelId?: string;
  /**
   * Words to find, each as the letters-and-digits words it is made of (`q3-report` → q3, report):
   * all of them must match, either as word prefixes of the name (adjacent, in order) or in the
   * text content (English stemming).
   */
  words: string[][];
  /** Words whose matches leave a file out (same matching as `words`). */
  excludedWords: string[][];
  /** Lowercased extensions, OR-ed; and extensions left out. */
  ext: string[];
  excludedExt: string[];
  /** Lowercased usernames of uploaders (OR-ed). */
  from: string[];
  /** Lowercased channel names or channel ids (OR-ed with inDirect). */
  in: string[];
  /** Usernames: the caller's DM with each. */
  inDirect: string[];
  afterMs?: number;
  beforeMs?: number;
  /** Only files before this one in (create_at, id) order (keyset paging). */
  before?: { create_at: number; id: string };
  offset?: number;
  limit: number;
}

/** A file found: its row without storage details. */
export type FileSearchRow = PublicFileRow;

const COLUMNS = 'f.id, f.creator_id, f.channel_id, f.post_id, f.name, f.extension, f.size, f.mime_type, f.width, f.height, f.create_at, f.delete_at, f.preview_state';

/**
 * Files attached to live posts in channels the user is a member of NOW (the membership join is
 * what keeps other people's channels out; a deleted team's channels go with it; a deleted post
 * takes its files out of every result). Newest upload first.
 */
export async function searchFiles(q: Queryable, s: FileSearchSpec): Promise<FileSearchRow[]> {
  const params: unknown[] = [s.userId];
  const bind = (v: unknown) => {
    params.push(v);
    return `$${params.length}`;
  };
  // Words contain only letters and digits (the action guarantees it), so `w:*` is valid
  // to_tsquery syntax; the text is still a bound parameter.
  const matches = (words: string[]) =>
    `(f.name_vector @@ to_tsquery('simple', ${bind(words.map((w) => `${w}:*`).join(' <-> '))}) or f.content_vector @@ phraseto_tsquery('english', ${bind(words.join(' '))}))`;
  // A deleted (archived) team's channels go with it, for their members too (actions/access.ts).
  const where = ['f.delete_at = 0', "f.post_id <> ''", 'p.delete_at = 0', "(c.team_id = '' or t.delete_at = 0)"];
  for (const w of s.words) where.push(matches(w));
  for (const w of s.excludedWords) where.push(`not ${matches(w)}`);
  const list = (values: string[]) => `(select jsonb_array_elements_text(${bind(JSON.stringify(values))}::text::jsonb))`;
  if (s.ext.length) where.push(`lower(f.extension) in ${list(s.ext)}`);
  if (s.excludedExt.length) where.push(`lower(f.extension) not in ${list(s.excludedExt)}`);
  if (s.teamId) where.push(`(c.team_id = ${bind(s.teamId)} or c.team_id = '')`);
  if (s.channelId) where.push(`f.channel_id = ${bind(s.channelId)}`);
  if (s.from.length) where.push(`f.creator_id in (select u.id from users u where lower(u.username) in ${list(s.from)})`);
  const inChannel: string[] = [];
  if (s.in.length) {
    const names = list(s.in);
    inChannel.push(`(lower(c.name) in ${names} or c.id in ${names})`);
  }
  if (s.inDirect.length) {
    // A DM's name is the two user ids in byte order joined by '__'.
    inChannel.push(
      `(c.type = 'D' and c.name in (select case when u.id collate "C" < $1 collate "C" then u.id || '__' || $1 else $1 || '__' || u.id end
         from users u where lower(u.username) in ${list(s.inDirect)}))`,
    );
  }
  if (inChannel.length) where.push(`(${inChannel.join(' or ')})`);
  if (s.afterMs !== undefined) where.push(`f.create_at >= ${bind(s.afterMs)}`);
  if (s.beforeMs !== undefined) where.push(`f.create_at < ${bind(s.beforeMs)}`);
  if (s.before) where.push(`(f.create_at, f.id) < (${bind(s.before.create_at)}, ${bind(s.before.id)})`);
  const limit = bind(s.limit);
  const offset = s.offset ? ` offset ${bind(s.offset)}` : '';
  return q.query<FileSearchRow>(
    `${UNPREPARED}select ${COLUMNS}
       from files f
       join channel_members cm on cm.channel_id = f.channel_id and cm.user_id = $1
       join channels c on c.id = f.channel_id
       left join teams t on c.team_id <> '' and t.id = c.team_id
       join posts p on p.id = f.post_id
      where ${where.join(' and ')}
      order by f.create_at desc, f.id desc
      limit ${limit}${offset}`,
    params,
  );
}

/** Where a file sits in search order (the cursor), or undefined. */
export async function fileSearchPosition(q: Queryable, id: string): Promise<{ create_at: number; id: string } | undefined> {
  return (await q.query<{ create_at: number; id: string }>('select create_at, id from files where id = $1', [id]))[0];
}
