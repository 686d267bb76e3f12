import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import { loadPosts } from '../data.ts';
import { focusPostId, hasOlder, markedUnread, pending, state, type Post } from '../state.ts';
import { dayKey, dayLabel } from '../util.ts';
import { Message, PendingMessage } from './Message.tsx';
import { useRoving } from '../roving.ts';

const GROUP_MS = 5 * 60_000;
/** Rendered above and below the viewport, in pixels (issue 20 target 6). */
const MARGIN = 800;
/** Estimated heights of rows never rendered (a grouped post, a post with its header). */
const EST_GROUPED = 26;
const EST_POST = 62;
const EST_SEP = 34;
/** New rows rendered per task beyond those in the viewport (each is a post's markdown and DOM). */
const GROW = 6;

/**
 * Measured row heights by post id, across channels: a channel switched back to places its spacers
 * from what was measured last time. A row is a post with the separators drawn above it.
 */
const measured = new Map<string, number>();

interface Row {
  post: Post;
  grouped: boolean;
  day?: string;
  unread: boolean;
}

/** Where the list is: stuck to the bottom, or a row kept at a distance from the viewport's top. */
interface View {
  atBottom: boolean;
  /** The row (post id) whose top stays `offset` pixels below the viewport's top. */
  anchor: string | null;
  offset: number;
  /** The viewport's height (the scroller's clientHeight). */
  height: number;
  /** Center the anchor and highlight it once rendered (permalink, search result). */
  highlight?: boolean;
  /** Show the first rows from their top (Home). */
  toTop?: boolean;
}

function estimate(r: Row): number {
  return (r.grouped ? EST_GROUPED : EST_POST) + (r.day ? EST_SEP : 0) + (r.unread ? EST_SEP : 0);
}

/**
 * Where a row's text starts in the scroller: the anchor follows what is read, not the separators
 * above it or the author line, which come and go as older pages load (a day's first post gets a
 * separator; a post continuing the author's run loses its header).
 */
function postTop(row: HTMLElement): number {
  const post = row.querySelector<HTMLElement>('.post');
  if (!post) return row.offsetTop;
  const body = post.querySelector<HTMLElement>('.post-body');
  // The post is positioned: it is its body's offsetParent, and the scroller is its own.
  return post.offsetTop + (body && body.offsetParent === post ? body.offsetTop : 0);
}

/**
 * A channel's root posts: day separators, author grouping, "new messages" line, infinite scroll up.
 *
 * Windowed: only the rows within MARGIN of the viewport are in the DOM; spacers above and below
 * stand for the others, sized by their measured heights (a ResizeObserver on every rendered row)
 * or an estimate. Scroll position is kept by an anchor (a rendered row and its distance from the
 * viewport's top) that is re-applied after every render and resize, or by sticking to the bottom.
 */
