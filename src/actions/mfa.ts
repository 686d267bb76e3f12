import type { Deps } from '../deps.ts';
import { AppError, badRequest, conflict, forbidden, notFound } from '../errors.ts';
import type { Auth } from './tokens.ts';
import { forgetSessions } from './tokens.ts';
import { audit, type Actor } from './audit.ts';
import { inTx } from './tx.ts';
import { authSettings, loginLimits } from './auth-settings.ts';
import { assertUnderLimit, rateLimitStore } from './rate-limit.ts';
import { siteSettings } from './settings.ts';
import { findUserByLogin, getUser, type UserRow } from '../store/users.ts';
import { claimStep, countUnusedRecoveryCodes, deleteMfa, getMfa, markConfirmed, putPendingMfa, replaceRecoveryCodes, useRecoveryCode } from '../store/mfa.ts';
import { RECOVERY_CODE_COUNT, hashRecoveryCode, looksLikeRecoveryCode, matchTotp, newRecoveryCode, newTotpSecret, qrImages, totpUri } from './totp.ts';

/**
 * Multi-factor authentication with TOTP (docs/auth.md). Enrolment: `startMfaEnrolment` stores a
 * pending secret and returns it with a QR code; `confirmMfaEnrolment` checks a code from the app,
 * turns MFA on and returns ten single-use recovery codes (shown once). Login then needs a code
 * (`verifySecondFactor`); every code is accepted once (the last used time step is kept), wrong
 * codes count against the login lockout like wrong passwords.
 */

export const mfaRequired = () => new AppError(401, 'mfa_required', 'Enter the 6-digit code from your authenticator app (or a recovery code)');
const invalidCode = () => new AppError(401, 'invalid_mfa_code', 'That code is not valid');
const reusedCode = () => new AppError(401, 'mfa_code_reused', 'That code was already used; wait for the next one');

async function loadUser(deps: Deps, id: string): Promise<UserRow> {
  const user = await getUser(deps.db, id);
  if (!user) throw notFound('user_not_found', 'User not found');
  return user;
}

export async function mfaStatus(deps: Deps, auth: Auth) {
  const s = await authSettings(deps);
  const user = await loadUser(deps, auth.user.id);
  return {
    mode: s.mfa,
    active: user.mfa_active,
    recovery_codes_left: user.mfa_active ? await countUnusedRecoveryCodes(deps.db, user.id) : 0,
    setup_required: !!auth.mfaSetupRequired,
  };
}

/** A new pending secret for the caller, with its otpauth:// URI and QR code. */
export async function startMfaEnrolment(deps: Deps, auth: Auth) {
  if ((await authSettings(deps)).mfa === 'off') throw forbidden('mfa_disabled', 'Multi-factor authentication is turned off on this server');
  const user = await loadUser(deps, auth.user.id);
  if (user.mfa_active) throw conflict('mfa_already_active', 'Multi-factor authentication is already on; turn it off first to enrol a new device');
  const secret = await newTotpSecret();
  await putPendingMfa(deps.db, user.id, secret, deps.now());
  const uri = await totpUri(secret, (await siteSettings(deps)).site_name, user.username);
  const qr = await qrImages(uri);
  return { secret, uri, qr_code_svg: qr.svgDataUrl, qr_code_png: qr.pngBase64 };
}

/** Counts a failed code against the account's login lockout; throws 429 while it is locked. */
async function limitCodeAttempts(deps: Deps, userId: string): Promise<{ fail: () => Promise<void> }> {
  const store = rateLimitStore(deps);
  const { account } = loginLimits(await authSettings(deps));
  const key = `login:user:${userId}`;
  await assertUnderLimit(store, key, account, deps.now(), 'Too many wrong codes for this account; try again later');
  return { fail: async () => void (await store.hit(key, account.windowMs, deps.now())) };
}

/** Confirms enrolment with a code from the app; returns the recovery codes (the only time they are shown). */
export async function confirmMfaEnrolment(deps: Deps, auth: Auth, code: string, ip: string) {
  const user = await loadUser(deps, auth.user.id);
  if (user.mfa_active) throw conflict('mfa_already_active', 'Multi-factor authentication is already on');
  const pending = await getMfa(deps.db, user.id);
  if (!pending) throw badRequest('mfa_not_started', 'Start enrolment first (generate a secret)');
  const limit = await limitCodeAttempts(deps, user.id);
  const step = await matchTotp(pending.secret, code.trim(), deps.now());
  if (step === undefined) {
    await limit.fail();
    throw badRequest('invalid_mfa_code', 'That code does not match; check the time on your device and try the current code');
  }
  const codes = Array.from({ length: RECOVERY_CODE_COUNT }, newRecoveryCode);
  await inTx(deps, async (tx) => {
    if (!(await claimStep(tx, user.id, step))) throw badRequest('mfa_code_reused', 'That code was already used; wait for the next one');
    await markConfirmed(tx, user.id, deps.now());
    await replaceRecoveryCodes(tx, user.id, codes.map((c) => hashRecoveryCode(user.id, c)), deps.now());
    await audit(tx, deps.now(), { id: user.id, ip, via: 'api' }, 'mfa_activate', { target_type: 'user', target_id: user.id });
  });
  // The session may have been waiting for enrolment (auth.mfa = required): refresh it now.
  forgetSessions(deps, [auth.session.id]);
  return { recovery_codes: codes };
}

