import { createHash, randomBytes } from 'node:crypto';
import type { Deps } from '../deps.ts';
import { badRequest, notFound } from '../errors.ts';
import { findUserByEmail, getUser, setPasswordHash } from '../store/users.ts';
import { revokeUserSessions } from '../store/sessions.ts';
import { deleteResetTokens, getResetToken, insertResetToken, useResetToken } from '../store/password-resets.ts';
import { hashPassword } from './passwords.ts';
import { checkPasswordPolicy } from './password-policy.ts';
import { authSettings } from './auth-settings.ts';
import { assertUnderLimit, rateLimitStore, type Limit } from './rate-limit.ts';
import { limitedAddress } from './accounts.ts';
import { announceRevoked } from './sessions.ts';
import { audit, type Actor } from './audit.ts';
import { inTx } from './tx.ts';
import { mailSite, queueEmail } from './email.ts';
import { passwordResetEmail } from '../mail/templates.ts';
import { kickOutbox } from '../mail/worker.ts';

/** How long a reset link works. */
export const RESET_TTL_MS = 60 * 60_000;
/** Reset requests per client address (any email): beyond it, 429. */
export const RESET_ADDRESS_LIMIT: Limit = { max: 10, windowMs: 60 * 60_000 };
/** Reset emails per address book entry: beyond it the request is answered as usual and nothing is sent. */
export const RESET_EMAIL_LIMIT: Limit = { max: 3, windowMs: 60 * 60_000 };
/** Path of the page that completes a reset (Mattermost's, so both web clients open the same link). */
export const RESET_PAGE = '/reset_password_complete';

const tokenHash = (token: string) => createHash('sha256').update(token).digest('hex');

/**
 * "Forgot password": emails a single-use link to the account with that address. The answer is
 * the same whether or not such an account exists (no enumeration); unknown addresses, deactivated
 * accounts, accounts that sign in with SSO and addresses over their hourly limit get no email.
 * The token is stored hashed and queued with the email in one transaction.
 */
export async function requestPasswordReset(deps: Deps, rawEmail: string, meta: { ip: string; origin: string }): Promise<void> {
  const email = rawEmail.trim();
  if (!email || email.length > 254 || !email.includes('@')) throw badRequest('invalid_email', 'Email address is not valid');
  const store = rateLimitStore(deps);
  const now = deps.now();
  const bucket = limitedAddress(deps, meta.ip);
  if (bucket) {
    const key = `reset:ip:${bucket}`;
    await assertUnderLimit(store, key, RESET_ADDRESS_LIMIT, now, 'Too many password reset requests from this address; try again later');
    await store.hit(key, RESET_ADDRESS_LIMIT.windowMs, now);
  }
  const emailKey = `reset:email:${email.toLowerCase()}`;
  const seen = await store.peek(emailKey, RESET_EMAIL_LIMIT.windowMs, now);
  const actor = { id: '', ip: meta.ip, via: 'api' as const };
  if (seen.count >= RESET_EMAIL_LIMIT.max) {
    await audit(deps.db, now, actor, 'password_reset_request', { success: false, details: { reason: 'rate_limited' } });
    return;
  }
  await store.hit(emailKey, RESET_EMAIL_LIMIT.windowMs, now);
  const user = await findUserByEmail(deps.db, email);
  if (!user || Number(user.delete_at) !== 0 || user.auth_service) {
    const reason = !user ? 'unknown_email' : user.auth_service ? 'sso_account' : 'deactivated';
    await audit(deps.db, now, { ...actor, id: user?.id ?? '' }, 'password_reset_request', { target_type: 'user', target_id: user?.id ?? '', success: false, details: { reason } });
    return;
  }
  await sendResetLink(deps, user, meta.origin, { ...actor, id: user.id });
}

/** A fresh single-use link (older ones stop working) queued by email with its audit entry, in one transaction. */
async function sendResetLink(deps: Deps, user: { id: string; username: string; email: string }, origin: string, actor: Actor): Promise<void> {
  const token = randomBytes(32).toString('base64url');
  const now = deps.now();
  await inTx(deps, async (tx) => {
    const site = await mailSite(deps, tx, origin);
    await deleteResetTokens(tx, user.id, now);
    await insertResetToken(tx, { token_hash: tokenHash(token), user_id: user.id, create_at: now, expires_at: now + RESET_TTL_MS });
    const link = `${site.url}${RESET_PAGE}?token=${encodeURIComponent(token)}`;
    await queueEmail(deps, tx, 'password_reset', user.email, passwordResetEmail(site, { username: user.username, link, expiresMinutes: RESET_TTL_MS / 60_000 }));
    await audit(tx, now, actor, 'password_reset_request', { target_type: 'user', target_id: user.id, ...(actor.id !== user.id ? { details: { by_admin: true } } : {}) });
  });
  kickOutbox(deps);
}

/**
 * The console's "Email a reset link": the same email as "Forgot password", sent by a system admin
 * to a password account (the current password keeps working until the link is used). No rate
 * limit (an admin is asking); deactivated and SSO accounts are refused. Answers where it went.
 */
export async function adminSendPasswordReset(deps: Deps, actor: Actor, userId: string, origin: string): Promise<{ email: string }> {
  const user = await getUser(deps.db, userId);
  if (!user) throw notFound('user_not_found', 'User not found');
  if (Number(user.delete_at) !== 0) throw badRequest('user_inactive', 'This account is deactivated; activate it first');
  if (user.auth_service) throw badRequest('sso_account', 'This account signs in with single sign-on and has no password here');
  await sendResetLink(deps, user, origin, actor);
  return { email: user.email };
}

const INVALID = () => badRequest('invalid_reset_token', 'This password reset link is not valid; ask for a new one');

/**
 * Sets a new password with a token from a reset email. The token works once and for an hour;
 * the reset ends every session of the account and clears its login lockout.
 */
export async function completePasswordReset(deps: Deps, token: string, newPassword: string, ip: string): Promise<{ user_id: string }> {
  if (!/^[A-Za-z0-9_-]{43}$/.test(token)) throw INVALID();
  const hash = tokenHash(token);
  const row = await getResetToken(deps.db, hash);
  if (!row || Number(row.used_at) !== 0) throw INVALID();
  if (Number(row.expires_at) <= deps.now()) throw badRequest('reset_token_expired', 'This password reset link has expired; ask for a new one');
  const user = await getUser(deps.db, row.user_id);
  if (!user || Number(user.delete_at) !== 0) throw INVALID();
  await checkPasswordPolicy(await authSettings(deps), newPassword, { username: user.username, email: user.email });
  const passwordHash = await hashPassword(newPassword);
  const revoked = await inTx(deps, async (tx) => {
    const now = deps.now();
    // The conditional update decides between two concurrent uses of one link.
    if (!(await useResetToken(tx, hash, now))) throw INVALID();
    await setPasswordHash(tx, user.id, passwordHash, now);
    const ids = await revokeUserSessions(tx, user.id, now);
    await deleteResetTokens(tx, user.id, now, hash);
    await audit(tx, now, { id: user.id, ip, via: 'api' }, 'password_reset', { target_type: 'user', target_id: user.id, details: { via: 'email', sessions_revoked: ids.length } });
    return ids;
  });
  announceRevoked(deps, user.id, revoked);
  await rateLimitStore(deps).reset(`login:user:${user.id}`);
  return { user_id: user.id };
}
