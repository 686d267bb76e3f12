import { signal } from '@preact/signals';
import { useEffect, useRef, useState } from 'preact/hooks';
import { loadCommands, runCommand, sendPost, teamCommands } from '../data.ts';
import { socket } from '../session.ts';
import { channelTitle, currentTeamId, displayName, showToast, state, typingSeen, type Channel, type User } from '../state.ts';
import { ComposerAttachments } from './Attachments.tsx';
import { editingPostId } from './Message.tsx';
import { Emoji, emojiData, loadEmojiData, noteEmojiInMessage } from '../emoji/index.tsx';
import { EmojiPicker } from '../emoji/host.tsx';
import type { ComponentChild } from 'preact';
import { Icon } from './Icon.tsx';

const MAX = 16000;
const TYPING_EVERY_MS = 3000;
const TYPING_SHOWN_MS = 6000;

const draftKey = (channelId: string, rootId: string) => `rustchat.draft.${channelId}${rootId ? ':' + rootId : ''}`;
const readDraft = (k: string) => {
  try {
    return localStorage.getItem(k) ?? '';
  } catch {
    return '';
  }
};
const writeDraft = (k: string, v: string) => {
  try {
    if (v) localStorage.setItem(k, v);
    else localStorage.removeItem(k);
  } catch {
    /* not kept */
  }
};

/** Ticks every second so "is typing" lines expire. */
const clock = signal(Date.now());
setInterval(() => (clock.value = Date.now()), 1000);

interface Suggestion {
  key: string;
  insert: string;
  label: string;
  detail?: string;
  icon?: ComponentChild;
}

type TriggerKind = '@' | '~' | '/' | ':';

/**
 * The word being typed before the caret, when it starts with @ or ~ (or a command name at the
 * start), or an emoji name after `:` with at least two characters (as Mattermost).
 */
