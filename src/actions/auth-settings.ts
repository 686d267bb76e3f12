import type { Deps } from '../deps.ts';
import type { Queryable } from '../db/driver.ts';
import { ConfigError, KEYS, checkAuthRules, fieldSchema, splitList, type Config, type KeySpec } from '../config.ts';
import { deleteSetting, getSettings, putSetting } from '../store/settings.ts';
import { badRequest } from '../errors.ts';
import type { Limit } from './rate-limit.ts';
import { AUTH_SETTING_KEYS, type AuthSettingKey, type AuthSettings } from '../runtime-settings.ts';

export { AUTH_SETTING_KEYS, type AuthSettingKey, type AuthSettings };

/**
 * The authentication settings an admin manages (docs/auth.md): MFA mode, password policy,
 * session lifetimes and idle timeout, the sign-up domain allow-list and the login lockout
 * thresholds. Each is a configuration key (`auth.*`, the file's value is the default) that an
 * admin can override at runtime; overrides live in `site_settings` under the key's path and
 * win until reset (null). Validation is the configuration's own (type, range, cross-key rules).
 */
const SPECS = new Map<AuthSettingKey, KeySpec>(AUTH_SETTING_KEYS.map((k) => [k, KEYS.find((s) => s.path === `auth.${k}`)!]));
const storedKey = (k: AuthSettingKey) => `auth.${k}`;

/** The file's values (the defaults an override replaces). */
export function configAuthSettings(config: Config): AuthSettings {
  return Object.fromEntries(AUTH_SETTING_KEYS.map((k) => [k, config.auth[k]])) as unknown as AuthSettings;
}

/** Effective settings from the stored overrides over the file; an override that no longer validates is ignored. */
export async function readAuthSettings(deps: Deps, q: Queryable = deps.db): Promise<AuthSettings & { overridden: AuthSettingKey[] }> {
  const stored = await getSettings(q);
  const out = configAuthSettings(deps.config) as Record<AuthSettingKey, unknown>;
  const overridden: AuthSettingKey[] = [];
  for (const k of AUTH_SETTING_KEYS) {
    const v = stored[storedKey(k)];
    if (v === undefined || !fieldSchema(SPECS.get(k)!).safeParse(v).success) continue;
    out[k] = v;
    overridden.push(k);
  }
  return { ...(out as AuthSettings), overridden };
}

// Logins and every authenticated request on a cache miss read these; changes by an admin reach
// this process at once and every other process within this bound.
const CACHE_MS = 5000;

/**
 * The effective settings, cached per process for at most 5 s. Inside a transaction pass it as
 * `q`: a cache miss then reads through it (PGlite has one connection; the handle would deadlock).
 */
export async function authSettings(deps: Deps, q: Queryable = deps.db): Promise<AuthSettings> {
  const caches = deps.services.caches;
  const now = deps.now();
  let entry = caches.authSettings;
  if (!entry || now - entry.at >= CACHE_MS) {
    const fresh = (entry = { at: now, value: readAuthSettings(deps, q) });
    caches.authSettings = fresh;
    fresh.value.catch(() => {
      if (caches.authSettings === fresh) caches.authSettings = undefined;
    });
  }
  return entry.value;
}

/** Drops this process's cached settings (after an admin changed them). */
export function forgetAuthSettings(deps: Deps) {
  deps.services.caches.authSettings = undefined;
}

export type AuthSettingsPatch = Partial<Record<AuthSettingKey, unknown>>;

/**
 * Validates and stores a patch (null resets a key to the file's value) inside the caller's
 * transaction. Returns the old and new effective values of the keys that changed, for the audit.
 */
export async function updateAuthSettings(deps: Deps, q: Queryable, patch: AuthSettingsPatch) {
  const keys = Object.keys(patch) as AuthSettingKey[];
  if (!keys.length) throw badRequest('invalid_input', 'Nothing to change: send one or more authentication settings');
  for (const k of keys) if (!SPECS.has(k)) throw badRequest('unknown_setting', `"${k}" is not an authentication setting`, { key: k });
  const before = await readAuthSettings(deps, q);
  const after: Record<string, unknown> = { ...before };
  for (const k of keys) {
    const v = patch[k];
    if (v === null) {
      after[k] = deps.config.auth[k];
      continue;
    }
    const r = fieldSchema(SPECS.get(k)!).safeParse(k === 'signup_email_domains' && typeof v === 'string' ? splitList(v).join(', ') : v);
    if (!r.success) throw badRequest('invalid_setting', `${k}: ${r.error.issues[0]?.message ?? 'invalid value'}`, { key: k });
    after[k] = r.data;
  }
  try {
    checkAuthRules(after as AuthSettings);
  } catch (e) {
    if (e instanceof ConfigError) throw badRequest('invalid_setting', e.message.replace(/^config: auth\./, ''), { key: e.key.replace(/^auth\./, '') });
    throw e;
  }
  const changes: Record<string, { from: unknown; to: unknown }> = {};
  for (const k of keys) {
    if (patch[k] === null) await deleteSetting(q, storedKey(k));
    else await putSetting(q, storedKey(k), after[k]);
    if (JSON.stringify(before[k]) !== JSON.stringify(after[k])) changes[k] = { from: before[k], to: after[k] };
  }
  return { changes, settings: await readAuthSettings(deps, q) };
}

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
