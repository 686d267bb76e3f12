import { useEffect, useState } from 'preact/hooks';
import { del, get, post, qs, type Page } from '../../api.ts';
import { showToast, type User } from '../../state.ts';
import { confirmDialog, Modal } from '../Modal.tsx';

interface MemberRow {
  user_id: string;
  username: string;
  display_name: string;
  role: string;
  delete_at: number;
}

/**
 * A team's or channel's members in the console: add anyone (a channel: members of its team),
 * remove with a confirmation. The list is read back from the server after every change, so it
 * shows what the server holds (a refused add shows its reason and changes nothing).
 */
export function MembersDialog({ kind, id, title, onChanged, onClose }: { kind: 'teams' | 'channels'; id: string; title: string; onChanged: () => void; onClose: () => void }) {
  const [list, setList] = useState<MemberRow[] | null>(null);
  const [cursor, setCursor] = useState<string | null>(null);
  const [q, setQ] = useState('');
  const [found, setFound] = useState<User[]>([]);
  const [error, setError] = useState('');

  async function load(more = false) {
    try {
      const r = await get<Page<MemberRow>>(`/admin/${kind}/${id}/members${qs({ cursor: more ? cursor : undefined, limit: 100 })}`);
      setList(more ? [...(list ?? []), ...r.items] : r.items);
      setCursor(r.next_cursor);
    } catch (e) {
      setError((e as Error).message);
    }
  }
  useEffect(() => void load(), [kind, id]);
  useEffect(() => {
    if (!q.trim()) return setFound([]);
    // An answer for an earlier text (one typed since) is dropped.
    let live = true;
    const t = setTimeout(() => {
      get<Page<User>>(`/admin/users${qs({ q: q.trim(), active: 'true', limit: 8 })}`)
        .then((r) => live && setFound(r.items))
        .catch(() => live && setFound([]));
    }, 200);
    return () => {
      live = false;
      clearTimeout(t);
    };
  }, [q]);

  const members = new Set((list ?? []).map((m) => m.user_id));
  async function add(u: User) {
    setError('');
    try {
      await post(`/admin/${kind}/${id}/members`, { user_id: u.id });
      showToast(`Added @${u.username}`, 'info');
      setQ('');
      onChanged();
    } catch (e) {
      setError(`@${u.username} not added: ${(e as Error).message}`);
    }
    await load();
  }
  async function remove(m: MemberRow) {
    const ok = await confirmDialog(
      `Remove @${m.username} from ${title}?`,
      kind === 'teams' ? 'They leave the team and every channel of it.' : 'They leave the channel; its messages stay.',
      'Remove',
    );
    if (!ok) return;
    setError('');
    try {
      await del(`/admin/${kind}/${id}/members/${m.user_id}`);
      onChanged();
    } catch (e) {
      setError(`@${m.username} not removed: ${(e as Error).message}`);
    }
    await load();
  }

  return (
    <Modal title={`Members of ${title}`} onClose={onClose} wide>
      <label class="stack">
        Add people
        <input type="search" aria-label="Find people to add" placeholder="Search by name, username or email" value={q} onInput={(e) => setQ(e.currentTarget.value)} autoFocus />
      </label>
      {found.length > 0 && (
        <ul class="pick-list console-found" aria-label="People found">
          {found.map((u) => (
            <li key={u.id}>
              <span>
                <strong>@{u.username}</strong> <span class="muted small">{String(u.display_name ?? '')}</span>
              </span>
              {members.has(u.id) ? (
                <span class="muted small">member</span>
              ) : (
                <button type="button" class="btn small-btn" onClick={() => void add(u)} aria-label={`Add @${u.username}`}>
                  Add
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
      {error && (
        <p class="form-error" role="alert">
          {error}
        </p>
      )}
      {!list ? (
        <p class="muted">Loading…</p>
      ) : (
        <ul class="pick-list console-members" aria-label="Members">
          {list.map((m) => (
            <li key={m.user_id} data-username={m.username}>
              <span>
                <strong>@{m.username}</strong> <span class="muted small">{m.display_name}</span>
                {m.role.endsWith('_admin') && <span class="badge-role">admin</span>}
                {m.delete_at > 0 && <span class="muted small"> (deactivated)</span>}
              </span>
              <button type="button" class="btn small-btn" onClick={() => void remove(m)} aria-label={`Remove @${m.username}`}>
                Remove
              </button>
            </li>
          ))}
          {list.length === 0 && <li class="muted">No members.</li>}
        </ul>
      )}
      {cursor && (
        <button type="button" class="btn" onClick={() => void load(true)}>
          More members
        </button>
      )}
    </Modal>
  );
}
