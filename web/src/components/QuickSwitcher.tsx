import { signal } from '@preact/signals';
import { useEffect, useState } from 'preact/hooks';
import { openDirect } from '../data.ts';
import { channelPath, navigate } from '../router.ts';
import { channelTitle, currentTeam, displayName, state, unreadOf } from '../state.ts';
import { Modal } from './Modal.tsx';
import { useUserSearchResults } from './SidebarDialogs.tsx';

export const switcherOpen = signal(false);

/** Ctrl/Cmd+K: jump to a channel or a person by typing part of the name. */
export function QuickSwitcher() {
  if (!switcherOpen.value) return null;
  return <Switcher />;
}

function Switcher() {
  const [q, setQ] = useState('');
  const [sel, setSel] = useState(0);
  // Enter pressed while the people search for the current text was still out: picked when it answers.
  const [enterPending, setEnterPending] = useState(false);
  const team = currentTeam.value;
  const s = state.value;
  const search = useUserSearchResults(q, team?.id);
  // Only results for the text as it is now: an older search's people would be a wrong pick.
  const peopleReady = !q || search.query === q;
  const people = peopleReady ? search.users : [];
  const ql = q.toLowerCase();
  const channels = Object.values(s.channels)
    .filter((c) => !c.delete_at && (c.team_id === team?.id || !c.team_id) && channelTitle(c, s).toLowerCase().includes(ql))
    .sort((a, b) => Number(unreadOf(b, s.members[b.id]).unread) - Number(unreadOf(a, s.members[a.id]).unread) || channelTitle(a, s).localeCompare(channelTitle(b, s)))
    .slice(0, 8)
    .map((c) => ({ key: c.id, label: (c.type === 'O' ? '# ' : c.type === 'P' ? '🔒 ' : '@ ') + channelTitle(c, s), go: () => navigate(channelPath(team!.name, c.name)) }));
  const dmNames = new Set(channels.map((c) => c.label));
  const users = q
    ? people
        .filter((u) => u.id !== s.me && !dmNames.has('@ ' + u.username))
        .slice(0, 5)
        .map((u) => ({ key: u.id, label: `@ ${u.username} — ${displayName(u)}`, go: () => void openDirect([u.id]).then((ch) => navigate(channelPath(team!.name, ch.name))) }))
    : [];
  const all = [...channels, ...users];
  const close = () => (switcherOpen.value = false);
  const pick = (i: number) => {
    const it = all[i];
    if (!it) return;
    close();
    it.go();
  };
  useEffect(() => {
    if (enterPending && peopleReady) {
      setEnterPending(false);
      pick(sel);
    }
  });
  if (!team) return null;
  return (
    <Modal title="Switch channels" onClose={close}>
      <input
        type="text"
        role="combobox"
        aria-expanded="true"
        aria-controls="switcher-list"
        aria-label="Channel or person"
        placeholder="Type a channel or person"
        value={q}
        autoFocus
        onInput={(e) => {
          setQ(e.currentTarget.value);
          setSel(0);
          setEnterPending(false);
        }}
        onKeyDown={(e) => {
          if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
            e.preventDefault();
            setSel((sel + (e.key === 'ArrowDown' ? 1 : all.length - 1)) % Math.max(all.length, 1));
          } else if (e.key === 'Enter') {
            e.preventDefault();
            if (all[sel] || peopleReady) pick(sel);
            else setEnterPending(true);
          }
        }}
      />
      <ul id="switcher-list" role="listbox" class="switch-list">
        {all.map((it, i) => (
          <li key={it.key} role="option" aria-selected={i === sel} class={i === sel ? 'sel' : ''} onMouseDown={(e) => (e.preventDefault(), pick(i))}>
            {it.label}
          </li>
        ))}
      </ul>
    </Modal>
  );
}
