import type { Deps } from '../deps.ts';
import type { Presence } from '../services.ts';
import { badRequest } from '../errors.ts';
import { newId, isId } from '../ids.ts';
import { getHub, type Conn, type Hub } from '../realtime/hub.ts';
import { MAX_PRESENCE_SUBSCRIPTIONS } from '../contract/actions.ts';
import { isControl, type BusMessage } from '../contract/events.ts';
import { existingUserIds, getStatus, getStatuses, upsertStatus, type StatusRow } from '../store/status.ts';

import { STATUSES, type Status, type StatusName } from '../contract/objects.ts';

export { STATUSES, type StatusName };
export type { Presence };

export interface PresenceOptions {
  /** After the user's last socket on every process closes, wait this long before "offline". */
  graceMs?: number;
  /** Each process re-announces its online users this often; silent processes expire after 2.5x. */
  announceMs?: number;
}

export type PresentedStatus = Status;

const present = (r: StatusRow): PresentedStatus => ({ user_id: r.user_id, status: r.status, manual: r.manual, last_activity_at: Number(r.last_activity_at) });

/**
 * Presence: online on the user's first authenticated socket (on any process), away on client
 * inactivity (`set_status` with `manual: false`) or by choice, offline `graceMs` after the last
 * socket closes everywhere. A manual status (away, dnd, offline) wins until the user sets
 * `online`. The stored status (table user_status) is what every process reads; which processes
 * hold sockets is shared over the bus (`presence` control messages), so a user connected to B
 * stays online when their tab on A closes. `status_change` goes to the user's own sockets and to
 * the native connections that watch the user (`presence_subscribe`, a bounded list per
 * connection: see subscribePresence); nobody else gets it, so a status change is not broadcast to
 * every socket. The Mattermost socket keeps Mattermost's behaviour (own sockets only; its apps
 * poll POST /users/status/ids).
 */
export class PresenceTracker implements Presence {
  readonly node = newId();
  /** user id -> process id -> last announcement time, for other processes. */
  private remote = new Map<string, Map<string, number>>();
  private grace = new Map<string, NodeJS.Timeout>();
  private timer: NodeJS.Timeout;
  private readonly graceMs: number;
  private readonly announceMs: number;
  /** Serializes status writes per user on this process. */
  private chains = new Map<string, Promise<unknown>>();

  constructor(
    private deps: Deps,
    private hub: Hub,
    opts: PresenceOptions = {},
  ) {
    this.graceMs = opts.graceMs ?? 5000;
    this.announceMs = opts.announceMs ?? 60_000;
    hub.listen({
      userAttached: (uid) => this.attached(uid),
      userDetached: (uid) => this.detached(uid),
    });
    deps.bus.subscribe((m) => this.onBus(m));
    this.timer = setInterval(() => this.announce(), this.announceMs);
    this.timer.unref();
    deps.bus.publish({ control: 'presence_sync', node: this.node });
  }

  /** Whether the user has a socket on this or (as last announced) another process. */
  isOnline(userId: string): boolean {
    return this.hub.hasLocalSockets(userId) || (this.remote.get(userId)?.size ?? 0) > 0;
  }

  private attached(uid: string) {
    const t = this.grace.get(uid);
    if (t) {
      clearTimeout(t);
      this.grace.delete(uid);
    }
    this.deps.bus.publish({ control: 'presence', node: this.node, user_ids: [uid], online: true });
    this.serialize(uid, () => this.recompute(uid, 'connect'));
  }

  private detached(uid: string) {
    if (this.grace.has(uid)) return;
    const t = setTimeout(() => {
      this.grace.delete(uid);
      if (this.hub.hasLocalSockets(uid)) return;
      this.deps.bus.publish({ control: 'presence', node: this.node, user_ids: [uid], online: false });
      this.serialize(uid, () => this.recompute(uid, 'disconnect'));
    }, this.graceMs);
    t.unref();
    this.grace.set(uid, t);
  }

