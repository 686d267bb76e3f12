import { useState } from 'preact/hooks';
import { post, qs } from '../../api.ts';
import { showToast } from '../../state.ts';
import { channelPath } from '../../router.ts';
import { confirmDialog } from '../Modal.tsx';
import { MembersDialog } from './Members.tsx';
import { usePagedList } from './Teams.tsx';

const PAGE = 50;
type State = 'active' | 'archived' | 'all';

interface AdminChannel {
  id: string;
  name: string;
  display_name: string;
  type: 'O' | 'P';
  member_count: number;
  delete_at: number;
  team: { id: string; name: string; display_name: string; delete_at: number };
}

/** System console › Channels: every public and private channel of every team; archive/restore; members. */
export function Channels() {
  const [q, setQ] = useState('');
  const [state, setState] = useState<State>('active');
  const [type, setType] = useState<'' | 'O' | 'P'>('');
  const [members, setMembers] = useState<AdminChannel | null>(null);
  const { list, setList, cursor, load } = usePagedList<AdminChannel>((c) => `/admin/channels${qs({ q: q.trim(), state, type, cursor: c, limit: PAGE })}`, [q, state, type]);

  async function archive(ch: AdminChannel, archived: boolean) {
    if (archived) {
      const ok = await confirmDialog(`Archive ~${ch.name}?`, 'Nobody can post in it until it is restored; its messages stay readable.', 'Archive channel');
      if (!ok) return;
    }
    try {
      const next = await post<AdminChannel>(`/admin/channels/${ch.id}/${archived ? 'archive' : 'restore'}`);
      showToast(`~${ch.name} ${archived ? 'archived' : 'restored'}`, 'info');
      setList((l) => (l ?? []).map((x) => (x.id === ch.id ? { ...x, delete_at: next.delete_at } : x)));
    } catch (e) {
      showToast((e as Error).message);
      void load();
    }
  }

  return (
    <section class="card page-section" aria-labelledby="channels-h">
      <div class="section-bar">
        <h2 id="channels-h">Channels</h2>
      </div>
      <div class="filters">
        <input type="search" aria-label="Search channels" placeholder="Search by name" value={q} onInput={(e) => setQ(e.currentTarget.value)} />
        <select aria-label="Channel type" value={type} onChange={(e) => setType(e.currentTarget.value as '' | 'O' | 'P')}>
          <option value="">Public and private</option>
          <option value="O">Public</option>
          <option value="P">Private</option>
        </select>
        <select aria-label="Show channels" value={state} onChange={(e) => setState(e.currentTarget.value as State)}>
          <option value="active">Active</option>
          <option value="archived">Archived</option>
          <option value="all">All channels</option>
        </select>
      </div>
      {!list ? (
        <p class="muted">Loading…</p>
      ) : list.length === 0 ? (
        <p class="muted">No channels match.</p>
      ) : (
        <div class="table-wrap">
          <table class="table">
            <thead>
              <tr>
                <th>Channel</th>
                <th>Team</th>
                <th>Type</th>
                <th>Members</th>
                <th>Status</th>
                <th>Actions</th>
              </tr>
            </thead>
            <tbody>
              {list.map((ch) => (
                <tr key={ch.id} data-channel={ch.name} data-team={ch.team.name}>
                  <td>
                    {ch.delete_at || ch.team.delete_at ? <strong>{ch.display_name}</strong> : <a href={channelPath(ch.team.name, ch.name)}>{ch.display_name}</a>} <span class="muted small">~{ch.name}</span>
                  </td>
                  <td>{ch.team.display_name}</td>
                  <td>{ch.type === 'P' ? 'Private' : 'Public'}</td>
                  <td class="num">{ch.member_count}</td>
                  <td>{ch.delete_at ? 'Archived' : ch.team.delete_at ? 'Team archived' : 'Active'}</td>
                  <td class="actions">
                    <button type="button" class="btn small-btn" onClick={() => setMembers(ch)} disabled={!!ch.delete_at || !!ch.team.delete_at}>
                      Members
                    </button>
                    {ch.name !== 'town-square' && (
                      <button type="button" class="btn small-btn" onClick={() => void archive(ch, !ch.delete_at)} disabled={!!ch.team.delete_at}>
                        {ch.delete_at ? 'Restore' : 'Archive'}
                      </button>
                    )}
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
      {members && (
        <MembersDialog
          kind="channels"
          id={members.id}
          title={`~${members.name} (${members.team.display_name})`}
          onChanged={() => void load()}
          onClose={() => setMembers(null)}
        />
      )}
    </section>
  );
}
