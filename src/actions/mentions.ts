import type { Queryable } from '../db/driver.ts';

/** What a message mentions, before it is resolved against the channel's members. */
export interface ParsedMentions {
  /** Lowercased candidate usernames (with and without trailing punctuation). */
  usernames: string[];
  /** `@channel`, `@all` or `@here` appeared. */
  channel: boolean;
}

const SPECIAL = new Set(['channel', 'all', 'here']);
// `@name` at the start or after a character that cannot be part of a username or an email
// address, so `bob@example.com` mentions nobody.
const MENTION_RE = /(?:^|[^a-z0-9._@-])@([a-z0-9._-]+)/gi;

/** Finds `@username`, `@channel`, `@all` and `@here` in a message (no database access). */
export function parseMentions(message: string): ParsedMentions {
  const usernames = new Set<string>();
  let channel = false;
  // Code is quoted text: `@bob` in a code span or block mentions nobody (as in Mattermost).
  const prose = message.replace(/```[\s\S]*?(?:```|$)/g, ' ').replace(/`[^`\n]*`/g, ' ');
  for (const m of prose.matchAll(MENTION_RE)) {
    const full = m[1].toLowerCase();
    // "@bob." or "@bob-" at the end of a sentence: try the name without trailing punctuation too.
    const trimmed = full.replace(/[._-]+$/, '');
    for (const name of [full, trimmed]) {
      if (!name) continue;
      if (SPECIAL.has(name)) channel = true;
      else if (name.length <= 64) usernames.add(name);
    }
  }
  return { usernames: [...usernames], channel };
}

/**
 * Resolves parsed usernames to the ids of current members of the channel, leaving out the
 * author (nobody is notified of their own message). Sorted for stable output.
 */
export async function resolveMentions(q: Queryable, channelId: string, authorId: string, parsed: ParsedMentions): Promise<string[]> {
  if (!parsed.usernames.length) return [];
  const rows = await q.query<{ id: string }>(
    `select u.id from users u
       join channel_members cm on cm.user_id = u.id and cm.channel_id = $1
      where lower(u.username) in (select jsonb_array_elements_text($2::text::jsonb)) and u.id <> $3
      order by u.id`,
    [channelId, JSON.stringify(parsed.usernames), authorId],
  );
  return rows.map((r) => r.id);
}
