import type { Deps } from '../deps.ts';
import { isControl, type SettingsGroup } from '../contract/events.ts';

/**
 * How an admin's settings change reaches every process at once. Each process caches the site
 * settings (settings.ts) and each runtime group (setting-group.ts) for at most SETTINGS_CACHE_MS;
 * after a change commits, `settingsChanged` publishes `settings_changed` naming the group, and
 * every process (the one that made the change too) drops that group's cache on receipt. The
 * expiry stays as the fallback for a message the bus lost (a Redis outage: `bus_reconnected`
 * drops every group). The server also tells its sockets (http/config-changed.ts).
 */

/** Every group the bus may name (setting-group.ts passes its group: a runtime group SettingsGroup lacks does not compile). */
export const SETTINGS_GROUPS: readonly SettingsGroup[] = ['site', 'auth', 'integrations', 'email'];

/** Drops this process's cache of a group (a change does it on every process through the bus). */
export function forgetSettings(deps: Deps, group: SettingsGroup): void {
  const caches = deps.services.caches;
  if (group === 'site') caches.siteSettings = undefined;
  else caches.settings[group] = undefined;
}

/** After an admin's change of `group` committed: drops this process's cache now and tells every process. */
export function settingsChanged(deps: Deps, group: SettingsGroup): void {
  forgetSettings(deps, group);
  deps.bus.publish({ control: 'settings_changed', group });
}

/**
 * Subscribes this process's settings caches to the bus, once (ProcessCaches.settingsWatch; the
 * services' close() ends it). The caches call it when they fill: a process that never read a
 * group has nothing to drop.
 */
export function watchSettingsCaches(deps: Deps): void {
  const caches = deps.services.caches;
  caches.settingsWatch ??= deps.bus.subscribe((m) => {
    if (!isControl(m)) return;
    if (m.control === 'settings_changed') forgetSettings(deps, m.group);
    // Changes may have been lost with other messages during the outage: read every group again.
    else if (m.control === 'bus_reconnected') for (const g of SETTINGS_GROUPS) forgetSettings(deps, g);
  });
}

/**
 * Runs `fn` after each settings change made on any process, with this process's cache of the
 * group already dropped. One run at a time: changes that arrive during a run make one more run
 * after it, so the last run always reads what the last change left (and a burst costs two).
 * Returns the unsubscribe.
 */
export function onSettingsChanged(deps: Deps, fn: () => Promise<void>): () => void {
  let running = false;
  let again = false;
  const run = async () => {
    running = true;
    do {
      again = false;
      try {
        await fn();
      } catch (e) {
        deps.log.warn('announcing a settings change failed', { err: e });
      }
    } while (again);
    running = false;
  };
  return deps.bus.subscribe((m) => {
    if (!isControl(m) || m.control !== 'settings_changed') return;
    forgetSettings(deps, m.group);
    if (running) again = true;
    else void run();
  });
}
