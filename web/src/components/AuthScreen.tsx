import { useState } from 'preact/hooks';
import { login, register } from '../session.ts';
import { siteInfo } from '../state.ts';
import { route } from '../router.ts';

export function AuthScreen({ mode }: { mode: 'login' | 'signup' }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const r = route.value;
  const site = siteInfo.value.site_name || 'RustChat';
  const signupOpen = siteInfo.value.open_signup ?? siteInfo.value.enable_open_signup ?? true;
  const suffix = r.name === 'signup' && r.invite ? `?team=${r.team}&invite=${r.invite}` : '';

  async function submit(e: Event) {
    e.preventDefault();
    const f = new FormData(e.currentTarget as HTMLFormElement);
    const v = (k: string) => String(f.get(k) ?? '').trim();
    setBusy(true);
    setError('');
    try {
      if (mode === 'login') await login(v('login_id'), String(f.get('password') ?? ''));
      else await register({ email: v('email'), username: v('username'), password: String(f.get('password') ?? ''), display_name: v('display_name') || undefined });
    } catch (err) {
      setError((err as Error).message);
      setBusy(false);
    }
  }

  return (
    <div class="auth">
      <form class="card auth-card" onSubmit={submit} aria-labelledby="auth-title">
        <div class="brand">{site}</div>
        <h1 id="auth-title">{mode === 'login' ? 'Log in' : 'Create your account'}</h1>
        {mode === 'login' ? (
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
          {mode === 'login' ? 'Log in' : 'Sign up'}
        </button>
        <p class="muted center">
          {mode === 'login' ? (
            signupOpen ? (
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
