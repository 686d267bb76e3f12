import type { Deps } from '../deps.ts';
import type { Queryable, Tx } from '../db/driver.ts';
import { newId, isId } from '../ids.ts';
import { AppError, badRequest, conflict, forbidden, isUniqueViolation, notFound, unauthorized } from '../errors.ts';
import { checkPassword, dummyVerify, generatePassword, hashPassword, verifyPassword } from './passwords.ts';
import { addressBucket, assertUnderLimit, rateLimitStore, type Limit } from './rate-limit.ts';
import { trustedProxies } from '../client-address.ts';
import { announceRevoked, startSession, type ClientMeta } from './sessions.ts';
import { audit, type Actor } from './audit.ts';
import { siteSettings } from './settings.ts';
import { authSettings, emailDomainAllowed, loginLimits, mfaEnrolmentDue } from './auth-settings.ts';
import { checkPasswordPolicy } from './password-policy.ts';
import { verifySecondFactor } from './mfa.ts';
import { hasIdentity } from '../store/identities.ts';
import { inTx, type Emit } from './tx.ts';
import type { Auth } from './tokens.ts';
import { isSystemAdminRoles, presentUser, userUpdatedEvent } from './users.ts';
import { revokeUserSessions } from '../store/sessions.ts';
import { accessTokenIdsOfUser } from '../store/access-tokens.ts';
import { listUserTeams } from '../store/teams.ts';
import { channelMemberIds } from '../store/members.ts';
import { removeUserFromTeam } from './teams.ts';
import {
  countOtherActiveAdmins,
  countUsers,
  deleteUserRow,
  findUser,
  findUserByLogin,
  getUser,
  insertUser,
  setDeleteAt,
  setPasswordHash,
  setRoles,
  usernameOrEmailTaken,
  usersSharingWith,
  type UserRow,
} from '../store/users.ts';

// ---------------------------------------------------------------------------------------------
// Validation

export const USERNAME_MIN = 3;
export const USERNAME_MAX = 22;
/** Names that collide with mentions (@all, @channel, @here) or impersonate the system. */
export const RESERVED_USERNAMES = new Set(['all', 'channel', 'here', 'everyone', 'system']);

// Zero-width characters, the BOM, soft hyphen and bidirectional controls: invisible in a UI, so a
// name containing one can impersonate another. Reported separately from "other characters".
const INVISIBLE = /[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\u3164\ufeff\uffa0]/u;

/**
 * Usernames are normalised to lower case (ASCII) before validation, so "Alice" registers as
 * "alice" and collides with an existing "alice" (409 username_taken) rather than being a
 * different account. Rules: 3–22 characters of [a-z0-9._-], starting with a letter.
 */
export function checkUsername(raw: string): string {
  if (INVISIBLE.test(raw)) throw badRequest('invalid_username', 'Username contains invisible or bidirectional-control characters', { reason: 'invisible_characters' });
  const name = raw.trim().replace(/[A-Z]/g, (c) => c.toLowerCase());
  if (name.length < USERNAME_MIN || name.length > USERNAME_MAX) {
    throw badRequest('invalid_username', `Username must be ${USERNAME_MIN}–${USERNAME_MAX} characters`, { reason: 'length' });
  }
  if (!/^[a-z0-9._-]+$/.test(name)) throw badRequest('invalid_username', 'Username may contain only a–z, 0–9, ".", "_" and "-"', { reason: 'characters' });
  if (!/^[a-z]/.test(name)) throw badRequest('invalid_username', 'Username must start with a letter', { reason: 'start' });
  if (RESERVED_USERNAMES.has(name)) throw badRequest('invalid_username', `"${name}" is reserved`, { reason: 'reserved' });
  return name;
}

