/**
 * The emoji picker (a lazy chunk, with ./data.ts): search over standard and custom emoji, tabs
 * for recently used, custom and emojibase's categories, keyboard friendly (type to search, Enter
 * picks the first match, Escape closes). "Custom emoji…" opens the dialog that adds and deletes
 * them.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, api, del } from '../api.ts';
import { me, showToast, state } from '../state.ts';
import { Modal } from '../components/Modal.tsx';
import { Emoji, emojiData, loadRecentEmoji, noteEmojiUsed, recentEmoji } from './index.tsx';
import { CATEGORIES, searchSystemEmoji } from './data.ts';

const MAX_SEARCH = 120;
/** Shown after one's own recently used emoji (and alone before there are any). */
const COMMON = ['+1', 'heart', 'joy', 'tada', 'eyes', 'rocket', 'white_check_mark', 'fire', 'smile', 'thinking_face', 'pray', 'clap', '-1', 'cry', 'open_mouth', 'wave'];
const MAX_RECENT_SHOWN = 27;

export function Picker({ onPick, onClose, label, class: cls }: { onPick: (name: string) => void; onClose: () => void; label: string; class?: string }) {
  const [q, setQ] = useState('');
  const [tab, setTab] = useState<string>('');
  const [managing, setManaging] = useState(false);
  const ref = useRef<HTMLDivElement>(null);
  const data = emojiData.value!;
  const custom = Object.values(state.value.customEmoji).sort((a, b) => a.name.localeCompare(b.name));
  const recent = [...new Set([...recentEmoji.value.map((r) => r.name), ...COMMON])].filter((n) => !!state.value.customEmoji[n] || data.BY_NAME.has(n)).slice(0, MAX_RECENT_SHOWN);

  useEffect(() => void loadRecentEmoji(), []);
  // Close on a click elsewhere and on Escape (not while the custom emoji dialog is open).
  useEffect(() => {
    if (managing) return;
    const down = (e: MouseEvent) => {
      if (ref.current && !ref.current.contains(e.target as Node) && !(e.target as Element).closest?.('[data-emoji-toggle]')) onClose();
    };
    const key = (e: KeyboardEvent) => {
      if (e.key === 'Escape') {
        e.stopPropagation();
        onClose();
      }
    };
    document.addEventListener('mousedown', down);
    addEventListener('keydown', key, true);
    return () => {
      document.removeEventListener('mousedown', down);
      removeEventListener('keydown', key, true);
    };
  }, [managing]);

  const pick = (name: string) => {
    noteEmojiUsed(name);
    onPick(name);
  };

  const active = tab || (recent.length ? 'recent' : CATEGORIES[0]!.key);
  let names: string[];
  const query = q.trim().toLowerCase().replace(/^:|:$/g, '');
  if (query) {
    const customHits = custom.filter((e) => e.name.includes(query)).sort((a, b) => Number(!b.name.startsWith(query)) - Number(!a.name.startsWith(query)));
    names = [...customHits.map((e) => e.name), ...searchSystemEmoji(query, MAX_SEARCH).map((e) => e.names[0]!)].slice(0, MAX_SEARCH);
  } else if (active === 'recent') names = recent;
  else if (active === 'custom') names = custom.map((e) => e.name);
  else {
    const ci = CATEGORIES.findIndex((c) => c.key === active);
    names = data.ALL.filter((e) => e.category === ci).map((e) => e.names[0]!);
  }

  const tabs = [...(recent.length ? [{ key: 'recent', label: 'Recently used', icon: 'clock3' }] : []), ...(custom.length ? [{ key: 'custom', label: 'Custom', icon: custom[0]!.name }] : []), ...CATEGORIES.map((c) => ({ key: c.key, label: c.label, icon: data.ALL.find((e) => e.category === CATEGORIES.indexOf(c))?.names[0] ?? '' }))];

  return (
    <div class={`emoji-picker ${cls ?? ''}`} role="dialog" aria-label={label} ref={ref}>
      <input
        type="search"
        class="emoji-search"
        placeholder="Search emoji"
        aria-label="Search emoji"
        value={q}
        autoFocus
        onInput={(e) => setQ(e.currentTarget.value)}
        onKeyDown={(e) => {
          if (e.key === 'Enter' && names[0]) {
            e.preventDefault();
            pick(names[0]);
          }
        }}
      />
      {!query && (
        <div class="emoji-tabs" role="tablist" aria-label="Emoji categories">
          {tabs.map((t) => (
            <button type="button" role="tab" key={t.key} aria-selected={t.key === active} class={t.key === active ? 'sel' : ''} title={t.label} aria-label={t.label} onClick={() => setTab(t.key)}>
              <Emoji name={t.icon} />
            </button>
          ))}
        </div>
      )}
      <div class="emoji-grid" role="listbox" aria-label={query ? 'Search results' : (tabs.find((t) => t.key === active)?.label ?? '')}>
        {names.map((name) => (
          <button type="button" role="option" aria-selected={false} key={name} title={`:${name}:`} aria-label={name} data-emoji={name} onClick={() => pick(name)}>
            <Emoji name={name} />
          </button>
        ))}
        {!names.length && <p class="muted small">{query ? 'No emoji found' : 'Nothing here yet'}</p>}
      </div>
      <div class="emoji-foot">
        <button type="button" class="btn link small" onClick={() => setManaging(true)}>
          Custom emoji…
        </button>
      </div>
      {managing && <CustomEmojiDialog onClose={() => setManaging(false)} />}
    </div>
  );
}

