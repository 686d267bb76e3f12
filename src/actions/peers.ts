import { hostname } from 'node:os';
import type { Deps } from '../deps.ts';
import type { PeerWatch } from '../services.ts';
import { newId } from '../ids.ts';
import { isControl } from '../contract/events.ts';
import { buildInfo } from '../version.ts';
import { beatServerNode, removeServerNode, type PeerRow } from '../store/server-nodes.ts';

export type { PeerWatch };

export const PEER_INTERVAL_MS = 5000;
const REPEAT_LOG_MS = 5 * 60_000;
/** Rows not refreshed for this long (crashed processes) are removed. */
const STALE_MS = 60 * 60_000;

/**
 * Finds server processes that share this PostgreSQL database but not this process's bus: several
 * servers without Redis (or with different Redis settings) each deliver only their own events, so
 * users on one miss what happens on the others — silently, until now.
 *
 * Every `intervalMs` each process refreshes its row in `server_nodes` (the database's clock) and
 * publishes a `node_heartbeat` on its bus. A process is *isolated* when a live row of another
 * process (refreshed within 3 intervals, started more than 2 intervals ago) has had no heartbeat
 * reach it over the bus for 3 intervals. This tests what matters — whether events actually cross —
 * rather than comparing settings (two spellings of one Redis URL are the same bus; one URL with
 * different channel prefixes is not), and it needs nothing but the database every process already
 * shares (no advisory locks or pg_stat_activity, which poolers and permissions break). While the
 * Redis bus itself is down (and for 3 intervals after) the `redis` check already says so, and
 * isolation is not reported.
 *
 * Isolation is logged at error level (again every 5 minutes while it lasts), reported by
 * /health/ready as `bus: isolated` (200, degraded: each server still serves its own users, and
 * taking every node out of rotation would turn missed events into an outage) and by
 * `rustchat_bus_isolated`; `rustchat_server_nodes` counts the live processes on the database.
 */
export function startPeerWatch(deps: Deps, opts: { intervalMs?: number } = {}): PeerWatch {
  const interval = opts.intervalMs ?? PEER_INTERVAL_MS;
  const log = deps.log.child({ component: 'peers' });
  const node = { id: newId(), bus: deps.config.redis.url ? 'redis' : 'memory', host: hostname(), pid: process.pid, version: buildInfo().version };
  const heard = new Map<string, number>();
  let isolated = false;
  let unheard: PeerRow[] = [];
  let live = 1;
  let lastLogged = 0;
  let busTroubleAt = -Infinity;
  let stopped = false;
  let running: Promise<void> | undefined;

  const unsubscribe = deps.bus.subscribe((m) => {
    if (isControl(m) && m.control === 'node_heartbeat' && m.node !== node.id) heard.set(m.node, Date.now());
  });

  const describe = (rows: PeerRow[]) => rows.map((r) => ({ id: r.id, host: r.host, pid: r.pid, bus: r.bus, version: r.version }));
  const tick = async () => {
    let peers: PeerRow[];
    try {
      peers = await beatServerNode(deps.db, node, 3 * interval, STALE_MS);
    } catch (e) {
      // The database is away or full: keep the last verdict; the outage is reported elsewhere.
      log.debug('server heartbeat failed', { err: e });
      return;
    }
    if (stopped) return;
    deps.bus.publish({ control: 'node_heartbeat', node: node.id });
    live = peers.length + 1;
    const now = Date.now();
    for (const [id, at] of heard) if (now - at > STALE_MS) heard.delete(id);
    unheard = peers.filter((p) => p.age_ms > 2 * interval && now - (heard.get(p.id) ?? 0) > 3 * interval);
    // Heartbeats lost while the Redis bus was away are not isolation: judge again only once it
    // has been back for as long as a silence must last.
    if (deps.bus.status() !== 'ok') busTroubleAt = now;
    const nowIsolated = unheard.length > 0 && now - busTroubleAt > 3 * interval;
    if (nowIsolated && (!isolated || now - lastLogged >= REPEAT_LOG_MS)) {
      lastLogged = now;
      log.error(
        deps.config.redis.url
          ? 'other servers share this database but their events do not reach this one over Redis (different redis.url or redis.channel_prefix?): users on each see only their own server\'s messages live'
          : 'other servers share this database without Redis: each delivers only its own events, so users miss messages, typing and status changes from the others until they reload; set redis.url on every server',
        { node: node.id, bus: node.bus, peers: describe(unheard) },
      );
    } else if (!nowIsolated && isolated) {
      log.info('every server on this database is reachable over the bus again', { node: node.id, servers: live });
    }
    isolated = nowIsolated;
  };
  const run = () => {
    if (stopped || running) return running;
    running = tick().finally(() => (running = undefined));
    return running;
  };
  void run();
  const timer = setInterval(() => void run(), interval);
  timer.unref();

  return {
    state: () => (isolated ? 'isolated' : 'ok'),
    nodes: () => live,
    async beat() {
      await running;
      await run();
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(timer);
      unsubscribe();
      await running;
      await removeServerNode(deps.db, node.id).catch(() => {});
    },
  };
}
