/**
 * Notification settings, stored the way Mattermost stores them so both clients share them
 * (src/actions/notify-props.ts): mine (`notify_props` on my user, the email interval preference)
 * and per channel (`notify_props` on my membership; mark_unread "mention" is mute). Reading the
 * effective level of a channel lives here too (desktop notifications use it).
 */
import { signal } from '@preact/signals';
import { get, patch, put } from './api.ts';
import { reduce } from '../../src/realtime/reducer.ts';
import type { ChannelMember } from '../../src/contract/objects.ts';
import { mergeUsers, siteInfo, state, type Member, type User } from './state.ts';

export type Level = 'all' | 'mention' | 'none';
/** Email interval in seconds (Mattermost's values): 30 immediately, 900, 3600, 0 never. */
export type EmailInterval = 0 | 30 | 900 | 3600;

export const USER_DEFAULTS: Record<string, string> = { email: 'true', push: 'mention', desktop: 'mention', desktop_sound: 'true', channel: 'true' };

/**
 * Whether the site sends notification emails at all (email.send_notifications, in /site/info;
 * Mattermost's SendEmailNotifications). Off, the email choices are hidden: they would do nothing.
 */
export const siteSendsEmail = () => siteInfo.value.email_notifications !== false;

/** My email interval as last read or saved (undefined until the settings screen loads it). */
export const emailInterval = signal<EmailInterval | undefined>(undefined);

export const myNotifyProps = (u: User | undefined = state.value.users[state.value.me]): Record<string, string> => ({ ...USER_DEFAULTS, ...(u?.notify_props ?? {}) });

/** GET my settings: the notify props go on my user, the interval into `emailInterval`. */
export async function loadMyNotifySettings() {
  const me = state.value.me;
  const r = await get<{ notify_props: Record<string, string>; email_interval: number }>(`/users/${me}/notify_props`);
  applyMine(r);
  return r;
}

/** Saves a change to my settings (only the keys given) and applies the server's answer. */
export async function saveMyNotifySettings(change: { notify_props?: Record<string, string>; email_interval?: EmailInterval }) {
  const me = state.value.me;
  const r = await patch<{ notify_props: Record<string, string>; email_interval: number }>(`/users/${me}/notify_props`, change);
  applyMine(r);
  return r;
}

function applyMine(r: { notify_props: Record<string, string>; email_interval: number }) {
  const s = state.value;
  const u = s.users[s.me];
  if (u) mergeUsers([{ ...u, notify_props: r.notify_props }]);
  emailInterval.value = ([0, 30, 900, 3600].includes(r.email_interval) ? r.email_interval : 30) as EmailInterval;
}

/** Changes my notification settings for one channel (the keys given), as its event would. */
export async function setChannelNotifyProps(channelId: string, props: Record<string, string>) {
  const member = await put<ChannelMember>(`/channels/${channelId}/members/me/notify_props`, props);
  state.value = reduce.channel_member_updated(state.value, { channel_id: channelId, member });
}

export const setMuted = (channelId: string, muted: boolean) => setChannelNotifyProps(channelId, { mark_unread: muted ? 'mention' : 'all' });

/** My notify props for a channel with its defaults. */
export const channelProps = (m: Member | undefined): Record<string, string> => ({
  desktop: 'default',
  email: 'default',
  push: 'default',
  mark_unread: 'all',
  ignore_channel_mentions: 'default',
  ...((m?.notify_props ?? {}) as Record<string, string>),
});

/** The desktop level that applies in a channel: its own choice, else my account's. */
export function desktopLevel(m: Member | undefined, u?: User): Level {
  const own = channelProps(m).desktop;
  const level = own && own !== 'default' ? own : myNotifyProps(u).desktop;
  return level === 'all' || level === 'none' ? level : 'mention';
}
