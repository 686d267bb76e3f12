import { signal } from '@preact/signals';
import type { ComponentChildren } from 'preact';
import { useLayoutEffect, useRef } from 'preact/hooks';
import { createPortal } from 'preact/compat';
import { linkClick } from '../router.ts';

/** How many modals are open (Esc goes to the top one, not to "mark read"). */
export const modalOpen = signal(0);

export function Modal({ title, onClose, children, wide }: { title: string; onClose: () => void; children: ComponentChildren; wide?: boolean }) {
  const ref = useRef<HTMLDivElement>(null);
  // A layout effect: Esc and the focus trap work from the first frame (a plain effect runs up to
  // 100 ms after paint, and an Esc pressed meanwhile was lost).
  useLayoutEffect(() => {
    modalOpen.value++;
    const before = document.activeElement as HTMLElement | null;
    const first = ref.current?.querySelector<HTMLElement>('[autofocus], input, textarea, select, button:not(.modal-close)');
    first?.focus();
    const onKey = (e: KeyboardEvent) => {
      // Keys belong to the top dialog (a confirmation opened from a dialog sits above it).
      const open = document.querySelectorAll('.modal');
      if (open[open.length - 1] !== ref.current) return;
      if (e.key === 'Escape') {
        e.stopPropagation();
        onClose();
      } else if (e.key === 'Tab' && ref.current) {
        // Keep focus inside the dialog.
        const f = [...ref.current.querySelectorAll<HTMLElement>('a[href], button:not([disabled]), input, textarea, select, [tabindex="0"]')];
        if (!f.length) return;
        const i = f.indexOf(document.activeElement as HTMLElement);
        if (e.shiftKey && i <= 0) {
          e.preventDefault();
          f[f.length - 1]!.focus();
        } else if (!e.shiftKey && i === f.length - 1) {
          e.preventDefault();
          f[0]!.focus();
        }
      }
    };
    addEventListener('keydown', onKey, true);
    return () => {
      modalOpen.value--;
      removeEventListener('keydown', onKey, true);
      before?.focus?.();
    };
  }, []);
  // At the document root, never inside the sidebar: dialogs must not inherit its colours.
  return createPortal(
    <div class="modal-backdrop" onMouseDown={(e) => e.target === e.currentTarget && onClose()} onClick={linkClick}>
      <div class={`modal card${wide ? ' wide' : ''}`} role="dialog" aria-modal="true" aria-label={title} ref={ref}>
        <div class="modal-head">
          <h2>{title}</h2>
          <button type="button" class="icon-btn modal-close" aria-label="Close" onClick={onClose}>
            ×
          </button>
        </div>
        {children}
      </div>
    </div>,
    document.body,
  );
}

interface ConfirmState {
  title: string;
  text: string;
  action: string;
  resolve: (ok: boolean) => void;
}
const confirmState = signal<ConfirmState | null>(null);

/** An in-page confirmation (never window.confirm). */
export function confirmDialog(title: string, text: string, action = 'Delete'): Promise<boolean> {
  return new Promise((resolve) => (confirmState.value = { title, text, action, resolve }));
}

export function ConfirmHost() {
  const c = confirmState.value;
  if (!c) return null;
  const done = (ok: boolean) => {
    confirmState.value = null;
    c.resolve(ok);
  };
  return (
    <Modal title={c.title} onClose={() => done(false)}>
      <p>{c.text}</p>
      <div class="modal-actions">
        <button type="button" class="btn" onClick={() => done(false)}>
          Cancel
        </button>
        <button type="button" class="btn danger" onClick={() => done(true)} autoFocus>
          {c.action}
        </button>
      </div>
    </Modal>
  );
}
