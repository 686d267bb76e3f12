import { useEffect } from 'preact/hooks';

/**
 * Roving tabindex (WAI-ARIA "composite widget" keyboard pattern, as Slack's message list): a group
 * is ONE Tab stop. Inside it, ArrowUp/ArrowDown (Home/End) move between rows, Enter or ArrowRight
 * goes into the row's own controls (ArrowLeft/ArrowRight among them, Escape back to the row), and
 * Tab leaves the group. Only the current row is tabbable (tabindex 0); every other row and every
 * control of a row is tabindex -1. A MutationObserver keeps that true as rows and controls come
 * and go (messages arrive, menus render).
 */

export interface RovingOptions {
  /** Rows: the elements arrow keys move between, in document order. */
  items: string;
  /**
   * The element around a row whose other focusable elements are the row's controls (the sidebar:
   * the `li` around a channel link). Default: the row itself (a message's buttons).
   */
  row?: string;
  /** The row that is current before the user picks one: 'first', 'last', or a selector. */
  initial?: 'first' | 'last' | string;
  /** 'horizontal': a toolbar — ArrowLeft/ArrowRight move between items, which have no controls. */
  orientation?: 'vertical' | 'horizontal';
}

const FOCUSABLE = 'a[href], button, input, select, textarea, [tabindex]';
/** Where keys belong to something else: typing, menus, dialogs. */
const OWN_KEYS = 'input, textarea, select, [contenteditable="true"], [role=menu], [role=listbox], .modal, .edit-box';

export function roving(container: HTMLElement, opts: RovingOptions): () => void {
  let current: HTMLElement | null = null;
  // Whether the user has been inside: from then on the current row is where they left it, even
  // when rows change while the focus is elsewhere (a message's toolbar goes away on blur).
  let entered = false;
  const rows = () => [...container.querySelectorAll<HTMLElement>(opts.items)].filter((el) => el.getClientRects().length > 0 || el === current);
  const rowOf = (el: Element): HTMLElement | null => {
    const item = el.closest<HTMLElement>(opts.items);
    if (item && container.contains(item)) return item;
    if (!opts.row) return null;
    const around = el.closest(opts.row);
    return around && container.contains(around) ? around.querySelector<HTMLElement>(opts.items) : null;
  };
  const rowBox = (item: HTMLElement): Element => (opts.row ? (item.closest(opts.row) ?? item) : item);
  const controls = (item: HTMLElement) => [...rowBox(item).querySelectorAll<HTMLElement>(FOCUSABLE)].filter((el) => el !== item && !el.closest('[role=menu]') && !el.hasAttribute('disabled') && el.getClientRects().length > 0);

  function pick(): HTMLElement | null {
    const all = [...container.querySelectorAll<HTMLElement>(opts.items)];
    const init = opts.initial ?? 'first';
    // Until the user is in the group, the current row is the initial one (the newest message, the
    // open channel), so Tab into the group lands there; once inside, it is where they left it.
    const inside = container.contains(document.activeElement);
    if (current && (inside || entered) && all.includes(current)) return current;
    if (init === 'last') return all[all.length - 1] ?? null;
    if (init === 'first') return all[0] ?? null;
    return container.querySelector<HTMLElement>(init) ?? all[0] ?? null;
  }
  function apply() {
    observer.disconnect();
    observer.takeRecords();
    current = pick();
    const all = container.querySelectorAll<HTMLElement>(opts.items);
    for (const item of all) {
      const want = item === current ? '0' : '-1';
      if (item.getAttribute('tabindex') !== want) item.setAttribute('tabindex', want);
      for (const c of rowBox(item).querySelectorAll<HTMLElement>(FOCUSABLE)) {
        if (c !== item && !c.matches('input, textarea, select') && c.getAttribute('tabindex') !== '-1') c.setAttribute('tabindex', '-1');
      }
    }
    // The container is a Tab stop only while it has no rows (an empty message list still scrolls).
    if (container.hasAttribute('tabindex')) container.setAttribute('tabindex', all.length ? '-1' : '0');
    observer.observe(container, { childList: true, subtree: true, attributes: true, attributeFilter: ['class', 'aria-current'] });
  }
  function focusRow(item: HTMLElement | undefined) {
    if (!item) return;
    item.focus();
    item.scrollIntoView({ block: 'nearest' });
  }

  const onFocusIn = (e: FocusEvent) => {
    const item = rowOf(e.target as Element);
    if (item) entered = true;
    if (item && item !== current) {
      current = item;
      apply();
    }
  };
  const onKeyDown = (e: KeyboardEvent) => {
    if (e.defaultPrevented || e.altKey || e.ctrlKey || e.metaKey) return;
    const target = e.target as HTMLElement;
    if (target.closest(OWN_KEYS)) return;
    const item = rowOf(target);
    if (!item) return;
    const all = rows();
    const i = all.indexOf(item);
    const ctl = controls(item);
    if (target === item && opts.orientation === 'horizontal') {
      const to = e.key === 'ArrowRight' ? all[i + 1] : e.key === 'ArrowLeft' ? all[i - 1] : e.key === 'Home' ? all[0] : e.key === 'End' ? all[all.length - 1] : undefined;
      if (to) {
        e.preventDefault();
        focusRow(to);
      }
      return;
    }
    if (target === item) {
      const to = e.key === 'ArrowDown' ? all[i + 1] : e.key === 'ArrowUp' ? all[i - 1] : e.key === 'Home' ? all[0] : e.key === 'End' ? all[all.length - 1] : undefined;
      if (to) {
        e.preventDefault();
        focusRow(to);
      } else if ((e.key === 'ArrowRight' || (e.key === 'Enter' && !target.matches('a, button'))) && ctl.length) {
        e.preventDefault();
        ctl[0]!.focus();
      } else if (e.key === 'ArrowDown' || e.key === 'ArrowUp') e.preventDefault();
      return;
    }
    // On one of the row's controls.
    const j = ctl.indexOf(target);
    if (j < 0) return;
    if (e.key === 'ArrowRight' || e.key === 'ArrowLeft') {
      e.preventDefault();
      const k = j + (e.key === 'ArrowRight' ? 1 : -1);
      if (k < 0) item.focus();
      else ctl[Math.min(k, ctl.length - 1)]!.focus();
    } else if (e.key === 'Escape') {
      e.preventDefault();
      e.stopPropagation();
      item.focus();
    } else if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      focusRow(all[i + (e.key === 'ArrowDown' ? 1 : -1)]);
    }
  };

  const observer = new MutationObserver(() => apply());
  container.addEventListener('focusin', onFocusIn);
  container.addEventListener('keydown', onKeyDown);
  apply();
  return () => {
    observer.disconnect();
    container.removeEventListener('focusin', onFocusIn);
    container.removeEventListener('keydown', onKeyDown);
  };
}

/** `roving` on a component's element for as long as it is mounted. */
export function useRoving(ref: { current: HTMLElement | null }, opts: RovingOptions, key?: unknown) {
  useEffect(() => {
    if (!ref.current) return undefined;
    return roving(ref.current, opts);
  }, [key]);
}
