import { useEffect, useState } from 'preact/hooks';
import { fieldErrors, get, patch } from '../../api.ts';
import { showToast, siteInfo } from '../../state.ts';

interface EmailAnswer {
  settings: { send_notifications: boolean };
  overridden: string[];
  defaults: { send_notifications: boolean };
}

/**
 * System console › Email › Notification emails: the site switch `email.send_notifications`
 * (src/actions/email-settings.ts; Mattermost's "Enable Email Notifications"). Same rules as the
 * other settings cards: saved with the button, the server's refusal shown, reset to the file's value.
 */
export function EmailSettingsCard() {
  const [data, setData] = useState<EmailAnswer | null>(null);
  const [on, setOn] = useState(true);
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const show = (a: EmailAnswer) => {
    setData(a);
    setOn(a.settings.send_notifications);
    // This admin's own notification settings follow at once (others' on their next load).
    siteInfo.value = { ...siteInfo.value, email_notifications: a.settings.send_notifications };
  };
  useEffect(() => {
    get<EmailAnswer>('/admin/email-settings')
      .then(show)
      .catch((e) => showToast((e as Error).message));
  }, []);
  async function save(body: Record<string, unknown>) {
    setBusy(true);
    setError('');
    try {
      show(await patch<EmailAnswer>('/admin/email-settings', body));
      showToast('Email settings saved', 'info');
    } catch (err) {
      const f = fieldErrors(err);
      setError(f?.send_notifications ?? f?._ ?? (err as Error).message);
    }
    setBusy(false);
  }
  function submit(e: Event) {
    e.preventDefault();
    if (!data) return;
    if (on === data.settings.send_notifications) return showToast('Nothing changed', 'info');
    void save({ send_notifications: on });
  }
  if (!data) return <p class="muted">Loading…</p>;
  return (
    <form class="card page-section form" onSubmit={submit} aria-labelledby="email-settings-h" noValidate data-setting="send_notifications">
      <h2 id="email-settings-h">Notification emails</h2>
      <div class="field">
        <label class="check">
          <input type="checkbox" name="send_notifications" checked={on} onChange={(e) => setOn(e.currentTarget.checked)} aria-invalid={error ? 'true' : undefined} aria-describedby="send-notifications-hint" /> Email
          members about mentions and direct messages while they are offline
        </label>
        <p class="muted small" id="send-notifications-hint">
          Off: no notification emails are sent (those waiting are dropped) and members no longer see the email choice in their notification settings. Password resets and invitations are sent either
          way.
        </p>
        {error && (
          <p class="field-error" role="alert">
            {error}
          </p>
        )}
        {data.overridden.includes('send_notifications') ? (
          <button type="button" class="btn link small" onClick={() => void save({ send_notifications: null })}>
            Use the configuration file's value ({data.defaults.send_notifications ? 'on' : 'off'})
          </button>
        ) : (
          <span class="muted small">From the configuration file (email.send_notifications)</span>
        )}
      </div>
      <button class="btn primary" type="submit" disabled={busy}>
        Save
      </button>
    </form>
  );
}
