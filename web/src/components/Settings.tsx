import { useEffect, useState } from 'preact/hooks';
import { del, get, items, post, type Page } from '../api.ts';
import { me, showToast } from '../state.ts';
import { setTheme, theme, type ThemeChoice } from '../theme.ts';
import { fullDate } from '../util.ts';
import { TwoFactor } from './Mfa.tsx';
import { NotificationSettings } from './NotificationSettings.tsx';
import { ProfileSettings } from './ProfileSettings.tsx';

interface Session {
  id: string;
  create_at: number;
  last_activity_at: number;
  ip?: string;
  user_agent?: string;
  current?: boolean;
  is_current?: boolean;
}

/** Account settings: profile, password, two-factor authentication, theme, active sessions. */
export function Settings() {
  const user = me.value!;
  return (
    <div class="page">
      <header class="page-head">
        <a href="/" class="btn link">
          ‹ Back to chat
        </a>
        <h1>Account settings</h1>
      </header>
      <ProfileSettings user={user} />
      <Password />
      <TwoFactor />
      <section class="card page-section" aria-labelledby="theme-h">
        <h2 id="theme-h">Theme</h2>
        <div class="radio-row" role="radiogroup" aria-label="Theme">
          {(['system', 'light', 'dark'] as ThemeChoice[]).map((t) => (
            <label key={t} class="check">
              <input type="radio" name="theme" checked={theme.value === t} onChange={() => setTheme(t)} /> {t === 'system' ? 'Follow the system' : t}
            </label>
          ))}
        </div>
      </section>
      <NotificationSettings />
      <Sessions />
    </div>
  );
}

function Password() {
  const [error, setError] = useState('');
  async function submit(e: Event) {
    e.preventDefault();
    const form = e.currentTarget as HTMLFormElement;
    const f = new FormData(form);
    setError('');
    try {
      await post('/auth/password', { current_password: String(f.get('current') ?? ''), new_password: String(f.get('next') ?? '') });
      form.reset();
      showToast('Password changed; your other sessions were signed out', 'info');
    } catch (err) {
      setError((err as Error).message);
    }
  }
  return (
    <form class="card page-section form" onSubmit={submit} aria-labelledby="pw-h">
      <h2 id="pw-h">Password</h2>
      <label>
        Current password
        <input name="current" type="password" autocomplete="current-password" required />
      </label>
      <label>
        New password
        <input name="next" type="password" autocomplete="new-password" required minLength={8} />
      </label>
      {error && (
        <p class="form-error" role="alert">
          {error}
        </p>
      )}
      <button class="btn primary" type="submit">
        Change password
      </button>
    </form>
  );
}

function Sessions() {
  const [list, setList] = useState<Session[] | null>(null);
  const load = () =>
    get<Page<Session>>('/auth/sessions')
      .then((r) => setList(items<Session>(r)))
      .catch((e) => showToast(e.message));
  useEffect(() => void load(), []);
  return (
    <section class="card page-section" aria-labelledby="sess-h">
      <h2 id="sess-h">Active sessions</h2>
      {!list ? (
        <p class="muted">Loading…</p>
      ) : (
        <table class="table">
          <thead>
            <tr>
              <th>Device</th>
              <th>Signed in</th>
              <th>Last active</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {list.map((s) => (
              <tr key={s.id}>
                <td>
                  {s.user_agent ? s.user_agent.slice(0, 60) : 'Unknown device'} {s.ip ? <span class="muted small">({s.ip})</span> : null}
                  {(s.current || s.is_current) && <strong class="small"> · this device</strong>}
                </td>
                <td>{fullDate(s.create_at)}</td>
                <td>{fullDate(s.last_activity_at)}</td>
                <td>
                  {!(s.current || s.is_current) && (
                    <button type="button" class="btn small-btn" onClick={() => void del(`/auth/sessions/${s.id}`).then(load, (e) => showToast(e.message))}>
                      Revoke
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