function trigger(text: string, caret: number): { kind: TriggerKind; q: string; start: number } | undefined {
  const cmd = /^\/([a-z0-9._-]*)$/i.exec(text.slice(0, caret));
  if (cmd) return { kind: '/', q: cmd[1]!.toLowerCase(), start: 0 };
  const emo = /(^|[\s(]):([a-z0-9_+-]{2,64})$/i.exec(text.slice(0, caret));
  if (emo) return { kind: ':', q: emo[2]!.toLowerCase(), start: caret - emo[2]!.length - 1 };
  const m = /(^|\s)([@~])([a-z0-9._-]*)$/i.exec(text.slice(0, caret));
  if (!m) return undefined;
  return { kind: m[2] as '@' | '~', q: m[3]!.toLowerCase(), start: caret - m[3]!.length - 1 };
}

/** Emoji whose names match what follows `:` (custom ones first, then standard: name starts, then contains, then keywords). */
function emojiSuggestions(q: string): Suggestion[] {
  const custom = Object.keys(state.value.customEmoji)
    .filter((n) => n.includes(q))
    .sort((a, b) => Number(!a.startsWith(q)) - Number(!b.startsWith(q)) || a.localeCompare(b));
  const standard = emojiData.value?.searchSystemEmoji(q, 10).map((e) => e.names.find((n) => n.includes(q)) ?? e.names[0]!) ?? [];
  return [...new Set([...custom, ...standard])].slice(0, 8).map((name) => ({ key: `:${name}`, insert: `:${name}: `, label: `:${name}:`, icon: <Emoji name={name} /> }));
}

function suggestions(kind: TriggerKind, q: string, channelId: string): Suggestion[] {
  const s = state.value;
  if (kind === ':') return emojiSuggestions(q);
  if (kind === '/') {
    return (teamCommands.value[currentTeamId.value] ?? [])
      .filter((c) => c.trigger.toLowerCase().startsWith(q))
      .slice(0, 10)
      .map((c) => ({ key: `/${c.trigger}`, insert: `/${c.trigger} `, label: `/${c.trigger}${c.hint ? ' ' + c.hint : ''}`, detail: c.description }));
  }
  if (kind === '@') {
    const ids = s.channelMembers[channelId] ?? Object.keys(s.users);
    const users = ids.map((id) => s.users[id]).filter((u): u is User => !!u && !u.delete_at);
    const out: Suggestion[] = users
      .filter((u) => u.username.toLowerCase().startsWith(q) || displayName(u).toLowerCase().includes(q))
      .sort((a, b) => a.username.localeCompare(b.username))
      .slice(0, 8)
      .map((u) => ({ key: u.id, insert: `@${u.username} `, label: `@${u.username}`, detail: displayName(u) }));
    for (const special of ['here', 'channel', 'all']) if (special.startsWith(q) && q) out.push({ key: special, insert: `@${special} `, label: `@${special}`, detail: 'Notifies everyone here' });
    return out;
  }
  return Object.values(s.channels)
    .filter((c: Channel) => c.team_id === currentTeamId.value && c.type === 'O' && !c.delete_at && (c.name.startsWith(q) || channelTitle(c, s).toLowerCase().includes(q)))
    .slice(0, 8)
    .map((c) => ({ key: c.id, insert: `~${c.name} `, label: `~${c.name}`, detail: channelTitle(c, s) }));
}

export function Composer({ channelId, rootId = '' }: { channelId: string; rootId?: string }) {
  const key = draftKey(channelId, rootId);
  const [text, setText] = useState(() => readDraft(key));
  const [fileIds, setFileIds] = useState<string[]>([]);
  const [sel, setSel] = useState(0);
  const [caret, setCaret] = useState(0);
  const [dismissed, setDismissed] = useState(false);
  const ta = useRef<HTMLTextAreaElement>(null);
  const lastTyping = useRef(0);

  // The draft was read when the composer mounted (it is keyed by channel and thread); read it
  // again only when the key changes under a mounted composer. Reading it in the mount effect,
  // which runs after the first paint, threw away what was typed in between (a fast typist right
  // after a channel switch, or a test filling the box).
  const draftShown = useRef(key);
  useEffect(() => {
    if (draftShown.current !== key) {
      draftShown.current = key;
      setText(readDraft(key));
      setFileIds([]);
    }
    if (!rootId) ta.current?.focus();
  }, [key]);
  useEffect(() => writeDraft(key, text), [key, text]);
  useEffect(() => {
    const el = ta.current;
    if (!el) return;
    el.style.height = 'auto';
    el.style.height = Math.min(el.scrollHeight, 240) + 'px';
  }, [text]);

  useEffect(() => loadCommands(currentTeamId.value), [currentTeamId.value]);
  const [picking, setPicking] = useState(false);
  const trig = dismissed ? undefined : trigger(text, caret);
  // The standard emoji arrive with their lazy chunk; the first `:` asks for it.
  useEffect(() => {
    if (trig?.kind === ':' && !emojiData.value) void loadEmojiData().catch(() => {});
  }, [trig?.kind]);
  const list = trig ? suggestions(trig.kind, trig.q, channelId) : [];

  function complete(sug: Suggestion) {
    if (!trig) return;
    const next = text.slice(0, trig.start) + sug.insert + text.slice(caret);
    setText(next);
    const pos = trig.start + sug.insert.length;
    // The caret moves with the text in the same render: left at the old position until the next
    // frame, the trigger still matched there and an Enter pressed right after Tab completed again
    // instead of sending (seen in CI under load). The DOM selection follows once the value is set.
    setCaret(pos);
    requestAnimationFrame(() => ta.current?.setSelectionRange(pos, pos));
  }

  function send() {
    const msg = text.trim();
    if (!msg && !fileIds.length) return;
    if (msg.length > MAX) return;
    // `/command` runs a slash command; `//text` posts "/text" (as in Mattermost).
    if (msg.startsWith('/') && !msg.startsWith('//') && !fileIds.length) {
      runCommand(channelId, msg, rootId, currentTeamId.value).catch((e) => {
        setText((cur) => cur || msg);
        showToast((e as Error).message || 'The command failed');
      });
      setText('');
      lastTyping.current = 0;
      return;
    }
    noteEmojiInMessage(msg);
    void sendPost(channelId, msg.startsWith('//') ? msg.slice(1) : msg, rootId, undefined, fileIds);
    setText('');
    setFileIds([]);
    lastTyping.current = 0;
  }

  /** Inserts `:name: ` at the caret (the picker's choice). */
  function insertEmoji(name: string) {
    setPicking(false);
    const el = ta.current;
    const at = el ? el.selectionStart : text.length;
    const end = el ? el.selectionEnd : text.length;
    const before = text.slice(0, at);
    const insert = `${before && !/\s$/.test(before) ? ' ' : ''}:${name}: `;
    const next = before + insert + text.slice(end);
    setText(next);
    const pos = at + insert.length;
    requestAnimationFrame(() => {
      ta.current?.focus();
      ta.current?.setSelectionRange(pos, pos);
      setCaret(pos);
    });
  }

  function onKeyDown(e: KeyboardEvent) {
    if (list.length) {
      if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
        e.preventDefault();
        setSel((sel + (e.key === 'ArrowDown' ? 1 : list.length - 1)) % list.length);
        return;
      }
      // Enter on a command typed in full runs it; otherwise Enter or Tab completes.
      const typedInFull = e.key === 'Enter' && trig?.kind === '/' && list.some((x) => x.key === `/${trig.q}`);
      if ((e.key === 'Enter' && !typedInFull) || e.key === 'Tab') {
        e.preventDefault();
        complete(list[Math.min(sel, list.length - 1)]!);
        return;
      }
      if (e.key === 'Escape') {
        e.stopPropagation();
        setDismissed(true);
        return;
      }
    }
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      send();
    } else if (e.key === 'ArrowUp' && !text) {
      // Up arrow edits my last message here.
      const s = state.value;
      const ids = rootId ? [rootId, ...(s.threads[rootId] ?? [])] : (s.postsInChannel[channelId] ?? []);
      for (let i = ids.length - 1; i >= 0; i--) {
        const p = s.posts[ids[i]!];
        if (p && p.user_id === s.me && (rootId || !p.root_id)) {
          e.preventDefault();
          editingPostId.value = p.id;
          break;
        }
      }
    }
  }

  function onInput(e: Event) {
    const el = e.currentTarget as HTMLTextAreaElement;
    setText(el.value);
    setCaret(el.selectionStart);
    setSel(0);
    setDismissed(false);
    const now = Date.now();
    if (el.value && now - lastTyping.current > TYPING_EVERY_MS) {
      lastTyping.current = now;
      void socket.send('typing', rootId ? { channel_id: channelId, root_id: rootId } : { channel_id: channelId }).catch(() => {});
    }
  }

  // Who is typing here (seen within the last few seconds).
  const now = clock.value;
  const seen = typingSeen.value[rootId ? `${channelId}:${rootId}` : channelId] ?? {};
  const typists = Object.entries(seen)
    .filter(([id, at]) => now - at < TYPING_SHOWN_MS && id !== state.value.me)
    .map(([id]) => state.value.users[id]?.username ?? 'Someone');
  const ch = state.value.channels[channelId];
  const placeholder = rootId ? 'Reply…' : `Write to ${ch ? (ch.type === 'D' ? '@' : '') + channelTitle(ch) : ''}`;
  const over = text.length > MAX;

  return (
    <div class="composer-wrap">
      {list.length > 0 && (
        <ul class="autocomplete" role="listbox" aria-label="Suggestions">
          {list.map((sug, i) => (
            <li key={sug.key} role="option" aria-selected={i === sel} class={i === sel ? 'sel' : ''} onMouseDown={(e) => (e.preventDefault(), complete(sug))}>
              {sug.icon && <span class="sug-icon">{sug.icon}</span>}
              <strong>{sug.label}</strong> <span class="muted">{sug.detail}</span>
            </li>
          ))}
        </ul>
      )}
      <div class="composer">
        <ComposerAttachments channelId={channelId} fileIds={fileIds} onChange={setFileIds} />
        <textarea
          ref={ta}
          rows={1}
          value={text}
          placeholder={placeholder}
          aria-label={rootId ? 'Reply in thread' : 'Write a message'}
          onInput={onInput}
          onKeyDown={onKeyDown}
          onClick={(e) => setCaret(e.currentTarget.selectionStart)}
          onKeyUp={(e) => ['ArrowLeft', 'ArrowRight', 'Home', 'End'].includes(e.key) && setCaret(e.currentTarget.selectionStart)}
        />
        <button type="button" class="icon-btn emoji-btn" title="Emoji" aria-label="Emoji" aria-expanded={picking} data-emoji-toggle onClick={() => setPicking(!picking)}>
          <Icon name="smile" />
        </button>
        {picking && <EmojiPicker label="Insert an emoji" class="composer-picker" onPick={insertEmoji} onClose={() => setPicking(false)} />}
        <button type="button" class="btn primary send-btn" onClick={send} disabled={(!text.trim() && !fileIds.length) || over} aria-label="Send">
          Send
        </button>
      </div>
      <div class="composer-foot small muted" aria-live="polite">
        {over ? (
          <span class="form-error">Message is too long ({text.length}/{MAX})</span>
        ) : typists.length ? (
          `${typists.join(', ')} ${typists.length === 1 ? 'is' : 'are'} typing…`
        ) : (
          <span class="hint">Enter to send · Shift+Enter for a new line</span>
        )}
      </div>
    </div>
  );
}
