import { useState } from 'preact/hooks';
import { api } from '../api.ts';
import { siteInfo } from '../state.ts';
import { navigate } from '../router.ts';
import { signOutLocally } from '../session.ts';

/**
 * "Forgot password?": without a token, asks for the account's email and has a link sent; with
 * the token from that link (/reset_password_complete?token=…), sets a new password and sends the
 * person to the login page (a reset ends every session, this browser's too).
 */
export function PasswordReset({ token }: { token?: string }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const [sentTo, setSentTo] = useState('');
  const site = (siteInfo.value as { site_name?: string }).site_name || 'RustChat';

  async function request(e: Event) {
    e.preventDefault();
    const email = String(new FormData(e.currentTarget as HTMLFormElement).get('email') ?? '').trim();
    setBusy(true);
    setError('');
    try {
      await api('POST', '/auth/password/reset/send', { email });
      setSentTo(email);
    } catch (err) {
      setError((err as Error).message);
    }
    setBusy(false);
  }

  async function complete(e: Event) {
    e.preventDefault();
    const f = new FormData(e.currentTarget as HTMLFormElement);
    const password = String(f.get('password') ?? '');
    if (password !== String(f.get('confirm') ?? '')) {
      setError('The two passwords are not the same.');
      return;
    }
    setBusy(true);
    setError('');
    try {
      await api('POST', '/auth/password/reset', { token, new_password: password });
      signOutLocally();
      navigate('/login?password_reset=1', true);
    } catch (err) {
      setError((err as Error).message);
      setBusy(false);
    }
  }

  const errorLine = error && (
    <p class="form-error" role="alert">
      {error}
    </p>
  );
  if (token !== undefined) {
    return (
      <div class="auth">
        <form key="complete" class="card auth-card" onSubmit={complete} aria-labelledby="reset-title">
          <div class="brand">{site}</div>
          <h1 id="reset-title">Choose a new password</h1>
          <label>
            New password
            <input name="password" type="password" autocomplete="new-password" required minLength={8} autoFocus />
          </label>
          <label>
            New password again
            <input name="confirm" type="password" autocomplete="new-password" required minLength={8} />
          </label>
          {errorLine}
          <button class="btn primary" type="submit" disabled={busy || !token}>
            Change password
          </button>
          <p class="muted center">
            <a href="/reset_password">Ask for a new link</a> · <a href="/login">Log in</a>
          </p>
        </form>
      </div>
    );
  }
  return (
    <div class="auth">
      <form key="request" class="card auth-card" onSubmit={request} aria-labelledby="reset-title">
        <div class="brand">{site}</div>
        <h1 id="reset-title">Reset your password</h1>
        {sentTo ? (
          <p role="status">
            If an account uses <strong>{sentTo}</strong>, an email with a link to choose a new password is on its way. The link works once, for one hour.
          </p>
        ) : (
          <>
            <p class="muted">Enter the email address of your account and we will send you a link to choose a new password.</p>
            <label>
              Email
              <input name="email" type="email" autocomplete="email" required autoFocus />
            </label>
            {errorLine}
            <button class="btn primary" type="submit" disabled={busy}>
              Send reset link
            </button>
          </>
        )}
        <p class="muted center">
          <a href="/login">Back to log in</a>
        </p>
      </form>
    </div>
  );
}