  private onBus(m: BusMessage) {
    if (!isControl(m)) return;
    if (m.control === 'presence' && m.node !== this.node) {
      const now = this.deps.now();
      for (const uid of m.user_ids) {
        let nodes = this.remote.get(uid);
        if (m.online) {
          if (!nodes) this.remote.set(uid, (nodes = new Map()));
          nodes.set(m.node, now);
        } else if (nodes) {
          nodes.delete(m.node);
          if (nodes.size === 0) this.remote.delete(uid);
        }
      }
    } else if (m.control === 'presence_sync' && m.node !== this.node) {
      this.announce();
    } else if (m.control === 'bus_reconnected') {
      // Others may have missed our changes during the outage, and we theirs.
      this.announce();
      this.deps.bus.publish({ control: 'presence_sync', node: this.node });
    }
  }

  /** Re-announces this process's online users and expires processes that went silent. */
  private announce() {
    const online: string[] = [];
    for (const uid of this.localUsers()) online.push(uid);
    for (let i = 0; i < online.length; i += 1000) this.deps.bus.publish({ control: 'presence', node: this.node, user_ids: online.slice(i, i + 1000), online: true });
    const cutoff = this.deps.now() - this.announceMs * 2.5;
    for (const [uid, nodes] of this.remote) {
      for (const [node, at] of nodes) if (at < cutoff) nodes.delete(node);
      if (nodes.size === 0) {
        this.remote.delete(uid);
        if (!this.hub.hasLocalSockets(uid)) this.serialize(uid, () => this.recompute(uid, 'disconnect'));
      }
    }
  }

  private *localUsers(): Iterable<string> {
    yield* this.hub.localUserIds();
  }

  private serialize(uid: string, fn: () => Promise<unknown>) {
    const prev = this.chains.get(uid) ?? Promise.resolve();
    const next = prev
      .then(fn)
      .catch((e) => this.deps.log.warn('presence update failed', { err: e, user_id: uid }))
      .finally(() => {
        if (this.chains.get(uid) === next) this.chains.delete(uid);
      });
    this.chains.set(uid, next);
  }

  /** Applies an automatic transition unless a manual status is set. */
  private async recompute(uid: string, why: 'connect' | 'disconnect' | 'activity') {
    const row = await getStatus(this.deps.db, uid);
    if (row?.manual) return;
    const now = this.deps.now();
    let target: StatusName;
    if (!this.isOnline(uid)) target = 'offline';
    else if (why === 'connect' || why === 'activity') target = 'online';
    else target = row?.status === 'away' ? 'away' : 'online';
    // Unchanged: no write (a reconnect storm must not turn into a write storm).
    if (row && row.status === target) return;
    await this.write({ user_id: uid, status: target, manual: false, last_activity_at: now });
  }

  private async write(row: StatusRow) {
    await upsertStatus(this.deps.db, row);
    this.deps.bus.publish({ control: 'status', user_id: row.user_id, status: row.status, manual: row.manual });
    // The user's own sockets, and every connection watching them (presence_subscribe).
    this.deps.bus.publish({ event: 'status_change', data: present(row), broadcast: { user_ids: [row.user_id], presence_of: row.user_id } });
  }

  /** Client activity (typing, actions): ends automatic away. */
  activity(uid: string) {
    this.serialize(uid, async () => {
      const row = await getStatus(this.deps.db, uid);
      if (row && !row.manual && row.status === 'away') await this.recompute(uid, 'activity');
    });
  }

  /**
   * Sets a user's status. `manual` (default true for away/dnd/offline) keeps it until the user
   * sets online; `online` always clears a manual status. Automatic away (client inactivity) is
   * `{status:'away', manual:false}`.
   */
  set(uid: string, status: StatusName, manual: boolean): Promise<PresentedStatus> {
    return new Promise((resolve, reject) => {
      this.serialize(uid, async () => {
        try {
          const now = this.deps.now();
          // `online` clears any manual status (the user is using the API right now).
          const row: StatusRow = { user_id: uid, status, manual: status === 'online' ? false : manual, last_activity_at: now };
          // Automatic away only applies to someone online without a manual status.
          if (!manual && status === 'away') {
            const cur = await getStatus(this.deps.db, uid);
            if (cur?.manual || !this.isOnline(uid)) return resolve(cur ? present(cur) : present({ user_id: uid, status: 'offline', manual: false, last_activity_at: 0 }));
          }
          await this.write(row);
          resolve(present(row));
        } catch (e) {
          reject(e);
        }
      });
    });
  }

