import type { Deps } from '../deps.ts';
import type { Config } from '../config.ts';
import type { Auth } from './tokens.ts';
import type { ChannelRow } from '../store/channels.ts';
import type { PostRow } from '../store/posts.ts';
import type { PushContent } from '../push/proxy.ts';
import type { IntegrationSettings } from '../runtime-settings.ts';
import { PUSH_MESSAGE_MAX, type PushJob } from '../push/sender.ts';
import { channelNotifyProps, isMuted, userNotifyProps } from './notify-props.ts';
import { getPreference } from '../store/preferences.ts';
import { badgeCounts, liveDevices, memberUsernames, pushCandidates, type PushCandidate } from '../store/push.ts';
import { integrationSettings } from './integration-settings.ts';

/**
 * Which members a new post sends a mobile push to, and what it says — Mattermost's rules
 * (server/channels/app/notification.go, notification_push.go), over the notification settings
 * both clients share (actions/notify-props.ts):
 * - who: members other than the author with a live device session, when mentioned by name, by
 *   @channel/@all/@here (unless they ignore channel mentions), or by a direct or group message;
 *   members whose push level (theirs, or the channel's) is "all", for any post; with collapsed
 *   threads, followers of a thread for its replies (push_threads "all", the default, or a
 *   mention). Never the author, bots, deactivated users or system messages.
 * - not when: the channel is muted (for every kind of push: RustChat's choice, also for followed
 *   threads); the resolved push level is "none", or "mention" and it is no mention (in a group
 *   message the default "mention" counts as "all"); the status does not allow it — dnd never,
 *   and by the user's push_status: "away" (the default) while away or offline, "offline" only
 *   while offline, "online" always (Mattermost's "unless active in that channel": RustChat does
 *   not track the active channel). A user with no socket on any process is offline a few
 *   seconds after the last one closed (actions/presence.ts).
 * - what: push.contents — full (sender, channel, text), generic (no text), generic_no_channel,
 *   or id_loaded (ids only: the app fetches the rest with POST /notifications/ack); the badge is
 *   the user's mention count at sending.
 */

export type PushContents = Config['push']['contents'];

/** Whether collapsed reply threads are on for a user (Mattermost's IsCRTEnabledForUser). */
export function crtEnabled(config: Config, pref: string | null | undefined): boolean {
  switch (config.site.collapsed_threads) {
    case 'disabled':
      return false;
    case 'always_on':
      return true;
    case 'default_off':
      return pref === 'on';
    default:
      return pref !== 'off';
  }
}

export const isSystemPost = (row: Pick<PostRow, 'type'>) => row.type.startsWith('system_');

/** Mattermost's doesNotifyPropsAllowPushNotification, muting handled by the caller. */
function levelAllows(user: Record<string, string>, member: Record<string, string>, wasMentioned: boolean, isGM: boolean): boolean {
  let notify = member.push || 'default';
  if (notify === 'default') notify = isGM && user.push === 'mention' ? 'all' : user.push;
  if (notify === 'none') return false;
  if (notify === 'mention' && !wasMentioned) return false;
  return true;
}

/** Mattermost's shouldUserNotifyCRT / shouldChannelMemberNotifyCRT for pushes. */
function threadAllows(user: Record<string, string>, member: Record<string, string>, mentioned: boolean): boolean {
  const userOk = user.push !== 'none' && (mentioned || (user.push_threads ?? 'all') === 'all' || user.push === 'all');
  const m = member.push || 'default';
  const memberOk = m !== 'default' && m !== 'none' && (mentioned || member.push_threads === 'all' || m === 'all');
  return (m === 'default' && userOk) || memberOk;
}

/** Mattermost's doesStatusAllowPushNotification (without the active channel). */
export function statusAllows(pushStatus: string | undefined, status: string): boolean {
  if (status === 'dnd' || status === 'ooo') return false;
  if (!pushStatus || pushStatus === 'online') return true;
  if (pushStatus === 'away') return status === 'away' || status === 'offline';
  if (pushStatus === 'offline') return status === 'offline';
  return false;
}

/** How a recipient came to be notified: it picks the generic text. */
export interface PushReason {
  explicit: boolean;
  channelWide: boolean;
  /** A reply in a thread the user follows, notified as such (collapsed threads). */
  thread: boolean;
}

