/**
 * The authorization matrix (issue 3, "Must show"): every read and write path on a channel or a
 * post, tried by people who must not get in. test/authz-matrix.test.ts runs it on /api/v1; the
 * Mattermost adapter's tests reuse the world and the case names with their own paths.
 */
import type { Deps } from '../src/deps.ts';
import type { Queryable } from '../src/db/driver.ts';
import { newId } from '../src/ids.ts';
import { fxChannel, fxTeam, fxUser, type FxUser } from './fixtures.ts';

/** What a case operates on: a channel, a live post in it, and a user to add. */
export interface Target {
  channelId: string;
  postId: string;
  teamId: string;
  /** Some user (for "add member"): a team member who is not in the channel. */
  userId: string;
  /** A word that only appears in the channel's posts (for search). */
  word: string;
  channelName: string;
}

export interface AuthzCase {
  name: string;
  kind: 'read' | 'write';
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: (t: Target) => string;
  body?: (t: Target) => unknown;
  /** 'forbidden': 403 `forbidden`. 'empty': 200 with no items (search cannot name what it hides). */
  expect: 'forbidden' | 'empty';
}

/** The native API's cases. */
export const V1_CASES: AuthzCase[] = [
  // reads
  { name: 'channel', kind: 'read', method: 'GET', path: (t) => `/api/v1/channels/${t.channelId}`, expect: 'forbidden' },
  { name: 'channel posts', kind: 'read', method: 'GET', path: (t) => `/api/v1/channels/${t.channelId}/posts`, expect: 'forbidden' },
  { name: 'channel posts since', kind: 'read', method: 'GET', path: (t) => `/api/v1/channels/${t.channelId}/posts?since=0`, expect: 'forbidden' },
  { name: 'one post', kind: 'read', method: 'GET', path: (t) => `/api/v1/posts/${t.postId}`, expect: 'forbidden' },
  { name: 'thread', kind: 'read', method: 'GET', path: (t) => `/api/v1/posts/${t.postId}/thread`, expect: 'forbidden' },
  { name: 'reactions', kind: 'read', method: 'GET', path: (t) => `/api/v1/posts/${t.postId}/reactions`, expect: 'forbidden' },
  { name: 'members', kind: 'read', method: 'GET', path: (t) => `/api/v1/channels/${t.channelId}/members`, expect: 'forbidden' },
  { name: 'pinned', kind: 'read', method: 'GET', path: (t) => `/api/v1/channels/${t.channelId}/pinned`, expect: 'forbidden' },
  { name: 'search', kind: 'read', method: 'GET', path: (t) => `/api/v1/search?q=${t.word}`, expect: 'empty' },
  { name: 'search in:channel', kind: 'read', method: 'GET', path: (t) => `/api/v1/search?q=${encodeURIComponent(`${t.word} in:${t.channelName}`)}`, expect: 'empty' },
  { name: 'file search', kind: 'read', method: 'GET', path: (t) => `/api/v1/files/search?q=${t.word}`, expect: 'empty' },
  { name: 'file search in:channel', kind: 'read', method: 'GET', path: (t) => `/api/v1/files/search?q=${encodeURIComponent(`${t.word} in:${t.channelName}`)}`, expect: 'empty' },
  { name: 'channel files', kind: 'read', method: 'GET', path: (t) => `/api/v1/files/search?channel_id=${t.channelId}`, expect: 'forbidden' },
  // writes
  { name: 'post', kind: 'write', method: 'POST', path: (t) => `/api/v1/channels/${t.channelId}/posts`, body: () => ({ message: 'intruder' }), expect: 'forbidden' },
  { name: 'reply', kind: 'write', method: 'POST', path: (t) => `/api/v1/channels/${t.channelId}/posts`, body: (t) => ({ message: 'intruder', root_id: t.postId }), expect: 'forbidden' },
  { name: 'edit', kind: 'write', method: 'PATCH', path: (t) => `/api/v1/posts/${t.postId}`, body: () => ({ message: 'defaced' }), expect: 'forbidden' },
  { name: 'delete', kind: 'write', method: 'DELETE', path: (t) => `/api/v1/posts/${t.postId}`, expect: 'forbidden' },
  { name: 'react', kind: 'write', method: 'POST', path: (t) => `/api/v1/posts/${t.postId}/reactions`, body: () => ({ emoji_name: 'smile' }), expect: 'forbidden' },
  { name: 'unreact', kind: 'write', method: 'DELETE', path: (t) => `/api/v1/posts/${t.postId}/reactions/heart`, expect: 'forbidden' },
  { name: 'pin', kind: 'write', method: 'POST', path: (t) => `/api/v1/posts/${t.postId}/pin`, expect: 'forbidden' },
  { name: 'unpin', kind: 'write', method: 'DELETE', path: (t) => `/api/v1/posts/${t.postId}/pin`, expect: 'forbidden' },
  { name: 'add member', kind: 'write', method: 'POST', path: (t) => `/api/v1/channels/${t.channelId}/members`, body: (t) => ({ user_id: t.userId }), expect: 'forbidden' },
  { name: 'rename', kind: 'write', method: 'PATCH', path: (t) => `/api/v1/channels/${t.channelId}`, body: () => ({ display_name: 'Pwned' }), expect: 'forbidden' },
  { name: 'header', kind: 'write', method: 'PATCH', path: (t) => `/api/v1/channels/${t.channelId}`, body: () => ({ header: 'pwned' }), expect: 'forbidden' },
  { name: 'archive', kind: 'write', method: 'DELETE', path: (t) => `/api/v1/channels/${t.channelId}`, expect: 'forbidden' },
  { name: 'privacy', kind: 'write', method: 'PUT', path: (t) => `/api/v1/channels/${t.channelId}/privacy`, body: () => ({ type: 'private' }), expect: 'forbidden' },
  { name: 'mark read', kind: 'write', method: 'POST', path: (t) => `/api/v1/channels/${t.channelId}/read`, expect: 'forbidden' },
];

