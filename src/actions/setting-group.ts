import type { Deps } from '../deps.ts';
import type { Queryable } from '../db/driver.ts';
import { KEYS, fieldSchema, type Config, type KeySpec } from '../config.ts';
import { deleteSetting, getSettings, putSetting } from '../store/settings.ts';
import { badRequest } from '../errors.ts';
import type { RuntimeSettings } from '../runtime-settings.ts';
import { inTx } from './tx.ts';
import { audit, type Actor } from './audit.ts';
import { forgetSettings, settingsChanged, watchSettingsCaches } from './settings-changes.ts';

type Group = keyof RuntimeSettings;
type Key<G extends Group> = keyof RuntimeSettings[G] & string;

export interface SettingGroupSpec<G extends Group> {
  /** The configuration section: a key is `<group>.<key>` in the file and in `site_settings`. */
  group: G;
  keys: readonly Key<G>[];
  /** The invalid_input message for an empty patch. */
  nothingToChange: string;
  /** The unknown_setting message for a key that is not one of `keys`. */
  notASetting: (key: string) => string;
  /** Rewrites a value before it is validated (auth: the sign-up domain list). */
  normalize?: (key: Key<G>, value: unknown) => unknown;
  /** Rules across keys, over the values a patch would leave; throws badRequest('invalid_setting'). */
  check?: (after: RuntimeSettings[G]) => void;
}

export type SettingChanges = Record<string, { from: unknown; to: unknown }>;

// Logins, every authenticated request and every hook call read a group on a cache miss. An
// admin's change drops the cache on every process at once (settings-changes.ts, over the bus);
// this bound is the fallback for a bus message lost in an outage. The site settings
// (settings.ts) use the same bound.
export const SETTINGS_CACHE_MS = 5000;

/**
 * A group of configuration keys an admin may override at runtime (auth.*, integrations.*, email.*; the
 * lists are in runtime-settings.ts). The file's value is the default; an override lives in
 * `site_settings` under the key's path and wins until reset (null). Validation is the
 * configuration's own (each key's type and range) plus the group's `check`; an override that no
 * longer validates is ignored. Effective values are cached per process until a change and for at most 5 s.
 */
export function settingGroup<G extends Group>(spec: SettingGroupSpec<G>) {
  type S = RuntimeSettings[G];
  type K = Key<G>;
  const { group, keys } = spec;
  const specs = new Map<string, KeySpec>(keys.map((k) => [k, KEYS.find((s) => s.path === `${group}.${k}`)!]));
  const storedKey = (k: K) => `${group}.${k}`;
  const fileValue = (config: Config, k: K): unknown => (config[group] as Record<string, unknown>)[k];

  /** The file's values (the defaults an override replaces). */
  function defaults(config: Config): S {
    return Object.fromEntries(keys.map((k) => [k, fileValue(config, k)])) as unknown as S;
  }

  /** Effective values from the stored overrides over the file, and which keys are overridden. */
  async function read(deps: Deps, q: Queryable = deps.db): Promise<S & { overridden: K[] }> {
    const stored = await getSettings(q);
    const out = defaults(deps.config) as Record<K, unknown>;
    const overridden: K[] = [];
    for (const k of keys) {
      const v = stored[storedKey(k)];
      if (v === undefined || !fieldSchema(specs.get(k)!).safeParse(v).success) continue;
      out[k] = v;
      overridden.push(k);
    }
    return { ...(out as S), overridden };
  }

  /**
   * The effective values, cached per process until a change (any process's: the bus drops the
   * cache) and for at most 5 s. Inside a transaction pass it as
   * `q`: a cache miss then reads through it (PGlite has one connection; the handle would deadlock).
   */
  async function current(deps: Deps, q: Queryable = deps.db): Promise<S> {
    const caches: { [P in G]?: { at: number; value: Promise<RuntimeSettings[P]> } } = deps.services.caches.settings;
    const now = deps.now();
    let entry = caches[group];
    if (!entry || now - entry.at >= SETTINGS_CACHE_MS) {
      watchSettingsCaches(deps);
      const fresh = (entry = { at: now, value: read(deps, q) });
      caches[group] = fresh;
      fresh.value.catch(() => {
        if (caches[group] === fresh) caches[group] = undefined;
      });
    }
    return entry.value;
  }

  /** Drops this process's cached values (tests; a change drops them on every process). */
  const forget = (deps: Deps) => forgetSettings(deps, group);

  /**
   * Validates and stores a patch (null resets a key to the file's value) inside the caller's
   * transaction. Returns the old and new effective values of the keys that changed, for the audit.
   */
  async function update(deps: Deps, q: Queryable, patch: Partial<Record<string, unknown>>): Promise<{ changes: SettingChanges; settings: S & { overridden: K[] } }> {
    const changed = Object.keys(patch) as K[];
    if (!changed.length) throw badRequest('invalid_input', spec.nothingToChange);
    for (const k of changed) if (!specs.has(k)) throw badRequest('unknown_setting', spec.notASetting(k), { key: k });
    const before = await read(deps, q);
    const after: Record<string, unknown> = { ...before };
    for (const k of changed) {
      const v = patch[k];
      if (v === null) {
        after[k] = fileValue(deps.config, k);
        continue;
      }
      const r = fieldSchema(specs.get(k)!).safeParse(spec.normalize ? spec.normalize(k, v) : v);
      if (!r.success) throw badRequest('invalid_setting', `${k}: ${r.error.issues[0]?.message ?? 'invalid value'}`, { key: k });
      after[k] = r.data;
    }
    spec.check?.(after as S);
    const changes: SettingChanges = {};
    for (const k of changed) {
      if (patch[k] === null) await deleteSetting(q, storedKey(k));
      else await putSetting(q, storedKey(k), after[k]);
      if (JSON.stringify(before[k]) !== JSON.stringify(after[k])) changes[k] = { from: before[k], to: after[k] };
    }
    return { changes, settings: await read(deps, q) };
  }

  /**
   * An admin's change: `update` and its audit entry (settings_update, target_type = the group, with
   * old and new values) in one transaction; after COMMIT every process drops its cache of the group
   * and tells its sockets (settings-changes.ts).
   */
  async function change(deps: Deps, actor: Actor, patch: Partial<Record<string, unknown>>): Promise<SettingChanges> {
    const changes = await inTx(deps, async (tx) => {
      const { changes } = await update(deps, tx, patch);
      await audit(tx, deps.now(), actor, 'settings_update', { target_type: group, details: { changes } });
      return changes;
    });
    settingsChanged(deps, group);
    return changes;
  }

  /** For the system console: the values in force, which keys override the file, and the file's values. */
  async function forConsole(deps: Deps): Promise<{ settings: S; overridden: K[]; defaults: S }> {
    const { overridden, ...settings } = await read(deps);
    return { settings: settings as unknown as S, overridden, defaults: defaults(deps.config) };
  }

  return { defaults, read, current, forget, update, change, forConsole };
}
