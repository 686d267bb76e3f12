import { useEffect, useState } from 'preact/hooks';
import { get, post, qs, type Page } from '../../api.ts';
import type { User } from '../../state.ts';
import { fullDate } from '../../util.ts';

const PAGE = 50;

/** The actions the server writes (docs/api/admin.md), offered as suggestions. */
const ACTIONS = [
  'login',
  'logout',
  'register',
  'user_create',
  'role_change',
  'user_deactivate',
  'user_activate',
  'user_delete',
  'password_change',
  'password_reset',
  'sessions_revoke',
  'settings_update',
  'team_archive',
  'team_restore',
  'team_member_add',
  'team_member_remove',
  'channel_archive',
  'channel_restore',
  'channel_member_add',
  'channel_member_remove',
];

interface Entry {
  id: string;
  create_at: number;
  actor_id: string;
  action: string;
  target_type: string;
  target_id: string;
  ip: string;
  success: boolean;
  details: Record<string, unknown>;
}

/** `datetime-local` value → ms since the epoch in the browser's time zone ('' → undefined). */
const toMs = (v: string) => (v ? new Date(v).getTime() : undefined);

/**
 * System console › Audit log: newest first, filtered on the server by actor (a username, looked
 * up), action and a time range, paged with the server's cursor.
 */
export function Audit() {
  const [actor, setActor] = useState('');
  const [action, setAction] = useState('');
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [list, setList] = useState<Entry[] | null>(null);
  const [cursor, setCursor] = useState<string | null>(null);
  const [names, setNames] = useState<Record<string, string>>({});
  const [error, setError] = useState('');

  /** The actor filter as an id: '' for none, null when no account has that username. */
  async function actorId(): Promise<string | null> {
    const name = actor.trim().replace(/^@/, '').toLowerCase();
    if (!name) return '';
    const r = await get<Page<User>>(`/admin/users${qs({ q: name, limit: 20 })}`);
    return r.items.find((u) => u.username.toLowerCase() === name)?.id ?? null;
  }
  async function resolve(entries: Entry[]) {
    const ids = [...new Set(entries.flatMap((e) => [e.actor_id, e.target_type === 'user' ? e.target_id : '', String(e.details.user_id ?? '')]))].filter((id) => /^[a-z0-9]{26}$/.test(id) && !names[id]);
    if (!ids.length) return;
    try {
      const r = await post<Page<User>>('/users/ids', { ids });
      setNames((n) => ({ ...n, ...Object.fromEntries(r.items.map((u) => [u.id, u.username])) }));
    } catch {
      /* ids stay shown as ids */
    }
  }
  async function load(more = false) {
    setError('');
    try {
      const id = await actorId();
      if (id === null) {
        setList([]);
        setCursor(null);
        setError(`No account is called @${actor.trim().replace(/^@/, '')}`);
        return;
      }
      const since = toMs(from);
      const until = toMs(to);
      const r = await get<Page<Entry>>(`/admin/audit${qs({ actor_id: id, action: action.trim(), since, until, cursor: more ? cursor : undefined, limit: PAGE })}`);
      setList(more ? [...(list ?? []), ...r.items] : r.items);
      setCursor(r.next_cursor);
      void resolve(r.items);
    } catch (e) {
      setError((e as Error).message);
    }
  }
  useEffect(() => {
    const t = setTimeout(() => void load(), 250);
    return () => clearTimeout(t);
  }, [actor, action, from, to]);

  const who = (id: string) => (id === '' ? 'command line' : names[id] ? `@${names[id]}` : id);
  return (
    <section class="card page-section" aria-labelledby="audit-h">
      <div class="section-bar">
        <h2 id="audit-h">Audit log</h2>
        <button type="button" class="btn" onClick={() => void load()}>
          Refresh
        </button>
      </div>
      <div class="filters audit-filters">
        <label>
          Actor
          <input type="search" aria-label="Actor" placeholder="username" value={actor} onInput={(e) => setActor(e.currentTarget.value)} />
        </label>
        <label>
          Action
          <input type="search" aria-label="Action" list="audit-actions" placeholder="any" value={action} onInput={(e) => setAction(e.currentTarget.value)} />
          <datalist id="audit-actions">
            {ACTIONS.map((a) => (
              <option key={a} value={a} />
            ))}
          </datalist>
        </label>
        <label>
          From
          <input type="datetime-local" aria-label="From" value={from} onInput={(e) => setFrom(e.currentTarget.value)} />
        </label>
        <label>
          Until
          <input type="datetime-local" aria-label="Until" value={to} onInput={(e) => setTo(e.currentTarget.value)} />
        </label>
      </div>
      {error && (
        <p class="form-error" role="alert">
          {error}
        </p>
      )}
      {!list ? (
        <p class="muted">Loading…</p>
      ) : list.length === 0 ? (
        <p class="muted">No entries match.</p>
      ) : (
        <div class="table-wrap">
          <table class="table audit-table">
            <thead>
              <tr>
                <th>Time</th>
                <th>Actor</th>
                <th>Action</th>
                <th>Target</th>
                <th>Address</th>
                <th>Result</th>
                <th>Details</th>
              </tr>
            </thead>
            <tbody>
              {list.map((e) => (
                <tr key={e.id} data-action={e.action}>
                  <td class="small">{fullDate(e.create_at)}</td>
                  <td>{who(e.actor_id)}</td>
                  <td>
                    <code>{e.action}</code>
                  </td>
                  <td class="small">{e.target_type ? `${e.target_type} ${e.target_type === 'user' ? who(e.target_id) : e.target_id}` : ''}</td>
                  <td class="small">{e.ip}</td>
                  <td>{e.success ? 'ok' : 'failed'}</td>
                  <td class="small details-cell">{describe(e.details, who)}</td>
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
    </section>
  );
}

/** Details as short `key: value` pairs (user ids shown as usernames). */
function describe(d: Record<string, unknown>, who: (id: string) => string): string {
  return Object.entries(d)
    .map(([k, v]) => `${k}: ${k === 'user_id' && typeof v === 'string' ? who(v) : typeof v === 'object' ? JSON.stringify(v) : String(v)}`)
    .join(', ')
    .slice(0, 300);
}
