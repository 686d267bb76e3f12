/**
 * Desktop notifications (issue 14 item 7): while this tab is hidden, a new message by someone else
 * shows a browser Notification when my settings ask for it — the channel's desktop level, else my
 * account's (all activity, or mentions and direct messages, or never); nothing for a muted channel
 * or a system message. Permission is asked only from Account settings, never on load. A click
 * brings the tab forward and opens the message.
 */
import { signal } from '@preact/signals';
import type { ClientEvent } from '../../src/contract/events.ts';
import { markdownToText } from './markdown.ts';
import { channelTitle, currentTeam, displayName, isMuted, state } from './state.ts';
import { navigate, permalinkPath } from './router.ts';
import { desktopLevel, myNotifyProps } from './notify-prefs.ts';

export type Permission = NotificationPermission | 'unsupported';

const readPermission = (): Permission => (typeof Notification === 'undefined' ? 'unsupported' : Notification.permission);
/** The browser's answer so far (the settings screen shows it). */
export const notificationPermission = signal<Permission>(readPermission());

export async function askNotificationPermission() {
  if (readPermission() === 'default') await Notification.requestPermission();
  notificationPermission.value = readPermission();
}

// The permission can change in the browser's site settings while the app runs.
document.addEventListener('visibilitychange', () => (notificationPermission.value = readPermission()));

/** Whether a posted event should show a notification now, and what it says. */
export function notificationFor(ev: ClientEvent): { title: string; body: string; silent: boolean; postId: string; channelId: string } | undefined {
  if (ev.event !== 'posted') return undefined;
  const p = ev.data.post;
  const s = state.value;
  if (p.user_id === s.me || (p.type && p.type.startsWith('system'))) return undefined;
  const ch = s.channels[p.channel_id];
  const m = s.members[p.channel_id];
  if (!ch || !m || isMuted(m)) return undefined;
  const me = s.users[s.me];
  const level = desktopLevel(m, me);
  if (level === 'none') return undefined;
  // A direct or group message is a mention; `mentions` names exactly who was mentioned (with
  // @channel/@all/@here, the members who take channel-wide mentions).
  const direct = ch.type === 'D' || ch.type === 'G';
  if (level === 'mention' && !direct && !(ev.data.mentions ?? []).includes(s.me)) return undefined;
  const who = displayName(s.users[p.user_id]);
  const text = markdownToText(String(p.message ?? '')).trim();
  return {
    title: ch.type === 'D' ? who : `${channelTitle(ch, s)}`,
    body: `${ch.type === 'D' ? '' : `${who}: `}${text || (p.file_ids?.length ? 'sent a file' : '')}`.slice(0, 200),
    silent: myNotifyProps(me).desktop_sound === 'false',
    postId: p.id,
    channelId: ch.id,
  };
}

export function notifyForEvent(ev: ClientEvent) {
  if (readPermission() !== 'granted' || document.visibilityState !== 'hidden') return;
  const n = notificationFor(ev);
  if (!n) return;
  const shown = new Notification(n.title, { body: n.body, tag: n.postId, silent: n.silent });
  shown.onclick = () => {
    window.focus();
    const s = state.value;
    const ch = s.channels[n.channelId];
    // A team channel opens in its team; a direct message in the team on screen.
    const team = (ch?.team_id && s.teams[ch.team_id]) || currentTeam.value || Object.values(s.teams)[0];
    if (team) navigate(permalinkPath(team.name, n.postId));
    shown.close();
  };
}
