import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { del, get, patch, post, qs, type Page } from '../../api.ts';
import { channelPath } from '../../router.ts';
import { me, showToast, state, type Team } from '../../state.ts';
import { fullDate } from '../../util.ts';
import { confirmDialog, Modal } from '../Modal.tsx';

/**
 * A team's integrations (issue 17): incoming and outgoing webhooks, custom slash commands and bot
 * accounts, at `/:team/integrations/:tab` (Mattermost's paths). Team and system admins manage
 * them (and every member when the server lets members manage integrations; the server decides,
 * this screen shows its refusal). Hook URLs and the tokens outgoing hooks and commands send are
 * shown once in a dialog after creating or regenerating, and in the lists for those who manage
 * them (as Mattermost does); a bot's access token only once. Loaded on demand.
 */
export const TABS = [
  ['incoming_webhooks', 'Incoming webhooks'],
  ['outgoing_webhooks', 'Outgoing webhooks'],
  ['commands', 'Slash commands'],
  ['bots', 'Bot accounts'],
] as const;

interface Chan {
  id: string;
  name: string;
  display_name: string;
  type: string;
  team_id: string;
}
interface Incoming {
  id: string;
  channel_id: string;
  display_name: string;
  description: string;
  username: string;
  icon_url: string;
  channel_locked: boolean;
  creator_id: string;
  create_at: number;
}
interface Outgoing {
  id: string;
  token: string;
  channel_id: string;
  trigger_words: string[];
  trigger_when: 0 | 1;
  callback_urls: string[];
  content_type: string;
  display_name: string;
  description: string;
  username: string;
  icon_url: string;
}
interface Command {
  id: string;
  token: string;
  trigger: string;
  method: 'P' | 'G';
  url: string;
  username: string;
  icon_url: string;
  auto_complete: boolean;
  auto_complete_desc: string;
  auto_complete_hint: string;
  display_name: string;
  description: string;
}
interface Bot {
  user_id: string;
  username: string;
  display_name: string;
  description: string;
  owner_id: string;
  delete_at: number;
}
interface AccessToken {
  id: string;
  description: string;
  is_active: boolean;
  create_at: number;
}
interface Secret {
  title: string;
  label: string;
  value: string;
  note: string;
}

export const hookUrl = (id: string) => `${location.origin}/hooks/${id}`;
const lines = (v: FormDataEntryValue | null) =>
  String(v ?? '')
    .split(/[\s,]+/)
    .map((s) => s.trim())
    .filter(Boolean);
const text = (f: FormData, k: string) => String(f.get(k) ?? '').trim();

export function Integrations({ teamName, tab }: { teamName: string; tab: string }) {
  const team = Object.values(state.value.teams).find((t) => t.name === teamName);
  const isSysAdmin = String(me.value?.roles ?? '').includes('system_admin');
  const current = TABS.some(([k]) => k === tab) ? tab : 'incoming_webhooks';
  const [secret, setSecret] = useState<Secret | null>(null);
  if (!team) {
    return (
      <div class="page">
        <p>No team named “{teamName}” among your teams.</p>
        <a href="/">Back to chat</a>
      </div>
    );
  }
  const base = `/${encodeURIComponent(team.name)}/integrations`;
  return (
    <div class="page integrations">
      <header class="page-head">
        <a href={channelPath(team.name, 'town-square')} class="btn link">
          ‹ Back to {team.display_name || team.name}
        </a>
        <h1>Integrations</h1>
        <nav class="tabs" aria-label="Integration kinds">
          {TABS.map(([k, label]) => (
            <a key={k} href={`${base}/${k}`} aria-current={current === k ? 'page' : undefined}>
              {label}
            </a>
          ))}
        </nav>
      </header>
      {current === 'incoming_webhooks' ? (
        <IncomingHooks team={team} show={setSecret} />
      ) : current === 'outgoing_webhooks' ? (
        <OutgoingHooks team={team} show={setSecret} />
      ) : current === 'commands' ? (
        <Commands team={team} show={setSecret} />
      ) : (
        <Bots team={team} canCreate={isSysAdmin} show={setSecret} />
      )}
      {secret && <ShowSecret {...secret} onClose={() => setSecret(null)} />}
    </div>
  );
}

