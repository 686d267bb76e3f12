import { useEffect, useState } from 'preact/hooks';
import { get, items, patch, post, qs } from '../../api.ts';
import { me, showToast, type User } from '../../state.ts';
import { fullDate } from '../../util.ts';
import { AuthSettings } from './AuthSettings.tsx';

/** The system console (system admins): users, site settings and authentication. Loaded on demand. */
export function Admin({ tab }: { tab: string }) {
  const user = me.value;
  if (!String(user?.roles ?? '').includes('system_admin')) {
    return (
      <div class="page">
        <p>You need to be a system admin to open the system console.</p>
        <a href="/">Back to chat</a>
      </div>
    );
  }
  return (
    <div class="page">
      <header class="page-head">
        <a href="/" class="btn link">
          ‹ Back to chat
        </a>
        <h1>System console</h1>
        <nav class="tabs" aria-label="Console sections">
          <a href="/admin/users" aria-current={tab === 'users' ? 'page' : undefined}>
            Users
          </a>
          <a href="/admin/settings" aria-current={tab === 'settings' ? 'page' : undefined}>
            Site settings
          </a>
          <a href="/admin/authentication" aria-current={tab === 'authentication' ? 'page' : undefined}>
            Authentication
          </a>
        </nav>
      </header>
      {tab === 'settings' ? <SiteSettings /> : tab === 'authentication' ? <AuthSettings /> : <Users />}
    </div>
  );
}

function Users() {
  const [q, setQ] = useState('');
  const [list, setList] = useState<User[] | null>(null);
  const load = () =>
    get(`/admin/users${qs({ q, limit: 100 })}`)
      .then((r) => setList(items<User>(r)))
      .catch((e) => showToast(e.message));
  useEffect(() => {
    const t = setTimeout(load, 200);
    return () => clearTimeout(t);
  }, [q]);
  async function change(u: User, body: Record<string, unknown>) {
    try {
      await patch(`/admin/users/${u.id}`, body);
      await load();
    } catch (e) {
      showToast((e as Error).message);
    }
  }
  async function resetMfa(u: User) {
    try {
      await post(`/admin/users/${u.id}/mfa/reset`);
      showToast(`Two-factor authentication reset for ${u.username}`, 'info');
      await load();
    } catch (e) {
      showToast((e as Error).message);
    }
  }
  async function revoke(u: User) {
    try {
      await post(`/admin/users/${u.id}/sessions/revoke`);
      showToast(`Signed ${u.username} out everywhere`, 'info');
    } catch (e) {
      showToast((e as Error).message);
    }
  }
  return (
    <section class="card page-section" aria-labelledby="users-h">
      <h2 id="users-h">Users</h2>
      <input type="search" aria-label="Search users" placeholder="Search by name, username or email" value={q} onInput={(e) => setQ(e.currentTarget.value)} />
      {!list ? (
        <p class="muted">Loading…</p>
      ) : (
        <table class="table">
          <thead>
            <tr>
              <th>User</th>
              <th>Email</th>
              <th>Role</th>
              <th>Status</th>
              <th>Joined</th>
              <th>Actions</th>
            </tr>
          </thead>
          <tbody>
            {list.map((u) => {
              const admin = String(u.roles ?? '').includes('system_admin');
              const active = !u.delete_at;
              return (
                <tr key={u.id} data-username={u.username}>
                  <td>
                    <strong>{u.username}</strong> <span class="muted small">{String(u.display_name ?? '')}</span>
                  </td>
                  <td>{String(u.email ?? '')}</td>
                  <td>
                    <select aria-label={`Role of ${u.username}`} value={admin ? 'system_admin' : 'system_user'} onChange={(e) => change(u, { role: e.currentTarget.value })}>
                      <option value="system_user">Member</option>
                      <option value="system_admin">System admin</option>
                    </select>
                  </td>
                  <td>{active ? 'Active' : 'Deactivated'}</td>
                  <td class="small">{fullDate(Number(u.create_at ?? 0))}</td>
                  <td class="actions">
                    <button type="button" class="btn small-btn" onClick={() => change(u, { active: !active })}>
                      {active ? 'Deactivate' : 'Activate'}
                    </button>
                    <button type="button" class="btn small-btn" onClick={() => revoke(u)}>
                      Revoke sessions
                    </button>
                    {!!u.mfa_active && (
                      <button type="button" class="btn small-btn" onClick={() => resetMfa(u)}>
                        Reset 2FA
                      </button>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </section>
  );
}

function SiteSettings() {
  const [cfg, setCfg] = useState<Record<string, any> | null>(null);
  useEffect(() => {
    get('/admin/config')
      .then(setCfg)
      .catch((e) => showToast(e.message));
  }, []);
  async function submit(e: Event) {
    e.preventDefault();
    const f = new FormData(e.currentTarget as HTMLFormElement);
    try {
      const next = await patch('/admin/config', { site_name: String(f.get('site_name') ?? ''), open_signup: f.get('open_signup') === 'on' });
      setCfg(next);
      showToast('Settings saved', 'info');
    } catch (err) {
      showToast((err as Error).message);
    }
  }
  if (!cfg) return <p class="muted">Loading…</p>;
  const c = cfg;
  return (
    <form class="card page-section form" onSubmit={submit} aria-labelledby="site-h">
      <h2 id="site-h">Site settings</h2>
      <label>
        Site name
        <input name="site_name" defaultValue={String(c.site_name ?? 'RustChat')} maxLength={64} />
      </label>
      <label class="check">
        <input type="checkbox" name="open_signup" defaultChecked={!!c.open_signup} /> Anyone can sign up
      </label>
      <button class="btn primary" type="submit">
        Save
      </button>
    </form>
  );
}
