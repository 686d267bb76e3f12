import type { Deps } from '../deps.ts';
import { accessTokenOwners } from '../store/access-tokens.ts';
import { forbidden } from '../errors.ts';
import type { Auth } from '../auth.ts';
import { INTEGRATION_SETTING_KEYS, type IntegrationSettingKey, type IntegrationSettings } from '../runtime-settings.ts';
import { settingGroup } from './setting-group.ts';

export { INTEGRATION_SETTING_KEYS, type IntegrationSettingKey, type IntegrationSettings };

/**
 * The integration switches an admin manages at runtime (docs/integrations.md). Each is a
 * configuration key (`integrations.*`, the file's value is the default) that an admin can
 * override at runtime (setting-group.ts). The network limits (allowed_internal_hosts, timeouts,
 * sizes) are file-only: they are read once at start.
 */
const integrations = settingGroup({
  group: 'integrations',
  keys: INTEGRATION_SETTING_KEYS,
  nothingToChange: 'Nothing to change: send one or more integration settings',
  notASetting: (k) => `"${k}" is not an integration setting that can change at runtime`,
});

/** The file's values (the defaults an override replaces). */
export const configIntegrationSettings = integrations.defaults;
/** The effective settings, cached per process for at most 5 s (pass the transaction as `q` inside one). */
export const integrationSettings = integrations.current;

/** For the system console: the settings in force, which override the file, and the file's values. */
export async function adminGetIntegrationSettings(deps: Deps) {
  const i = deps.config.integrations;
  return {
    ...(await integrations.forConsole(deps)),
    // File-only network limits of outgoing requests, shown read-only.
    network: { allowed_internal_hosts: i.allowed_internal_hosts, request_timeout_seconds: i.request_timeout_seconds, response_max_bytes: i.response_max_bytes },
  };
}

/**
 * Changes integration settings (system admins; null resets one to the file's value); audited with
 * old and new values. Turning personal access tokens off (or bot accounts, whose tokens then stop
 * working) also ends the sockets opened with those tokens: authentication refuses the tokens at
 * once, but an open socket is never authenticated again and would keep receiving events.
 */
export async function adminPatchIntegrationSettings(deps: Deps, auth: Auth, patch: Partial<Record<string, unknown>>, ip: string) {
  if (!auth.isSystemAdmin) throw forbidden('forbidden', 'System admin only');
  const changes = await integrations.change(deps, { id: auth.user.id, ip, via: 'api' }, patch);
  const tokensOff = changes.personal_access_tokens?.to === 'off';
  if (tokensOff || changes.enable_bot_accounts?.to === false) await closeTokenSockets(deps, { botsOnly: !tokensOff });
  return adminGetIntegrationSettings(deps);
}

/** `sessions_revoked` for tokens (one message per user, as the hub scans by user): their sockets close on every process. */
async function closeTokenSockets(deps: Deps, o: { botsOnly: boolean }): Promise<void> {
  const byUser = new Map<string, string[]>();
  for (const t of await accessTokenOwners(deps.db, o)) byUser.set(t.user_id, [...(byUser.get(t.user_id) ?? []), t.id]);
  for (const [userId, ids] of byUser) deps.bus.publish({ control: 'sessions_revoked', session_ids: ids, user_id: userId });
}
