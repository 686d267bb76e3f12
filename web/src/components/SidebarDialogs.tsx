import { useEffect, useState } from 'preact/hooks';
import { get, items, qs, type Page } from '../api.ts';
import { createChannel, joinChannel, openDirect } from '../data.ts';
import { channelPath, navigate } from '../router.ts';
import { currentTeam, displayName, mergeUsers, state, type Channel, type User } from '../state.ts';
import { slugify } from '../util.ts';
import { Modal } from './Modal.tsx';
import { Avatar } from './Avatar.tsx';

export function CreateChannel({ onClose }: { onClose: () => void }) {
  const team = currentTeam.value!;
  const [name, setName] = useState('');
  const [priv, setPriv] = useState(false);
  const [purpose, setPurpose] = useState('');
  const [error, setError] = useState('');
  async function submit(e: Event) {
    e.preventDefault();
    try {
      const ch = await createChannel(team.id, { name: slugify(name), display_name: name.trim(), type: priv ? 'private' : 'public', purpose: purpose.trim() || undefined });
      onClose();
      navigate(channelPath(team.name, ch.name));
    } catch (err) {
      setError((err as Error).message);
    }
  }
  return (
    <Modal title="Create a channel" onClose={onClose}>
      <form onSubmit={submit} class="form">
        <label>
          Name
          <input name="channel_name" value={name} onInput={(e) => setName(e.currentTarget.value)} required maxLength={64} autoFocus />
        </label>
        <label>
          Purpose <span class="muted">(optional)</span>
          <input name="purpose" value={purpose} onInput={(e) => setPurpose(e.currentTarget.value)} maxLength={250} />
        </label>
        <label class="check">
          <input type="checkbox" checked={priv} onChange={(e) => setPriv(e.currentTarget.checked)} /> Private (invite only)
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
          <button type="submit" class="btn primary" disabled={!slugify(name)}>
            Create
          </button>
        </div>
      </form>
    </Modal>
  );
}

export function BrowseChannels({ onClose }: { onClose: () => void }) {
  const team = currentTeam.value!;
  const [list, setList] = useState<Channel[] | null>(null);
  const [filter, setFilter] = useState('');
  const [error, setError] = useState('');
  useEffect(() => {
    get<Page<Channel>>(`/teams/${team.id}/channels/browse`)
      .then((r) => setList(items<Channel>(r)))
      .catch((e) => setError(e.message));
  }, [team.id]);
  const match = (c: Channel) => (c.display_name || c.name).toLowerCase().includes(filter.toLowerCase());
  const shown = (list ?? []).filter(match);
  // Archived channels I belong to are not in the sidebar; they stay readable from here.
  const s = state.value;
  const archived = Object.values(s.channels).filter((c) => c.team_id === team.id && c.delete_at && s.members[c.id] && match(c));
  async function join(c: Channel) {
    try {
      await joinChannel(c.id);
      onClose();
      navigate(channelPath(team.name, c.name));
    } catch (e) {
      setError((e as Error).message);
    }
  }
  return (
    <Modal title="Browse channels" onClose={onClose} wide>
      <input type="search" placeholder="Filter channels" aria-label="Filter channels" value={filter} onInput={(e) => setFilter(e.currentTarget.value)} autoFocus />
      {error && (
        <p class="form-error" role="alert">
          {error}
        </p>
      )}
      {list === null ? (
        <p class="muted">Loading…</p>
      ) : shown.length === 0 ? (
        <p class="muted">No other public channels.</p>
      ) : (
        <ul class="pick-list">
          {shown.map((c) => (
            <li key={c.id}>
              <div>
                <strong># {c.display_name || c.name}</strong>
                {c.purpose ? <div class="muted small">{String(c.purpose)}</div> : null}
              </div>
              <button type="button" class="btn" onClick={() => join(c)}>
                Join
              </button>
            </li>
          ))}
        </ul>
      )}
      {archived.length > 0 && (
        <>
          <h3 class="small muted">Archived channels</h3>
          <ul class="pick-list" aria-label="Archived channels">
            {archived.map((c) => (
              <li key={c.id}>
                <strong>{c.display_name || c.name}</strong>
                <a class="btn" href={channelPath(team.name, c.name)} onClick={onClose}>
                  View
                </a>
              </li>
            ))}
          </ul>
        </>
      )}
    </Modal>
  );
}

