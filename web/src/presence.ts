/**
 * My presence: the server marks me online while a socket is open; the client reports idleness
 * (`set_status away, manual: false` after IDLE_MS without input, back to online on input) and
 * manual choices (online / away / dnd) from the menu.
 */
import { put } from './api.ts';
import { setStatuses, state } from './state.ts';

const IDLE_MS = 5 * 60_000;
let lastInput = Date.now();
let autoAway = false;
let timer: ReturnType<typeof setInterval> | undefined;
type Sender = (action: string, data: Record<string, unknown>) => Promise<unknown>;

const myStatus = () => state.value.statuses[state.value.me];

async function send(sendAction: Sender, status: string, manual: boolean) {
  try {
    await sendAction('set_status', { status, manual });
  } catch {
    await put('/users/me/status', { status, manual }).catch(() => {});
  }
}

export function startIdleTracking(sendAction: Sender) {
  stopIdleTracking();
  const onInput = () => {
    lastInput = Date.now();
    if (autoAway) {
      autoAway = false;
      if (!myStatus()?.manual) void send(sendAction, 'online', false);
    }
  };
  for (const ev of ['pointerdown', 'keydown', 'mousemove', 'focus']) addEventListener(ev, onInput, { passive: true });
  timer = setInterval(() => {
    const st = myStatus();
    if (!autoAway && Date.now() - lastInput > IDLE_MS && (!st || (st.status === 'online' && !st.manual))) {
      autoAway = true;
      void send(sendAction, 'away', false);
    }
  }, 30_000);
  stopper = () => {
    for (const ev of ['pointerdown', 'keydown', 'mousemove', 'focus']) removeEventListener(ev, onInput);
  };
}
let stopper = () => {};
export function stopIdleTracking() {
  clearInterval(timer);
  stopper();
}

/** A manual status from the menu ("online" clears the manual flag on the server). */
export async function chooseStatus(sendAction: Sender, status: 'online' | 'away' | 'dnd') {
  autoAway = false;
  await send(sendAction, status, status !== 'online');
  setStatuses([{ user_id: state.value.me, status, manual: status !== 'online' }]);
}
