/** Browser notifications for mentions and direct messages (only with permission, only when hidden). */
import type { ClientEvent } from '../../src/contract/events.ts';
import { markdownToText } from './markdown.ts';
import { channelTitle, currentChannelId, currentTeam, displayName, state } from './state.ts';
import { navigate, permalinkPath } from './router.ts';

export function notificationsAvailable() {
  return typeof Notification !== 'undefined';
}

export async function askNotificationPermission() {
  if (notificationsAvailable() && Notification.permission === 'default') await Notification.requestPermission();
}

export function notifyForEvent(ev: ClientEvent) {
  if (ev.event !== 'posted' || !notificationsAvailable() || Notification.permission !== 'granted') return;
  const p = ev.data.post;
  const s = state.value;
  if (p.user_id === s.me) return;
  const ch = s.channels[p.channel_id];
  if (!ch) return;
  // `mentions` names every other member for @channel/@all/@here.
  const direct = ch.type === 'D' || ch.type === 'G';
  if (!direct && !ev.data.mentions.includes(s.me)) return;
  if (document.visibilityState === 'visible' && document.hasFocus() && currentChannelId.value === ch.id) return;
  const n = new Notification(`${displayName(s.users[p.user_id])}${direct ? '' : ` in ${channelTitle(ch)}`}`, {
    body: markdownToText(String(p.message)).slice(0, 200),
    tag: p.id,
  });
  n.onclick = () => {
    window.focus();
    const team = currentTeam.value ?? Object.values(s.teams)[0];
    if (team) navigate(permalinkPath(team.name, p.id));
    n.close();
  };
}