/** Emails keep their case (unique case-insensitively); a pragmatic shape check, ≤ 254 characters. */
export function checkEmail(raw: string): string {
  const email = raw.trim();
  if (INVISIBLE.test(email)) throw badRequest('invalid_email', 'Email contains invisible or bidirectional-control characters', { reason: 'invisible_characters' });
  if (email.length > 254 || !/^[^\s@<>()",;:\\[\]]+@[^\s@<>()",;:\\[\]]+\.[^\s@<>()",;:\\[\]]+$/.test(email)) {
    throw badRequest('invalid_email', 'Email address is not valid', { reason: 'format' });
  }
  return email;
}

export function checkDisplayName(raw: string | undefined): string {
  const v = (raw ?? '').trim();
  if (v.length > 64) throw badRequest('invalid_input', 'display_name: at most 64 characters');
  if (/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]/.test(v)) {
    throw badRequest('invalid_characters', 'display_name contains control or bidirectional-override characters');
  }
  return v;
}

// ---------------------------------------------------------------------------------------------
// Creating accounts

export const ROLES_USER = 'system_user';
export const ROLES_ADMIN = 'system_user system_admin';
export type SystemRole = 'system_admin' | 'system_user';

// Serialises account creation so two concurrent first registrations cannot both become admin.
const ACCOUNT_CREATE_LOCK = 4_717_001;

export interface NewAccount {
  username: string;
  email: string;
  passwordHash: string;
  displayName: string;
  admin: boolean;
  /** 'openid' for accounts an SSO login makes. */
  authService?: string;
}

async function assertNamesFree(q: Queryable, username: string, email: string) {
  const taken = await usernameOrEmailTaken(q, username, email);
  if (taken.username) throw conflict('username_taken', 'That username is taken');
  if (taken.email) throw conflict('email_taken', 'An account with that email exists');
}

/** Inserts an account inside tx. The first account on the server is always a system admin. */
export async function createAccount(deps: Deps, tx: Tx, a: NewAccount, gate?: (userCount: number) => Promise<void>): Promise<UserRow> {
  await tx.query('select pg_advisory_xact_lock($1)', [ACCOUNT_CREATE_LOCK]);
  const n = await countUsers(tx);
  await gate?.(n);
  await assertNamesFree(tx, a.username, a.email);
  try {
    return await insertUser(tx, {
      id: newId(),
      username: a.username,
      email: a.email,
      password_hash: a.passwordHash,
      display_name: a.displayName,
      roles: a.admin || n === 0 ? ROLES_ADMIN : ROLES_USER,
      now: deps.now(),
      auth_service: a.authService,
    });
  } catch (e) {
    if (isUniqueViolation(e)) {
      throw /email/.test(String((e as Error).message)) ? conflict('email_taken', 'An account with that email exists') : conflict('username_taken', 'That username is taken');
    }
    throw e;
  }
}

export interface RegisterInput {
  email: string;
  username: string;
  password: string;
  display_name?: string;
}

/** Sign-up attempts per client address (each may cost a password hash). */
export const REGISTER_LIMIT: Limit = { max: 30, windowMs: 60 * 60_000 };

export interface RegisterOptions {
  /**
   * Sign-up through a team invitation (actions/invites.ts): the sign-up switch and the domain
   * list do not apply (the invitation was checked against them), and this runs in the account's
   * transaction once the user exists (it spends the invitation and joins the team).
   */
  invited?: (tx: Tx, emit: Emit, userId: string) => Promise<void>;
}