/** Loads a list; `error` holds the server's refusal (e.g. only team admins may manage integrations). */
function useList<T>(path: string, deps: unknown[] = []) {
  const [list, setList] = useState<T[] | null>(null);
  const [error, setError] = useState('');
  const load = () =>
    get<Page<T>>(path)
      .then((r) => {
        setList(r.items);
        setError('');
      })
      .catch((e) => setError((e as Error).message));
  useEffect(() => {
    setList(null);
    void load();
  }, [path, ...deps]);
  return { list, error, load };
}

/** The team's channels a hook may use: mine and the public ones. */
function useChannels(teamId: string) {
  const [chans, setChans] = useState<Chan[]>([]);
  useEffect(() => {
    // Items are channels (mine carry my membership beside the channel's fields).
    type Item = Chan & { delete_at?: number; channel?: Chan & { delete_at?: number } };
    const none: Page<Item> = { items: [], next_cursor: null };
    void Promise.all([get<Page<Item>>(`/teams/${teamId}/channels`).catch(() => none), get<Page<Item>>(`/teams/${teamId}/channels/browse`).catch(() => none)]).then(([mine, open]) => {
      const all = new Map<string, Chan>();
      for (const x of [...mine.items, ...open.items]) {
        const c = x.channel ?? x;
        if (c.team_id === teamId && (c.type === 'O' || c.type === 'P') && !c.delete_at) all.set(c.id, c);
      }
      setChans([...all.values()].sort((a, b) => (a.display_name || a.name).localeCompare(b.display_name || b.name)));
    });
  }, [teamId]);
  return chans;
}
const chanName = (chans: Chan[], id: string) => {
  const c = chans.find((x) => x.id === id);
  return c ? `${c.type === 'P' ? '🔒 ' : '~'}${c.display_name || c.name}` : id ? 'a channel you cannot see' : 'any channel';
};

/** A kind's card: its list (children) when it has items; `dialogs` render whatever the list holds. */
function Section({ title, id, action, error, empty, list, children, dialogs }: { title: string; id: string; action?: ComponentChildren; error: string; empty: string; list: unknown[] | null; children: ComponentChildren; dialogs?: ComponentChildren }) {
  return (
    <section class="card page-section" aria-labelledby={id}>
      <div class="section-bar">
        <h2 id={id}>{title}</h2>
        {!error && action}
      </div>
      {error ? (
        <p class="form-error" role="alert">
          {error}
        </p>
      ) : !list ? (
        <p class="muted">Loading…</p>
      ) : list.length === 0 ? (
        <p class="muted">{empty}</p>
      ) : (
        <div class="table-wrap">{children}</div>
      )}
      {dialogs}
    </section>
  );
}

async function remove(what: string, path: string, reload: () => unknown) {
  if (!(await confirmDialog(`Delete ${what}?`, 'Anything that uses it stops working at once. This cannot be undone.'))) return;
  try {
    await del(path);
  } catch (e) {
    showToast((e as Error).message);
  }
  await reload();
}

// ------------------------------------------------------------------ incoming webhooks

