import { useState } from 'preact/hooks';
import { ApiError } from '../api.ts';
import { login, register } from '../session.ts';
import { siteInfo } from '../state.ts';
import { route } from '../router.ts';

/** What a failed single sign-on came back with (`/login?sso_error=…`), in words. */
const SSO_ERRORS: Record<string, string> = {
  sso_state_mismatch: 'That sign-in link expired or was started in another browser. Try again.',
  sso_denied: 'The sign-in was cancelled at your identity provider.',
  sso_account_exists: 'An account with your email already exists. Log in with your password, or ask an administrator to link it.',
  sso_signup_disabled: 'There is no account for you yet, and single sign-on cannot create one. Ask an administrator.',
  email_domain_not_allowed: 'Accounts with your email domain cannot be created on this server.',
  sso_email_missing: 'Your identity provider did not send an email address.',
  user_inactive: 'This account is deactivated.',
  sso_unavailable: 'The identity provider cannot be reached right now. Try again shortly.',
  sso_disabled: 'Single sign-on is not set up on this server.',
};

export function AuthScreen({ mode }: { mode: 'login' | 'signup' }) {
  const [busy, setBusy] = useState(false);
  const ssoError = new URLSearchParams(location.search).get('sso_error');
  const [error, setError] = useState(ssoError ? (SSO_ERRORS[ssoError] ?? 'Single sign-on failed. Try again.') : '');
  // The second step of a login to an account with MFA: the password is kept for the retry.
  const [mfa, setMfa] = useState<{ login_id: string; password: string } | null>(null);
  const r = route.value;
  const info = siteInfo.value as { site_name?: string; open_signup?: boolean; enable_open_signup?: boolean; sso?: { button_text: string; login_url: string } | null };
  const site = info.site_name || 'RustChat';
  const signupOpen = info.open_signup ?? info.enable_open_signup ?? true;
  const suffix = r.name === 'signup' && r.invite ? `?team=${r.team}&invite=${r.invite}` : '';

  async function submit(e: Event) {
    e.preventDefault();
    const f = new FormData(e.currentTarget as HTMLFormElement);
    const v = (k: string) => String(f.get(k) ?? '').trim();
    setBusy(true);
    setError('');
    try {
      if (mfa) await login(mfa.login_id, mfa.password, v('token'));
      else if (mode === 'login') {
        const creds = { login_id: v('login_id'), password: String(f.get('password') ?? '') };
        try {
          await login(creds.login_id, creds.password);
        } catch (err) {
          if (err instanceof ApiError && err.code === 'mfa_required') {
            setMfa(creds);
            setBusy(false);
            return;
          }
          throw err;
        }
      } else await register({ email: v('email'), username: v('username'), password: String(f.get('password') ?? ''), display_name: v('display_name') || undefined });
    } catch (err) {
      setError((err as Error).message);
      setBusy(false);
    }
  }

  const sso = mode === 'login' && !mfa && info.sso;
  return (
    <div class="auth">
      <form class="card auth-card" onSubmit={submit} aria-labelledby="auth-title">
        <div class="brand">{site}</div>
        <h1 id="auth-title">{mfa ? 'Two-factor authentication' : mode === 'login' ? 'Log in' : 'Create your account'}</h1>
        {mfa ? (
          <label>
            Code from your authenticator app, or a recovery code
            <input key="token" name="token" autocomplete="one-time-code" required autoFocus />
          </label>
        ) : mode === 'login' ? (
          <>
            <label>
              Username or email
              <input name="login_id" autocomplete="username" required autoFocus />
            </label>
            <label>
              Password
              <input name="password" type="password" autocomplete="current-password" required />
            </label>
          </>
        ) : (
          <>
            <label>
              Email
              <input name="email" type="email" autocomplete="email" required autoFocus />
            </label>
            <label>
              Username
              <input name="username" autocomplete="username" required pattern="[A-Za-z0-9._\-]{1,64}" title="Letters, digits, dots, dashes and underscores" />
            </label>
            <label>
              Full name <span class="muted">(optional)</span>
              <input name="display_name" autocomplete="name" />
            </label>
            <label>
              Password
              <input name="password" type="password" autocomplete="new-password" required minLength={8} />
            </label>
          </>
        )}
        {error && (
          <p class="form-error" role="alert">
            {error}
          </p>
        )}
        <button class="btn primary" type="submit" disabled={busy}>
          {mfa ? 'Verify' : mode === 'login' ? 'Log in' : 'Sign up'}
        </button>
        {mfa && (
          <button type="button" class="btn link" onClick={() => (setMfa(null), setError(''))}>
            Back
          </button>
        )}
        {sso && (
          <>
            <div class="or" aria-hidden="true">
              or
            </div>
            {/* A server route, not a client one: keep the app's link router from taking the click. */}
            <a class="btn sso" href={`${sso.login_url}?redirect_to=${encodeURIComponent(nextPath())}`} onClick={(e) => e.stopPropagation()}>
              {sso.button_text}
            </a>
          </>
        )}
        <p class="muted center">
          {mode === 'login' ? (
            signupOpen && !mfa ? (
              <>
                New here? <a href={`/signup${suffix}`}>Create an account</a>
              </>
            ) : null
          ) : (
            <>
              Have an account? <a href="/login">Log in</a>
            </>
          )}
        </p>
      </form>
    </div>
  );
}

/** Where to land after an SSO login: the page that sent us to /login, else the app. */
function nextPath(): string {
  const p = location.pathname;
  return p === '/login' || p === '/signup' ? '/' : p + location.search;
}