/**
 * Checks a second factor: a 6-digit TOTP code (each accepted once) or an unused recovery code
 * (used up by this call). Throws 401 mfa_required (none given), invalid_mfa_code or
 * mfa_code_reused; the caller counts failures against its limits.
 */
export async function verifySecondFactor(deps: Deps, user: Pick<UserRow, 'id'>, code: string | undefined): Promise<'totp' | 'recovery'> {
  const given = (code ?? '').trim();
  if (!given) throw mfaRequired();
  const mfa = await getMfa(deps.db, user.id);
  if (!mfa) throw invalidCode();
  if (looksLikeRecoveryCode(given) && !/^\d+$/.test(given)) {
    if (await useRecoveryCode(deps.db, user.id, hashRecoveryCode(user.id, given), deps.now())) return 'recovery';
    throw invalidCode();
  }
  const step = await matchTotp(mfa.secret, given.replace(/\s/g, ''), deps.now());
  if (step === undefined) throw invalidCode();
  if (!(await claimStep(deps.db, user.id, step))) throw reusedCode();
  return 'totp';
}

/** A code check for a signed-in user (turning MFA off, new recovery codes), under the login lockout. */
async function reauthenticate(deps: Deps, userId: string, code: string | undefined, ip: string, action: string) {
  const limit = await limitCodeAttempts(deps, userId);
  try {
    return await verifySecondFactor(deps, { id: userId }, code);
  } catch (e) {
    if (e instanceof AppError && e.code !== 'mfa_required') {
      await limit.fail();
      await audit(deps.db, deps.now(), { id: userId, ip, via: 'api' }, action, { target_type: 'user', target_id: userId, success: false, details: { reason: e.code } });
    }
    throw e;
  }
}

/** Turns the caller's MFA off; needs a current code or a recovery code. Refused while the server requires MFA. */
export async function disableMfa(deps: Deps, auth: Auth, code: string | undefined, ip: string) {
  const user = await loadUser(deps, auth.user.id);
  if (!user.mfa_active) {
    await deleteMfa(deps.db, user.id, deps.now()); // an abandoned pending enrolment
    return { active: false };
  }
  if ((await authSettings(deps)).mfa === 'required') throw forbidden('mfa_enforced', 'This server requires multi-factor authentication; it cannot be turned off');
  const used = await reauthenticate(deps, user.id, code, ip, 'mfa_deactivate');
  await inTx(deps, async (tx) => {
    await deleteMfa(tx, user.id, deps.now());
    await audit(tx, deps.now(), { id: user.id, ip, via: 'api' }, 'mfa_deactivate', { target_type: 'user', target_id: user.id, details: { with: used } });
  });
  forgetSessions(deps, [auth.session.id]);
  return { active: false };
}

/** Replaces the caller's recovery codes (the old ones stop working); needs a current code. */
export async function regenerateRecoveryCodes(deps: Deps, auth: Auth, code: string | undefined, ip: string) {
  const user = await loadUser(deps, auth.user.id);
  if (!user.mfa_active) throw badRequest('mfa_not_active', 'Multi-factor authentication is not on');
  await reauthenticate(deps, user.id, code, ip, 'mfa_recovery_codes');
  const codes = Array.from({ length: RECOVERY_CODE_COUNT }, newRecoveryCode);
  await inTx(deps, async (tx) => {
    await replaceRecoveryCodes(tx, user.id, codes.map((c) => hashRecoveryCode(user.id, c)), deps.now());
    await audit(tx, deps.now(), { id: user.id, ip, via: 'api' }, 'mfa_recovery_codes', { target_type: 'user', target_id: user.id });
  });
  return { recovery_codes: codes };
}

/** An administrator removes a user's MFA (lost device and recovery codes): `rustchat user mfa-reset`. */
export async function resetMfa(deps: Deps, actor: Actor, userId: string) {
  const user = await loadUser(deps, userId);
  const changed = await inTx(deps, async (tx) => {
    const changed = await deleteMfa(tx, user.id, deps.now());
    if (changed) await audit(tx, deps.now(), actor, 'mfa_reset', { target_type: 'user', target_id: user.id, details: { was_active: user.mfa_active } });
    return changed;
  });
  return { user: { ...user, mfa_active: false }, was_active: user.mfa_active, changed };
}

/** Whether a login id needs a code (Mattermost's `POST /users/mfa`): false for unknown ids, and while MFA is off. */
/** Whether the login screen must ask for a code for this login id (username or email). */
export async function loginIdNeedsMfa(deps: Deps, loginId: string): Promise<boolean> {
  const id = loginId.trim();
  return loginNeedsMfa(deps, id ? await findUserByLogin(deps.db, id) : undefined);
}

export async function loginNeedsMfa(deps: Deps, user: UserRow | undefined): Promise<boolean> {
  if (!user || Number(user.delete_at) !== 0) return false;
  return user.mfa_active && (await authSettings(deps)).mfa !== 'off';
}