/** Self-service sign-up (open sign-up, an invitation, or the very first account). Returns a session. */
export async function register(deps: Deps, input: RegisterInput, meta: ClientMeta, opts: RegisterOptions = {}) {
  const store = rateLimitStore(deps);
  const bucket = limitedAddress(deps, meta.ip);
  if (bucket) {
    const regKey = `register:ip:${bucket}`;
    await assertUnderLimit(store, regKey, REGISTER_LIMIT, deps.now(), 'Too many sign-ups from this address; try again later');
    await store.hit(regKey, REGISTER_LIMIT.windowMs, deps.now());
  }
  const username = checkUsername(input.username);
  const email = checkEmail(input.email);
  const settings = await authSettings(deps);
  checkPassword(input.password);
  const displayName = checkDisplayName(input.display_name);
  const gate = (q: Queryable) => async (n: number) => {
    if (opts.invited) return;
    // The very first account (the admin) is exempt, like the sign-up switch.
    if (n > 0 && !emailDomainAllowed(settings, email)) throw new AppError(403, 'email_domain_not_allowed', 'Sign-up is limited to certain email domains on this server', { domain: email.split('@').pop() });
    if (n > 0 && !(await siteSettings(deps, q)).open_signup) throw forbidden('signup_disabled', 'Sign-up is closed on this server; ask an administrator for an account');
  };
  // Cheap early answers before spending a hash (the transaction checks again).
  await gate(deps.db)(await countUsers(deps.db));
  // The policy after the gate: nobody is asked to fix a password for a sign-up that is closed.
  await checkPasswordPolicy(settings, input.password, { username, email });
  await assertNamesFree(deps.db, username, email);
  const passwordHash = await hashPassword(input.password);
  const { user, token } = await inTx(deps, async (tx, emit) => {
    const user = await createAccount(deps, tx, { username, email, passwordHash, displayName, admin: false }, gate(tx));
    await opts.invited?.(tx, emit, user.id);
    const { token, session } = await startSession(deps, tx, user.id, meta);
    const actor: Actor = { id: user.id, ip: meta.ip, via: 'api' };
    await audit(tx, deps.now(), actor, 'register', { target_type: 'user', target_id: user.id, details: { username, roles: user.roles, ...(opts.invited ? { invited: true } : {}) } });
    await audit(tx, deps.now(), actor, 'login', { target_type: 'user', target_id: user.id, details: { session_id: session.id } });
    return { user, token };
  });
  const presented = presentUser(user, { user: { id: user.id }, isSystemAdmin: isSystemAdminRoles(user.roles) });
  // auth.mfa = required: the new session only reaches enrolment until it is done (as after login).
  return mfaEnrolmentDue(settings, false) ? { token, user: presented, mfa_setup_required: true as const } : { token, user: presented };
}

export interface CreateUserInput {
  email: string;
  username: string;
  password?: string;
  system_admin?: boolean;
  display_name?: string;
}

/** Account creation by an administrator (command line). Generates a password when none is given. */
export async function createUser(deps: Deps, actor: Actor, input: CreateUserInput) {
  const username = checkUsername(input.username);
  const email = checkEmail(input.email);
  const generated = input.password === undefined;
  const password = input.password ?? generatePassword();
  // Generated passwords (~117 bits) are exempt from the policy; given ones follow it.
  if (generated) checkPassword(password);
  else await checkPasswordPolicy(await authSettings(deps), password, { username, email });
  const displayName = checkDisplayName(input.display_name);
  await assertNamesFree(deps.db, username, email);
  const passwordHash = await hashPassword(password);
  const user = await inTx(deps, async (tx) => {
    const user = await createAccount(deps, tx, { username, email, passwordHash, displayName, admin: !!input.system_admin });
    await audit(tx, deps.now(), actor, 'user_create', { target_type: 'user', target_id: user.id, details: { username, roles: user.roles } });
    return user;
  });
  return { user, password: generated ? password : undefined };
}

// ---------------------------------------------------------------------------------------------
// Login

/**
 * The per-address limit bucket, or undefined for loopback and unknown addresses. Behind a reverse
 * proxy that is not trusted (`server.trust_proxy`, `server.trusted_proxies`), every client appears
 * as 127.0.0.1: limiting that address
 * would let 30 bad logins lock the whole site out. The per-account limits still apply.
 */
export function limitedAddress(deps: Deps, ip: string): string | undefined {
  const bucket = addressBucket(ip);
  if (bucket !== 'unknown' && !/^127\./.test(bucket) && bucket !== '0:0:0:0::/64') return bucket;
  if (bucket !== 'unknown' && !trustedProxies(deps).has(ip) && !deps.services.caches.warnedLoopbackLimits) {
    deps.services.caches.warnedLoopbackLimits = true;
    deps.log.warn('requests come from a loopback address, so per-address login limits do not apply to them; behind a reverse proxy on this machine set server.trust_proxy = true');
  }
  return undefined;
}

export interface LoginInput {
  login_id: string;
  password: string;
  device_id?: string;
  /** The second factor: a TOTP code or a recovery code (accounts with MFA). */
  token?: string;
}

const INVALID_CREDENTIALS = () => unauthorized('invalid_credentials', 'Incorrect username, email or password');

