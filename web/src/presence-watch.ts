/**
 * Presence of the people on screen, kept live: the client tells the server whose status it shows
 * (`presence_subscribe` on the socket, at most MAX_PRESENCE_SUBSCRIPTIONS ids, the whole set
 * each time) and gets their `status_change` events from then on, instead of polling. Watched:
 * the person whose profile card is open, the members panel when it is open, then the
 * direct-message partners, most recent first. The subscription's reply holds the current
 * statuses, so a card opened on someone never seen before shows their real status at once. The
 * set is sent again on every fresh `hello` (a new connection watches nobody; a resumed one keeps
 * its set).
 */
import { effect, signal } from '@preact/signals';
import { MAX_PRESENCE_SUBSCRIPTIONS } from '../../src/contract/actions.ts';
import type { Status } from '../../src/contract/objects.ts';
import { currentChannelId, rightPanel, setStatuses, state, type ClientState } from './state.ts';

type Sender = (action: string, data: Record<string, unknown>) => Promise<unknown>;

/** Whose presence the screen shows, most important first, bounded. */
export function watchedUserIds(s: ClientState, membersPanelOf: string | undefined, profileOf?: string): string[] {
  const out = new Set<string>();
  if (profileOf) out.add(profileOf);
  for (const id of (membersPanelOf && s.channelMembers[membersPanelOf]) || []) out.add(id);
  const dms = Object.values(s.channels)
    .filter((c) => c.type === 'D' && !c.delete_at && s.members[c.id])
    .sort((a, b) => (b.last_post_at ?? 0) - (a.last_post_at ?? 0));
  for (const c of dms) for (const id of c.name.split('__')) out.add(id);
  out.delete(s.me); // my own status_change reaches me anyway
  return [...out].slice(0, MAX_PRESENCE_SUBSCRIPTIONS);
}

/** The user whose profile card is open (ProfilePopover.tsx). */
const shownProfile = signal<string | undefined>(undefined);

/** A profile card opened on `userId`: watch them while it is open. */
export function presenceShowProfile(userId: string) {
  shownProfile.value = userId;
}

/** The card on `userId` closed (a card opened on someone else since is left alone). */
export function presenceHideProfile(userId: string) {
  if (shownProfile.value === userId) shownProfile.value = undefined;
}

let send: Sender | null = null;
let sent = '';
let timer: ReturnType<typeof setTimeout> | undefined;
let stop: (() => void) | undefined;
/** When each user's latest status_change arrived (a tick, not a time). */
const heardAt = new Map<string, number>();
let tick = 0;

function wanted(): string[] {
  const p = rightPanel.value;
  return watchedUserIds(state.value, p?.kind === 'members' ? currentChannelId.value : undefined, shownProfile.value);
}

async function flush(force = false) {
  if (!send) return;
  const ids = wanted();
  const key = [...ids].sort().join(',');
  if (!force && key === sent) return;
  sent = key;
  const asked = statusTick();
  try {
    const r = (await send('presence_subscribe', { user_ids: ids })) as { statuses: Status[] };
    setStatuses(statusesNewerThanEvents(asked, r.statuses));
  } catch {
    sent = ''; // not connected: the next hello sends it again
  }
}

/** Starts watching (after sign-in); the set follows the state, debounced. */
export function startPresenceWatch(sender: Sender) {
  stopPresenceWatch();
  send = sender;
  stop = effect(() => {
    // Reads the signals the set depends on; a changed set goes out within 300 ms (throttled, so
    // a stream of events cannot hold it back).
    const key = [...wanted()].sort().join(',');
    if (key === sent || timer) return;
    timer = setTimeout(() => {
      timer = undefined;
      void flush();
    }, 300);
  });
}

/** A fresh connection watches nobody: send the set again. */
export function presenceResubscribe() {
  sent = '';
  void flush(true);
}

/** A status_change arrived (a status read before it, still in flight, must not undo it). */
export function presenceHeard(userId: string) {
  heardAt.set(userId, ++tick);
}

/** Call before reading statuses (REST or subscribe); pass the result to statusesNewerThanEvents. */
export const statusTick = () => tick;

/** Statuses read since `asked`, without the users whose status_change arrived meanwhile (newer). */
export function statusesNewerThanEvents<T extends { user_id: string }>(asked: number, list: T[]): T[] {
  return list.filter((st) => (heardAt.get(st.user_id) ?? 0) <= asked);
}

export function stopPresenceWatch() {
  stop?.();
  stop = undefined;
  clearTimeout(timer);
  timer = undefined;
  send = null;
  sent = '';
}
