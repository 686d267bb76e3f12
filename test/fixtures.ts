/**
 * Direct-SQL fixtures for tests that need users, sessions, teams and channels without going
 * through the actions under test. Tests of the actions themselves use the HTTP API instead.
 */
import type { Deps } from '../src/deps.ts';
import { newId } from '../src/ids.ts';
import { insertSession } from '../src/store/sessions.ts';
import { signSessionToken } from '../src/actions/tokens.ts';

export interface FxUser {
  id: string;
  username: string;
  email: string;
  token: string;
  sessionId: string;
}

let counter = 0;
const uniq = () => `${Date.now().toString(36)}${(counter++).toString(36)}`;

/** Inserts an active user (no usable password) and a live session; returns its bearer token. */
export async function fxUser(deps: Deps, o: { username?: string; admin?: boolean } = {}): Promise<FxUser> {
  const id = newId();
  const username = o.username ?? `u${uniq()}`;
  const email = `${username}@example.com`;
  const now = deps.now();
  await deps.db.query(
    `insert into users (id, username, email, roles, create_at, update_at) values ($1, $2, $3, $4, $5, $5)`,
    [id, username, email, o.admin ? 'system_user system_admin' : 'system_user', now],
  );
  const sessionId = newId();
  await insertSession(deps.db, { id: sessionId, user_id: id, create_at: now, expires_at: now + 86_400_000, last_activity_at: now, ip: '', user_agent: 'test', device_id: '' });
  const token = await signSessionToken(deps, sessionId, id, now);
  return { id, username, email, token, sessionId };
}

export async function fxTeam(deps: Deps, admin: FxUser, o: { name?: string; members?: FxUser[] } = {}): Promise<{ id: string; name: string }> {
  const id = newId();
  const name = o.name ?? `t${uniq()}`;
  const now = deps.now();
  await deps.db.query(`insert into teams (id, name, display_name, invite_id, creator_id, create_at, update_at) values ($1, $2, $2, $3, $4, $5, $5)`, [id, name, newId(), admin.id, now]);
  await deps.db.query(`insert into team_members (team_id, user_id, role, create_at) values ($1, $2, 'team_admin', $3)`, [id, admin.id, now]);
  for (const m of o.members ?? []) await deps.db.query(`insert into team_members (team_id, user_id, role, create_at) values ($1, $2, 'team_user', $3)`, [id, m.id, now]);
  return { id, name };
}

export async function fxChannel(
  deps: Deps,
  teamId: string,
  creator: FxUser,
  o: { type?: 'O' | 'P'; name?: string; members?: FxUser[] } = {},
): Promise<{ id: string; name: string }> {
  const id = newId();
  const name = o.name ?? `c${uniq()}`;
  const now = deps.now();
  await deps.db.query(
    `insert into channels (id, team_id, type, name, display_name, creator_id, create_at, update_at) values ($1, $2, $3, $4, $4, $5, $6, $6)`,
    [id, teamId, o.type ?? 'O', name, creator.id, now],
  );
  await fxJoin(deps, id, creator, 'channel_admin');
  for (const m of o.members ?? []) await fxJoin(deps, id, m);
  return { id, name };
}

export async function fxJoin(deps: Deps, channelId: string, user: FxUser, role: 'channel_user' | 'channel_admin' = 'channel_user') {
  const now = deps.now();
  await deps.db.query(
    `insert into channel_members (channel_id, user_id, role, last_viewed_at, create_at, last_update_at) values ($1, $2, $3, $4, $4, $4)`,
    [channelId, user.id, role, now],
  );
}
