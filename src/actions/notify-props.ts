import type { Deps } from '../deps.ts';
import type { Queryable } from '../db/driver.ts';
import type { Auth } from './tokens.ts';
import { accessChannel, type ChannelMemberRow } from './access.ts';
import { badRequest, forbidden, notFound } from '../errors.ts';
import { inTx } from './tx.ts';
import { presentMember } from './channels.ts';
import { mergeMemberNotifyProps } from '../store/members.ts';
import { getUser, mergeUserNotifyProps } from '../store/users.ts';
import { getPreference, preferenceOfUsers, upsertPreference } from '../store/preferences.ts';
import { isId } from '../ids.ts';

/**
 * Notification settings, stored as Mattermost stores them so both clients share them:
 * - per user: `users.notify_props` (email "true"|"false", desktop and push "all"|"mention"|"none",
 *   push_status "online"|"away"|"offline", channel "true"|"false" for @channel/@all/@here, …) and
 *   the preference `notifications`/`email_interval` (seconds: "30" immediately, "900" every 15
 *   minutes, "3600" hourly, "0" never);
 * - per channel member: `channel_members.notify_props` (mark_unread "all"|"mention" — "mention"
 *   is mute —, desktop/push "default"|"all"|"mention"|"none", email "default"|"true"|"false",
 *   ignore_channel_mentions "default"|"on"|"off").
 * Keys the apps send that RustChat does not act on (auto responder, thread and sound settings)
 * are kept as strings, so the apps read back what they wrote.
 */
export const USER_NOTIFY_DEFAULTS = {
  email: 'true',
  push: 'mention',
  desktop: 'mention',
  desktop_sound: 'true',
  mention_keys: '',
  channel: 'true',
  first_name: 'false',
  comments: 'never',
  push_status: 'away',
} as const;

export const CHANNEL_NOTIFY_DEFAULTS = {
  desktop: 'default',
  desktop_sound: 'default',
  email: 'default',
  mark_unread: 'all',
  push: 'default',
  ignore_channel_mentions: 'default',
  channel_auto_follow_threads: 'off',
} as const;

const LEVEL = ['all', 'mention', 'none'];
const BOOL = ['true', 'false'];
const USER_VALUES: Record<string, string[]> = {
  email: BOOL,
  push: LEVEL,
  desktop: LEVEL,
  desktop_sound: BOOL,
  channel: BOOL,
  first_name: BOOL,
  comments: ['never', 'root', 'any'],
  push_status: ['online', 'away', 'offline'],
};
const CHANNEL_VALUES: Record<string, string[]> = {
  mark_unread: ['all', 'mention'],
  desktop: ['default', ...LEVEL],
  push: ['default', ...LEVEL],
  email: ['default', ...BOOL],
  ignore_channel_mentions: ['default', 'on', 'off'],
  channel_auto_follow_threads: ['on', 'off'],
};

/** Email interval preference values (seconds), Mattermost's. */
export const EMAIL_INTERVALS = { immediately: 30, fifteen: 900, hour: 3600, never: 0 } as const;
export const EMAIL_INTERVAL_VALUES = ['0', '30', '900', '3600'];
export const MAX_NOTIFY_KEYS = 50;

/** Checks a partial notify_props map: string values ≤ 1000 chars, known keys with their allowed values. */
export function checkNotifyProps(raw: unknown, allowed: Record<string, string[]>): Record<string, string> {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw badRequest('invalid_input', 'notify_props: expected an object of strings');
  const entries = Object.entries(raw as Record<string, unknown>);
  if (!entries.length) throw badRequest('invalid_input', 'notify_props: nothing to change');
  if (entries.length > MAX_NOTIFY_KEYS) throw badRequest('invalid_input', `notify_props: at most ${MAX_NOTIFY_KEYS} keys`);
  const out: Record<string, string> = {};
  for (const [k, v] of entries) {
    if (!/^[a-z0-9_]{1,64}$/i.test(k)) throw badRequest('invalid_input', `notify_props: "${k.slice(0, 64)}" is not a valid key`);
    // The apps send some booleans as JSON booleans.
    const value = typeof v === 'boolean' ? String(v) : v;
    if (typeof value !== 'string' || value.length > 1000) throw badRequest('invalid_input', `notify_props.${k}: expected a string of at most 1000 characters`);
    if (allowed[k] && !allowed[k].includes(value)) throw badRequest('invalid_input', `notify_props.${k}: one of ${allowed[k].join(', ')}`);
    out[k] = value;
  }
  return out;
}

/** A user's notify props with the defaults filled in. */
export function userNotifyProps(stored: Record<string, unknown> | null | undefined): Record<string, string> {
  return { ...USER_NOTIFY_DEFAULTS, ...((stored ?? {}) as Record<string, string>) };
}

