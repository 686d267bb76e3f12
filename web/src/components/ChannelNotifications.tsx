/**
 * Channel menu → Notification preferences: my settings for one channel (Mattermost's channel
 * notify props, shared with the apps): mute, channel-wide mentions, desktop, email (a note instead
 * while the site sends no notification emails) and push. Each "Default" follows my account
 * settings, named in the choice. Saved together with one request.
 */
import { useState } from 'preact/hooks';
import { channelTitle, me, state, type Channel } from '../state.ts';
import { channelProps, myNotifyProps, setChannelNotifyProps, siteSendsEmail } from '../notify-prefs.ts';
import { Modal } from './Modal.tsx';

const LEVEL_WORDS: Record<string, string> = { all: 'all activity', mention: 'mentions', none: 'never' };

export function ChannelNotifications({ channel, onClose }: { channel: Channel; onClose: () => void }) {
  const s = state.value;
  const mine = myNotifyProps(me.value);
  const initial = channelProps(s.members[channel.id]);
  const [v, setV] = useState(initial);
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const set = (k: string, value: string) => setV({ ...v, [k]: value });
  const direct = channel.type === 'D' || channel.type === 'G';

  async function submit(e: Event) {
    e.preventDefault();
    const keys = ['mark_unread', 'ignore_channel_mentions', 'desktop', 'email', 'push'] as const;
    const changed = Object.fromEntries(keys.filter((k) => v[k] !== initial[k]).map((k) => [k, v[k]!]));
    if (!Object.keys(changed).length) return onClose();
    setBusy(true);
    setError('');
    try {
      await setChannelNotifyProps(channel.id, changed);
      onClose();
    } catch (err) {
      setError((err as Error).message);
      setBusy(false);
    }
  }

  const select = (name: 'desktop' | 'email' | 'push' | 'ignore_channel_mentions', label: string, options: [string, string][]) => (
    <label>
      {label}
      <select name={name} value={v[name]} onChange={(e) => set(name, e.currentTarget.value)}>
        {options.map(([value, text]) => (
          <option key={value} value={value}>
            {text}
          </option>
        ))}
      </select>
    </label>
  );
  const levels = (account: string): [string, string][] => [
    ['default', `Default (${LEVEL_WORDS[account] ?? account})`],
    ['all', 'For all activity'],
    ['mention', 'For mentions'],
    ['none', 'Never'],
  ];

  return (
    <Modal title={`Notification preferences: ${channelTitle(channel, s)}`} onClose={onClose}>
      <form class="form" onSubmit={submit}>
        <label class="check">
          <input type="checkbox" name="mute" checked={v.mark_unread === 'mention'} onChange={(e) => set('mark_unread', e.currentTarget.checked ? 'mention' : 'all')} /> Mute channel
        </label>
        <p class="muted small">A muted channel is dimmed in the sidebar and sends no notifications; mentions of you are still counted.</p>
        {!direct &&
          select('ignore_channel_mentions', 'Ignore @channel, @all and @here', [
            ['default', `Default (${mine.channel === 'false' ? 'on' : 'off'})`],
            ['on', 'On: they do not notify me here'],
            ['off', 'Off: they notify me here'],
          ])}
        {select('desktop', 'Desktop notifications', levels(mine.desktop!))}
        {siteSendsEmail() ? (
          select('email', 'Email notifications', [
            ['default', `Default (${mine.email === 'false' ? 'off' : 'on'})`],
            ['true', 'On'],
            ['false', 'Off'],
          ])
        ) : (
          <p class="muted small" data-email-off>
            Email notifications: turned off for this server by your system admin.
          </p>
        )}
        {select('push', 'Mobile push notifications', levels(mine.push!))}
        {error && (
          <p class="form-error" role="alert">
            {error}
          </p>
        )}
        <div class="modal-actions">
          <button type="button" class="btn" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" class="btn primary" disabled={busy}>
            Save
          </button>
        </div>
      </form>
    </Modal>
  );
}
