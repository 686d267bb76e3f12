/**
 * Account settings → Notifications: desktop (permission, level, sound), email (immediately /
 * every 15 minutes / hourly / never; a note instead while the site sends no notification emails),
 * mobile push level, channel-wide mentions. Every change is saved at once (PATCH
 * /users/:id/notify_props) and the server's answer is shown.
 */
import { useEffect, useState } from 'preact/hooks';
import { me, showToast } from '../state.ts';
import { emailInterval, loadMyNotifySettings, myNotifyProps, saveMyNotifySettings, siteSendsEmail, type EmailInterval } from '../notify-prefs.ts';
import { askNotificationPermission, notificationPermission } from '../notify.ts';

const EMAIL_CHOICES: [EmailInterval, string][] = [
  [30, 'Immediately'],
  [900, 'Every 15 minutes'],
  [3600, 'Every hour'],
  [0, 'Never'],
];
const LEVELS: [string, string][] = [
  ['all', 'For all activity'],
  ['mention', 'For mentions and direct messages'],
  ['none', 'Never'],
];

export function NotificationSettings() {
  const user = me.value;
  const [loaded, setLoaded] = useState(false);
  const [saving, setSaving] = useState('');
  // What was just chosen, shown until the server's answer replaces it (or an error reverts it).
  const [draft, setDraft] = useState<Record<string, string>>({});
  useEffect(() => {
    loadMyNotifySettings()
      .then(() => setLoaded(true))
      .catch((e) => showToast(e.message));
  }, []);
  const saved = myNotifyProps(user);
  // "Never" is both: no email notify prop and the interval 0 (what Mattermost writes).
  const savedInterval = saved.email === 'false' ? 0 : emailInterval.value;
  const props = { ...saved, ...draft };
  const interval = draft.interval ?? (savedInterval === undefined ? undefined : String(savedInterval));

  async function save(what: string, shown: Record<string, string>, change: Parameters<typeof saveMyNotifySettings>[0]) {
    setSaving(what);
    setDraft(shown);
    try {
      await saveMyNotifySettings(change);
    } catch (e) {
      showToast((e as Error).message);
    } finally {
      setDraft({});
      setSaving('');
    }
  }
  const radios = (name: string, choices: [string, string][], value: string | undefined, onPick: (v: string) => void) => (
    <div class="radio-col" role="radiogroup" aria-labelledby={`${name}-label`}>
      {choices.map(([v, label]) => (
        <label key={v} class="check">
          <input type="radio" name={name} value={v} checked={value === v} disabled={!loaded || !!saving} onChange={() => onPick(v)} /> {label}
        </label>
      ))}
    </div>
  );
  const perm = notificationPermission.value;

  return (
    <section class="card page-section notify-settings" aria-labelledby="notif-h" aria-busy={!loaded || !!saving}>
      <h2 id="notif-h">Notifications</h2>

      <h3 id="desktop-label">Desktop notifications</h3>
      <p class="muted small">Shown while this tab is in the background, for what you choose here (each channel can choose otherwise: channel menu → Notification preferences).</p>
      {perm === 'unsupported' ? (
        <p class="muted small">This browser does not support desktop notifications.</p>
      ) : perm === 'granted' ? (
        <p class="small" data-permission="granted">
          This browser shows desktop notifications from {location.host}.
        </p>
      ) : perm === 'denied' ? (
        <p class="small" data-permission="denied">
          Desktop notifications are blocked for {location.host} in this browser's site settings; allow them there to get them.
        </p>
      ) : (
        <p class="small" data-permission="default">
          <button type="button" class="btn" onClick={() => void askNotificationPermission()}>
            Allow desktop notifications
          </button>{' '}
          <span class="muted">The browser asks you once.</span>
        </p>
      )}
      {radios('desktop', LEVELS, props.desktop, (v) => void save('desktop', { desktop: v }, { notify_props: { desktop: v } }))}
      <label class="check">
        <input type="checkbox" name="desktop_sound" checked={props.desktop_sound !== 'false'} disabled={!loaded || !!saving || props.desktop === 'none'} onChange={(e) => {
            const v = e.currentTarget.checked ? 'true' : 'false';
            void save('sound', { desktop_sound: v }, { notify_props: { desktop_sound: v } });
          }} /> Play a sound
      </label>

      <h3 id="email-label">Email notifications</h3>
      {siteSendsEmail() ? (
        <>
          <p class="muted small">About mentions and direct messages while you are away or offline; several in a row come as one email.</p>
          {radios(
            'email',
            EMAIL_CHOICES.map(([v, l]) => [String(v), l]),
            interval,
            (v) => void save('email', { interval: v }, Number(v) === 0 ? { notify_props: { email: 'false' }, email_interval: 0 } : { notify_props: { email: 'true' }, email_interval: Number(v) as EmailInterval }),
          )}
        </>
      ) : (
        <p class="muted small" data-email-off>
          Your system admin has turned email notifications off for this server.
        </p>
      )}

      <h3 id="push-label">Mobile push notifications</h3>
      <p class="muted small">For the Mattermost mobile apps signed in to this server.</p>
      {radios('push', LEVELS, props.push, (v) => void save('push', { push: v }, { notify_props: { push: v } }))}

      <h3 id="mentions-label">Mentions</h3>
      <p class="muted small">You are always notified when someone writes @{user?.username}.</p>
      <label class="check">
        <input type="checkbox" name="channel_mentions" checked={props.channel !== 'false'} disabled={!loaded || !!saving} onChange={(e) => {
            const v = e.currentTarget.checked ? 'true' : 'false';
            void save('channel', { channel: v }, { notify_props: { channel: v } });
          }} /> @channel, @all and @here notify me
      </label>
      <p class="small muted" role="status">
        {saving ? 'Saving…' : loaded ? 'Changes are saved as you make them.' : 'Loading…'}
      </p>
    </section>
  );
}
