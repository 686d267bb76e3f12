/**
 * Emoji in the app shell: what is needed to draw an emoji by name (standard ones once the lazy
 * data chunk is in, custom ones as their image), the recently used list (Mattermost's
 * `recent_emojis` preference) and the loader of emojibase's data (./data.ts, a lazy chunk). The
 * shell stays small: until the data arrives, a name renders as `:name:` text (a few common
 * reactions excepted), then every message re-renders with it. The picker's lazy chunk is loaded
 * by ./host.tsx (the picker itself draws with what is here).
 */
import { signal } from '@preact/signals';
import type { ComponentChild } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { get, getToken, put } from '../api.ts';
import { loadCustomEmoji, type CustomEmoji } from '../../../src/realtime/reducer.ts';
import { state } from '../state.ts';

type DataModule = typeof import('./data.ts');

/** The standard emoji data, once loaded. */
export const emojiData = signal<DataModule | undefined>(undefined);

let dataLoad: Promise<DataModule> | undefined;
/** Loads the emoji data chunk (once); messages re-render when it arrives. */
export function loadEmojiData(): Promise<DataModule> {
  dataLoad ??= import('./data.ts').then(
    (m) => ((emojiData.value = m), m),
    (e) => {
      dataLoad = undefined;
      throw e;
    },
  );
  return dataLoad;
}
/** Common reactions, drawn before the data chunk has arrived. */
const EARLY: Record<string, string> = { '+1': '👍', '-1': '👎', smile: '😄', joy: '😂', heart: '❤️', tada: '🎉', eyes: '👀', rocket: '🚀', white_check_mark: '✅', fire: '🔥', pray: '🙏', clap: '👏' };

/** The character of a standard emoji name, if known (yet). */
export function emojiChar(name: string): string | undefined {
  return emojiData.value?.BY_NAME.get(name)?.char ?? EARLY[name];
}

// ---------------------------------------------------------------- custom emoji

const images = new Map<string, Promise<string>>();
/** An object URL for a custom emoji's image (fetched once with the session; the server caches it for a year). */
export function customEmojiUrl(id: string): Promise<string> {
  let p = images.get(id);
  if (!p) {
    p = fetch(`/api/v1/emoji/${id}/image`, { headers: { Authorization: `Bearer ${getToken()}` } }).then(async (res) => {
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      return URL.createObjectURL(await res.blob());
    });
    p.catch(() => images.delete(id));
    images.set(id, p);
  }
  return p;
}

function CustomEmojiImage({ id, name }: { id: string; name: string }) {
  const [src, setSrc] = useState('');
  useEffect(() => {
    let live = true;
    customEmojiUrl(id).then(
      (u) => live && setSrc(u),
      () => {},
    );
    return () => {
      live = false;
    };
  }, [id]);
  return src ? <img class="emoji custom-emoji" src={src} alt={`:${name}:`} title={`:${name}:`} data-emoji={name} /> : <span class="emoji custom-emoji loading" title={`:${name}:`} data-emoji={name} />;
}

/**
 * Every custom emoji, into the state (pages of 200, at most 10,000), replacing what was held (at
 * start and after a fresh hello); emoji events keep them current in between.
 */
export async function loadCustomEmojiList(): Promise<void> {
  const before = state.value.customEmoji;
  const all: CustomEmoji[] = [];
  let cursor = '';
  for (let i = 0; i < 50; i++) {
    const page = await get<{ items: CustomEmoji[]; next_cursor: string | null }>(`/emoji?limit=200${cursor ? `&cursor=${cursor}` : ''}`);
    all.push(...page.items);
    if (!page.next_cursor) break;
    cursor = page.next_cursor;
  }
  // An emoji added or deleted while the pages were on their way (emoji events) stays so.
  const now = state.value.customEmoji;
  const meanwhile = new Set([...Object.keys(before), ...Object.keys(now)].filter((name) => before[name] !== now[name]));
  const kept = all.filter((e) => !meanwhile.has(e.name));
  const added = [...meanwhile].flatMap((name) => (now[name] ? [now[name]] : []));
  state.value = loadCustomEmoji({ ...state.value, customEmoji: {} }, [...kept, ...added]);
}

/** Whether a name is a known emoji (custom, or standard once the data is in). */
export const isEmojiName = (name: string) => !!state.value.customEmoji[name] || !!emojiChar(name);

/**
 * An emoji by name: a custom one as its image, a standard one as its character, an unknown one
 * (or one not loaded yet) as `:name:`. Reading the signals here re-renders the caller on change.
 */
export function emojiNode(name: string): ComponentChild | undefined {
  const custom = state.value.customEmoji[name];
  if (custom) return <CustomEmojiImage key={custom.id} id={custom.id} name={name} />;
  const ch = emojiChar(name);
  if (ch) {
    return (
      <span class="emoji" title={`:${name}:`} data-emoji={name}>
        {ch}
      </span>
    );
  }
  return undefined;
}

export function Emoji({ name }: { name: string }) {
  return <>{emojiNode(name) ?? `:${name}:`}</>;
}

// ---------------------------------------------------------------- recently used

/** Mattermost's preference: category `recent_emojis`, name the user id, value JSON [{name, usageCount}]. */
export const RECENT_CATEGORY = 'recent_emojis';
const MAX_RECENT = 27;
export const recentEmoji = signal<{ name: string; usageCount: number }[]>([]);
let recentLoaded: Promise<void> | undefined;

export function loadRecentEmoji(): Promise<void> {
  recentLoaded ??= get<{ items: { name: string; value: string }[] }>(`/users/me/preferences?category=${RECENT_CATEGORY}`).then(
    (r) => {
      const row = r.items.find((p) => p.name === state.value.me);
      try {
        const list = row ? JSON.parse(row.value) : [];
        if (Array.isArray(list)) recentEmoji.value = list.filter((x) => x && typeof x.name === 'string').slice(0, MAX_RECENT);
      } catch {
        /* a value another client wrote badly: start afresh */
      }
    },
    () => {
      recentLoaded = undefined;
    },
  );
  return recentLoaded;
}

/** Puts an emoji first in the recently used list and saves it (best effort). */
export function noteEmojiUsed(name: string): void {
  void loadRecentEmoji().then(() => {
    const prev = recentEmoji.value.find((x) => x.name === name);
    const next = [{ name, usageCount: (prev?.usageCount ?? 0) + 1 }, ...recentEmoji.value.filter((x) => x.name !== name)].slice(0, MAX_RECENT);
    recentEmoji.value = next;
    const me = state.value.me;
    void put('/users/me/preferences', [{ user_id: me, category: RECENT_CATEGORY, name: me, value: JSON.stringify(next) }]).catch(() => {});
  });
}

/** Emoji names (:name:) in a message, for the recently used list. */
export function noteEmojiInMessage(message: string): void {
  const seen = new Set<string>();
  for (const m of message.matchAll(/(?<![\w:]):([a-z0-9_+-]{1,64}):(?![\w])/gi)) {
    const name = m[1]!.toLowerCase();
    if (!seen.has(name) && isEmojiName(name)) seen.add(name);
  }
  for (const n of seen) noteEmojiUsed(n);
}
