import { useEffect, useState } from 'preact/hooks';
import { get, patch } from '../../api.ts';
import { showToast } from '../../state.ts';

type Settings = Record<string, string | number | boolean>;
interface Answer {
  settings: Settings;
  overridden: string[];
  defaults: Settings;
  sso: { enabled: boolean; issuer: string; client_id: string; client_secret_set: boolean; button_text: string; scopes: string; create_accounts: boolean; link_by_email: string; disable_password_login: boolean; admin_groups: string[]; redirect_uri: string };
}

type Field = [key: string, label: string, kind: 'bool' | 'int' | 'text' | 'mfa', hint?: string];
const GROUPS: [string, Field[]][] = [
  [
    'Multi-factor authentication',
    [['mfa', 'Two-factor authentication (TOTP)', 'mfa', 'Required: password users must enrol before they can use the server (SSO users rely on their identity provider).']],
  ],
  [
    'Password policy',
    [
      ['password_min_length', 'Minimum length (bytes, 8–72)', 'int'],
      ['password_require_lowercase', 'Require a lower-case letter', 'bool'],
      ['password_require_uppercase', 'Require an upper-case letter', 'bool'],
      ['password_require_number', 'Require a digit', 'bool'],
      ['password_require_symbol', 'Require a symbol', 'bool'],
      ['password_check_breached', 'Refuse common passwords (bundled list, checked offline)', 'bool'],
    ],
  ],
  [
    'Sessions',
    [
      ['session_lifetime_days', 'Web and desktop session lifetime (days, extended by use)', 'int'],
      ['session_lifetime_mobile_days', 'Mobile session lifetime (days, extended by use)', 'int'],
      ['session_idle_timeout_minutes', 'Idle timeout for web and desktop (minutes; 0 = off, else at least 5)', 'int'],
    ],
  ],
  ['Sign-up', [['signup_email_domains', 'Allowed email domains (comma-separated; empty allows any)', 'text', 'Applies to sign-up and to accounts made by SSO.']]],
  [
    'Login lockout',
    [
      ['lockout_account_attempts', 'Failed logins per account before it is locked', 'int'],
      ['lockout_address_attempts', 'Failed logins per client address before it is refused', 'int'],
      ['lockout_window_minutes', 'Window the failures are counted in (minutes)', 'int'],
    ],
  ],
];

/** System console › Authentication: the settings in docs/auth.md; each change is audited. */
export function AuthSettings() {
  const [data, setData] = useState<Answer | null>(null);
  const [error, setError] = useState('');
  useEffect(() => {
    get<Answer>('/admin/auth-settings')
      .then(setData)
      .catch((e) => showToast((e as Error).message));
  }, []);
  if (!data) return <p class="muted">Loading…</p>;
  const s = data.settings;

  async function submit(e: Event) {
    e.preventDefault();
    const f = new FormData(e.currentTarget as HTMLFormElement);
    const body: Record<string, unknown> = {};
    for (const [, fields] of GROUPS) {
      for (const [key, , kind] of fields) {
        const v = kind === 'bool' ? f.get(key) === 'on' : kind === 'int' ? Number(f.get(key)) : String(f.get(key) ?? '');
        if (v !== s[key]) body[key] = v;
      }
    }
    if (!Object.keys(body).length) return showToast('Nothing changed', 'info');
    setError('');
    try {
      setData(await patch<Answer>('/admin/auth-settings', body));
      showToast('Authentication settings saved', 'info');
    } catch (err) {
      setError((err as Error).message);
    }
  }
  async function reset(key: string) {
    try {
      setData(await patch<Answer>('/admin/auth-settings', { [key]: null }));
    } catch (err) {
      showToast((err as Error).message);
    }
  }

  return (
    <>
      <form class="card page-section form" onSubmit={submit} aria-labelledby="auth-h" data-testid="auth-settings">
        <h2 id="auth-h">Authentication</h2>
        {GROUPS.map(([title, fields]) => (
          <fieldset key={title}>
            <legend>{title}</legend>
            {fields.map(([key, label, kind, hint]) => {
              const changed = data.overridden.includes(key);
              const resetBtn = changed && (
                <button type="button" class="btn link small-btn" onClick={() => reset(key)} title={`Back to the configuration file's value (${String(data.defaults[key])})`}>
                  Reset
                </button>
              );
              if (kind === 'bool')
                return (
                  <label key={key} class="check">
                    <input type="checkbox" name={key} defaultChecked={!!s[key]} /> {label} {resetBtn}
                  </label>
                );
              return (
                <label key={key}>
                  {label} {resetBtn}
                  {kind === 'mfa' ? (
                    <select name={key} defaultValue={String(s[key])}>
                      <option value="off">Off</option>
                      <option value="optional">Optional (anyone may enrol)</option>
                      <option value="required">Required</option>
                    </select>
                  ) : (
                    <input name={key} type={kind === 'int' ? 'number' : 'text'} defaultValue={String(s[key])} />
                  )}
                  {hint && <span class="small muted">{hint}</span>}
                </label>
              );
            })}
          </fieldset>
        ))}
        {error && (
          <p class="form-error" role="alert">
            {error}
          </p>
        )}
        <button class="btn primary" type="submit">
          Save
        </button>
      </form>
      <section class="card page-section" aria-labelledby="sso-h">
        <h2 id="sso-h">Single sign-on (OpenID Connect)</h2>
        {data.sso.enabled ? (
          <dl class="facts">
            <dt>Provider</dt>
            <dd>{data.sso.issuer}</dd>
            <dt>Client id</dt>
            <dd>{data.sso.client_id}</dd>
            <dt>Redirect URI</dt>
            <dd>
              <code>{data.sso.redirect_uri}</code>
            </dd>
            <dt>Button</dt>
            <dd>{data.sso.button_text}</dd>
            <dt>First login</dt>
            <dd>{data.sso.create_accounts ? 'creates the account' : 'needs an existing account'}; links by email: {data.sso.link_by_email}</dd>
            <dt>Password login for SSO accounts</dt>
            <dd>{data.sso.disable_password_login ? 'off' : 'allowed'}</dd>
            <dt>Admin groups</dt>
            <dd>{data.sso.admin_groups.join(', ') || 'none (roles are managed here)'}</dd>
          </dl>
        ) : (
          <p class="muted">Off. Set oidc.issuer, oidc.client_id and oidc.client_secret in the configuration (docs/auth.md has recipes for Keycloak, Authentik, Google and Entra ID).</p>
        )}
      </section>
    </>
  );
}
