import { useState } from 'preact/hooks';
import { addMember, patchChannel } from '../channel-ops.ts';
import { channelPath, navigate } from '../router.ts';
import { currentTeam, displayName, state, type Channel, type User } from '../state.ts';
import { slugify } from '../util.ts';
import { Avatar } from './Avatar.tsx';
import { Modal } from './Modal.tsx';
import { useUserSearch } from './SidebarDialogs.tsx';

function FormError({ text }: { text: string }) {
  return text ? (
    <p class="form-error" role="alert">
      {text}
    </p>
  ) : null;
}

export function RenameChannel({ channel, onClose }: { channel: Channel; onClose: () => void }) {
  const team = currentTeam.value;
  const [title, setTitle] = useState(channel.display_name || channel.name);
  const [name, setName] = useState(channel.name);
  const [error, setError] = useState('');
  const fixedName = channel.name === 'town-square';
  async function submit(e: Event) {
    e.preventDefault();
    try {
      const ch = await patchChannel(channel.id, { display_name: title.trim(), ...(fixedName || name === channel.name ? {} : { name }) });
      onClose();
      if (team && ch.name !== channel.name) navigate(channelPath(team.name, ch.name), true);
    } catch (err) {
      setError((err as Error).message);
    }
  }
  return (
    <Modal title="Rename channel" onClose={onClose}>
      <form class="form" onSubmit={submit}>
        <label>
          Display name
          <input name="display_name" value={title} maxLength={64} required autoFocus onInput={(e) => setTitle(e.currentTarget.value)} />
        </label>
        {!fixedName && (
          <label>
            URL name
            <input name="url_name" value={name} maxLength={64} required onInput={(e) => setName(slugify(e.currentTarget.value))} />
          </label>
        )}
        <FormError text={error} />
        <div class="modal-actions">
          <button type="button" class="btn" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" class="btn primary" disabled={!title.trim() || !name}>
            Save
          </button>
        </div>
      </form>
    </Modal>
  );
}

/** Edits the header (shown under the title, Markdown) or the purpose (shown in Browse channels). */
export function EditChannelText({ channel, field, onClose }: { channel: Channel; field: 'header' | 'purpose'; onClose: () => void }) {
  const [value, setValue] = useState(String(channel[field] ?? ''));
  const [error, setError] = useState('');
  const max = field === 'header' ? 1024 : 250;
  async function submit(e: Event) {
    e.preventDefault();
    try {
      await patchChannel(channel.id, { [field]: value.trim() });
      onClose();
    } catch (err) {
      setError((err as Error).message);
    }
  }
  return (
    <Modal title={field === 'header' ? 'Edit channel header' : 'Edit channel purpose'} onClose={onClose}>
      <form class="form" onSubmit={submit}>
        <label>
          {field === 'header' ? 'Header (Markdown; links and ~channels work)' : 'Purpose'}
          <textarea name={field} value={value} maxLength={max} rows={3} autoFocus onInput={(e) => setValue(e.currentTarget.value)} />
        </label>
        <FormError text={error} />
        <div class="modal-actions">
          <button type="button" class="btn" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" class="btn primary">
            Save
          </button>
        </div>
      </form>
    </Modal>
  );
}

/** Picks team members who are not in the channel yet and adds them, one request each. */
export function AddMembers({ channel, onClose }: { channel: Channel; onClose: () => void }) {
  const [q, setQ] = useState('');
  const [picked, setPicked] = useState<User[]>([]);
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const inChannel = new Set(state.value.channelMembers[channel.id] ?? []);
  const users = useUserSearch(q, channel.team_id).filter((u) => !inChannel.has(u.id) && !picked.some((p) => p.id === u.id));
  async function add() {
    setBusy(true);
    const failed: string[] = [];
    for (const u of picked) {
      try {
        await addMember(channel.id, u.id);
      } catch (e) {
        failed.push(`@${u.username}: ${(e as Error).message}`);
      }
    }
    setBusy(false);
    if (failed.length) {
      setPicked(picked.filter((u) => failed.some((f) => f.startsWith(`@${u.username}:`))));
      setError(failed.join('; '));
    } else onClose();
  }
  return (
    <Modal title={`Add people to ${channel.display_name || channel.name}`} onClose={onClose} wide>
      <div class="chips">
        {picked.map((u) => (
          <button type="button" class="chip" key={u.id} onClick={() => setPicked(picked.filter((p) => p.id !== u.id))} aria-label={`Remove ${u.username}`}>
            @{u.username} ×
          </button>
        ))}
      </div>
      <input type="search" placeholder="Find people in this team" aria-label="Find people" value={q} onInput={(e) => setQ(e.currentTarget.value)} autoFocus />
      <ul class="pick-list">
        {users.map((u) => (
          <li key={u.id}>
            <button type="button" class="user-row" data-username={u.username} onClick={() => setPicked([...picked, u])}>
              <Avatar user={u} size="sm" /> <strong>{displayName(u)}</strong> <span class="muted">@{u.username}</span>
            </button>
          </li>
        ))}
      </ul>
      <FormError text={error} />
      <div class="modal-actions">
        <button type="button" class="btn" onClick={onClose}>
          Cancel
        </button>
        <button type="button" class="btn primary" disabled={!picked.length || busy} onClick={add}>
          Add
        </button>
      </div>
    </Modal>
  );
}
