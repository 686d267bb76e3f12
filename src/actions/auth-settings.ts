import { ConfigError, checkAuthRules, splitList } from '../config.ts';
import { badRequest } from '../errors.ts';
import type { Limit } from './rate-limit.ts';
import { AUTH_SETTING_KEYS, type AuthSettingKey, type AuthSettings } from '../runtime-settings.ts';
import { settingGroup } from './setting-group.ts';

export { AUTH_SETTING_KEYS, type AuthSettingKey, type AuthSettings };

/**
 * The authentication settings an admin manages (docs/auth.md): MFA mode, password policy,
 * session lifetimes and idle timeout, the sign-up domain allow-list and the login lockout
 * thresholds. Each is a configuration key (`auth.*`, the file's value is the default) that an
 * admin can override at runtime (setting-group.ts). Validation is the configuration's own (type,
 * range, cross-key rules).
 */
const auth = settingGroup({
  group: 'auth',
  keys: AUTH_SETTING_KEYS,
  nothingToChange: 'Nothing to change: send one or more authentication settings',
  notASetting: (k) => `"${k}" is not an authentication setting`,
  normalize: (k, v) => (k === 'signup_email_domains' && typeof v === 'string' ? splitList(v).join(', ') : v),
  check: (after) => {
    try {
      checkAuthRules(after);
    } catch (e) {
      if (e instanceof ConfigError) throw badRequest('invalid_setting', e.message.replace(/^config: auth\./, ''), { key: e.key.replace(/^auth\./, '') });
      throw e;
    }
  },
});

/** The file's values (the defaults an override replaces). */
export const configAuthSettings = auth.defaults;
/** The effective settings, cached per process for at most 5 s (pass the transaction as `q` inside one). */
export const authSettings = auth.current;
/** Drops this process's cached settings (after an admin changed them). */
export const forgetAuthSettings = auth.forget;
/** An admin's change (null resets a key), audited with old and new values; returns the changes. */
export const changeAuthSettings = auth.change;
/** For the system console: the settings in force, which override the file, and the file's values. */
export const authSettingsForConsole = auth.forConsole;

export type AuthSettingsPatch = Partial<Record<AuthSettingKey, unknown>>;

// ---- what the settings mean, for the code that applies them --------------------------------

/**
 * Whether auth.mfa = required holds a person's session or token at enrolment: no second factor
 * yet, and not exempt (bots have none; SSO sessions and accounts rely on the identity provider's).
 */
export const mfaEnrolmentDue = (s: AuthSettings, mfaActive: boolean, exempt = false) => s.mfa === 'required' && !mfaActive && !exempt;

export const DAY_MS = 86_400_000;

/** Sliding lifetime of a session of this kind, in ms. */
export function sessionLifetimeMs(s: AuthSettings, mobile: boolean): number {
  return (mobile ? s.session_lifetime_mobile_days : s.session_lifetime_days) * DAY_MS;
}

/** The login lockout windows: per account and per client address. */
export function loginLimits(s: AuthSettings): { account: Limit; address: Limit } {
  const windowMs = s.lockout_window_minutes * 60_000;
  return { account: { max: s.lockout_account_attempts, windowMs }, address: { max: s.lockout_address_attempts, windowMs } };
}

/** Whether an email's domain may sign up (an empty allow-list allows any). Subdomains do not match. */
export function emailDomainAllowed(s: AuthSettings, email: string): boolean {
  const allowed = splitList(s.signup_email_domains);
  if (!allowed.length) return true;
  const domain = email.slice(email.lastIndexOf('@') + 1).toLowerCase();
  return allowed.includes(domain);
}
