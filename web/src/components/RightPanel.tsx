import { useEffect, useRef, useState } from 'preact/hooks';
import { useRoving } from '../roving.ts';
import { get, qs } from '../api.ts';
import type { SearchResults } from '../../../src/contract/api.ts';
import { loadChannelMembers, loadMissingUsers, loadPinned, openDirect } from '../data.ts';
import { renderMarkdown } from '../markdown.ts';
import { channelPath, navigate, permalinkPath } from '../router.ts';
import { channelTitle, currentChannelId, currentTeam, displayName, mergeUsers, pending, rightPanel, showToast, state, type Post, type User } from '../state.ts';
import { fullDate, timeOf } from '../util.ts';
import { Avatar, PresenceDot } from './Avatar.tsx';
import { Composer } from './Composer.tsx';
import { Message, PendingMessage } from './Message.tsx';
import { canModerate, removeMember } from '../channel-ops.ts';
import { AddMembers } from './ChannelDialogs.tsx';
import { confirmDialog } from './Modal.tsx';
import { SavedPanel } from './SavedPanel.tsx';
import { FollowButton } from './FollowButton.tsx';
import { ChannelFiles, FileResults } from '../files/file-results.tsx';

export function RightPanel() {
  const p = rightPanel.value;
  if (!p) return null;
  const close = () => (rightPanel.value = null);
  const title =
    p.kind === 'thread' ? 'Thread' : p.kind === 'search' ? 'Search results' : p.kind === 'pinned' ? 'Pinned messages' : p.kind === 'saved' ? 'Saved messages' : p.kind === 'files' ? 'Channel files' : 'Members';
  return (
    <aside class="rpanel" aria-label={title}>
      <header class="rpanel-head">
        <h2>{title}</h2>
        {p.kind === 'thread' && <FollowButton rootId={p.postId} />}
        <button type="button" class="icon-btn" aria-label="Close panel" onClick={close}>
          ×
        </button>
      </header>
      {p.kind === 'thread' && <Thread rootId={p.postId} />}
      {p.kind === 'search' && <SearchTabs q={p.q} tab={p.tab ?? 'messages'} />}
      {p.kind === 'files' && <ChannelFiles channelId={currentChannelId.value} />}
      {p.kind === 'pinned' && <Pinned />}
      {p.kind === 'members' && <Members />}
      {p.kind === 'saved' && <SavedPanel />}
    </aside>
  );
}

function Thread({ rootId }: { rootId: string }) {
  const s = state.value;
  const root = s.posts[rootId];
  const replies = (s.threads[rootId] ?? []).map((id) => s.posts[id]).filter((x): x is Post => !!x);
  const pend = Object.values(pending.value).filter((x) => x.root_id === rootId && !Object.values(s.posts).some((p) => p.client_msg_id === x.client_msg_id));
  // The thread's messages are one Tab stop like the channel's; opening a thread puts the focus in
  // its reply box.
  const postsRef = useRef<HTMLDivElement>(null);
  useRoving(postsRef, { items: '.post[data-post-id]', initial: 'last' }, `${rootId}:${!!root}`);
  useEffect(() => {
    if (root) postsRef.current?.parentElement?.querySelector<HTMLTextAreaElement>('textarea[aria-label="Reply in thread"]')?.focus();
  }, [rootId, !!root]);
  if (!root) return <div class="muted pad">Loading thread…</div>;
  return (
    <div class="thread">
      <div class="thread-posts" role="log" aria-label="Thread messages" ref={postsRef}>
        <Message post={root} inThread />
        <div class="thread-count muted small">
          {replies.length} {replies.length === 1 ? 'reply' : 'replies'}
        </div>
        {replies.map((r, i) => (
          <Message key={r.id} post={r} inThread grouped={i > 0 && replies[i - 1]!.user_id === r.user_id && r.create_at - replies[i - 1]!.create_at < 300_000} />
        ))}
        {pend.map((x) => (
          <PendingMessage key={x.client_msg_id} p={x} />
        ))}
      </div>
      <Composer key={rootId} channelId={root.channel_id} rootId={rootId} />
    </div>
  );
}

function jumpTo(postId: string) {
  const team = currentTeam.value;
  if (team) navigate(permalinkPath(team.name, postId));
}

/** Search results: messages, or files (same query: name words, ext:, in:, from:, dates). */
function SearchTabs({ q, tab }: { q: string; tab: 'messages' | 'files' }) {
  const team = currentTeam.value;
  const pick = (t: 'messages' | 'files') => (rightPanel.value = { kind: 'search', q, tab: t });
  return (
    <>
      <div class="tabs pad" role="tablist" aria-label="Search results">
        <button type="button" role="tab" aria-selected={tab === 'messages'} class={`tab${tab === 'messages' ? ' active' : ''}`} onClick={() => pick('messages')}>
          Messages
        </button>
        <button type="button" role="tab" aria-selected={tab === 'files'} class={`tab${tab === 'files' ? ' active' : ''}`} onClick={() => pick('files')}>
          Files
        </button>
      </div>
      {tab === 'messages' ? (
        <Search q={q} />
      ) : (
        <div class="panel-scroll">
          <p class="muted small pad">
            Files for <strong>{q}</strong> · names, text content, <code>ext:</code> <code>from:</code> <code>in:</code> <code>on:</code>
          </p>
          <FileResults q={q} teamId={team?.id} />
        </div>
      )}
    </>
  );
}