export interface PostContext {
  post: PostRow;
  channel: ChannelRow;
  /** The author's username. */
  senderUsername: string;
  /** Usernames of a group message's members (for its title). */
  groupMembers?: { id: string; username: string }[];
  /**
   * Whether a webhook's or command's override_username / override_icon_url is shown: the runtime
   * integration settings (an admin's console switches), as the apps read them from the client config.
   */
  overrides: Pick<IntegrationSettings, 'enable_post_username_override' | 'enable_post_icon_override'>;
}

const T = {
  imageOnly: ' attached a file.',
  dm: 'sent you a message.',
  explicit: ' mentioned you.',
  channel: ' notified the channel.',
  general: ' posted a message.',
  crtThread: " replied to a thread you're following.",
  crtThreadDm: ' replied to a thread.',
  idLoaded: "You've received a new message.",
};

function messageText(post: PostRow): string {
  let text = post.message;
  const attachments = (post.props as { attachments?: unknown }).attachments;
  if (Array.isArray(attachments)) for (const a of attachments) if (a && typeof (a as { fallback?: unknown }).fallback === 'string' && (a as { fallback: string }).fallback) text += `\n${(a as { fallback: string }).fallback}`;
  return text.length > PUSH_MESSAGE_MAX ? `${text.slice(0, PUSH_MESSAGE_MAX - 1)}…` : text;
}

/**
 * The content of a push about `ctx.post` for one recipient (Mattermost's
 * buildFullPushNotificationMessage / buildIdLoadedPushNotificationMessage), badge not included.
 */
export function pushContent(config: Config, ctx: PostContext, recipientId: string, crt: boolean, reason: PushReason, contents: PushContents = config.push.contents): PushContent {
  const { post, channel } = ctx;
  if (contents === 'id_loaded') {
    return {
      post_id: post.id,
      channel_id: post.channel_id,
      root_id: post.root_id,
      is_crt_enabled: crt,
      category: 'CAN_REPLY',
      version: 'v2',
      team_id: channel.team_id,
      type: 'message',
      is_id_loaded: true,
      sender_id: post.user_id,
      message: T.idLoaded,
    };
  }
  const props = post.props as Record<string, unknown>;
  const fromWebhook = typeof props.from_webhook === 'string' ? props.from_webhook : undefined;
  const override = fromWebhook === 'true' && ctx.overrides.enable_post_username_override && typeof props.override_username === 'string' ? props.override_username : undefined;
  const sender = override ?? `@${ctx.senderUsername}`;
  const dm = channel.type === 'D';
  let channelName = channel.display_name || channel.name;
  if (dm) channelName = sender;
  else if (channel.type === 'G' && ctx.groupMembers) channelName = ctx.groupMembers.filter((m) => m.id !== recipientId).map((m) => `@${m.username}`).sort().join(', ');
  const msg: PushContent = {
    category: 'CAN_REPLY',
    version: 'v2',
    type: 'message',
    team_id: channel.team_id,
    channel_id: channel.id,
    post_id: post.id,
    root_id: post.root_id,
    sender_id: post.user_id,
    sender_name: sender,
    is_crt_enabled: crt,
    is_id_loaded: false,
  };
  if (override) msg.override_username = override;
  if (typeof props.override_icon_url === 'string' && ctx.overrides.enable_post_icon_override) msg.override_icon_url = props.override_icon_url;
  if (fromWebhook) msg.from_webhook = fromWebhook;
  if (contents !== 'generic_no_channel' || dm) msg.channel_name = channelName;
  if (crt && post.root_id && contents !== 'generic_no_channel') msg.channel_name = dm ? 'Reply in Direct Message' : `Reply in ${channelName}`;

  const text = messageText(post);
  if (!text && post.file_ids.length) msg.message = dm ? T.imageOnly.trim() : sender + T.imageOnly;
  else if (contents === 'full') msg.message = dm && !reason.thread ? text : `${sender}: ${text}`;
  else if (dm) msg.message = reason.thread ? sender + (contents === 'generic_no_channel' ? T.crtThread : T.crtThreadDm) : T.dm;
  else if (reason.thread) msg.message = sender + T.crtThread;
  else if (reason.channelWide) msg.message = sender + T.channel;
  else if (reason.explicit) msg.message = sender + T.explicit;
  else msg.message = sender + T.general;
  return msg;
}