/**
 * Login by username or email. An unknown login and a wrong password get the same 401 after the
 * same work (a dummy hash), and both count against the limits; the per-account limit keys on the
 * login id when no account matches, so locking cannot reveal which accounts exist.
 */
export async function login(deps: Deps, input: LoginInput, meta: ClientMeta) {
  const now = deps.now();
  const store = rateLimitStore(deps);
  const settings = await authSettings(deps);
  const limits = loginLimits(settings);
  const loginId = input.login_id.trim();
  const bucket = limitedAddress(deps, meta.ip);
  const ipKey = bucket ? `login:ip:${bucket}` : undefined;
  if (ipKey) await assertUnderLimit(store, ipKey, limits.address, now, 'Too many failed logins from this address; try again later');
  const user = loginId ? await findUserByLogin(deps.db, loginId) : undefined;
  const accountKey = user ? `login:user:${user.id}` : `login:name:${loginId.toLowerCase()}`;
  await assertUnderLimit(store, accountKey, limits.account, now, 'Too many failed logins for this account; try again later');
  const fail = () => Promise.all([store.hit(accountKey, limits.account.windowMs, now), ipKey && store.hit(ipKey, limits.address.windowMs, now)]);

  const ok = user ? await verifyPassword(input.password, user.password_hash) : (await dummyVerify(input.password), false);
  if (!user || !ok) {
    await fail();
    await audit(deps.db, now, { id: user?.id ?? '', ip: meta.ip, via: 'api' }, 'login', {
      target_type: 'user',
      target_id: user?.id ?? '',
      success: false,
      details: { login_id: loginId.slice(0, 64).replace(/[\u0000-\u001f]/g, ''), reason: user ? 'wrong_password' : 'unknown_user' },
    });
    throw INVALID_CREDENTIALS();
  }
  if (Number(user.delete_at) !== 0) {
    // Only someone who knows the password learns the account is deactivated.
    await audit(deps.db, now, { id: user.id, ip: meta.ip, via: 'api' }, 'login', { target_type: 'user', target_id: user.id, success: false, details: { reason: 'deactivated' } });
    throw forbidden('user_inactive', 'This account is deactivated');
  }
  // Only someone who knows the password learns the account must use SSO.
  if (deps.config.oidc.issuer && deps.config.oidc.disable_password_login && (await hasIdentity(deps.db, user.id))) {
    await audit(deps.db, now, { id: user.id, ip: meta.ip, via: 'api' }, 'login', { target_type: 'user', target_id: user.id, success: false, details: { reason: 'password_login_disabled' } });
    throw forbidden('password_login_disabled', `This account signs in with single sign-on: use "${deps.config.oidc.button_text}"`);
  }
  let secondFactor: string | undefined;
  if (user.mfa_active && settings.mfa !== 'off') {
    try {
      secondFactor = await verifySecondFactor(deps, user, input.token);
    } catch (e) {
      // A missing code is the normal first step of an MFA login, not a failure.
      if ((e as AppError).code !== 'mfa_required') {
        await fail();
        await audit(deps.db, now, { id: user.id, ip: meta.ip, via: 'api' }, 'login', { target_type: 'user', target_id: user.id, success: false, details: { reason: (e as AppError).code } });
      }
      throw e;
    }
  }
  await store.reset(accountKey);
  const token = await inTx(deps, async (tx) => {
    const { token, session } = await startSession(deps, tx, user.id, meta);
    await audit(tx, deps.now(), { id: user.id, ip: meta.ip, via: 'api' }, 'login', { target_type: 'user', target_id: user.id, details: { session_id: session.id, ...(secondFactor ? { mfa: secondFactor } : {}) } });
    return token;
  });
  const user_ = presentUser(user, { user: { id: user.id }, isSystemAdmin: isSystemAdminRoles(user.roles) });
  // auth.mfa = required and not enrolled: the session only reaches enrolment until it is done.
  return mfaEnrolmentDue(settings, user.mfa_active) ? { token, user: user_, mfa_setup_required: true as const } : { token, user: user_ };
}

// ---------------------------------------------------------------------------------------------
// Passwords

