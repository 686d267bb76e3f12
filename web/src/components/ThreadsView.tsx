import { useEffect, useState } from 'preact/hooks';
import { renderMarkdown } from '../markdown.ts';
import { channelPath, navigate, permalinkPath } from '../router.ts';
import { loadThreads, markAllThreadsRead, markThreadRead, markThreadUnread, setFollowing, threadCursor, threadsOf } from '../threads.ts';
import { channelTitle, currentTeam, displayName, me, mobilePane, pageWhere, rightPanel, showToast, state } from '../state.ts';
import { cx, fullDate, timeOf } from '../util.ts';
import type { Thread } from '../../../src/realtime/reducer.ts';
import { Avatar } from './Avatar.tsx';
import { Icon } from './Icon.tsx';
import { Menu } from './Menu.tsx';
import { openThread } from './Message.tsx';

/**
 * The team's Threads view (Mattermost's "Threads"): the threads I follow, latest activity first,
 * with unread replies and mentions; opening one shows it in the right panel and reads it.
 */
export function ThreadsView() {
  const team = currentTeam.value;
  const [tab, setTab] = useState<'all' | 'unread'>('all');
  const [loaded, setLoaded] = useState(false);
  useEffect(() => {
    if (!team) return;
    setLoaded(false);
    loadThreads(team.id)
      .catch((e) => showToast(e.message))
      .finally(() => setLoaded(true));
  }, [team?.id]);
  useEffect(() => {
    pageWhere.value = team ? `Threads - ${team.display_name || team.name}` : '';
    return () => void (pageWhere.value = '');
  }, [team?.id]);
  if (!team) return <main class="chan empty" aria-label="Threads" />;
  const all = threadsOf(team.id);
  const list = tab === 'unread' ? all.filter((t) => t.unread_replies > 0) : all;
  const anyUnread = all.some((t) => t.unread_replies > 0);
  const fail = (e: Error) => showToast(e.message);
  return (
    <main class="chan threads-view" aria-label="Threads">
      <header class="ch-header">
        <button type="button" class="icon-btn back-btn" aria-label="Back to channels" onClick={() => (mobilePane.value = 'sidebar')}>
          <Icon name="back" />
        </button>
        <div class="ch-title">
          <h1>
            <Icon name="threads" /> <span class="ch-name">Followed threads</span>
          </h1>
        </div>
        <div class="ch-tools threads-tools">
          <div role="group" aria-label="Show" class="seg">
            <button type="button" class={cx('seg-btn', tab === 'all' && 'on')} aria-pressed={tab === 'all'} onClick={() => setTab('all')}>
              All
            </button>
            <button type="button" class={cx('seg-btn', tab === 'unread' && 'on')} aria-pressed={tab === 'unread'} onClick={() => setTab('unread')}>
              Unread
            </button>
          </div>
          <button type="button" class="btn small-btn" disabled={!anyUnread} onClick={() => void markAllThreadsRead(team.id).catch(fail)}>
            Mark all as read
          </button>
        </div>
      </header>
      <div class="threads-scroll">
        {!loaded && !all.length && <p class="muted pad">Loading…</p>}
        {loaded && !list.length && (
          <p class="muted pad threads-empty">{tab === 'unread' ? 'No unread threads.' : 'No followed threads yet. You follow a thread when you start it, reply in it or are mentioned in it.'}</p>
        )}
        <ul class="thread-list" aria-label={tab === 'unread' ? 'Unread threads' : 'Followed threads'}>
          {list.map((t) => (
            <ThreadItem key={t.id} t={t} teamName={team.name} />
          ))}
        </ul>
        {tab === 'all' && threadCursor.value[team.id] && (
          <button type="button" class="btn pad" onClick={() => void loadThreads(team.id, true).catch(fail)}>
            Older threads
          </button>
        )}
      </div>
    </main>
  );
}

function ThreadItem({ t, teamName }: { t: Thread; teamName: string }) {
  const s = state.value;
  const root = s.posts[t.id]!;
  const ch = s.channels[t.channel_id];
  const author = s.users[root.user_id];
  const open = rightPanel.value?.kind === 'thread' && rightPanel.value.postId === t.id;
  const unread = t.unread_replies > 0;
  const fail = (e: Error) => showToast(e.message);
  const show = () => {
    openThread(t.id);
    void markThreadRead(t.id).catch(fail);
  };
  const others = t.participants.filter((id) => id !== root.user_id).slice(-4);
  return (
    <li class={cx('thread-item', unread && 'unread', open && 'open')} data-thread-id={t.id}>
      <button type="button" class="thread-open" onClick={show} aria-current={open ? 'true' : undefined}>
        <div class="thread-meta small muted">
          {ch ? (ch.type === 'O' || ch.type === 'P' ? '~' : '') + channelTitle(ch, s) : ''}
          {' · '}
          <time dateTime={new Date(t.last_reply_at || root.create_at).toISOString()} title={fullDate(t.last_reply_at || root.create_at)}>
            {timeOf(t.last_reply_at || root.create_at)}
          </time>
        </div>
        <div class="thread-head">
          <Avatar user={author} size="sm" /> <strong>{displayName(author)}</strong>
          {t.unread_mentions > 0 ? (
            <span class="badge" aria-label={`${t.unread_mentions} ${t.unread_mentions === 1 ? 'mention' : 'mentions'}`}>
              {t.unread_mentions}
            </span>
          ) : unread ? (
            <span class="unread-dot" role="img" aria-label="unread replies" />
          ) : null}
        </div>
        <div class="thread-excerpt">{renderMarkdown(root.message, { myUsername: me.value?.username })}</div>
        <div class="thread-foot small">
          <span class="thread-participants" aria-hidden="true">
            {others.map((id) => (
              <Avatar key={id} user={s.users[id]} size="sm" />
            ))}
          </span>
          <span class="replies-count">
            {t.reply_count} {t.reply_count === 1 ? 'reply' : 'replies'}
          </span>
          {unread && (
            <span class="unread-count">
              {' · '}
              {t.unread_replies} new
            </span>
          )}
        </div>
      </button>
      <Menu label={`Thread options`} buttonLabel="Thread options" class="icon-btn thread-menu" button={<Icon name="more" />}>
        <button type="button" role="menuitem" onClick={() => void setFollowing(t.id, false).catch(fail)}>
          Unfollow thread
        </button>
        {unread ? (
          <button type="button" role="menuitem" onClick={() => void markThreadRead(t.id).catch(fail)}>
            Mark as read
          </button>
        ) : (
          <button type="button" role="menuitem" onClick={() => void markThreadUnread(t.id, lastReplyId(t.id) ?? t.id).catch(fail)}>
            Mark as unread
          </button>
        )}
        <button type="button" role="menuitem" onClick={() => navigate(ch ? permalinkPath(teamName, t.id) : channelPath(teamName, 'town-square'))}>
          Open in channel
        </button>
      </Menu>
    </li>
  );
}

/** The newest held reply of a thread (mark unread from there), if its replies are loaded. */
function lastReplyId(rootId: string): string | undefined {
  const ids = state.value.threads[rootId];
  return ids?.[ids.length - 1];
}