function IncomingHooks({ team, show }: { team: Team; show: (s: Secret) => void }) {
  const { list, error, load } = useList<Incoming>(`/hooks/incoming${qs({ team_id: team.id, per_page: 200 })}`);
  const chans = useChannels(team.id);
  const [editing, setEditing] = useState<Incoming | 'new' | null>(null);
  return (
    <Section
      title="Incoming webhooks"
      id="incoming-h"
      error={error}
      list={list}
      empty="No incoming webhooks yet. One gives CI, monitoring or any script a URL that posts into a channel."
      action={
        <button type="button" class="btn primary" onClick={() => setEditing('new')}>
          Add incoming webhook
        </button>
      }
      dialogs={
        <>
          {editing && (
            <IncomingForm
              team={team}
              chans={chans}
              hook={editing === 'new' ? undefined : editing}
              onClose={() => setEditing(null)}
              onSaved={(h, created) => {
                setEditing(null);
                void load();
                if (created) show({ title: 'Incoming webhook created', label: 'Webhook URL', value: hookUrl(h.id), note: 'Anything that can send an HTTP POST to this URL posts into the channel: keep it secret. Tools that speak Mattermost or Slack webhooks take it as is.' });
              }}
            />
          )}
        </>
      }
    >
      <table class="table">
        <thead>
          <tr>
            <th>Name</th>
            <th>Channel</th>
            <th>URL</th>
            <th>Actions</th>
          </tr>
        </thead>
        <tbody>
          {list?.map((h) => (
            <tr key={h.id} data-hook={h.id}>
              <td>
                <strong>{h.display_name || 'Unnamed'}</strong> <span class="muted small">{h.description}</span>
              </td>
              <td>
                {chanName(chans, h.channel_id)}
                {h.channel_locked && <span class="muted small"> (locked)</span>}
              </td>
              <td>
                <input readOnly class="invite-link" aria-label={`URL of ${h.display_name || 'the webhook'}`} value={hookUrl(h.id)} onFocus={(e) => e.currentTarget.select()} />
              </td>
              <td class="actions">
                <button type="button" class="btn small-btn" onClick={() => setEditing(h)}>
                  Edit
                </button>
                <button type="button" class="btn small-btn" onClick={() => void remove(`the webhook ${h.display_name || ''}`.trim(), `/hooks/incoming/${h.id}`, load)}>
                  Delete
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </Section>
  );
}

function IncomingForm({ team, chans, hook, onClose, onSaved }: { team: Team; chans: Chan[]; hook?: Incoming; onClose: () => void; onSaved: (h: Incoming, created: boolean) => void }) {
  const [error, setError] = useState('');
  async function submit(e: Event) {
    e.preventDefault();
    const f = new FormData(e.currentTarget as HTMLFormElement);
    const body = { channel_id: text(f, 'channel_id'), display_name: text(f, 'display_name'), description: text(f, 'description'), channel_locked: f.get('channel_locked') === 'on', username: text(f, 'username'), icon_url: text(f, 'icon_url') };
    try {
      onSaved(hook ? await patch<Incoming>(`/hooks/incoming/${hook.id}`, body) : await post<Incoming>('/hooks/incoming', body), !hook);
    } catch (err) {
      setError((err as Error).message);
    }
  }
  return (
    <Modal title={hook ? 'Edit incoming webhook' : 'Add incoming webhook'} onClose={onClose}>
      <form class="form" onSubmit={submit}>
        <label>
          Name
          <input name="display_name" maxLength={64} defaultValue={hook?.display_name} autoFocus />
        </label>
        <label>
          Description <span class="muted">(optional)</span>
          <input name="description" maxLength={500} defaultValue={hook?.description} />
        </label>
        <label>
          Channel
          <select name="channel_id" required defaultValue={hook?.channel_id ?? chans.find((c) => c.name === 'town-square')?.id}>
            {chans.map((c) => (
              <option key={c.id} value={c.id}>
                {chanName(chans, c.id)}
              </option>
            ))}
          </select>
        </label>
        <label class="check">
          <input type="checkbox" name="channel_locked" defaultChecked={hook?.channel_locked} /> Only this channel (refuse a <code>channel</code> in the payload)
        </label>
        <label>
          Post as <span class="muted">(optional name; needs the username override setting)</span>
          <input name="username" maxLength={64} defaultValue={hook?.username} />
        </label>
        <label>
          Profile picture URL <span class="muted">(optional; needs the icon override setting)</span>
          <input name="icon_url" type="url" maxLength={1024} defaultValue={hook?.icon_url} />
        </label>
        <FormEnd error={error} onClose={onClose} action={hook ? 'Save' : 'Add'} hint={`Team: ${team.display_name || team.name}`} />
      </form>
    </Modal>
  );
}

// ------------------------------------------------------------------ outgoing webhooks

function OutgoingHooks({ team, show }: { team: Team; show: (s: Secret) => void }) {
  const { list, error, load } = useList<Outgoing>(`/hooks/outgoing${qs({ team_id: team.id, per_page: 200 })}`);
  const chans = useChannels(team.id);
  const [editing, setEditing] = useState<Outgoing | 'new' | null>(null);
  const tokenNote = 'Your service receives it with every request: check it there to know the request is from this server.';
  async function regen(h: Outgoing) {
    if (!(await confirmDialog('Regenerate the token?', 'The old token stops being sent at once; update your service.', 'Regenerate'))) return;
    try {
      const r = await post<Outgoing>(`/hooks/outgoing/${h.id}/regen_token`);
      show({ title: 'New token', label: 'Token', value: r.token, note: tokenNote });
    } catch (e) {
      showToast((e as Error).message);
    }
    await load();
  }
  return (
    <Section
      title="Outgoing webhooks"
      id="outgoing-h"
      error={error}
      list={list}
      empty="No outgoing webhooks yet. One sends messages that start with a trigger word (or every message of a channel) to your service and posts its answer."
      action={
        <button type="button" class="btn primary" onClick={() => setEditing('new')}>
          Add outgoing webhook
        </button>
      }
      dialogs={
        <>
          {editing && (
            <OutgoingForm
              team={team}
              chans={chans}
              hook={editing === 'new' ? undefined : editing}
              onClose={() => setEditing(null)}
              onSaved={(h, created) => {
                setEditing(null);
                void load();
                if (created) show({ title: 'Outgoing webhook created', label: 'Token', value: h.token, note: tokenNote });
              }}
            />
          )}
        </>
      }
    >
      <table class="table">
        <thead>
          <tr>
            <th>Name</th>
            <th>Trigger</th>
            <th>Callback URLs</th>
            <th>Token</th>
            <th>Actions</th>
          </tr>
        </thead>
        <tbody>
          {list?.map((h) => (
            <tr key={h.id} data-hook={h.id}>
              <td>
                <strong>{h.display_name || 'Unnamed'}</strong> <span class="muted small">{h.description}</span>
              </td>
              <td>
                {h.trigger_words.length ? `${h.trigger_words.join(', ')} (${h.trigger_when ? 'starts with' : 'first word'})` : 'every message'} in {chanName(chans, h.channel_id)}
              </td>
              <td class="small">{h.callback_urls.join(' ')}</td>
              <td>
                <code class="small">{h.token}</code>
              </td>
              <td class="actions">
                <button type="button" class="btn small-btn" onClick={() => setEditing(h)}>
                  Edit
                </button>
                <button type="button" class="btn small-btn" onClick={() => void regen(h)}>
                  Regenerate token
                </button>
                <button type="button" class="btn small-btn" onClick={() => void remove(`the webhook ${h.display_name || ''}`.trim(), `/hooks/outgoing/${h.id}`, load)}>
                  Delete
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </Section>
  );
}

function OutgoingForm({ team, chans, hook, onClose, onSaved }: { team: Team; chans: Chan[]; hook?: Outgoing; onClose: () => void; onSaved: (h: Outgoing, created: boolean) => void }) {
  const [error, setError] = useState('');
  async function submit(e: Event) {
    e.preventDefault();
    const f = new FormData(e.currentTarget as HTMLFormElement);
    const body = {
      team_id: team.id,
      display_name: text(f, 'display_name'),
      description: text(f, 'description'),
      channel_id: text(f, 'channel_id'),
      trigger_words: lines(f.get('trigger_words')),
      trigger_when: f.get('trigger_when') === '1' ? 1 : 0,
      callback_urls: lines(f.get('callback_urls')),
      content_type: text(f, 'content_type'),
    };
    try {
      onSaved(hook ? await patch<Outgoing>(`/hooks/outgoing/${hook.id}`, body) : await post<Outgoing>('/hooks/outgoing', body), !hook);
    } catch (err) {
      setError((err as Error).message);
    }
  }
  const open = chans.filter((c) => c.type === 'O');
  return (
    <Modal title={hook ? 'Edit outgoing webhook' : 'Add outgoing webhook'} onClose={onClose}>
      <form class="form" onSubmit={submit}>
        <label>
          Name
          <input name="display_name" maxLength={64} defaultValue={hook?.display_name} autoFocus />
        </label>
        <label>
          Description <span class="muted">(optional)</span>
          <input name="description" maxLength={500} defaultValue={hook?.description} />
        </label>
        <label>
          Channel <span class="muted">(public channels; empty: any, with trigger words)</span>
          <select name="channel_id" defaultValue={hook?.channel_id ?? ''}>
            <option value="">Any public channel</option>
            {open.map((c) => (
              <option key={c.id} value={c.id}>
                {chanName(chans, c.id)}
              </option>
            ))}
          </select>
        </label>
        <label>
          Trigger words <span class="muted">(separated by spaces or commas)</span>
          <input name="trigger_words" defaultValue={hook?.trigger_words.join(' ')} />
        </label>
        <label>
          Trigger when
          <select name="trigger_when" defaultValue={String(hook?.trigger_when ?? 0)}>
            <option value="0">The first word is a trigger word</option>
            <option value="1">The first word starts with a trigger word</option>
          </select>
        </label>
        <label>
          Callback URLs <span class="muted">(one per line, at most 5)</span>
          <textarea name="callback_urls" rows={2} required defaultValue={hook?.callback_urls.join('\n')} />
        </label>
        <label>
          Content type
          <select name="content_type" defaultValue={hook?.content_type ?? 'application/x-www-form-urlencoded'}>
            <option value="application/x-www-form-urlencoded">application/x-www-form-urlencoded</option>
            <option value="application/json">application/json</option>
          </select>
        </label>
        <FormEnd error={error} onClose={onClose} action={hook ? 'Save' : 'Add'} />
      </form>
    </Modal>
  );
}

// ------------------------------------------------------------------ slash commands

function Commands({ team, show }: { team: Team; show: (s: Secret) => void }) {
  const { list, error, load } = useList<Command>(`/commands${qs({ team_id: team.id, per_page: 200 })}`);
  const [editing, setEditing] = useState<Command | 'new' | null>(null);
  const tokenNote = 'Sent with every request (the token field and Authorization: Token …): check it in your service.';
  async function regen(c: Command) {
    if (!(await confirmDialog('Regenerate the token?', 'The old token stops being sent at once; update your service.', 'Regenerate'))) return;
    try {
      const r = await post<Command>(`/commands/${c.id}/regen_token`);
      show({ title: 'New token', label: 'Token', value: r.token, note: tokenNote });
    } catch (e) {
      showToast((e as Error).message);
    }
    await load();
  }
  return (
    <Section
      title="Slash commands"
      id="commands-h"
      error={error}
      list={list}
      empty="No custom slash commands yet. A command such as /deploy sends what follows it to your service, whose answer is shown to the caller or posted."
      action={
        <button type="button" class="btn primary" onClick={() => setEditing('new')}>
          Add slash command
        </button>
      }
      dialogs={
        <>
          {editing && (
            <CommandForm
              team={team}
              cmd={editing === 'new' ? undefined : editing}
              onClose={() => setEditing(null)}
              onSaved={(c, created) => {
                setEditing(null);
                void load();
                if (created) show({ title: `/${c.trigger} created`, label: 'Token', value: c.token, note: tokenNote });
              }}
            />
          )}
        </>
      }
    >
      <table class="table">
        <thead>
          <tr>
            <th>Command</th>
            <th>Request</th>
            <th>Token</th>
            <th>Actions</th>
          </tr>
        </thead>
        <tbody>
          {list?.map((c) => (
            <tr key={c.id} data-command={c.trigger}>
              <td>
                <strong>/{c.trigger}</strong> {c.auto_complete_hint && <span class="muted small">{c.auto_complete_hint}</span>} <span class="muted small">{c.display_name}</span>
              </td>
              <td class="small">
                {c.method === 'G' ? 'GET' : 'POST'} {c.url}
              </td>
              <td>
                <code class="small">{c.token}</code>
              </td>
              <td class="actions">
                <button type="button" class="btn small-btn" onClick={() => setEditing(c)}>
                  Edit
                </button>
                <button type="button" class="btn small-btn" onClick={() => void regen(c)}>
                  Regenerate token
                </button>
                <button type="button" class="btn small-btn" onClick={() => void remove(`/${c.trigger}`, `/commands/${c.id}`, load)}>
                  Delete
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </Section>
  );
}

function CommandForm({ team, cmd, onClose, onSaved }: { team: Team; cmd?: Command; onClose: () => void; onSaved: (c: Command, created: boolean) => void }) {
  const [error, setError] = useState('');
  async function submit(e: Event) {
    e.preventDefault();
    const f = new FormData(e.currentTarget as HTMLFormElement);
    const body = {
      team_id: team.id,
      trigger: text(f, 'trigger').replace(/^\//, ''),
      url: text(f, 'url'),
      method: text(f, 'method'),
      display_name: text(f, 'display_name'),
      description: text(f, 'description'),
      username: text(f, 'username'),
      icon_url: text(f, 'icon_url'),
      auto_complete: f.get('auto_complete') === 'on',
      auto_complete_hint: text(f, 'auto_complete_hint'),
      auto_complete_desc: text(f, 'auto_complete_desc'),
    };
    try {
      onSaved(cmd ? await patch<Command>(`/commands/${cmd.id}`, body) : await post<Command>('/commands', body), !cmd);
    } catch (err) {
      setError((err as Error).message);
    }
  }
  return (
    <Modal title={cmd ? `Edit /${cmd.trigger}` : 'Add slash command'} onClose={onClose}>
      <form class="form" onSubmit={submit}>
        <label>
          Trigger word <span class="muted">(one word, without the /)</span>
          <input name="trigger" required maxLength={128} defaultValue={cmd?.trigger} autoFocus />
        </label>
        <label>
          Request URL
          <input name="url" type="url" required maxLength={1024} defaultValue={cmd?.url} />
        </label>
        <label>
          Request method
          <select name="method" defaultValue={cmd?.method ?? 'P'}>
            <option value="P">POST</option>
            <option value="G">GET</option>
          </select>
        </label>
        <label>
          Name <span class="muted">(optional)</span>
          <input name="display_name" maxLength={64} defaultValue={cmd?.display_name} />
        </label>
        <label>
          Description <span class="muted">(optional)</span>
          <input name="description" maxLength={500} defaultValue={cmd?.description} />
        </label>
        <label>
          Post as <span class="muted">(optional name; needs the username override setting)</span>
          <input name="username" maxLength={64} defaultValue={cmd?.username} />
        </label>
        <label>
          Profile picture URL <span class="muted">(optional; needs the icon override setting)</span>
          <input name="icon_url" type="url" maxLength={1024} defaultValue={cmd?.icon_url} />
        </label>
        <label class="check">
          <input type="checkbox" name="auto_complete" defaultChecked={cmd?.auto_complete ?? true} /> Offer it when someone types /
        </label>
        <label>
          Hint <span class="muted">(e.g. [city])</span>
          <input name="auto_complete_hint" maxLength={255} defaultValue={cmd?.auto_complete_hint} />
        </label>
        <label>
          Autocomplete description
          <input name="auto_complete_desc" maxLength={255} defaultValue={cmd?.auto_complete_desc} />
        </label>
        <FormEnd error={error} onClose={onClose} action={cmd ? 'Save' : 'Add'} />
      </form>
    </Modal>
  );
}

// ------------------------------------------------------------------ bots

function Bots({ team, canCreate, show }: { team: Team; canCreate: boolean; show: (s: Secret) => void }) {
  const [all, setAll] = useState(false);
  const { list, error, load } = useList<Bot>(`/bots${qs({ per_page: 200, include_deleted: all ? 'true' : undefined })}`);
  const [editing, setEditing] = useState<Bot | 'new' | null>(null);
  const [tokensOf, setTokensOf] = useState<Bot | null>(null);
  const tokenNote = 'Give it to the program that acts as the bot (Authorization: Bearer …, on both APIs and the WebSocket). It is shown only now; only its hash is stored.';
  async function newToken(b: Bot, description = 'created in Integrations') {
    try {
      const t = await post<{ token: string }>(`/users/${b.user_id}/tokens`, { description });
      show({ title: `Access token for @${b.username}`, label: 'Access token', value: t.token, note: tokenNote });
    } catch (e) {
      showToast((e as Error).message);
    }
  }
  async function setActive(b: Bot, active: boolean) {
    if (!active && !(await confirmDialog(`Disable @${b.username}?`, 'Its tokens stop working at once, everywhere. You can enable it again.', 'Disable'))) return;
    try {
      await post(`/bots/${b.user_id}/${active ? 'enable' : 'disable'}`);
    } catch (e) {
      showToast((e as Error).message);
    }
    await load();
  }
  async function addToTeam(b: Bot) {
    try {
      await post(`/teams/${team.id}/members`, { user_id: b.user_id });
      showToast(`@${b.username} is a member of ${team.display_name || team.name}; add it to channels as you would a person`, 'info');
    } catch (e) {
      showToast((e as Error).message);
    }
  }
  return (
    <Section
      title="Bot accounts"
      id="bots-h"
      error={error}
      list={list}
      empty={canCreate ? 'No bots yet. A bot is an account for a program: no password, it acts with access tokens, its posts are marked BOT.' : 'You own no bots. System admins create them.'}
      action={
        <div class="actions">
          <label class="check small">
            <input type="checkbox" checked={all} onChange={(e) => setAll(e.currentTarget.checked)} /> Show disabled
          </label>
          {canCreate && (
            <button type="button" class="btn primary" onClick={() => setEditing('new')}>
              Add bot account
            </button>
          )}
        </div>
      }
      dialogs={
        <>
          {editing && (
            <BotForm
              bot={editing === 'new' ? undefined : editing}
              onClose={() => setEditing(null)}
              onSaved={async (b, created, withToken) => {
                setEditing(null);
                await load();
                if (created && withToken) await newToken(b, 'created with the bot');
              }}
            />
          )}
          {tokensOf && <BotTokens bot={tokensOf} onClose={() => setTokensOf(null)} />}
        </>
      }
    >
      <table class="table">
        <thead>
          <tr>
            <th>Bot</th>
            <th>Description</th>
            <th>Status</th>
            <th>Actions</th>
          </tr>
        </thead>
        <tbody>
          {list?.map((b) => (
            <tr key={b.user_id} data-bot={b.username}>
              <td>
                <strong>@{b.username}</strong> <span class="muted small">{b.display_name}</span>
              </td>
              <td class="small">{b.description}</td>
              <td>{b.delete_at ? 'Disabled' : 'Active'}</td>
              <td class="actions">
                <button type="button" class="btn small-btn" onClick={() => setEditing(b)}>
                  Edit
                </button>
                {!b.delete_at && (
                  <>
                    <button type="button" class="btn small-btn" onClick={() => void newToken(b)}>
                      New token
                    </button>
                    <button type="button" class="btn small-btn" onClick={() => setTokensOf(b)}>
                      Tokens
                    </button>
                    <button type="button" class="btn small-btn" onClick={() => void addToTeam(b)}>
                      Add to team
                    </button>
                  </>
                )}
                <button type="button" class="btn small-btn" onClick={() => void setActive(b, !!b.delete_at)}>
                  {b.delete_at ? 'Enable' : 'Disable'}
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </Section>
  );
}

function BotForm({ bot, onClose, onSaved }: { bot?: Bot; onClose: () => void; onSaved: (b: Bot, created: boolean, withToken: boolean) => void }) {
  const [error, setError] = useState('');
  async function submit(e: Event) {
    e.preventDefault();
    const f = new FormData(e.currentTarget as HTMLFormElement);
    const body = { username: text(f, 'username'), display_name: text(f, 'display_name'), description: text(f, 'description') };
    try {
      onSaved(bot ? await patch<Bot>(`/bots/${bot.user_id}`, body) : await post<Bot>('/bots', body), !bot, f.get('with_token') === 'on');
    } catch (err) {
      setError((err as Error).message);
    }
  }
  return (
    <Modal title={bot ? `Edit @${bot.username}` : 'Add bot account'} onClose={onClose}>
      <form class="form" onSubmit={submit}>
        <label>
          Username
          <input name="username" required maxLength={22} defaultValue={bot?.username} autoFocus />
        </label>
        <label>
          Display name <span class="muted">(optional)</span>
          <input name="display_name" maxLength={64} defaultValue={bot?.display_name} />
        </label>
        <label>
          Description <span class="muted">(optional)</span>
          <input name="description" maxLength={1024} defaultValue={bot?.description} />
        </label>
        {!bot && (
          <label class="check">
            <input type="checkbox" name="with_token" defaultChecked /> Create an access token for it now
          </label>
        )}
        <FormEnd error={error} onClose={onClose} action={bot ? 'Save' : 'Add'} />
      </form>
    </Modal>
  );
}

function BotTokens({ bot, onClose }: { bot: Bot; onClose: () => void }) {
  const { list, error, load } = useList<AccessToken>(`/users/${bot.user_id}/tokens${qs({ per_page: 200 })}`);
  async function revoke(t: AccessToken) {
    if (!(await confirmDialog(`Revoke “${t.description}”?`, 'Programs using it are refused within a second, everywhere.', 'Revoke'))) return;
    try {
      await del(`/tokens/${t.id}`);
    } catch (e) {
      showToast((e as Error).message);
    }
    await load();
  }
  return (
    <Modal title={`Access tokens of @${bot.username}`} onClose={onClose} wide>
      {error ? (
        <p class="form-error" role="alert">
          {error}
        </p>
      ) : !list ? (
        <p class="muted">Loading…</p>
      ) : !list.length ? (
        <p class="muted">No tokens.</p>
      ) : (
        <table class="table">
          <tbody>
            {list.map((t) => (
              <tr key={t.id} data-token={t.id}>
                <td>{t.description}</td>
                <td class="small">{fullDate(t.create_at)}</td>
                <td>{t.is_active ? 'Active' : 'Disabled'}</td>
                <td class="actions">
                  <button type="button" class="btn small-btn" onClick={() => void revoke(t)}>
                    Revoke
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <p class="muted small">The tokens themselves are never shown again: make a new one if it is lost.</p>
      <div class="modal-actions">
        <button type="button" class="btn primary" onClick={onClose}>
          Done
        </button>
      </div>
    </Modal>
  );
}

// ------------------------------------------------------------------ shared

function FormEnd({ error, onClose, action, hint }: { error: string; onClose: () => void; action: string; hint?: string }) {
  return (
    <>
      {hint && <p class="muted small">{hint}</p>}
      {error && (
        <p class="form-error" role="alert">
          {error}
        </p>
      )}
      <div class="modal-actions">
        <button type="button" class="btn" onClick={onClose}>
          Cancel
        </button>
        <button type="submit" class="btn primary">
          {action}
        </button>
      </div>
    </>
  );
}

/** A URL or token to copy now. */
function ShowSecret({ title, label, value, note, onClose }: Secret & { onClose: () => void }) {
  return (
    <Modal title={title} onClose={onClose}>
      <p>{note}</p>
      <input readOnly value={value} aria-label={label} class="invite-link" onFocus={(e) => e.currentTarget.select()} />
      <div class="modal-actions">
        <button type="button" class="btn" onClick={() => void navigator.clipboard?.writeText(value).catch(() => {})}>
          Copy
        </button>
        <button type="button" class="btn primary" onClick={onClose}>
          Done
        </button>
      </div>
    </Modal>
  );
}
