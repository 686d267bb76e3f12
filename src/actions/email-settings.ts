import type { Deps } from '../deps.ts';
import { forbidden } from '../errors.ts';
import type { Auth } from '../auth.ts';
import { EMAIL_SETTING_KEYS, type EmailSettingKey, type EmailSettings } from '../runtime-settings.ts';
import { settingGroup } from './setting-group.ts';

export { EMAIL_SETTING_KEYS, type EmailSettingKey, type EmailSettings };

/**
 * The email switches an admin manages at runtime (docs/admin.md, "Email"): today only
 * `send_notifications`, Mattermost's EmailSettings.SendEmailNotifications. Off, posts queue no
 * offline notification emails (store/posts.ts) and the notification sender drops what waits
 * (notification-emails.ts); password resets, invitations and `email test` are not notifications
 * and are sent either way. The SMTP connection (`smtp.*`) is file-only.
 */
const email = settingGroup({
  group: 'email',
  keys: EMAIL_SETTING_KEYS,
  nothingToChange: 'Nothing to change: send send_notifications',
  notASetting: (k) => `"${k}" is not an email setting that can change at runtime`,
});

/** The effective settings, cached per process for at most 5 s (each post reads them: no query on a hit). */
export const emailSettings = email.current;

/** For the system console: the settings in force, which override the file, and the file's values. */
export const adminGetEmailSettings = email.forConsole;

/** Changes email settings (system admins; null resets one to the file's value); audited with old and new values. */
export async function adminPatchEmailSettings(deps: Deps, auth: Auth, patch: Partial<Record<string, unknown>>, ip: string) {
  if (!auth.isSystemAdmin) throw forbidden('forbidden', 'System admin only');
  await email.change(deps, { id: auth.user.id, ip, via: 'api' }, patch);
  return adminGetEmailSettings(deps);
}
