import type { Deps } from '../deps.ts';
import { inTx } from './tx.ts';
import { mailSite, queueEmail } from './email.ts';
import { channelNotifyProps, isMuted, userNotifyProps } from './notify-props.ts';
import { kickOutbox } from '../mail/worker.ts';
import { notificationEmail, type NotificationGroup } from '../mail/templates.ts';
import { getUser } from '../store/users.ts';
import { getPreference } from '../store/preferences.ts';
import { anyTeamNameOf, claimUserNotifications, deleteAllNotifications, deleteUserNotifications, dueNotificationUsers, notificationPosts, type NotificationPost } from '../store/notifications.ts';
import { emailSettings } from './email-settings.ts';

/** Recipients handled per pass. */
export const USERS_PER_PASS = 50;
/** Posts quoted per channel in one email; the rest are counted. */
export const POSTS_PER_GROUP = 20;
/** Characters of a message quoted in an email. */
export const QUOTE_CHARS = 1000;

/**
 * Turns due rows of email_notifications into emails: per recipient whose oldest waiting row is
 * older than their interval, one email with a section per channel. Posts the recipient has read
 * since (the channel's last_viewed_at is past them), deleted posts, channels they left or muted
 * meanwhile, and everything when they switched email off or to "never", are dropped without an
 * email. The rows are locked (SKIP LOCKED: senders in other processes take other recipients) and
 * deleted in the transaction that queues the email, so each is emailed at most once.
 * While the site's notification emails are off (email.send_notifications) nothing is emailed
 * and the waiting rows are dropped. Returns the number of emails queued.
 */
export async function sendDueNotificationEmails(deps: Deps): Promise<number> {
  return (await notificationEmailPass(deps)).queued;
}

export interface NotificationPassResult {
  /** Recipients found due (USERS_PER_PASS: there may be more). */
  due: number;
  /** Emails queued. */
  queued: number;
}

/** sendDueNotificationEmails, also saying how many recipients were due. */
export async function notificationEmailPass(deps: Deps): Promise<NotificationPassResult> {
  if (!(await emailSettings(deps)).send_notifications) {
    // Dropped, not kept for later: Mattermost stops sending too, and turning the switch back on
    // should not send mentions from the whole time it was off (nor may due rows keep the sender
    // waking every second). Posts queue none while off; these were queued before, or by another
    // process within the 5 s its settings cache may lag.
    const dropped = await deleteAllNotifications(deps.db);
    if (dropped) deps.log.info('notification emails are off: waiting notifications dropped', { count: dropped });
    return { due: 0, queued: 0 };
  }
  const users = await dueNotificationUsers(deps.db, deps.now(), USERS_PER_PASS);
  let queued = 0;
  // The site's name and address, read once per pass (in the first transaction that needs it).
  let site: Awaited<ReturnType<typeof mailSite>> | undefined;
  for (const userId of users) {
    const sent = await inTx(deps, async (tx) => {
      const claimed = await claimUserNotifications(tx, userId);
      if (!claimed.length) return false;
      const user = await getUser(tx, userId);
      const interval = (await getPreference(tx, userId, 'notifications', 'email_interval'))?.value;
      const props = userNotifyProps(user?.notify_props);
      const posts = !user || Number(user.delete_at) !== 0 || interval === '0' ? [] : await notificationPosts(tx, userId, claimed);
      const keep = posts.filter((p) => stillWorthEmail(p, props.email));
      if (keep.length) {
        site ??= await mailSite(deps, tx);
        const fallbackTeam = keep.some((p) => !p.team_name) ? await anyTeamNameOf(tx, userId) : undefined;
        const m = render(site, user!, keep, fallbackTeam);
        await queueEmail(deps, tx, 'notification', user!.email, m);
      }
      await deleteUserNotifications(tx, userId, claimed);
      return keep.length > 0;
    });
    if (sent) queued++;
  }
  if (queued) kickOutbox(deps);
  return { due: users.length, queued };
}

function stillWorthEmail(p: NotificationPost, userEmail: string): boolean {
  if (p.delete_at !== 0 || p.channel_delete_at !== 0) return false;
  if (p.last_viewed_at === null) return false; // left the channel
  if (p.last_viewed_at >= p.create_at) return false; // read it meanwhile
  if (isMuted(p.member_notify)) return false;
  const email = channelNotifyProps(p.member_notify).email;
  return email === 'true' || (email === 'default' && userEmail !== 'false');
}