/** A member's channel notify props with the defaults filled in. */
export function channelNotifyProps(stored: Record<string, unknown> | null | undefined): Record<string, string> {
  return { ...CHANNEL_NOTIFY_DEFAULTS, ...((stored ?? {}) as Record<string, string>) };
}

/** Merges into the caller's own notify props (system admins: anyone's). Returns them with defaults. */
export async function updateUserNotifyProps(deps: Deps, auth: Auth, userId: string, raw: unknown): Promise<Record<string, string>> {
  return (await saveNotifySettings(deps, auth, userId, { notify_props: raw })).notify_props;
}

/**
 * The native API's one call for a user's notification settings: notify props (merged) and the
 * email interval (the `notifications`/`email_interval` preference; emits preferences_changed).
 */
export async function saveNotifySettings(deps: Deps, auth: Auth, userId: string, input: { notify_props?: unknown; email_interval?: unknown }) {
  if (!isId(userId)) throw badRequest('invalid_id', 'user id is not a valid id');
  if (userId !== auth.user.id && !auth.isSystemAdmin) throw forbidden('forbidden', 'You can only change your own notification settings');
  if (input.notify_props === undefined && input.email_interval === undefined) throw badRequest('invalid_input', 'Nothing to change: send notify_props and/or email_interval');
  const props = input.notify_props === undefined ? undefined : checkNotifyProps(input.notify_props, USER_VALUES);
  const interval = input.email_interval;
  if (interval !== undefined && !EMAIL_INTERVAL_VALUES.includes(String(interval))) throw badRequest('invalid_input', `email_interval: one of ${EMAIL_INTERVAL_VALUES.join(', ')} (seconds; 0 = never)`);
  await inTx(deps, async (tx, emit) => {
    if (props && !(await mergeUserNotifyProps(tx, userId, props, deps.now()))) throw notFound('user_not_found', 'User not found');
    if (interval !== undefined) {
      const pref = { user_id: userId, category: 'notifications', name: 'email_interval', value: String(interval) };
      await upsertPreference(tx, pref);
      emit({ event: 'preferences_changed', data: { preferences: [pref] }, broadcast: { user_ids: [userId] } });
    }
  });
  return getUserNotifySettings(deps, auth, userId);
}

export async function getUserNotifySettings(deps: Deps, auth: Auth, userId: string) {
  if (!isId(userId)) throw badRequest('invalid_id', 'user id is not a valid id');
  if (userId !== auth.user.id && !auth.isSystemAdmin) throw forbidden('forbidden', "You cannot read another user's notification settings");
  const row = await getUser(deps.db, userId);
  if (!row) throw notFound('user_not_found', 'User not found');
  const interval = await getPreference(deps.db, userId, 'notifications', 'email_interval');
  return { notify_props: userNotifyProps(row.notify_props), email_interval: Number(interval?.value ?? EMAIL_INTERVALS.immediately) };
}

/**
 * Merges into a channel membership's notify props (the member themself; Mattermost's
 * `PUT /channels/{id}/members/{uid}/notify_props`). Emits `channel_member_updated` to that user.
 */
export async function updateChannelNotifyProps(deps: Deps, auth: Auth, channelId: string, userId: string, raw: unknown): Promise<ChannelMemberRow> {
  if (!isId(channelId)) throw badRequest('invalid_id', 'channel id is not a valid id');
  if (!isId(userId)) throw badRequest('invalid_id', 'user id is not a valid id');
  if (userId !== auth.user.id) throw forbidden('forbidden', "You can only change your own channel notification settings");
  const props = checkNotifyProps(raw, CHANNEL_VALUES);
  return inTx(deps, async (tx, emit) => {
    const a = await accessChannel(tx, auth, channelId, { allowArchived: true });
    if (!a.member) throw notFound('member_not_found', 'You are not a member of this channel');
    const row = (await mergeMemberNotifyProps(tx, channelId, userId, props, deps.now()))!;
    emit({ event: 'channel_member_updated', data: { channel_id: channelId, team_id: a.channel.team_id, member: presentMember(row) }, broadcast: { user_ids: [userId], channel_id: channelId, team_id: a.channel.team_id || undefined } });
    return row;
  });
}

/** Whether a member has muted the channel (Mattermost: mark_unread "mention"). */
export const isMuted = (notify: Record<string, unknown> | null | undefined) => (notify ?? {}).mark_unread === 'mention';

/** Email interval of several users in seconds (0 = never; no preference = immediately). */
export async function emailIntervals(q: Queryable, userIds: string[]): Promise<Map<string, number>> {
  const prefs = await preferenceOfUsers(q, userIds, 'notifications', 'email_interval');
  return new Map(userIds.map((id) => [id, prefs.has(id) && EMAIL_INTERVAL_VALUES.includes(prefs.get(id)!) ? Number(prefs.get(id)) : EMAIL_INTERVALS.immediately]));
}
