import { useEffect, useRef, useState } from 'preact/hooks';
import { get, post, qs, type Page } from '../../api.ts';
import { showToast } from '../../state.ts';
import { fullDate } from '../../util.ts';
import { confirmDialog } from '../Modal.tsx';
import { MembersDialog } from './Members.tsx';

const PAGE = 50;
type State = 'active' | 'archived' | 'all';

export interface AdminTeam {
  id: string;
  name: string;
  display_name: string;
  type: 'O' | 'I';
  member_count: number;
  create_at: number;
  delete_at: number;
}

/**
 * A console list: server-side search (debounced), a state filter and keyset paging. Returns the
 * rows, a reload and "load more". `path` builds the URL of a page from the filters and a cursor.
 */
export function usePagedList<T>(path: (cursor?: string) => string, deps: unknown[]) {
  const [list, setList] = useState<T[] | null>(null);
  const [cursor, setCursor] = useState<string | null>(null);
  // Only the latest request's answer is shown: rows of an earlier search that answer after a
  // newer one must not replace its rows.
  const asked = useRef(0);
  async function load(more = false) {
    const mine = ++asked.current;
    try {
      const r = await get<Page<T>>(path(more ? (cursor ?? undefined) : undefined));
      if (mine !== asked.current) return;
      setList((l) => (more ? [...(l ?? []), ...r.items] : r.items));
      setCursor(r.next_cursor);
    } catch (e) {
      if (mine === asked.current) showToast((e as Error).message);
    }
  }
  useEffect(() => {
    const t = setTimeout(() => void load(), 200);
    return () => clearTimeout(t);
  }, deps);
  return { list, setList, cursor, load };
}

/** System console › Teams: every team with member counts; archive/restore; members. */
export function Teams() {
  const [q, setQ] = useState('');
  const [state, setState] = useState<State>('active');
  const [members, setMembers] = useState<AdminTeam | null>(null);
  const { list, setList, cursor, load } = usePagedList<AdminTeam>((c) => `/admin/teams${qs({ q: q.trim(), state, cursor: c, limit: PAGE })}`, [q, state]);

  async function archive(t: AdminTeam, archived: boolean) {
    if (archived) {
      const ok = await confirmDialog(`Archive ${t.display_name}?`, 'Its members lose the team and its channels until it is restored. Nothing is deleted.', 'Archive team');
      if (!ok) return;
    }
    try {
      const next = await post<AdminTeam>(`/admin/teams/${t.id}/${archived ? 'archive' : 'restore'}`);
      showToast(`${t.display_name} ${archived ? 'archived' : 'restored'}`, 'info');
      setList((l) => (l ?? []).map((x) => (x.id === t.id ? { ...x, ...next, member_count: x.member_count } : x)));
    } catch (e) {
      showToast((e as Error).message);
      void load();
    }
  }

  return (
    <section class="card page-section" aria-labelledby="teams-h">
      <div class="section-bar">
        <h2 id="teams-h">Teams</h2>
      </div>
      <div class="filters">
        <input type="search" aria-label="Search teams" placeholder="Search by name" value={q} onInput={(e) => setQ(e.currentTarget.value)} />
        <select aria-label="Show teams" value={state} onChange={(e) => setState(e.currentTarget.value as State)}>
          <option value="active">Active</option>
          <option value="archived">Archived</option>
          <option value="all">All teams</option>
        </select>
      </div>
      {!list ? (
        <p class="muted">Loading…</p>
      ) : list.length === 0 ? (
        <p class="muted">No teams match.</p>
      ) : (
        <div class="table-wrap">
          <table class="table">
            <thead>
              <tr>
                <th>Team</th>
                <th>Members</th>
                <th>Joining</th>
                <th>Status</th>
                <th>Created</th>
                <th>Actions</th>
              </tr>
            </thead>
            <tbody>
              {list.map((t) => (
                <tr key={t.id} data-team={t.name}>
                  <td>
                    <strong>{t.display_name}</strong> <span class="muted small">/{t.name}</span>
                  </td>
                  <td class="num">{t.member_count}</td>
                  <td>{t.type === 'O' ? 'Anyone can join' : 'Invite only'}</td>
                  <td>{t.delete_at ? 'Archived' : 'Active'}</td>
                  <td class="small">{fullDate(Number(t.create_at))}</td>
                  <td class="actions">
                    <button type="button" class="btn small-btn" onClick={() => setMembers(t)} disabled={!!t.delete_at}>
                      Members
                    </button>
                    <button type="button" class="btn small-btn" onClick={() => void archive(t, !t.delete_at)}>
                      {t.delete_at ? 'Restore' : 'Archive'}
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {cursor && (
        <button type="button" class="btn" onClick={() => void load(true)}>
          Load more
        </button>
      )}
      {members && <MembersDialog kind="teams" id={members.id} title={members.display_name} onChanged={() => void load()} onClose={() => setMembers(null)} />}
    </section>
  );
}