const authorName = (p: NotificationPost) => p.author_display_name || p.author_username;

function groupTitle(p: NotificationPost): string {
  if (p.channel_type === 'D') return `Direct message from ${authorName(p)}`;
  if (p.channel_type === 'G') return `Group message (${p.channel_display_name || 'group'})`;
  return `~${p.channel_display_name || p.channel_name}`;
}

const WHEN_OPTS: Intl.DateTimeFormatOptions = { hour: '2-digit', minute: '2-digit', month: 'short', day: 'numeric', hour12: false };
/**
 * Formatters by time zone (building one is ~0.1 ms, formatting with it a few µs; an email quotes
 * up to POSTS_PER_GROUP posts per channel); an unknown zone maps to UTC's with " UTC" appended.
 */
const formatters = new Map<string, { f: Intl.DateTimeFormat; suffix: string }>();
function formatter(tz: string) {
  let e = formatters.get(tz);
  if (!e) {
    try {
      e = { f: new Intl.DateTimeFormat('en-GB', { ...WHEN_OPTS, timeZone: tz }), suffix: tz === 'UTC' ? ' UTC' : '' };
    } catch {
      e = { f: new Intl.DateTimeFormat('en-GB', { ...WHEN_OPTS, timeZone: 'UTC' }), suffix: ' UTC' };
    }
    if (formatters.size >= 500) formatters.clear(); // time zone names are few; a bound all the same
    formatters.set(tz, e);
  }
  return e;
}

/** "14:05 UTC" in the recipient's time zone (their profile's, else UTC), with the date when not today. */
function when(at: number, tz: string): string {
  const { f, suffix } = formatter(tz);
  return `${f.format(at)}${suffix}`;
}

function userTimeZone(tz: Record<string, unknown> | undefined): string {
  const t = tz ?? {};
  const zone = t.useAutomaticTimezone === false || t.useAutomaticTimezone === 'false' ? t.manualTimezone : t.automaticTimezone;
  return typeof zone === 'string' && zone ? zone : 'UTC';
}

function render(site: { name: string; url: string }, user: { username: string; timezone: Record<string, unknown> }, posts: NotificationPost[], fallbackTeam: string | undefined) {
  const tz = userTimeZone(user.timezone);
  const byChannel = new Map<string, NotificationPost[]>();
  for (const p of posts) byChannel.set(p.channel_id, [...(byChannel.get(p.channel_id) ?? []), p]);
  const groups: NotificationGroup[] = [];
  for (const list of byChannel.values()) {
    const first = list[0]!;
    const last = list.at(-1)!;
    const team = last.team_name ?? fallbackTeam;
    const shown = list.slice(-POSTS_PER_GROUP);
    const quotes = shown.map((p) => ({ who: authorName(p), when: when(p.create_at, tz), text: p.message.length > QUOTE_CHARS ? `${p.message.slice(0, QUOTE_CHARS)}…` : p.message }));
    if (list.length > shown.length) quotes.unshift({ who: '…', when: '', text: `${list.length - shown.length} earlier messages` });
    groups.push({ title: groupTitle(first), link: team ? `${site.url}/${encodeURIComponent(team)}/pl/${last.id}` : site.url || '/', posts: quotes });
  }
  const first = posts[0]!;
  let subject: string;
  if (groups.length > 1) subject = `[${site.name}] ${posts.length} new messages in ${groups.length} conversations`;
  else if (first.channel_type === 'D') subject = `[${site.name}] ${posts.length > 1 ? `${posts.length} new direct messages` : 'New direct message'} from ${authorName(first)}`;
  else if (first.channel_type === 'G') subject = `[${site.name}] ${posts.length > 1 ? `${posts.length} new group messages` : 'New group message'}`;
  else subject = `[${site.name}] ${posts.length > 1 ? `${posts.length} new mentions` : `New mention from ${authorName(first)}`} in ~${first.channel_display_name || first.channel_name}`;
  return notificationEmail(site, { username: user.username, subject, groups });
}
