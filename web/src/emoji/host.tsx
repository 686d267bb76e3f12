/**
 * The emoji picker in the app shell: its component lives in a lazy chunk (./picker.tsx) loaded,
 * with the emoji data, the first time a picker opens. Kept apart from ./index.tsx, which the
 * picker itself imports, so the shell's emoji module never imports the picker.
 */
import { signal } from '@preact/signals';
import { useEffect } from 'preact/hooks';
import { loadEmojiData } from './index.tsx';

type PickerModule = typeof import('./picker.tsx');

/** The picker component's module, once loaded. */
const pickerModule = signal<PickerModule | undefined>(undefined);
let pickerLoad: Promise<PickerModule> | undefined;

function loadPicker(): Promise<PickerModule> {
  pickerLoad ??= Promise.all([import('./picker.tsx'), loadEmojiData()]).then(
    ([m]) => ((pickerModule.value = m), m),
    (e) => {
      pickerLoad = undefined;
      throw e;
    },
  );
  return pickerLoad;
}

/**
 * The emoji picker, from its lazy chunk (a short "Loading…" the first time). `onPick` gets the
 * name; the picker closes on Escape, on a pick and on a click outside.
 */
export function EmojiPicker(props: { onPick: (name: string) => void; onClose: () => void; label: string; class?: string }) {
  const mod = pickerModule.value;
  useEffect(() => {
    if (!mod) void loadPicker().catch(() => {});
  }, [mod]);
  if (!mod) {
    return (
      <div class={`emoji-picker ${props.class ?? ''}`} role="dialog" aria-label={props.label}>
        <p class="muted small">Loading…</p>
      </div>
    );
  }
  return <mod.Picker {...props} />;
}
