import { useEffect, useState } from 'preact/hooks';
import { fieldErrors, get, patch } from '../../api.ts';
import { showToast, siteInfo } from '../../state.ts';

interface Config {
  site_name: string;
  open_signup: boolean;
  overridden: string[];
}

/**
 * System console › Site settings: every runtime site setting (src/actions/settings.ts), checked
 * by the server; its answer's problems are shown under their fields. A setting changed here
 * overrides the configuration file until reset.
 */
export function SiteSettings() {
  const [cfg, setCfg] = useState<Config | null>(null);
  const [name, setName] = useState('');
  const [signup, setSignup] = useState(false);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);
  const show = (c: Config) => {
    setCfg(c);
    setName(c.site_name);
    setSignup(c.open_signup);
  };
  useEffect(() => {
    get<Config>('/admin/config')
      .then(show)
      .catch((e) => showToast((e as Error).message));
  }, []);

  async function save(body: Record<string, unknown>) {
    setBusy(true);
    setErrors({});
    try {
      const next = await patch<Config>('/admin/config', body);
      show(next);
      siteInfo.value = { ...siteInfo.value, site_name: next.site_name, open_signup: next.open_signup };
      showToast('Settings saved', 'info');
    } catch (err) {
      const f = fieldErrors(err);
      if (f) setErrors(f);
      else showToast((err as Error).message);
    }
    setBusy(false);
  }
  function submit(e: Event) {
    e.preventDefault();
    if (!cfg) return;
    const body: Record<string, unknown> = {};
    if (name !== cfg.site_name) body.site_name = name;
    if (signup !== cfg.open_signup) body.open_signup = signup;
    if (!Object.keys(body).length) return showToast('Nothing changed', 'info');
    void save(body);
  }
  if (!cfg) return <p class="muted">Loading…</p>;
  const fromFile = (key: string) =>
    cfg.overridden.includes(key) ? (
      <button type="button" class="btn link small" onClick={() => void save({ [key]: null })}>
        Use the configuration file's value
      </button>
    ) : (
      <span class="muted small">From the configuration file</span>
    );
  return (
    <form class="card page-section form" onSubmit={submit} aria-labelledby="site-h" noValidate>
      <h2 id="site-h">Site settings</h2>
      <div class="field">
        <label for="site-name">Site name</label>
        <input
          id="site-name"
          name="site_name"
          value={name}
          onInput={(e) => setName(e.currentTarget.value)}
          aria-invalid={errors.site_name ? 'true' : undefined}
          aria-describedby={errors.site_name ? 'site-name-error' : 'site-name-hint'}
        />
        {errors.site_name ? (
          <p class="field-error" id="site-name-error" role="alert">
            {errors.site_name}
          </p>
        ) : (
          <p class="muted small" id="site-name-hint">
            Shown in the browser tab, on the login page and in emails (1–64 characters).
          </p>
        )}
        {fromFile('site_name')}
      </div>
      <div class="field">
        <label class="check">
          <input
            type="checkbox"
            name="open_signup"
            checked={signup}
            onChange={(e) => setSignup(e.currentTarget.checked)}
            aria-invalid={errors.open_signup ? 'true' : undefined}
            aria-describedby="signup-hint"
          />{' '}
          Anyone can sign up
        </label>
        {errors.open_signup && (
          <p class="field-error" role="alert">
            {errors.open_signup}
          </p>
        )}
        <p class="muted small" id="signup-hint">
          Off: new accounts only through an email invitation or an admin. The first account of a new server can always sign up.
        </p>
        {fromFile('open_signup')}
      </div>
      {errors._ && (
        <p class="form-error" role="alert">
          {errors._}
        </p>
      )}
      <button class="btn primary" type="submit" disabled={busy}>
        Save
      </button>
    </form>
  );
}

interface ServerInfo {
  version: string;
  commit: string;
  build_date: string;
  node: string;
  database: string;
  storage: string;
  redis: boolean;
  email: 'smtp' | 'log';
  status: string;
  checks: Record<string, string>;
  uptime_seconds: number;
  started_at: number;
  connections: number;
}

const duration = (s: number) => {
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  return d ? `${d} d ${h} h` : h ? `${h} h ${m} min` : `${m} min ${s % 60} s`;
};

/** System console › Server: build, database, readiness of Redis and storage, uptime, live sockets. */
export function ServerInfoCard() {
  const [info, setInfo] = useState<ServerInfo | null>(null);
  const load = () =>
    get<ServerInfo>('/admin/server')
      .then(setInfo)
      .catch((e) => showToast((e as Error).message));
  useEffect(() => void load(), []);
  if (!info) return <p class="muted">Loading…</p>;
  const check = (name: string) => info.checks[name] ?? 'not used';
  const rows: [string, string][] = [
    ['Version', info.version],
    ['Commit', info.commit],
    ['Built', info.build_date],
    ['Node.js', info.node],
    ['Database', `${info.database === 'postgresql' ? 'PostgreSQL' : 'Embedded (PGlite)'}: ${check('database')}`],
    ['Redis', info.redis ? check('redis') : 'not configured (single process)'],
    ['File storage', `${info.storage === 's3' ? 'S3' : 'Local directory'}: ${check(info.storage === 's3' ? 's3' : 'files')}`],
    ['Email', info.email === 'smtp' ? 'SMTP' : 'written to the server log (no SMTP server configured)'],
    ['Readiness', info.status],
    ['Uptime', duration(info.uptime_seconds)],
    ['Live WebSocket connections (this process)', String(info.connections)],
  ];
  return (
    <section class="card page-section" aria-labelledby="server-h">
      <div class="section-bar">
        <h2 id="server-h">Server</h2>
        <button type="button" class="btn" onClick={() => void load()}>
          Refresh
        </button>
      </div>
      <dl class="server-info">
        {rows.map(([k, v]) => (
          <div key={k} data-key={k}>
            <dt>{k}</dt>
            <dd>{v}</dd>
          </div>
        ))}
      </dl>
    </section>
  );
}

