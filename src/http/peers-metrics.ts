import type { Deps } from '../deps.ts';
import { startPeerWatch, type PeerWatch } from '../actions/peers.ts';
import { family } from './exposition.ts';
import { metricsSources } from './metrics.ts';

/**
 * Starts the peer heartbeat of a PostgreSQL-mode server (actions/peers.ts) and reports it:
 * readiness `bus` ('ok' or 'isolated': optional, so 200 degraded), rustchat_bus_isolated and
 * rustchat_server_nodes (docs/monitoring.md).
 */
export function registerPeerWatch(deps: Deps, opts?: { intervalMs?: number }): PeerWatch {
  const peers = startPeerWatch(deps, opts);
  deps.services.peers = peers;
  deps.services.readiness.push({ name: 'bus', required: false, check: async () => peers.state() });
  metricsSources(deps).push(() =>
    [
      family('rustchat_bus_isolated', 'gauge', 'Whether other servers share this database but their events do not reach this one over the bus (several servers without Redis): 1 while so.', [[{}, peers.state() === 'isolated' ? 1 : 0]]),
      family('rustchat_server_nodes', 'gauge', 'Server processes seen alive on this database (heartbeats in server_nodes), this one included.', [[{}, peers.nodes()]]),
    ].join('\n'),
  );
  return peers;
}
