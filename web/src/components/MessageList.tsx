import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import { loadPosts } from '../data.ts';
import { focusPostId, hasOlder, pending, state, type Post } from '../state.ts';
import { dayKey, dayLabel } from '../util.ts';
import { Message, PendingMessage } from './Message.tsx';

const GROUP_MS = 5 * 60_000;

/** A channel's root posts: day separators, author grouping, "new messages" line, infinite scroll up. */
export function MessageList({ channelId }: { channelId: string }) {
  const s = state.value;
  const ids = s.postsInChannel[channelId];
  const posts = (ids ?? []).map((id) => s.posts[id]).filter((p): p is Post => !!p && !p.root_id);
  const pend = Object.values(pending.value).filter((p) => p.channel_id === channelId && !p.root_id && !Object.values(s.posts).some((x) => x.client_msg_id === p.client_msg_id));
  const scroller = useRef<HTMLDivElement>(null);
  const atBottom = useRef(true);
  const [showJump, setShowJump] = useState(false);
  const [loadingOlder, setLoadingOlder] = useState(false);
  // The unread line stays where it was when the channel was opened, even after marking read.
  const [lastViewed, setLastViewed] = useState(0);
  const anchor = useRef<{ height: number; top: number } | null>(null);

  useEffect(() => {
    setLastViewed(s.members[channelId]?.last_viewed_at ?? 0);
    atBottom.current = true;
    setShowJump(false);
  }, [channelId]);

  // Stick to the bottom when new posts arrive and we were there; keep position when older load.
  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el) return;
    const a = anchor.current;
    if (a && el.scrollHeight !== a.height) {
      el.scrollTop = a.top + (el.scrollHeight - a.height);
      anchor.current = null;
    } else if (atBottom.current && !focusPostId.value) el.scrollTop = el.scrollHeight;
  });

  // Jump to a focused post (permalink / search result).
  const focus = focusPostId.value;
  useEffect(() => {
    if (!focus) return;
    const el = scroller.current?.querySelector(`[data-post-id="${focus}"]`) as HTMLElement | null;
    if (el) {
      el.scrollIntoView({ block: 'center' });
      el.classList.add('highlight');
      atBottom.current = false;
      setShowJump(true);
      setTimeout(() => el.classList.remove('highlight'), 2500);
      focusPostId.value = '';
    }
  }, [focus, posts.length]);

  async function onScroll() {
    const el = scroller.current!;
    atBottom.current = el.scrollHeight - el.scrollTop - el.clientHeight < 40;
    setShowJump(!atBottom.current && el.scrollHeight - el.scrollTop - el.clientHeight > 400);
    if (el.scrollTop < 200 && hasOlder.value[channelId] && !loadingOlder && posts.length) {
      setLoadingOlder(true);
      try {
        anchor.current = { height: el.scrollHeight, top: el.scrollTop };
        await loadPosts(channelId, ids![0]);
      } finally {
        setLoadingOlder(false);
      }
    }
  }

  const jump = () => {
    const el = scroller.current!;
    el.scrollTop = el.scrollHeight;
    atBottom.current = true;
    setShowJump(false);
  };

  const rows = [];
  let prev: Post | undefined;
  let unreadShown = false;
  for (const p of posts) {
    if (!prev || dayKey(prev.create_at) !== dayKey(p.create_at)) {
      rows.push(
        <div class="day-sep" role="separator" key={`d${p.id}`}>
          <span>{dayLabel(p.create_at)}</span>
        </div>,
      );
      prev = undefined;
    }
    if (!unreadShown && lastViewed && p.create_at > lastViewed && p.user_id !== s.me) {
      unreadShown = true;
      rows.push(
        <div class="new-sep" role="separator" key={`n${p.id}`} aria-label="New messages">
          <span>New messages</span>
        </div>,
      );
      prev = undefined;
    }
    const grouped = !!prev && prev.user_id === p.user_id && p.create_at - prev.create_at < GROUP_MS && !(p.props as any)?.from_webhook;
    rows.push(<Message key={p.id} post={p} grouped={grouped} />);
    prev = p;
  }

  return (
    <div class="messages-wrap">
      <div class="messages" ref={scroller} onScroll={onScroll} role="log" aria-label="Messages" aria-live="polite" tabIndex={0}>
        {ids === undefined && <div class="muted center pad">Loading messages…</div>}
        {ids !== undefined && !hasOlder.value[channelId] && <div class="channel-start muted">This is the start of the channel.</div>}
        {rows}
        {pend.map((p) => (
          <PendingMessage key={p.client_msg_id} p={p} />
        ))}
      </div>
      {showJump && (
        <button type="button" class="jump-latest btn primary" onClick={jump}>
          Jump to latest ↓
        </button>
      )}
    </div>
  );
}
