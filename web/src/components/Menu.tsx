import type { ComponentChildren } from 'preact';
import { useLayoutEffect, useRef, useState } from 'preact/hooks';

/**
 * A menu button (WAI-ARIA menu pattern): Enter/Space/ArrowDown open it on the first item, the
 * arrows, Home and End move between items, Escape closes it and gives focus back to the button,
 * Tab or a click outside closes it. Items are the children with role="menuitem".
 */
export function Menu(props: { label: string; buttonLabel?: string; button: ComponentChildren; class?: string; menuClass?: string; children: ComponentChildren }) {
  const { label, buttonLabel, button, class: cls, menuClass, children } = props;
  const [open, setOpen] = useState(false);
  const btn = useRef<HTMLButtonElement>(null);
  const menu = useRef<HTMLDivElement>(null);
  const items = () => [...(menu.current?.querySelectorAll<HTMLElement>('[role="menuitem"]:not([disabled])') ?? [])];

  // A layout effect: the first item has focus from the first frame, so keys pressed at once land.
  useLayoutEffect(() => {
    if (!open) return;
    items()[0]?.focus();
    const outside = (e: MouseEvent) => {
      const t = e.target as Node;
      if (!menu.current?.contains(t) && !btn.current?.contains(t)) setOpen(false);
    };
    document.addEventListener('mousedown', outside);
    return () => document.removeEventListener('mousedown', outside);
  }, [open]);

  const close = (refocus: boolean) => {
    setOpen(false);
    if (refocus) btn.current?.focus();
  };

  const onMenuKey = (e: KeyboardEvent) => {
    const list = items();
    const i = list.indexOf(document.activeElement as HTMLElement);
    const go = (j: number) => {
      e.preventDefault();
      list[(j + list.length) % list.length]?.focus();
    };
    if (e.key === 'ArrowDown') go(i + 1);
    else if (e.key === 'ArrowUp') go(i - 1);
    else if (e.key === 'Home') go(0);
    else if (e.key === 'End') go(list.length - 1);
    else if (e.key === 'Escape') {
      e.preventDefault();
      e.stopPropagation();
      close(true);
    } else if (e.key === 'Tab') close(false);
  };

  return (
    <div class="menu-wrap">
      <button
        type="button"
        ref={btn}
        class={cls}
        aria-haspopup="menu"
        aria-expanded={open}
        aria-label={buttonLabel}
        onClick={() => setOpen(!open)}
        onKeyDown={(e) => {
          if (e.key === 'ArrowDown' && !open) {
            e.preventDefault();
            setOpen(true);
          }
        }}
      >
        {button}
      </button>
      {open && (
        <div class={`menu ${menuClass ?? ''}`} role="menu" aria-label={label} ref={menu} onKeyDown={onMenuKey} onClick={(e) => (e.target as Element).closest('[role="menuitem"]') && close(false)}>
          {children}
        </div>
      )}
    </div>
  );
}