/** Adds a custom emoji (name and image) and lists them, with Delete for one's own (admins: all). */
export function CustomEmojiDialog({ onClose }: { onClose: () => void }) {
  const [name, setName] = useState('');
  const [file, setFile] = useState<File | undefined>();
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const isAdmin = String(me.value?.roles ?? '').includes('system_admin');
  const list = Object.values(state.value.customEmoji).sort((a, b) => a.name.localeCompare(b.name));

  async function add(e: Event) {
    e.preventDefault();
    setError('');
    if (!/^[a-zA-Z0-9_+-]{1,64}$/.test(name.trim())) return setError('Use 1-64 letters, digits, underscores, dashes or plus signs.');
    if (!file) return setError('Choose an image (PNG, GIF, JPEG or WebP, at most 512 KB).');
    const form = new FormData();
    form.append('name', name.trim());
    form.append('image', file);
    setBusy(true);
    try {
      await api('POST', '/emoji', form);
      // The emoji_added event puts it into the state.
      setName('');
      setFile(undefined);
      showToast(`Added :${name.trim().toLowerCase()}:`, 'info');
    } catch (err) {
      setError(err instanceof ApiError ? err.message : 'Could not add the emoji');
    } finally {
      setBusy(false);
    }
  }

  return (
    <Modal title="Custom emoji" onClose={onClose}>
      <form class="custom-emoji-form" onSubmit={add}>
        <label>
          Name
          <input type="text" name="emoji-name" value={name} maxLength={64} placeholder="partyparrot" onInput={(e) => setName(e.currentTarget.value)} />
        </label>
        <label>
          Image
          <input type="file" name="emoji-image" accept="image/png,image/gif,image/jpeg,image/webp" onChange={(e) => setFile(e.currentTarget.files?.[0])} />
        </label>
        {error && (
          <p class="form-error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" class="btn primary" disabled={busy}>
          Add emoji
        </button>
      </form>
      <ul class="custom-emoji-list" aria-label="Custom emoji">
        {list.map((e) => (
          <li key={e.id}>
            <Emoji name={e.name} /> <code>:{e.name}:</code>
            <span class="muted small"> by {state.value.users[e.creator_id]?.username ?? 'someone'}</span>
            {(e.creator_id === state.value.me || isAdmin) && (
              <button type="button" class="btn link small danger" aria-label={`Delete :${e.name}:`} onClick={() => del(`/emoji/${e.id}`).catch((err) => showToast((err as Error).message))}>
                Delete
              </button>
            )}
          </li>
        ))}
        {!list.length && <li class="muted small">No custom emoji yet.</li>}
      </ul>
    </Modal>
  );
}
