import type { Deps } from '../deps.ts';
import type { Queryable } from '../db/driver.ts';
import { KEYS, fieldSchema, type Config, type KeySpec } from '../config.ts';
import { deleteSetting, getSettings, putSetting } from '../store/settings.ts';
import { accessTokenOwners } from '../store/access-tokens.ts';
import { badRequest, forbidden } from '../errors.ts';
import { inTx } from './tx.ts';
import { audit } from './audit.ts';
import type { Auth } from '../auth.ts';
import { INTEGRATION_SETTING_KEYS, type IntegrationSettingKey, type IntegrationSettings } from '../runtime-settings.ts';

export { INTEGRATION_SETTING_KEYS, type IntegrationSettingKey, type IntegrationSettings };

/**
 * The integration switches an admin manages at runtime (docs/integrations.md). Each is a
 * configuration key (`integrations.*`, the file's value is the default); an override lives in
 * `site_settings` under the key's path and wins until reset (null). The network limits
 * (allowed_internal_hosts, timeouts, sizes) are file-only: they are read once at start.
 */
const SPECS = new Map<IntegrationSettingKey, KeySpec>(INTEGRATION_SETTING_KEYS.map((k) => [k, KEYS.find((s) => s.path === `integrations.${k}`)!]));
const storedKey = (k: IntegrationSettingKey) => `integrations.${k}`;

export function configIntegrationSettings(config: Config): IntegrationSettings {
  return Object.fromEntries(INTEGRATION_SETTING_KEYS.map((k) => [k, config.integrations[k]])) as unknown as IntegrationSettings;
}

/** Effective settings: stored overrides over the file; an override that no longer validates is ignored. */
export async function readIntegrationSettings(deps: Deps, q: Queryable = deps.db): Promise<IntegrationSettings & { overridden: IntegrationSettingKey[] }> {
  const stored = await getSettings(q);
  const out = configIntegrationSettings(deps.config) as Record<IntegrationSettingKey, unknown>;
  const overridden: IntegrationSettingKey[] = [];
  for (const k of INTEGRATION_SETTING_KEYS) {
    const v = stored[storedKey(k)];
    if (v === undefined || !fieldSchema(SPECS.get(k)!).safeParse(v).success) continue;
    out[k] = v;
    overridden.push(k);
  }
  return { ...(out as IntegrationSettings), overridden };
}

// Every token-authenticated request and every hook call reads these on a cache miss; an admin's
// change reaches this process at once and the others within this bound.
const CACHE_MS = 5000;

/** The effective settings, cached per process for at most 5 s (pass the transaction as `q` inside one). */
export async function integrationSettings(deps: Deps, q: Queryable = deps.db): Promise<IntegrationSettings> {
  const caches = deps.services.caches;
  const now = deps.now();
  let entry = caches.integrationSettings;
  if (!entry || now - entry.at >= CACHE_MS) {
    const fresh = (entry = { at: now, value: readIntegrationSettings(deps, q) });
    caches.integrationSettings = fresh;
    fresh.value.catch(() => {
      if (caches.integrationSettings === fresh) caches.integrationSettings = undefined;
    });
  }
  return entry.value;
}

export function forgetIntegrationSettings(deps: Deps) {
  deps.services.caches.integrationSettings = undefined;
}

/** Validates and stores a patch (null resets a key); returns the changes for the audit. */
export async function updateIntegrationSettings(deps: Deps, q: Queryable, patch: Partial<Record<string, unknown>>) {
  const keys = Object.keys(patch) as IntegrationSettingKey[];
  if (!keys.length) throw badRequest('invalid_input', 'Nothing to change: send one or more integration settings');
  for (const k of keys) if (!SPECS.has(k)) throw badRequest('unknown_setting', `"${k}" is not an integration setting that can change at runtime`, { key: k });
  const before = await readIntegrationSettings(deps, q);
  const after: Record<string, unknown> = { ...before };
  for (const k of keys) {
    const v = patch[k];
    if (v === null) {
      after[k] = deps.config.integrations[k];
      continue;
    }
    const r = fieldSchema(SPECS.get(k)!).safeParse(v);
    if (!r.success) throw badRequest('invalid_setting', `${k}: ${r.error.issues[0]?.message ?? 'invalid value'}`, { key: k });
    after[k] = r.data;
  }
  const changes: Record<string, { from: unknown; to: unknown }> = {};
  for (const k of keys) {
    if (patch[k] === null) await deleteSetting(q, storedKey(k));
    else await putSetting(q, storedKey(k), after[k]);
    if (JSON.stringify(before[k]) !== JSON.stringify(after[k])) changes[k] = { from: before[k], to: after[k] };
  }
  return { changes, settings: await readIntegrationSettings(deps, q) };
}

/** For the system console: the settings in force, which override the file, and the file's values. */
export async function adminGetIntegrationSettings(deps: Deps) {
  const { overridden, ...settings } = await readIntegrationSettings(deps);
  const i = deps.config.integrations;
  return {
    settings,
    overridden,
    defaults: configIntegrationSettings(deps.config),
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
  const changes = await inTx(deps, async (tx) => {
    const { changes } = await updateIntegrationSettings(deps, tx, patch);
    await audit(tx, deps.now(), { id: auth.user.id, ip, via: 'api' }, 'settings_update', { target_type: 'integrations', details: { changes } });
    return changes;
  });
  forgetIntegrationSettings(deps);
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
