import { useEffect, useState } from 'preact/hooks';
import { ApiError, post } from '../api.ts';
import { login, register } from '../session.ts';
import { siteInfo } from '../state.ts';
import { authPath, channelPath, inviteTokenOf, route } from '../router.ts';

/** What an emailed invitation is for (POST /auth/invite/info). */
interface InviteInfo {
  email: string;
  team: { id: string; name: string; display_name: string };
  inviter: string;
  expires_at: number;
}

/** The invitation behind a token: its details, or why it cannot be used. */
function useInviteInfo(token: string | undefined): { info?: InviteInfo; error?: string } {
  const [res, setRes] = useState<{ info?: InviteInfo; error?: string }>({});
  useEffect(() => {
    setRes({});
    if (!token) return;
    post<InviteInfo>('/auth/invite/info', { token }).then(
      (info) => setRes({ info }),
      (e: Error) => setRes({ error: e.message }),
    );
  }, [token]);
  return res;
}

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
  const passwordReset = mode === 'login' && new URLSearchParams(location.search).get('password_reset') === '1';
  // The second step of a login to an account with MFA: the password is kept for the retry.
  const [mfa, setMfa] = useState<{ login_id: string; password: string } | null>(null);
  const r = route.value;
  const info = siteInfo.value as { site_name?: string; open_signup?: boolean; enable_open_signup?: boolean; sso?: { button_text: string; login_url: string } | null };
  const site = info.site_name || 'RustChat';
  const signupOpen = info.open_signup ?? info.enable_open_signup ?? true;
  const next = r.name === 'login' || r.name === 'signup' ? r.next : undefined;
  // Coming from an emailed invitation: sign up as the invited address (even with sign-up closed),
  // or log in and be added to its team.
  const inviteToken = inviteTokenOf(next);
  const invite = useInviteInfo(inviteToken);
  const inv = invite.info;

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
      } else {
        const input = { email: v('email'), username: v('username'), password: String(f.get('password') ?? ''), display_name: v('display_name') || undefined };
        // The invitation is spent by the sign-up itself: go to its team, not back to the link.
        if (inv && inviteToken) await register({ ...input, email: inv.email, invite_token: inviteToken }, channelPath(inv.team.name, 'town-square'));
        else await register(input);
      }
    } catch (err) {
      setError((err as Error).message);
      setBusy(false);
    }
  }

  const sso = mode === 'login' && !mfa && info.sso;
  return (
    <div class="auth">
      {/* Keyed by mode: Preact must not reuse sign-up inputs for the login form (the username's
          pattern was left on the password field, and the browser refused to submit). */}
      <form key={mfa ? 'mfa' : mode} class="card auth-card" onSubmit={submit} aria-labelledby="auth-title">
        <div class="brand">{site}</div>
        <h1 id="auth-title">{mfa ? 'Two-factor authentication' : mode === 'login' ? 'Log in' : 'Create your account'}</h1>
        {inviteToken && !mfa && (inv || invite.error) && (
          <p class={inv ? 'form-note' : 'form-error'} role={inv ? 'status' : 'alert'} data-invite>
            {inv
              ? `${inv.inviter || 'Someone'} invited you to join ${inv.team.display_name || inv.team.name}. ${mode === 'signup' ? 'Create your account' : 'Log in'} to accept.`
              : invite.error}
          </p>
        )}
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
            <a class="forgot" href="/reset_password">
              Forgot password?
            </a>
          </>
        ) : (
          <>
            <label>
              Email
              {inv ? (
                <>
                  <input key="invited-email" name="email" type="email" value={inv.email} readOnly aria-describedby="invited-email-note" />
                  <span id="invited-email-note" class="muted small">
                    The invitation is for this address.
                  </span>
                </>
              ) : (
                <input name="email" type="email" autocomplete="email" required autoFocus />
              )}
            </label>
            <label>
              Username
              <input key={inv ? 'invited-username' : 'username'} name="username" autocomplete="username" required autoFocus={!!inv} pattern="[A-Za-z0-9._\-]{1,64}" title="Letters, digits, dots, dashes and underscores" />
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
        {mode === 'signup' && !signupOpen && !inv && (
          <p class="form-note" role="status" data-signup-closed>
            Sign-up is closed on this server: you need an account, or an email invitation from a team admin.
          </p>
        )}
        {passwordReset && !error && !mfa && (
          <p class="form-note" role="status">
            Your password was changed. Log in with the new one.
          </p>
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
            <a class="btn sso" href={`${sso.login_url}?redirect_to=${encodeURIComponent(next ?? '/')}`} onClick={(e) => e.stopPropagation()}>
              {sso.button_text}
            </a>
          </>
        )}
        <p class="muted center">
          {mode === 'login' ? (
            (signupOpen || inv) && !mfa ? (
              <>
                New here? <a href={authPath('signup', next)}>Create an account</a>
              </>
            ) : null
          ) : (
            <>
              Have an account? <a href={authPath('login', next)}>Log in</a>
            </>
          )}
        </p>
      </form>
    </div>
  );
}