interface IntegrationAnswer {
  settings: Record<string, boolean | number | string>;
  overridden: string[];
  defaults: Record<string, boolean | number | string>;
  network: { allowed_internal_hosts: string; request_timeout_seconds: number; response_max_bytes: number };
}

type IntegrationField = [key: string, label: string, kind: 'bool' | 'int' | 'tokens'];
const INTEGRATION_FIELDS: IntegrationField[] = [
  ['enable_incoming_webhooks', 'Incoming webhooks', 'bool'],
  ['enable_outgoing_webhooks', 'Outgoing webhooks', 'bool'],
  ['enable_commands', 'Custom slash commands', 'bool'],
  ['members_manage_integrations', 'Every team member may manage webhooks and commands (not only admins)', 'bool'],
  ['enable_post_username_override', 'Integrations may post under another name', 'bool'],
  ['enable_post_icon_override', 'Integrations may post with another picture', 'bool'],
  ['enable_bot_accounts', 'Bot accounts', 'bool'],
  ['personal_access_tokens', 'Personal access tokens', 'tokens'],
  ['incoming_webhook_rate_per_minute', 'Posts per minute one incoming webhook may make (1–100000)', 'int'],
];

/**
 * System console › Site settings › Integrations: the runtime integration switches
 * (src/actions/integration-settings.ts; docs/integrations.md). Same rules as the site settings:
 * only changes are sent, the server's refusal is shown under its field, reset to the file's value.
 */
export function IntegrationSettingsCard() {
  const [data, setData] = useState<IntegrationAnswer | null>(null);
  const [draft, setDraft] = useState<Record<string, boolean | number | string>>({});
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);
  const show = (a: IntegrationAnswer) => {
    setData(a);
    setDraft({ ...a.settings });
  };
  useEffect(() => {
    get<IntegrationAnswer>('/admin/integration-settings')
      .then(show)
      .catch((e) => showToast((e as Error).message));
  }, []);
  async function save(body: Record<string, unknown>) {
    setBusy(true);
    setErrors({});
    try {
      show(await patch<IntegrationAnswer>('/admin/integration-settings', body));
      showToast('Integration settings saved', 'info');
    } catch (err) {
      const f = fieldErrors(err);
      if (f) setErrors(f);
      else showToast((err as Error).message);
    }
    setBusy(false);
  }
  function submit(e: Event) {
    e.preventDefault();
    if (!data) return;
    const body: Record<string, unknown> = {};
    for (const [k] of INTEGRATION_FIELDS) if (draft[k] !== data.settings[k]) body[k] = draft[k];
    if (!Object.keys(body).length) return showToast('Nothing changed', 'info');
    void save(body);
  }
  if (!data) return <p class="muted">Loading…</p>;
  const set = (k: string, v: boolean | number | string) => setDraft((d) => ({ ...d, [k]: v }));
  return (
    <form class="card page-section form" onSubmit={submit} aria-labelledby="integrations-h" noValidate>
      <h2 id="integrations-h">Integrations</h2>
      {INTEGRATION_FIELDS.map(([k, label, kind]) => {
        const err = errors[k] ? (
          <p class="field-error" id={`ig-${k}-error`} role="alert">
            {errors[k]}
          </p>
        ) : null;
        const reset = data.overridden.includes(k) ? (
          <button type="button" class="btn link small" onClick={() => void save({ [k]: null })} aria-label={`${label}: use the configuration file's value`}>
            Use the configuration file's value ({String(data.defaults[k])})
          </button>
        ) : null;
        const invalid = errors[k] ? 'true' : undefined;
        return (
          <div class="field" key={k} data-setting={k}>
            {kind === 'bool' ? (
              <label class="check">
                <input type="checkbox" name={k} checked={!!draft[k]} onChange={(e) => set(k, e.currentTarget.checked)} aria-invalid={invalid} /> {label}
              </label>
            ) : kind === 'tokens' ? (
              <label class="stack">
                {label}
                <select name={k} value={String(draft[k])} onChange={(e) => set(k, e.currentTarget.value)} aria-invalid={invalid}>
                  <option value="off">Off (existing tokens stop working)</option>
                  <option value="admins">System admins</option>
                  <option value="everyone">Everyone</option>
                </select>
              </label>
            ) : (
              <label class="stack">
                {label}
                <input
                  name={k}
                  inputMode="numeric"
                  value={String(draft[k])}
                  onInput={(e) => set(k, /^-?\d+$/.test(e.currentTarget.value.trim()) ? Number(e.currentTarget.value.trim()) : e.currentTarget.value)}
                  aria-invalid={invalid}
                  aria-describedby={errors[k] ? `ig-${k}-error` : undefined}
                />
              </label>
            )}
            {err}
            {reset}
          </div>
        );
      })}
      <p class="muted small">
        From the configuration file only (read at start): internal hosts integrations may reach: {data.network.allowed_internal_hosts || 'none'}; request timeout {data.network.request_timeout_seconds} s; largest answer{' '}
        {data.network.response_max_bytes} bytes.
      </p>
      <button class="btn primary" type="submit" disabled={busy}>
        Save
      </button>
    </form>
  );
}
