import { z } from 'zod';
import type { Deps } from '../deps.ts';
import type { Queryable } from '../db/driver.ts';
import { deleteSetting, getSettings, putSetting } from '../store/settings.ts';
import { badRequest } from '../errors.ts';
import { buildInfo } from '../version.ts';
import { authSettings } from './auth-settings.ts';
import { emailSettings } from './email-settings.ts';
import { ssoEnabled } from './oidc-config.ts';
import { SETTINGS_CACHE_MS } from './setting-group.ts';
import { watchSettingsCaches } from './settings-changes.ts';
import type { SiteInfo } from '../contract/objects.ts';

/**
 * Runtime site settings: kept in the `site_settings` table, editable by system admins, and
 * falling back to the configuration file when not set. A stored value wins over the file, so an
 * admin can turn open sign-up off without a restart; storing null removes the override.
 */
export interface SiteSettings {
  site_name: string;
  open_signup: boolean;
}

const SETTING_KEYS = ['site_name', 'open_signup'] as const;

/** The stored overrides (site_settings), without the file's defaults. */
export type StoredSiteSettings = Partial<SiteSettings>;

async function readStored(q: Queryable): Promise<StoredSiteSettings> {
  const stored = await getSettings(q);
  const out: StoredSiteSettings = {};
  if (typeof stored.site_name === 'string') out.site_name = stored.site_name;
  if (typeof stored.open_signup === 'boolean') out.open_signup = stored.open_signup;
  return out;
}

function withDefaults(deps: Deps, stored: StoredSiteSettings): SiteSettings & { overridden: string[] } {
  return {
    site_name: stored.site_name ?? deps.config.site.name,
    open_signup: stored.open_signup ?? deps.config.auth.open_signup,
    overridden: SETTING_KEYS.filter((k) => stored[k] !== undefined),
  };
}

/** The site settings as stored now (the system console, and the answer to a change): always a query. */
export async function readSiteSettings(deps: Deps, q: Queryable = deps.db): Promise<SiteSettings & { overridden: string[] }> {
  return withDefaults(deps, await readStored(q));
}

/**
 * The site settings in force, from the per-process cache (dropped on every process by a change,
 * settings-changes.ts, and at most SETTINGS_CACHE_MS old, as the runtime setting groups): the Mattermost client config, the login page, emails and sign-up read
 * them on every call. The cache holds only the stored overrides; the file's values are applied
 * on each read. Inside a transaction pass it as `q`: a cache miss then reads through it.
 */
export async function siteSettings(deps: Deps, q: Queryable = deps.db): Promise<SiteSettings & { overridden: string[] }> {
  const caches = deps.services.caches;
  const now = deps.now();
  let entry = caches.siteSettings;
  if (!entry || now - entry.at >= SETTINGS_CACHE_MS) {
    watchSettingsCaches(deps);
    const fresh = (entry = { at: now, value: readStored(q) });
    caches.siteSettings = fresh;
    fresh.value.catch(() => {
      if (caches.siteSettings === fresh) caches.siteSettings = undefined;
    });
  }
  return withDefaults(deps, await entry.value);
}


const SITE_NAME_MAX = 64;

export const SettingsPatch = z
  .object({
    site_name: z
      .string({ error: 'must be text' })
      .trim()
      .min(1, 'Enter a site name')
      .max(SITE_NAME_MAX, `At most ${SITE_NAME_MAX} characters`)
      .refine((v) => !/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/.test(v), 'contains control or bidirectional-override characters')
      .nullable()
      .optional(),
    open_signup: z.boolean({ error: 'must be true or false' }).nullable().optional(),
  })
  .strict();
export type SettingsPatch = z.infer<typeof SettingsPatch>;

/** Applies a patch (null resets a key to the configuration file's value); returns the new settings. */
export async function updateSiteSettings(deps: Deps, q: Queryable, patch: SettingsPatch) {
  if (Object.keys(patch).length === 0) throw badRequest('invalid_input', 'Nothing to change: send site_name and/or open_signup');
  for (const key of SETTING_KEYS) {
    const v = patch[key];
    if (v === undefined) continue;
    if (v === null) await deleteSetting(q, key);
    else await putSetting(q, key, v);
  }
  return { patch, settings: await readSiteSettings(deps, q) };
}

/**
 * What the login page needs before anyone is signed in. `setup_required` is true while the server
 * has no account: the next registration becomes the system admin, even with sign-up closed.
 */
export async function siteInfo(deps: Deps): Promise<SiteInfo> {
  const s = await siteSettings(deps);
  const [{ n }] = await deps.db.query<{ n: number }>('select count(*)::int as n from (select 1 from users limit 1) x');
  const a = await authSettings(deps);
  return {
    site_name: s.site_name,
    version: buildInfo().version,
    open_signup: s.open_signup,
    setup_required: n === 0,
    // Off: the web client hides the email notification preference (Mattermost's SendEmailNotifications).
    email_notifications: (await emailSettings(deps)).send_notifications,
    mfa: a.mfa,
    sso: ssoEnabled(deps.config) ? { button_text: deps.config.oidc.button_text, login_url: '/oauth/openid/login' } : null,
    password_policy: {
      min_length: a.password_min_length,
      require_lowercase: a.password_require_lowercase,
      require_uppercase: a.password_require_uppercase,
      require_number: a.password_require_number,
      require_symbol: a.password_require_symbol,
    },
  };
}
