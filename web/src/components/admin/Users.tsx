import { useEffect, useRef, useState } from 'preact/hooks';
import { get, patch, post, qs, type Page } from '../../api.ts';
import { me, showToast, type User } from '../../state.ts';
import { fullDate } from '../../util.ts';
import { confirmDialog, Modal } from '../Modal.tsx';

const PAGE = 50;
type Filter = '' | 'active' | 'inactive' | 'admins';

/**
 * The console's users: server-side search and paging, create, role, (de)activate, reset password,
 * revoke sessions, reset 2FA. Destructive actions ask first. After every change — refused or
 * not — the row shows what the server holds, never what was asked for.
 */
export function Users() {
  const [q, setQ] = useState('');
  const [filter, setFilter] = useState<Filter>('');
  const [list, setList] = useState<User[] | null>(null);
  const [cursor, setCursor] = useState<string | null>(null);
  const [creating, setCreating] = useState(false);
  const [secret, setSecret] = useState<{ username: string; password: string; what: string } | null>(null);
  // Bumped after a change so controls re-render from the server's values (a refused role change
  // must not leave the select showing the role that was asked for).
  const [rev, setRev] = useState(0);

  const query = (after?: string) =>
    get<Page<User>>(
      `/admin/users${qs({ q: q.trim(), limit: PAGE, cursor: after, active: filter === 'active' ? 'true' : filter === 'inactive' ? 'false' : undefined, role: filter === 'admins' ? 'system_admin' : undefined })}`,
    );
  // Only the newest load may set the list: an older search's answer arriving late (typing, or a
  // cleared search) must not replace a newer one.
  const loads = useRef(0);
  // Accounts created on this screen since the search last changed: kept at the top of the list,
  // also when a load that started before they existed answers afterwards.
  const created = useRef<User[]>([]);
  async function load(more = false) {
    const mine = ++loads.current;
    try {
      const r = await query(more ? (cursor ?? undefined) : undefined);
      if (mine !== loads.current) return;
      if (more) {
        setList((l) => [...(l ?? []), ...r.items.filter((u) => !(l ?? []).some((x) => x.id === u.id))]);
      } else {
        setList([...created.current.filter((c) => !r.items.some((u) => u.id === c.id)), ...r.items]);
      }
      setCursor(r.next_cursor);
    } catch (e) {
      if (mine === loads.current) showToast((e as Error).message);
    }
  }
  useEffect(() => {
    created.current = [];
    const t = setTimeout(() => void load(), 200);
    return () => clearTimeout(t);
  }, [q, filter]);

  const replace = (u: User) => {
    created.current = created.current.map((x) => (x.id === u.id ? u : x));
    setList((l) => (l ?? []).map((x) => (x.id === u.id ? u : x)));
  };
  async function refresh(u: User) {
    try {
      replace(await get<User>(`/admin/users/${u.id}`));
    } catch {
      /* the list keeps its last known row */
    }
    setRev((r) => r + 1);
  }
  async function act(u: User, what: string, ok: boolean, run: () => Promise<void>) {
    if (!ok) return setRev((r) => r + 1);
    try {
      await run();
    } catch (e) {
      showToast(`${what}: ${(e as Error).message}`);
    }
    await refresh(u);
  }

  const setRole = async (u: User, role: string) => {
    const ok = await confirmDialog(
      role === 'system_admin' ? `Make @${u.username} a system admin?` : `Remove @${u.username}'s system admin role?`,
      role === 'system_admin' ? 'System admins can change every setting, read every public and private channel and manage all accounts.' : 'They lose access to the system console.',
      role === 'system_admin' ? 'Make admin' : 'Remove admin',
    );
    await act(u, 'Role not changed', ok, () => patch(`/admin/users/${u.id}`, { role }));
  };
  const setActive = async (u: User, active: boolean) => {
    const ok = active || (await confirmDialog(`Deactivate @${u.username}?`, 'They are signed out everywhere at once and cannot log in until activated again. Their messages stay.', 'Deactivate'));
    await act(u, active ? 'Not activated' : 'Not deactivated', ok, () => patch(`/admin/users/${u.id}`, { active }));
  };
  const revoke = async (u: User) => {
    const ok = await confirmDialog(`Sign @${u.username} out everywhere?`, 'Every session of theirs ends at once; they can log in again.', 'Revoke sessions');
    await act(u, 'Sessions not revoked', ok, async () => {
      const r = await post<{ revoked: number }>(`/admin/users/${u.id}/sessions/revoke`);
      showToast(`Signed @${u.username} out of ${r.revoked} ${r.revoked === 1 ? 'session' : 'sessions'}`, 'info');
    });
  };
  const resetMfa = async (u: User) => {
    const ok = await confirmDialog(`Reset two-factor authentication of @${u.username}?`, 'Their authenticator app and recovery codes stop working; they can enrol again after logging in with the password.', 'Reset 2FA');
    await act(u, '2FA not reset', ok, async () => {
      await post(`/admin/users/${u.id}/mfa/reset`);
      showToast(`Two-factor authentication reset for @${u.username}`, 'info');
    });
  };
  const resetPassword = async (u: User) => {
    const ok = await confirmDialog(`Reset the password of @${u.username}?`, 'A new password is generated and shown to you once; their current password and every session of theirs stop working.', 'Reset password');
    await act(u, 'Password not reset', ok, async () => {
      const r = await post<{ password?: string; revoked: number }>(`/admin/users/${u.id}/password`, {});
      if (r.password) setSecret({ username: u.username, password: r.password, what: 'new password' });
    });
  };

  const emailReset = async (u: User) => {
    const ok = await confirmDialog(
      `Email @${u.username} a password reset link?`,
      'They get the same link as from "Forgot password?", valid for an hour; their current password keeps working until they use it.',
      'Send link',
    );
    await act(u, 'Reset link not sent', ok, async () => {
      const r = await post<{ email: string }>(`/admin/users/${u.id}/password/reset-email`, {});
      showToast(`Reset link emailed to ${r.email}`, 'info');
    });
  };

  const myId = me.value?.id;
  return (
    <section class="card page-section" aria-labelledby="users-h">
      <div class="section-bar">
        <h2 id="users-h">Users</h2>
        <button type="button" class="btn primary" onClick={() => setCreating(true)}>
          Create user
        </button>
      </div>
      <div class="filters">
        <input type="search" aria-label="Search users" placeholder="Search by name, username or email" value={q} onInput={(e) => setQ(e.currentTarget.value)} />
        <select aria-label="Show" value={filter} onChange={(e) => setFilter(e.currentTarget.value as Filter)}>
          <option value="">All accounts</option>
          <option value="active">Active</option>
          <option value="inactive">Deactivated</option>
          <option value="admins">System admins</option>
        </select>
      </div>
      {!list ? (
        <p class="muted">Loading…</p>
      ) : list.length === 0 ? (
        <p class="muted">No accounts match.</p>
      ) : (
        <div class="table-wrap">
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
                      <select key={`${u.id}:${rev}`} aria-label={`Role of ${u.username}`} value={admin ? 'system_admin' : 'system_user'} onChange={(e) => void setRole(u, e.currentTarget.value)}>
                        <option value="system_user">Member</option>
                        <option value="system_admin">System admin</option>
                      </select>
                    </td>
                    <td>{active ? 'Active' : 'Deactivated'}</td>
                    <td class="small">{fullDate(Number(u.create_at ?? 0))}</td>
                    <td class="actions">
                      <button type="button" class="btn small-btn" onClick={() => void setActive(u, !active)} disabled={u.id === myId}>
                        {active ? 'Deactivate' : 'Activate'}
                      </button>
                      {!u.auth_service && (
                        <button type="button" class="btn small-btn" onClick={() => void resetPassword(u)}>
                          Reset password
                        </button>
                      )}
                      {!u.auth_service && active && (
                        <button type="button" class="btn small-btn" onClick={() => void emailReset(u)}>
                          Email reset link
                        </button>
                      )}
                      <button type="button" class="btn small-btn" onClick={() => void revoke(u)}>
                        Revoke sessions
                      </button>
                      {!!u.mfa_active && (
                        <button type="button" class="btn small-btn" onClick={() => void resetMfa(u)}>
                          Reset 2FA
                        </button>
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      {cursor && (
        <button type="button" class="btn" onClick={() => void load(true)}>
          Load more
        </button>
      )}
      {creating && (
        <CreateUser
          onClose={() => setCreating(false)}
          onCreated={(u, password) => {
            setCreating(false);
            created.current = [u, ...created.current];
            setList((l) => [u, ...(l ?? []).filter((x) => x.id !== u.id)]);
            if (password) setSecret({ username: u.username, password, what: 'password' });
          }}
        />
      )}
      {secret && <ShowOnce {...secret} onClose={() => setSecret(null)} />}
    </section>
  );
}

function CreateUser({ onClose, onCreated }: { onClose: () => void; onCreated: (u: User, password?: string) => void }) {
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  async function submit(e: Event) {
    e.preventDefault();
    const f = new FormData(e.currentTarget as HTMLFormElement);
    const v = (k: string) => String(f.get(k) ?? '').trim();
    setBusy(true);
    try {
      const password = String(f.get('password') ?? '');
      const r = await post<{ user: User; password?: string }>('/admin/users', {
        email: v('email'),
        username: v('username'),
        display_name: v('display_name') || undefined,
        password: password || undefined,
        role: f.get('admin') === 'on' ? 'system_admin' : 'system_user',
      });
      onCreated(r.user, r.password);
    } catch (err) {
      setError((err as Error).message);
      setBusy(false);
    }
  }
  return (
    <Modal title="Create user" onClose={onClose}>
      <form class="form" onSubmit={submit}>
        <label>
          Email
          <input name="email" type="email" required autoFocus />
        </label>
        <label>
          Username
          <input name="username" required maxLength={22} />
        </label>
        <label>
          Full name <span class="muted">(optional)</span>
          <input name="display_name" maxLength={64} />
        </label>
        <label>
          Password <span class="muted">(empty: generate one and show it once)</span>
          <input name="password" type="password" autocomplete="new-password" />
        </label>
        <label class="check">
          <input type="checkbox" name="admin" /> System admin
        </label>
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
            Create
          </button>
        </div>
      </form>
    </Modal>
  );
}

/** A generated password, shown this once (the server keeps only its hash). */
function ShowOnce({ username, password, what, onClose }: { username: string; password: string; what: string; onClose: () => void }) {
  return (
    <Modal title={`The ${what} of @${username}`} onClose={onClose}>
      <p>Give it to them over a channel you trust. It is shown only now.</p>
      <input readOnly value={password} aria-label="Generated password" class="invite-link" onFocus={(e) => e.currentTarget.select()} />
      <div class="modal-actions">
        <button type="button" class="btn" onClick={() => void navigator.clipboard?.writeText(password).catch(() => {})}>
          Copy
        </button>
        <button type="button" class="btn primary" onClick={onClose}>
          Done
        </button>
      </div>
    </Modal>
  );
}