export interface Actor {
  /** e.g. "non-member of a private channel". */
  who: string;
  user: FxUser;
  target: Target;
}

export interface AuthzWorld {
  owner: FxUser;
  member: FxUser;
  actors: Actor[];
}

/**
 * Builds the world by direct SQL: a team with a private channel (owner + member; an ex-member
 * who was removed; a team member who never joined), a DM between owner and member (an outsider
 * in the same team), and a public channel (a user of another team). Each target has a root post with a reply, a reaction, a pin
 * and a file named after the target's word.
 */
export async function setupAuthzWorld(deps: Deps): Promise<AuthzWorld> {
  const db = deps.db;
  const owner = await fxUser(deps);
  const member = await fxUser(deps);
  const stranger = await fxUser(deps);
  const exMember = await fxUser(deps);
  const bystander = await fxUser(deps);
  const team = await fxTeam(deps, owner, { members: [member, stranger, exMember, bystander] });
  const priv = await fxChannel(deps, team.id, owner, { type: 'P', members: [member, exMember] });
  const pub = await fxChannel(deps, team.id, owner, { type: 'O', members: [member] });
  // Not in the team at all (a public channel is still closed to them).
  const foreigner = await fxUser(deps);
  await fxTeam(deps, foreigner);
  await db.query('delete from channel_members where channel_id = $1 and user_id = $2', [priv.id, exMember.id]);

  const dmId = newId();
  const now = deps.now();
  const dmName = [owner.id, member.id].sort().join('__');
  await db.query(`insert into channels (id, team_id, type, name, create_at, update_at) values ($1, '', 'D', $2, $3, $3)`, [dmId, dmName, now]);
  for (const u of [owner, member]) {
    await db.query(`insert into channel_members (channel_id, user_id, create_at, last_update_at, last_viewed_at) values ($1, $2, $3, $3, $3)`, [dmId, u.id, now]);
  }

  const privPost = await seedPosts(db, priv.id, owner, member, 'zanzibarprivate', now);
  const dmPost = await seedPosts(db, dmId, owner, member, 'zanzibardirect', now);
  const pubPost = await seedPosts(db, pub.id, owner, member, 'zanzibarpublic', now);
  const privTarget: Target = { channelId: priv.id, postId: privPost, teamId: team.id, userId: bystander.id, word: 'zanzibarprivate', channelName: priv.name };
  const pubTarget: Target = { channelId: pub.id, postId: pubPost, teamId: team.id, userId: bystander.id, word: 'zanzibarpublic', channelName: pub.name };
  const dmTarget: Target = { channelId: dmId, postId: dmPost, teamId: '', userId: bystander.id, word: 'zanzibardirect', channelName: dmName };
  return {
    owner,
    member,
    actors: [
      { who: 'non-member of a private channel', user: stranger, target: privTarget },
      { who: 'removed member of a private channel', user: exMember, target: privTarget },
      { who: 'outsider to a DM', user: stranger, target: dmTarget },
      { who: 'outsider to the team of a public channel', user: foreigner, target: pubTarget },
    ],
  };
}

async function seedPosts(db: Queryable, channelId: string, a: FxUser, b: FxUser, word: string, now: number): Promise<string> {
  const root = newId();
  await db.query(
    `insert into posts (id, channel_id, user_id, message, create_at, update_at, is_pinned, reply_count, last_reply_at) values ($1, $2, $3, $4, $5, $5, true, 1, $5)`,
    [root, channelId, a.id, `secret ${word} plans`, now],
  );
  await db.query(`insert into posts (id, channel_id, user_id, root_id, message, create_at, update_at) values ($1, $2, $3, $4, $5, $6, $6)`, [newId(), channelId, b.id, root, `reply ${word}`, now]);
  await db.query(`insert into reactions (post_id, user_id, emoji_name, channel_id, create_at) values ($1, $2, 'heart', $3, $4)`, [root, b.id, channelId, now]);
  const file = newId();
  await db.query(
    `insert into files (id, creator_id, channel_id, post_id, name, extension, size, mime_type, storage_key, create_at) values ($1, $2, $3, $4, $5, 'txt', 4, 'text/plain', $6, $7)`,
    [file, a.id, channelId, root, `${word}-notes.txt`, `authz/${file}`, now],
  );
  await db.query('update posts set file_ids = $2::text::jsonb where id = $1', [root, JSON.stringify([file])]);
  await db.query('update channels set total_msg_count = 2, total_msg_count_root = 1, last_post_at = $2 where id = $1', [channelId, now]);
  return root;
}

/** A digest of every table an action could write; equal digests mean nothing was written. */
export async function dbFingerprint(db: Queryable): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const table of ['posts', 'reactions', 'channels', 'channel_members', 'files', 'team_members']) {
    const [row] = await db.query<{ n: number; h: string | null }>(`select count(*)::int as n, md5(string_agg(x::text, '|' order by x::text)) as h from ${table} x`);
    out[table] = `${row.n}:${row.h ?? ''}`;
  }
  return out;
}
