import type { Config } from './config.ts';

/**
 * The configuration keys an admin may override while the server runs, by group, and the shape
 * of each group's effective values. The mechanism (stored overrides, cache, validation, audit) is
 * actions/setting-group.ts, used by actions/auth-settings.ts, actions/integration-settings.ts and
 * actions/email-settings.ts;
 * the lists are here so that deps.ts can type the per-process cache without importing actions.
 */

/** `auth.*` keys (docs/auth.md): MFA mode, password policy, session lifetimes, sign-up domains, lockout. */
export const AUTH_SETTING_KEYS = [
  'mfa',
  'password_min_length',
  'password_require_lowercase',
  'password_require_uppercase',
  'password_require_number',
  'password_require_symbol',
  'password_check_breached',
  'session_lifetime_days',
  'session_lifetime_mobile_days',
  'session_idle_timeout_minutes',
  'signup_email_domains',
  'lockout_account_attempts',
  'lockout_address_attempts',
  'lockout_window_minutes',
] as const;
export type AuthSettingKey = (typeof AUTH_SETTING_KEYS)[number];
export type AuthSettings = Pick<Config['auth'], AuthSettingKey>;

/** `integrations.*` switches (docs/integrations.md); the network limits are file-only, read once at start. */
export const INTEGRATION_SETTING_KEYS = [
  'enable_incoming_webhooks',
  'enable_outgoing_webhooks',
  'enable_commands',
  'members_manage_integrations',
  'enable_post_username_override',
  'enable_post_icon_override',
  'personal_access_tokens',
  'enable_bot_accounts',
  'incoming_webhook_rate_per_minute',
] as const;
export type IntegrationSettingKey = (typeof INTEGRATION_SETTING_KEYS)[number];
export type IntegrationSettings = Pick<Config['integrations'], IntegrationSettingKey>;

/** `email.*` switches (docs/admin.md, "Email"); the SMTP connection (`smtp.*`) is file-only. */
export const EMAIL_SETTING_KEYS = ['send_notifications'] as const;
export type EmailSettingKey = (typeof EMAIL_SETTING_KEYS)[number];
export type EmailSettings = Pick<Config['email'], EmailSettingKey>;

/** Each group's effective values, by configuration section (actions/setting-group.ts reads, caches and changes them). */
export interface RuntimeSettings {
  auth: AuthSettings;
  integrations: IntegrationSettings;
  email: EmailSettings;
}
