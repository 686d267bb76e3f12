import type { Deps } from '../deps.ts';
import { onSettingsChanged } from '../actions/settings-changes.ts';
import { siteInfo } from '../actions/settings.ts';
import { getHub } from '../realtime/hub.ts';
import { v1Serializer } from '../realtime/serializer.ts';
import { clientConfig } from './v4/system.ts';
import { mmConfigChanged, mmSerializer } from './v4/ws-serializer.ts';

/**
 * `config_changed` to this process's sockets after an admin's settings change on any process
 * (the bus's `settings_changed`, with this process's cache already dropped), as Mattermost sends
 * it to every connection when its configuration changes. Each protocol gets its own client
 * configuration, read once per change for all its sockets: Mattermost sockets the client config
 * of `GET /api/v4/config/client?format=old` for a signed-in user (the same for every user),
 * native sockets the site info of `GET /api/v1/site/info`. Sockets awaiting resume get it in
 * their ring. Returns the unsubscribe.
 */
export function announceConfigChanges(deps: Deps): () => void {
  const hub = getHub(deps);
  return onSettingsChanged(deps, async () => {
    if (hub.hasConnections(mmSerializer)) {
      const config = await clientConfig(deps);
      hub.broadcast(mmSerializer, mmConfigChanged(config, deps.now()));
    }
    if (hub.hasConnections(v1Serializer)) {
      const site = await siteInfo(deps);
      const p = v1Serializer.prepare({ event: 'config_changed', data: { site }, broadcast: { user_ids: [] } }, deps.now());
      if (p) hub.broadcast(v1Serializer, p);
    }
  });
}