function Search({ q }: { q: string }) {
  const team = currentTeam.value;
  const [results, setResults] = useState<Post[] | null>(null);
  const [matches, setMatches] = useState<Record<string, string[]>>({});
  const [error, setError] = useState('');
  const [cursor, setCursor] = useState<string | null>(null);
  // Only the latest request's answer is shown: a search for an earlier text (or team) that
  // answers after a newer one must not replace its results.
  const asked = useRef(0);
  async function run(more?: string) {
    const mine = ++asked.current;
    try {
      const r = await get<SearchResults>(`/search${qs({ q, team_id: team?.id, cursor: more })}`);
      const list = r.items;
      await loadMissingUsers(list.map((p) => p.user_id));
      if (mine !== asked.current) return;
      setResults((prev) => (more ? [...(prev ?? []), ...list] : list));
      setMatches((m) => (more ? { ...m, ...r.matches } : r.matches));
      setCursor(r.next_cursor);
    } catch (e) {
      if (mine === asked.current) setError((e as Error).message);
    }
  }
  useEffect(() => {
    setResults(null);
    setError('');
    void run();
  }, [q, team?.id]);
  const s = state.value;
  return (
    <div class="panel-scroll">
      <p class="muted small pad">
        Results for <strong>{q}</strong> · modifiers: <code>from:</code> <code>in:</code> <code>before:</code> <code>after:</code> <code>on:</code> <code>"phrase"</code> <code>-word</code>
      </p>
      {error && (
        <p class="form-error pad" role="alert">
          {error}
        </p>
      )}
      {results === null && !error && <p class="muted pad">Searching…</p>}
      {results?.length === 0 && <p class="muted pad">No results.</p>}
      <ul class="results">
        {results?.map((p) => {
          const ch = s.channels[p.channel_id];
          return (
            <li key={p.id}>
              <button type="button" class="result" onClick={() => jumpTo(p.id)} data-post-id={p.id}>
                <div class="small muted">
                  {ch ? (ch.type === 'O' || ch.type === 'P' ? '~' : '') + channelTitle(ch, s) : ''} · <span title={fullDate(p.create_at)}>{new Date(p.create_at).toLocaleDateString()} {timeOf(p.create_at)}</span>
                </div>
                <div>
                  <strong>{displayName(s.users[p.user_id])}</strong>
                </div>
                <div class="result-body">{renderMarkdown(p.message, { myUsername: s.users[s.me]?.username, highlight: matches[p.id] })}</div>
                <span class="small jump-label">Jump</span>
              </button>
            </li>
          );
        })}
      </ul>
      {cursor && (
        <button type="button" class="btn pad" onClick={() => run(cursor)}>
          More results
        </button>
      )}
    </div>
  );
}

function Pinned() {
  const chId = currentChannelId.value;
  const s = state.value;
  useEffect(() => {
    if (chId) void loadPinned(chId).catch(() => {});
  }, [chId]);
  const list = (s.pinned[chId] ?? []).map((id) => s.posts[id]).filter((x): x is Post => !!x);
  if (s.pinned[chId] === undefined) return <p class="muted pad">Loading…</p>;
  if (!list.length) return <p class="muted pad">No pinned messages yet. Pin one from its actions menu.</p>;
  return (
    <ul class="results panel-scroll">
      {list.map((p) => (
        <li key={p.id}>
          <button type="button" class="result" onClick={() => jumpTo(p.id)}>
            <strong>{displayName(s.users[p.user_id])}</strong> <span class="muted small">{fullDate(p.create_at)}</span>
            <div class="result-body">{renderMarkdown(p.message)}</div>
          </button>
        </li>
      ))}
    </ul>
  );
}

function Members() {
  const chId = currentChannelId.value;
  const team = currentTeam.value;
  const s = state.value;
  const [adding, setAdding] = useState(false);
  useEffect(() => {
    if (chId) void loadChannelMembers(chId).catch(() => {});
  }, [chId]);
  const ids = s.channelMembers[chId];
  const ch = s.channels[chId];
  if (!ids || !ch) return <p class="muted pad">Loading…</p>;
  const users = ids.map((id) => s.users[id]).filter((u) => !!u).sort((a, b) => a!.username.localeCompare(b!.username));
  const teamChannel = (ch.type === 'O' || ch.type === 'P') && !ch.delete_at;
  const mod = teamChannel && canModerate(ch);
  async function remove(u: User) {
    if (!(await confirmDialog(`Remove @${u.username}?`, `${displayName(u)} will no longer see ${ch!.display_name || ch!.name}${ch!.type === 'P' ? ' or its history' : ''}.`, 'Remove'))) return;
    await removeMember(chId, u.id).catch((e) => showToast(e.message));
  }
  return (
    <div class="panel-scroll">
      {teamChannel && (
        <div class="pad">
          <button type="button" class="btn" onClick={() => setAdding(true)}>
            Add members
          </button>
        </div>
      )}
      <ul class="member-list">
        {users.map((u) => (
          <li key={u!.id} data-username={u!.username}>
            <span class="avatar-wrap">
              <Avatar user={u} size="sm" profile />
              <PresenceDot userId={u!.id} />
            </span>
            <span>
              <button type="button" class="author-btn" data-profile={u!.id}>
                <strong>{displayName(u)}</strong>
              </button> <span class="muted small">@{u!.username}</span>
            </span>
            {u!.id !== s.me && team && (
              <button
                type="button"
                class="btn small-btn"
                onClick={() =>
                  void openDirect([u!.id]).then((dm) => {
                    mergeUsers([u!]);
                    navigate(channelPath(team.name, dm.name));
                  })
                }
              >
                Message
              </button>
            )}
            {u!.id !== s.me && mod && ch.name !== 'town-square' && (
              <button type="button" class="btn small-btn" aria-label={`Remove @${u!.username} from the channel`} onClick={() => void remove(u!)}>
                Remove
              </button>
            )}
          </li>
        ))}
      </ul>
      {adding && <AddMembers channel={ch} onClose={() => setAdding(false)} />}
    </div>
  );
}