/** Who of the candidates gets a push for the post, and why (the rules above). */
export function pushRecipients(config: Config, post: PostRow, channel: ChannelRow, candidates: PushCandidate[], mentionedIds: readonly string[]): { candidate: PushCandidate; crt: boolean; reason: PushReason }[] {
  const mentioned = new Set(mentionedIds);
  const reply = post.root_id !== '';
  const isGM = channel.type === 'G';
  const out: { candidate: PushCandidate; crt: boolean; reason: PushReason }[] = [];
  for (const c of candidates) {
    if (isMuted(c.member_notify)) continue;
    const user = userNotifyProps(c.user_notify);
    const member = channelNotifyProps(c.member_notify);
    const crt = crtEnabled(config, c.crt_pref);
    const isMentioned = mentioned.has(c.user_id);
    const explicit = post.mentions.includes(c.user_id);
    const reason: PushReason = { explicit: explicit || (isMentioned && channel.type === 'D'), channelWide: isMentioned && !explicit && post.mention_channel, thread: false };
    let send = false;
    if (reply && crt && c.follows) {
      // A followed thread's reply is notified as such (Mattermost's CRT notifiers), mention or not.
      send = threadAllows(user, member, isMentioned);
      reason.thread = true;
    } else if (isMentioned) {
      send = levelAllows(user, member, reason.explicit || reason.channelWide, isGM);
    } else if ((user.push === 'all' || member.push === 'all') && !(reply && crt)) {
      send = levelAllows(user, member, false, isGM);
    }
    if (send && statusAllows(user.push_status, c.status)) out.push({ candidate: c, crt, reason });
  }
  return out;
}

/**
 * After a post committed: decides its pushes and queues them, in the background (the caller does
 * not wait; failures are logged). Does nothing when no push proxy is configured.
 */
export function pushForPost(deps: Deps, auth: Auth, channel: ChannelRow, post: PostRow, mentionedIds: readonly string[]): void {
  if (!deps.config.push.proxy_url || isSystemPost(post) || channel.delete_at !== 0) return;
  deps.services.push.run('deciding the pushes of a post', async () => {
    const now = deps.now();
    const candidates = await pushCandidates(deps.db, channel.id, post.user_id, post.root_id, now);
    const recipients = pushRecipients(deps.config, post, channel, candidates, mentionedIds);
    if (!recipients.length) return;
    const ids = recipients.map((r) => r.candidate.user_id);
    const [badges, devices, groupMembers, overrides] = await Promise.all([
      badgeCounts(deps.db, ids, recipients.filter((r) => r.crt).map((r) => r.candidate.user_id)),
      liveDevices(deps.db, ids, now),
      channel.type === 'G' ? memberUsernames(deps.db, channel.id) : Promise.resolve(undefined),
      integrationSettings(deps),
    ]);
    const ctx: PostContext = { post, channel, senderUsername: auth.user.username, groupMembers, overrides };
    const byUser = new Map(recipients.map((r) => [r.candidate.user_id, { ...pushContent(deps.config, ctx, r.candidate.user_id, r.crt, r.reason), badge: badges.get(r.candidate.user_id) ?? 0 }]));
    const jobs: PushJob[] = [];
    for (const d of devices) {
      const content = byUser.get(d.user_id);
      if (content) jobs.push({ userId: d.user_id, sessionId: d.session_id, deviceId: d.device_id, content });
    }
    deps.services.push.enqueue(jobs);
  });
}

/**
 * After a user read a channel that had mentions (or, with `rootId`, a thread with unread
 * replies): a "clear" push to their other devices, so those notifications go away there and the
 * badge drops (Mattermost's clearPushNotification). The session that read it is left out.
 */
export function clearPushes(deps: Deps, auth: Auth, channelId: string, rootId = ''): void {
  if (!deps.config.push.proxy_url) return;
  const userId = auth.user.id;
  deps.services.push.run('clearing pushes', async () => {
    const devices = (await liveDevices(deps.db, [userId], deps.now())).filter((d) => d.session_id !== auth.session.id);
    if (!devices.length) return;
    const crt = crtEnabled(deps.config, await crtPreference(deps, userId));
    const badge = (await badgeCounts(deps.db, [userId], crt ? [userId] : [])).get(userId) ?? 0;
    const content: PushContent = { type: 'clear', version: 'v2', channel_id: channelId, root_id: rootId, cont_ava: 1, badge, is_crt_enabled: crt, is_id_loaded: false };
    deps.services.push.enqueue(devices.map((d) => ({ userId, sessionId: d.session_id, deviceId: d.device_id, content })));
  });
}

/** A user's collapsed_reply_threads preference. */
export async function crtPreference(deps: Deps, userId: string): Promise<string | null> {
  return (await getPreference(deps.db, userId, 'display_settings', 'collapsed_reply_threads'))?.value ?? null;
}