  close() {
    clearInterval(this.timer);
    for (const t of this.grace.values()) clearTimeout(t);
  }
}

/** The process's presence (deps.services.presence). */
export const getPresence = (deps: Deps): Presence => deps.services.presence;

function checkStatus(v: unknown): StatusName {
  if (typeof v !== 'string' || !(STATUSES as readonly string[]).includes(v)) throw badRequest('invalid_status', `status must be one of ${STATUSES.join(', ')}`);
  return v as StatusName;
}

/** PUT /users/me/status `{status, manual?}`. */
export async function setMyStatus(deps: Deps, userId: string, input: { status?: unknown; manual?: unknown }): Promise<PresentedStatus> {
  const status = checkStatus(input.status);
  if (input.manual !== undefined && typeof input.manual !== 'boolean') throw badRequest('invalid_manual', 'manual must be a boolean');
  const manual = status === 'online' ? false : ((input.manual as boolean | undefined) ?? true);
  return getPresence(deps).set(userId, status, manual);
}

/** The socket's `set_status {status, manual?}` (manual defaults to true, as over REST). */
export const setStatusFromSocket = (deps: Deps, userId: string, data: Record<string, unknown>) => setMyStatus(deps, userId, data);

/** GET /users/me/status. */
export async function myStatus(deps: Deps, userId: string): Promise<PresentedStatus> {
  const row = await getStatus(deps.db, userId);
  return row ? present(row) : { user_id: userId, status: getPresence(deps).isOnline(userId) ? 'online' : 'offline', manual: false, last_activity_at: 0 };
}

export const MAX_STATUS_IDS = 500;

/** POST /users/status/ids `{ids}`: statuses of those users (unknown ids are left out). */
export async function statusesByIds(deps: Deps, input: { ids?: unknown }): Promise<PresentedStatus[]> {
  const ids = input.ids;
  if (!Array.isArray(ids) || ids.length === 0) throw badRequest('invalid_ids', 'ids must be a non-empty array of user ids');
  if (ids.length > MAX_STATUS_IDS) throw badRequest('too_many_ids', `At most ${MAX_STATUS_IDS} ids per request`);
  if (!ids.every(isId)) throw badRequest('invalid_ids', 'ids must be 26-character user ids');
  const unique = [...new Set(ids as string[])];
  const [rows, users] = await Promise.all([getStatuses(deps.db, unique), existingUserIds(deps.db, unique)]);
  const byId = new Map(rows.map((r) => [r.user_id, r]));
  return users.map((id) => (byId.has(id) ? present(byId.get(id)!) : { user_id: id, status: 'offline' as const, manual: false, last_activity_at: 0 }));
}

/**
 * The socket's `presence_subscribe {user_ids}`: the connection watches these users' presence
 * from now on (replacing what it watched; `[]` stops), and gets their current statuses. At most
 * MAX_PRESENCE_SUBSCRIPTIONS ids; anyone signed in may watch anyone, as POST /users/status/ids
 * lets them read anyone's status. The subscription is in place before the statuses are read, so
 * a change after the read always arrives as an event.
 */
export async function subscribePresence(deps: Deps, conn: Conn, data: { user_ids?: unknown }): Promise<{ statuses: PresentedStatus[] }> {
  const ids = data.user_ids;
  if (!Array.isArray(ids)) throw badRequest('invalid_user_ids', 'user_ids must be an array of user ids');
  if (ids.length > MAX_PRESENCE_SUBSCRIPTIONS) throw badRequest('too_many_user_ids', `At most ${MAX_PRESENCE_SUBSCRIPTIONS} user ids per subscription`);
  if (!ids.every(isId)) throw badRequest('invalid_user_ids', 'user_ids must be 26-character user ids');
  const unique = [...new Set(ids as string[])];
  getHub(deps).watchPresence(conn, unique);
  if (!unique.length) return { statuses: [] };
  return { statuses: await statusesByIds(deps, { ids: unique }) };
}
