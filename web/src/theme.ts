/** Light/dark theme: follows the system unless the user picks one (kept in local storage). */
import { effect, signal } from '@preact/signals';

export type ThemeChoice = 'system' | 'light' | 'dark';
const KEY = 'rustchat.theme';

const read = (): ThemeChoice => {
  try {
    const v = localStorage.getItem(KEY);
    return v === 'light' || v === 'dark' ? v : 'system';
  } catch {
    return 'system';
  }
};

export const theme = signal<ThemeChoice>(read());

const media = typeof matchMedia === 'function' ? matchMedia('(prefers-color-scheme: dark)') : undefined;
const systemDark = signal(!!media?.matches);
media?.addEventListener?.('change', (e) => (systemDark.value = e.matches));

effect(() => {
  const t = theme.value === 'system' ? (systemDark.value ? 'dark' : 'light') : theme.value;
  document.documentElement.dataset.theme = t;
});

export function setTheme(t: ThemeChoice) {
  theme.value = t;
  try {
    if (t === 'system') localStorage.removeItem(KEY);
    else localStorage.setItem(KEY, t);
  } catch {
    /* not kept */
  }
}

/** Cycles system -> dark -> light -> system. */
export const nextTheme = (t: ThemeChoice): ThemeChoice => (t === 'system' ? 'dark' : t === 'dark' ? 'light' : 'system');