/** Changes the caller's password and revokes their other sessions. */
export async function changePassword(deps: Deps, auth: Auth, input: { current_password: string; new_password: string }, ip: string): Promise<{ revoked: number }> {
  const settings = await authSettings(deps);
  await checkPasswordPolicy(settings, input.new_password, { username: auth.user.username, email: auth.user.email });
  const now = deps.now();
  const store = rateLimitStore(deps);
  const accountKey = `login:user:${auth.user.id}`;
  const { account } = loginLimits(settings);
  // A stolen session must not become an unlimited password oracle: failures count as login failures.
  await assertUnderLimit(store, accountKey, account, now, 'Too many failed password attempts; try again later');
  const user = await getUser(deps.db, auth.user.id);
  if (!user) throw notFound('user_not_found', 'User not found');
  if (!(await verifyPassword(input.current_password, user.password_hash))) {
    await store.hit(accountKey, account.windowMs, now);
    await audit(deps.db, now, { id: user.id, ip, via: 'api' }, 'password_change', { target_type: 'user', target_id: user.id, success: false, details: { reason: 'wrong_password' } });
    throw badRequest('wrong_password', 'Current password is incorrect');
  }
  const hash = await hashPassword(input.new_password);
  const ids = await inTx(deps, async (tx) => {
    await setPasswordHash(tx, user.id, hash, deps.now());
    const ids = await revokeUserSessions(tx, user.id, deps.now(), auth.session.id);
    await audit(tx, deps.now(), { id: user.id, ip, via: 'api' }, 'password_change', { target_type: 'user', target_id: user.id, details: { sessions_revoked: ids.length } });
    return ids;
  });
  announceRevoked(deps, user.id, ids);
  return { revoked: ids.length };
}

/** Sets a new password (given, or generated and returned) and revokes every session of the user. */
export async function resetPassword(deps: Deps, actor: Actor, userId: string, password?: string): Promise<{ password?: string; revoked: number }> {
  const generated = password === undefined;
  const pw = password ?? generatePassword();
  if (generated) checkPassword(pw);
  else {
    const target = await getUser(deps.db, userId);
    await checkPasswordPolicy(await authSettings(deps), pw, { username: target?.username, email: target?.email });
  }
  const hash = await hashPassword(pw);
  const ids = await inTx(deps, async (tx) => {
    const user = await lockUser(tx, userId);
    await setPasswordHash(tx, user.id, hash, deps.now());
    const ids = await revokeUserSessions(tx, user.id, deps.now());
    await audit(tx, deps.now(), actor, 'password_reset', { target_type: 'user', target_id: user.id, details: { generated, sessions_revoked: ids.length } });
    return ids;
  });
  announceRevoked(deps, userId, ids);
  await rateLimitStore(deps).reset(`login:user:${userId}`);
  return { password: generated ? pw : undefined, revoked: ids.length };
}

// ---------------------------------------------------------------------------------------------
// Administration: roles, activation, deletion

async function lockUser(tx: Tx, userId: string): Promise<UserRow> {
  const user = await getUser(tx, userId, { forUpdate: true });
  if (!user) throw notFound('user_not_found', 'User not found');
  return user;
}

/** Refuses to leave the server without an active system admin. */
async function assertNotLastAdmin(tx: Tx, user: UserRow, what: string) {
  if (!isSystemAdminRoles(user.roles) || Number(user.delete_at) !== 0) return;
  // Serialise admin removals so two concurrent ones cannot each see the other as "remaining".
  await tx.query('select pg_advisory_xact_lock($1)', [ACCOUNT_CREATE_LOCK]);
  if ((await countOtherActiveAdmins(tx, user.id)) === 0) throw conflict('last_admin', `Cannot ${what} the last active system admin`);
}

export async function setRole(deps: Deps, actor: Actor, userId: string, role: SystemRole) {
  return inTx(deps, async (tx, emit) => {
    const user = await lockUser(tx, userId);
    const roles = role === 'system_admin' ? ROLES_ADMIN : ROLES_USER;
    if (user.roles === roles) return user;
    if (role === 'system_user') await assertNotLastAdmin(tx, user, 'demote');
    const row = (await setRoles(tx, user.id, roles, deps.now()))!;
    await audit(tx, deps.now(), actor, 'role_change', { target_type: 'user', target_id: user.id, details: { from: user.roles, to: roles } });
    emit(await userUpdatedEvent(tx, row));
    return row;
  });
}