export function MessageList({ channelId }: { channelId: string }) {
  const s = state.value;
  const ids = s.postsInChannel[channelId];
  const posts = (ids ?? []).map((id) => s.posts[id]).filter((p): p is Post => !!p && !p.root_id);
  const pend = Object.values(pending.value).filter((p) => p.channel_id === channelId && !p.root_id && !Object.values(s.posts).some((x) => x.client_msg_id === p.client_msg_id));
  const scroller = useRef<HTMLDivElement>(null);
  const view = useRef<View>({ atBottom: true, anchor: null, offset: 0, height: 800 });
  /** The rows (post ids) in the DOM after the last render. */
  const renderedKeys = useRef<ReadonlySet<string>>(new Set());
  /** A render scheduled for the rows of the margin not rendered yet. */
  const more = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const [, setTick] = useState(0);
  const rerender = () => setTick((t) => t + 1);
  const [showJump, setShowJump] = useState(false);
  const [unreadAbove, setUnreadAbove] = useState(false);
  const loadingOlder = useRef(false);
  /** The scrollTop the list last set or saw: only a smaller one means the reader scrolled up. */
  const lastTop = useRef(0);
  const shifts = useRef(0);
  // The unread line stays where it was when the channel was opened, even after marking read
  // (taken at the first render that knows the channel's read marker).
  const openedAt = useRef<number | undefined>(undefined);
  if (openedAt.current === undefined && s.members[channelId]) openedAt.current = s.members[channelId]!.last_viewed_at ?? 0;
  const lastViewed = openedAt.current ?? 0;
  const [movedLine, setMovedLine] = useState<number | undefined>(undefined);
  // Messages this page is sending: a new one means "I just sent": show it, even when scrolled up.
  const sending = useRef(new Set<string>());
  // One Tab stop for the whole list: arrows move between messages (the newest first), Enter or
  // ArrowRight reaches a message's buttons, Tab leaves (docs/web-client.md, Keyboard).
  useRoving(scroller, { items: '.post[data-post-id]', initial: 'last' }, channelId);

  // Marked unread by hand: the line moves to the new read marker.
  const marked = markedUnread.value[channelId];
  useEffect(() => {
    if (marked !== undefined) setMovedLine(marked);
  }, [marked]);
  const line = movedLine ?? lastViewed;

  // The rows: grouping, day separators and the unread line over every loaded post (cheap: no DOM).
  const rows: Row[] = [];
  let prev: Post | undefined;
  // The line is drawn only where it is known to be: the loaded posts reach back past it.
  const lineLoaded = !hasOlder.value[channelId] || (!!posts[0] && posts[0].create_at <= line);
  let unreadShown = !lineLoaded;
  for (const p of posts) {
    let day: string | undefined;
    let unread = false;
    if (!prev || dayKey(prev.create_at) !== dayKey(p.create_at)) {
      day = dayLabel(p.create_at);
      prev = undefined;
    }
    if (!unreadShown && line && p.create_at > line && (p.user_id !== s.me || marked !== undefined)) {
      unreadShown = true;
      unread = true;
      prev = undefined;
    }
    const grouped = !!prev && prev.user_id === p.user_id && p.create_at - prev.create_at < GROUP_MS && !p.props?.from_webhook;
    rows.push({ post: p, grouped, day, unread });
    prev = p;
  }
  const unreadRow = rows.find((r) => r.unread)?.post.id;
  // Unread posts (not mine) above what is loaded: the line is somewhere in older pages.
  const unreadBeyond = !lineLoaded && !!line && posts.some((p) => p.create_at > line && (p.user_id !== s.me || marked !== undefined));

  // The window: the rows around the anchor (or the bottom) that cover the viewport, plus those
  // within MARGIN of it. Rows that were not rendered before are added at most GROW at a time
  // beyond the viewport's own (the rest follow in later tasks, `more` below): a page prepended
  // above, or a jump, never builds ~30 posts in one task (issue 20 target 6: no frame over 50 ms).
  const n = rows.length;
  const h = rows.map((r) => measured.get(r.post.id) ?? estimate(r));
  const v = view.current;
  // [vs, ve): the rows in the viewport; [ms, me): with the margin.
  let vs = 0;
  let ve = n;
  let ms = 0;
  let me = n;
  const anchorAt = v.anchor && !v.atBottom ? rows.findIndex((r) => r.post.id === v.anchor) : -1;
  if (v.toTop && !v.atBottom) {
    let acc = 0;
    ve = 0;
    while (ve < n && acc < v.height) acc += h[ve++]!;
    me = ve;
    while (me < n && acc < v.height + MARGIN) acc += h[me++]!;
  } else if (anchorAt < 0) {
    let acc = 0;
    vs = n;
    while (vs > 0 && acc < v.height) acc += h[--vs]!;
    ms = vs;
    while (ms > 0 && acc < v.height + MARGIN) acc += h[--ms]!;
  } else {
    let acc = 0;
    vs = anchorAt;
    while (vs > 0 && acc < v.offset) acc += h[--vs]!;
    ms = vs;
    while (ms > 0 && acc < v.offset + MARGIN) acc += h[--ms]!;
    acc = 0;
    ve = anchorAt;
    while (ve < n && acc < v.height - v.offset) acc += h[ve++]!;
    me = ve;
    while (me < n && acc < v.height - v.offset + MARGIN) acc += h[me++]!;
  }
  // Into the margin: rows rendered last time are free, new ones cost from the budget.
  const had = renderedKeys.current;
  let budget = GROW;
  let start = vs;
  let end = ve;
  while (start > ms && (had.has(rows[start - 1]!.post.id) || budget-- > 0)) start--;
  while (end < me && (had.has(rows[end]!.post.id) || budget-- > 0)) end++;
  const partial = start > ms || end < me;
  const changed = end - start !== had.size || rows.slice(start, end).some((r) => !had.has(r.post.id));
  let above = 0;
  for (let i = 0; i < start; i++) above += h[i]!;
  // Room added above the rows when the estimates above the anchor were too big and keeping the
  // anchor in place would need a negative scrollTop; dropped once it is out of sight.
  const slack = useRef(0);
  if (start === 0 && !hasOlder.value[channelId]) slack.current = 0;
  let below = 0;
  for (let i = end; i < n; i++) below += h[i]!;
  const shown = rows.slice(start, end);
  const firstKey = shown[0]?.post.id;
  const lastKey = shown[shown.length - 1]?.post.id;
  // For the scroll handler and the resize observer, which run outside of renders.
  const layout = useRef({ firstKey, lastKey, start, end, n, keys: [] as string[], h, above, partial });
  layout.current = { firstKey, lastKey, start, end, n, keys: rows.map((r) => r.post.id), h, above, partial };

  /** Puts the anchor (or the bottom) back where it belongs after the DOM changed. */
  function restore() {
    const el = scroller.current;
    if (!el) return;
    const v = view.current;
    if (v.atBottom) {
      if (el.scrollTop !== el.scrollHeight - el.clientHeight) el.scrollTop = el.scrollHeight;
      lastTop.current = el.scrollTop;
      return;
    }
    if (v.toTop) {
      v.toTop = false;
      slack.current = 0;
      const spacer = el.querySelector<HTMLElement>('.msg-top');
      if (spacer) spacer.style.height = '0px';
      el.scrollTop = 0;
      lastTop.current = 0;
      takeAnchor();
      return;
    }
    const row = v.anchor ? el.querySelector<HTMLElement>(`.msg-row[data-row="${v.anchor}"]`) : null;
    if (!row) return;
    if (v.highlight) {
      v.highlight = false;
      row.scrollIntoView({ block: 'center' });
      lastTop.current = el.scrollTop;
      const post = row.querySelector('.post');
      post?.classList.add('highlight');
      setTimeout(() => post?.classList.remove('highlight'), 2500);
      takeAnchor();
      return;
    }
    const want = postTop(row) - v.offset;
    const spacer = el.querySelector<HTMLElement>('.msg-top');
    if (want < 0 && spacer) {
      slack.current += -want;
      spacer.style.height = `${layout.current.above + slack.current}px`;
      el.scrollTop = 0;
      lastTop.current = 0;
      return;
    }
    if (Math.abs(el.scrollTop - want) >= 1) el.scrollTop = want;
    lastTop.current = el.scrollTop;
  }

  /** Records the first row visible at the viewport's top as the anchor. */
  function takeAnchor() {
    const el = scroller.current;
    if (!el) return;
    const v = view.current;
    const top = el.scrollTop;
    const rendered = el.querySelectorAll<HTMLElement>('.msg-row');
    const first = rendered[0];
    const last = rendered[rendered.length - 1];
    if (first && last && first.offsetTop <= top + el.clientHeight && last.offsetTop + last.offsetHeight > top) {
      // The first row whose text starts in view (else the one cut by the viewport's top).
      let cut: HTMLElement | undefined;
      for (const row of rendered) {
        if (row.offsetTop + row.offsetHeight <= top) continue;
        cut ??= row;
        const t = postTop(row);
        if (t >= top || row.offsetTop > top + el.clientHeight) {
          const pick = t <= top + el.clientHeight ? row : cut;
          v.anchor = pick.dataset.row!;
          v.offset = postTop(pick) - top;
          return;
        }
      }
      if (cut) {
        v.anchor = cut.dataset.row!;
        v.offset = postTop(cut) - top;
        return;
      }
    }
    // Scrolled past what is rendered (a drag of the scrollbar): the row at that height by the
    // measured or estimated heights.
    const L = layout.current;
    const spacer = el.querySelector<HTMLElement>('.msg-top');
    if (!spacer || !L.keys.length) return;
    let y = spacer.offsetTop + slack.current;
    let i = 0;
    while (i < L.keys.length - 1 && y + L.h[i]! <= top) y += L.h[i++]!;
    v.anchor = L.keys[i]!;
    v.offset = y - top;
  }

  /** Records the height of every rendered row; true when one changed. */
  function measure(): boolean {
    const el = scroller.current;
    if (!el) return false;
    let changed = false;
    for (const row of el.querySelectorAll<HTMLElement>('.msg-row')) {
      const id = row.dataset.row!;
      const hh = row.offsetHeight;
      if (measured.get(id) !== hh) {
        measured.set(id, hh);
        changed = true;
      }
    }
    return changed;
  }

  /**
   * Whether the window needs rebuilding: 'now' when the rendered rows leave part of the viewport
   * uncovered on a side that has more (or reach far past the margin), 'later' when they only fall
   * short of MARGIN/2 beyond it (the margin is filled in later tasks, a few rows at a time).
   */
  function needsShift(): 'now' | 'later' | false {
    const el = scroller.current;
    if (!el) return false;
    const L = layout.current;
    const rowsEl = el.querySelectorAll<HTMLElement>('.msg-row');
    const first = rowsEl[0];
    const last = rowsEl[rowsEl.length - 1];
    if (!first || !last) return false;
    const top = el.scrollTop;
    const bottom = top + el.clientHeight;
    if (L.start > 0 && first.offsetTop > top) return 'now';
    if (L.end < L.n && last.offsetTop + last.offsetHeight < bottom) return 'now';
    // Far more than needed (after a jump the window is rebuilt around the anchor anyway).
    if (first.offsetTop + first.offsetHeight < top - 2 * MARGIN || last.offsetTop > bottom + 2 * MARGIN) return 'now';
    if (L.start > 0 && first.offsetTop > top - MARGIN / 2) return 'later';
    if (L.end < L.n && last.offsetTop + last.offsetHeight < bottom + MARGIN / 2) return 'later';
    return false;
  }

  // After every render: measure the rows, keep the anchor (or the bottom), and widen the window
  // when the measured heights left it short of the margin.
  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el) return;
    const v = view.current;
    v.height = el.clientHeight || v.height;
    const fresh = pend.filter((p) => !sending.current.has(p.client_msg_id));
    for (const p of fresh) sending.current.add(p.client_msg_id);
    if (sending.current.size > 200) sending.current = new Set(pend.map((p) => p.client_msg_id));
    if (fresh.some((p) => !p.failed) && !v.atBottom) {
      v.atBottom = true;
      setShowJump(false);
      rerender();
    }
    measure();
    restore();
    const spacer = el.querySelector<HTMLElement>('.msg-top');
    if (slack.current && spacer && !v.atBottom && spacer.offsetTop + spacer.offsetHeight + 50 < el.scrollTop && layout.current.above > slack.current) {
      slack.current = 0;
      spacer.style.height = `${layout.current.above}px`;
      restore();
    }
    renderedKeys.current = new Set(shown.map((r) => r.post.id));
    // Bounded: heights are measured by now, so one more render normally settles it.
    const shift = needsShift();
    if (shifts.current < 3 && shift === 'now') {
      shifts.current++;
      if (!v.atBottom) takeAnchor();
      rerender();
      return;
    }
    shifts.current = 0;
    // The rest of the margin in a later task: while rows were held back, or while the window still
    // changes and falls short of it (estimated heights were too big).
    if (more.current === undefined && (partial || (shift === 'later' && changed))) {
      more.current = setTimeout(() => {
        more.current = undefined;
        // Scrolled since (its scroll event not handled yet): rendering now would put the old
        // anchor back over the reader's scroll; the scroll handler renders the window instead.
        const el = scroller.current;
        if (el && !view.current.atBottom && Math.abs(el.scrollTop - lastTop.current) >= 1) return;
        rerender();
      }, 0);
    }
  });
  useEffect(() => () => clearTimeout(more.current), []);

  // Rows change height after rendering (images, fonts, a reaction, an edit, a wider window): keep
  // the heights and the position current.
  useEffect(() => {
    const el = scroller.current;
    if (!el || typeof ResizeObserver === 'undefined') return undefined;
    let seen = new Set<Element>();
    const ro = new ResizeObserver(() => {
      const v = view.current;
      v.height = el.clientHeight || v.height;
      if (measure()) restore();
    });
    const watch = () => {
      const now = new Set<Element>(el.querySelectorAll('.msg-row'));
      for (const r of now) if (!seen.has(r)) ro.observe(r);
      for (const r of seen) if (!now.has(r)) ro.unobserve(r);
      seen = now;
    };
    ro.observe(el);
    watch();
    const mo = new MutationObserver(watch);
    mo.observe(el, { childList: true });
    return () => {
      ro.disconnect();
      mo.disconnect();
    };
  }, []);

  /** Shows a loaded post: rebuilds the window around it and centers it. */
  function jumpTo(id: string, highlight: boolean) {
    const v = view.current;
    v.atBottom = false;
    v.anchor = id;
    v.offset = Math.max(0, (v.height - (measured.get(id) ?? EST_POST)) / 2);
    v.highlight = highlight;
    setShowJump(true);
    rerender();
  }

  // Jump to a focused post (permalink / search result), rendered or not.
  const focus = focusPostId.value;
  useEffect(() => {
    if (!focus || !rows.some((r) => r.post.id === focus)) return;
    focusPostId.value = '';
    jumpTo(focus, true);
  }, [focus, posts.length]);

  // "Jump to unread": offered while the unread line is above the viewport.
  const unreadInfo = useRef({ unreadRow, index: -1, start, unreadBeyond });
  unreadInfo.current = { unreadRow, index: unreadRow ? rows.findIndex((r) => r.post.id === unreadRow) : -1, start, unreadBeyond };
  function checkUnreadAbove() {
    const el = scroller.current;
    const u = unreadInfo.current;
    if (u.unreadBeyond) return setUnreadAbove(true);
    if (!el || !u.unreadRow) return setUnreadAbove(false);
    const row = el.querySelector<HTMLElement>(`.msg-row[data-row="${u.unreadRow}"]`);
    setUnreadAbove(row ? row.offsetTop + 20 < el.scrollTop : u.index < u.start);
  }
  useEffect(checkUnreadAbove);

  async function onScroll() {
    // A scroll in the frame before a channel switch is dispatched after the list is unmounted
    // (the browser still delivers it to the detached element).
    const el = scroller.current;
    if (!el) return;
    const v = view.current;
    const gap = el.scrollHeight - el.scrollTop - el.clientHeight;
    // Stuck to the bottom and not scrolled up since: the gap is content that grew below (a post
    // that arrived or grew between our scroll and this event), not the reader leaving the bottom.
    if (v.atBottom && gap >= 40 && el.scrollTop >= lastTop.current - 1) {
      restore();
      return;
    }
    lastTop.current = el.scrollTop;
    v.atBottom = gap < 40;
    setShowJump(!v.atBottom && gap > 400);
    if (!v.atBottom) takeAnchor();
    shifts.current = 0;
    if (needsShift() || layout.current.partial) rerender();
    checkUnreadAbove();
    if (el.scrollTop < 200 && hasOlder.value[channelId] && !loadingOlder.current && ids?.length) {
      loadingOlder.current = true;
      if (v.atBottom) {
        v.atBottom = false;
        takeAnchor();
      }
      try {
        await loadPosts(channelId, ids[0]);
      } finally {
        loadingOlder.current = false;
      }
    }
  }

  // Home and End go to the first and last loaded message, not the first and last rendered.
  function onKeyDownCapture(e: KeyboardEvent) {
    if ((e.key !== 'Home' && e.key !== 'End') || e.altKey || e.ctrlKey || e.metaKey) return;
    const target = e.target as HTMLElement;
    if (!target.matches('.post[data-post-id]') || !n) return;
    e.preventDefault();
    const id = e.key === 'Home' ? rows[0]!.post.id : rows[n - 1]!.post.id;
    const v = view.current;
    if (e.key === 'End') v.atBottom = true;
    else {
      v.atBottom = false;
      v.toTop = true;
    }
    pendingFocus.current = id;
    rerender();
  }
  const pendingFocus = useRef('');
  useLayoutEffect(() => {
    const id = pendingFocus.current;
    if (!id) return;
    const post = scroller.current?.querySelector<HTMLElement>(`.post[data-post-id="${id}"]`);
    if (post) {
      pendingFocus.current = '';
      post.focus({ preventScroll: true });
    }
  });

  /** Loads older pages until the unread line is among the loaded posts, then shows it. */
  const wantUnread = useRef(false);
  async function jumpToUnread() {
    wantUnread.current = true;
    for (let i = 0; i < 100 && unreadInfo.current.unreadBeyond && hasOlder.value[channelId]; i++) {
      const first = state.value.postsInChannel[channelId]?.[0];
      if (!first) break;
      await loadPosts(channelId, first);
    }
    rerender();
  }
  useEffect(() => {
    if (!wantUnread.current || unreadBeyond) return;
    wantUnread.current = false;
    if (unreadRow) jumpTo(unreadRow, false);
  });

  const jump = () => {
    const v = view.current;
    v.atBottom = true;
    setShowJump(false);
    rerender();
  };

  return (
    <div class="messages-wrap">
      <div
        class="messages"
        ref={scroller}
        onScroll={onScroll}
        onKeyDownCapture={onKeyDownCapture}
        role="log"
        aria-label="Messages"
        aria-live="polite"
        tabIndex={0}
        data-loaded={n}
        data-rendered={shown.length}
      >
        {ids === undefined && <div class="muted center pad">Loading messages…</div>}
        {ids !== undefined && !hasOlder.value[channelId] && <div class="channel-start muted">This is the start of the channel.</div>}
        <div class="msg-spacer msg-top" style={{ height: `${above + slack.current}px` }} aria-hidden="true" />
        {shown.map((r) => (
          <div class="msg-row" key={r.post.id} data-row={r.post.id}>
            {r.day && (
              <div class="day-sep" role="separator">
                <span>{r.day}</span>
              </div>
            )}
            {r.unread && (
              <div class="new-sep" role="separator" aria-label="New messages">
                <span>New messages</span>
              </div>
            )}
            <Message post={r.post} grouped={r.grouped} />
          </div>
        ))}
        <div class="msg-spacer" style={{ height: `${below}px` }} aria-hidden="true" />
        {pend.map((p) => (
          <PendingMessage key={p.client_msg_id} p={p} />
        ))}
      </div>
      {unreadAbove && (unreadRow || unreadBeyond) && (
        <button type="button" class="jump-unread btn small-btn" onClick={() => void jumpToUnread()}>
          Jump to unread ↑
        </button>
      )}
      {showJump && (
        <button type="button" class="jump-latest btn primary" onClick={jump}>
          Jump to latest ↓
        </button>
      )}
    </div>
  );
}