/** Searches users of the current team (for DMs and the member panel). */
/**
 * Users matching q (debounced 150 ms). `query` is the text the results belong to: until the
 * search for the current text answers, the results are the previous text's.
 */
export function useUserSearchResults(q: string, teamId?: string): { users: User[]; query: string | undefined } {
  const [res, setRes] = useState<{ users: User[]; query: string | undefined }>({ users: [], query: undefined });
  useEffect(() => {
    const ctl = new AbortController();
    const t = setTimeout(() => {
      get<Page<User>>(`/users${qs({ q, team_id: teamId, limit: 20 })}`, ctl.signal)
        .then((r) => {
          const list = items<User>(r);
          mergeUsers(list);
          setRes({ users: list, query: q });
        })
        .catch(() => {});
    }, 150);
    return () => {
      clearTimeout(t);
      ctl.abort();
    };
  }, [q, teamId]);
  return res;
}

export function useUserSearch(q: string, teamId?: string): User[] {
  return useUserSearchResults(q, teamId).users;
}

export function NewDirect({ onClose }: { onClose: () => void }) {
  const team = currentTeam.value!;
  const [q, setQ] = useState('');
  const [picked, setPicked] = useState<User[]>([]);
  const [error, setError] = useState('');
  const users = useUserSearch(q, team.id).filter((u) => u.id !== state.value.me && !picked.some((p) => p.id === u.id));
  async function go() {
    try {
      const ch = await openDirect(picked.map((u) => u.id));
      onClose();
      navigate(channelPath(team.name, ch.name));
    } catch (e) {
      setError((e as Error).message);
    }
  }
  return (
    <Modal title="Direct message" onClose={onClose} wide>
      <div class="chips">
        {picked.map((u) => (
          <button type="button" class="chip" key={u.id} onClick={() => setPicked(picked.filter((p) => p.id !== u.id))} aria-label={`Remove ${u.username}`}>
            @{u.username} ×
          </button>
        ))}
      </div>
      <input type="search" placeholder="Find people" aria-label="Find people" value={q} onInput={(e) => setQ(e.currentTarget.value)} autoFocus />
      <ul class="pick-list">
        {users.map((u) => (
          <li key={u.id}>
            <button type="button" class="user-row" onClick={() => picked.length < 7 && setPicked([...picked, u])} data-username={u.username}>
              <Avatar user={u} size="sm" /> <strong>{displayName(u)}</strong> <span class="muted">@{u.username}</span>
            </button>
          </li>
        ))}
      </ul>
      {error && (
        <p class="form-error" role="alert">
          {error}
        </p>
      )}
      <div class="modal-actions">
        <button type="button" class="btn primary" disabled={!picked.length} onClick={go}>
          Go
        </button>
      </div>
    </Modal>
  );
}

/** Asks for a category name (new category, or renaming one). */
export function CategoryName({ title, initial = '', action, onSubmit, onClose }: { title: string; initial?: string; action: string; onSubmit: (name: string) => Promise<unknown>; onClose: () => void }) {
  const [name, setName] = useState(initial);
  const [error, setError] = useState('');
  async function submit(e: Event) {
    e.preventDefault();
    try {
      await onSubmit(name.trim());
      onClose();
    } catch (err) {
      setError((err as Error).message);
    }
  }
  return (
    <Modal title={title} onClose={onClose}>
      <form onSubmit={submit} class="form">
        <label>
          Category name
          <input name="category_name" value={name} onInput={(e) => setName(e.currentTarget.value)} required maxLength={64} autoFocus />
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
          <button type="submit" class="btn primary" disabled={!name.trim()}>
            {action}
          </button>
        </div>
      </form>
    </Modal>
  );
}