/**
 * Deactivation revokes every session and blocks login; activation lets the user log in again.
 * The user's access tokens stop authenticating (authenticateAccessToken reads delete_at), and
 * their ids are announced with the sessions so that sockets opened with them close too: the hub
 * knows a token socket only by the token's id, and would otherwise keep delivering events.
 */
export async function setActive(deps: Deps, actor: Actor, userId: string, active: boolean) {
  let revoked: string[] = [];
  let tokenIds: string[] = [];
  const row = await inTx(deps, async (tx, emit) => {
    const user = await lockUser(tx, userId);
    if ((Number(user.delete_at) === 0) === active) return user;
    if (!active) await assertNotLastAdmin(tx, user, 'deactivate');
    const row = (await setDeleteAt(tx, user.id, active ? 0 : deps.now(), deps.now()))!;
    if (!active) {
      revoked = await revokeUserSessions(tx, user.id, deps.now());
      tokenIds = await accessTokenIdsOfUser(tx, user.id);
    }
    await audit(tx, deps.now(), actor, active ? 'user_activate' : 'user_deactivate', { target_type: 'user', target_id: user.id, details: active ? {} : { sessions_revoked: revoked.length } });
    emit(await userUpdatedEvent(tx, row));
    return row;
  });
  announceRevoked(deps, userId, [...revoked, ...tokenIds]);
  return row;
}

/**
 * Deletes an account for good: the row, its sessions, memberships and preferences. Posts stay
 * (authored by an id that no longer resolves; clients show "deleted user"). Emits `user_removed`
 * per channel, `leave_team` per team, then `user_updated` (deleted) to everyone who shared one.
 */
export async function deleteUser(deps: Deps, actor: Actor, userId: string) {
  let sessionIds: string[] = [];
  const user = await inTx(deps, async (tx, emit: Emit) => {
    const user = await lockUser(tx, userId);
    await assertNotLastAdmin(tx, user, 'delete');
    // Sessions and access tokens both: sockets opened with either close (see setActive).
    sessionIds = [...(await revokeUserSessions(tx, user.id, deps.now())), ...(await accessTokenIdsOfUser(tx, user.id))];
    const recipients = await usersSharingWith(tx, user.id);
    // Every client that lists the user as a member hears they are gone: `user_removed` per channel
    // and `leave_team` per team (as a removal by the actor would), before the row and its
    // memberships go.
    for (const team of await listUserTeams(tx, user.id)) await removeUserFromTeam(tx, emit, team, user.id, actor.id);
    const others = await tx.query<{ id: string; team_id: string }>(
      'select c.id, c.team_id from channels c join channel_members m on m.channel_id = c.id where m.user_id = $1 order by c.id for update of c',
      [user.id],
    );
    for (const ch of others) {
      emit({
        event: 'user_removed',
        data: { channel_id: ch.id, team_id: ch.team_id, user_id: user.id, remover_id: actor.id },
        broadcast: { user_ids: await channelMemberIds(tx, ch.id), channel_id: ch.id, team_id: ch.team_id || undefined },
      });
    }
    await deleteUserRow(tx, user.id);
    await audit(tx, deps.now(), actor, 'user_delete', { target_type: 'user', target_id: user.id, details: { username: user.username, email: user.email } });
    const gone = { ...user, delete_at: deps.now(), update_at: deps.now() };
    emit({ event: 'user_updated', data: { user: presentUser(gone, null) }, broadcast: { user_ids: recipients } });
    return user;
  });
  announceRevoked(deps, userId, sessionIds);
  return user;
}

/** A user by id, username or email, or 404 user_not_found. */
export async function resolveUser(deps: Deps, ref: string): Promise<UserRow> {
  const trimmed = ref.trim();
  if (!trimmed) throw badRequest('invalid_input', 'A username, email or id is required');
  const user = await findUser(deps.db, trimmed);
  if (!user) throw notFound('user_not_found', `No user "${trimmed}"${isId(trimmed) ? '' : ' (by username, email or id)'}`);
  return user;
}
