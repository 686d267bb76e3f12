import { useEffect, useState } from 'preact/hooks';
import { get, qs } from '../api.ts';
import type { SearchResults } from '../../../src/contract/api.ts';
import { loadChannelMembers, loadMissingUsers, loadPinned, openDirect } from '../data.ts';
import { renderMarkdown } from '../markdown.ts';
import { channelPath, navigate, permalinkPath } from '../router.ts';
import { channelTitle, currentChannelId, currentTeam, displayName, mergeUsers, pending, rightPanel, state, type Post } from '../state.ts';
import { fullDate, timeOf } from '../util.ts';
import { Avatar, PresenceDot } from './Avatar.tsx';
import { Composer } from './Composer.tsx';
import { Message, PendingMessage } from './Message.tsx';

export function RightPanel() {
  const p = rightPanel.value;
  if (!p) return null;
  const close = () => (rightPanel.value = null);
  const title = p.kind === 'thread' ? 'Thread' : p.kind === 'search' ? 'Search results' : p.kind === 'pinned' ? 'Pinned messages' : 'Members';
  return (
    <aside class="rpanel" aria-label={title}>
      <header class="rpanel-head">
        <h2>{title}</h2>
        <button type="button" class="icon-btn" aria-label="Close panel" onClick={close}>
          ×
        </button>
      </header>
      {p.kind === 'thread' && <Thread rootId={p.postId} />}
      {p.kind === 'search' && <Search q={p.q} />}
      {p.kind === 'pinned' && <Pinned />}
      {p.kind === 'members' && <Members />}
    </aside>
  );
}

function Thread({ rootId }: { rootId: string }) {
  const s = state.value;
  const root = s.posts[rootId];
  const replies = (s.threads[rootId] ?? []).map((id) => s.posts[id]).filter((x): x is Post => !!x);
  const pend = Object.values(pending.value).filter((x) => x.root_id === rootId && !Object.values(s.posts).some((p) => p.client_msg_id === x.client_msg_id));
  if (!root) return <div class="muted pad">Loading thread…</div>;
  return (
    <div class="thread">
      <div class="thread-posts" role="log" aria-label="Thread messages">
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

function Search({ q }: { q: string }) {
  const team = currentTeam.value;
  const [results, setResults] = useState<Post[] | null>(null);
  const [error, setError] = useState('');
  const [cursor, setCursor] = useState<string | null>(null);
  async function run(more?: string) {
    try {
      const r = await get<SearchResults>(`/search${qs({ q, team_id: team?.id, cursor: more })}`);
      const list = r.items;
      await loadMissingUsers(list.map((p) => p.user_id));
      setResults(more ? [...(results ?? []), ...list] : list);
      setCursor(r.next_cursor);
    } catch (e) {
      setError((e as Error).message);
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
                <div class="result-body">{renderMarkdown(p.message, { myUsername: s.users[s.me]?.username })}</div>
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
  useEffect(() => {
    if (chId) void loadChannelMembers(chId).catch(() => {});
  }, [chId]);
  const ids = s.channelMembers[chId];
  if (!ids) return <p class="muted pad">Loading…</p>;
  const users = ids.map((id) => s.users[id]).filter((u) => !!u).sort((a, b) => a!.username.localeCompare(b!.username));
  return (
    <ul class="member-list panel-scroll">
      {users.map((u) => (
        <li key={u!.id}>
          <span class="avatar-wrap">
            <Avatar user={u} size="sm" />
            <PresenceDot userId={u!.id} />
          </span>
          <span>
            <strong>{displayName(u)}</strong> <span class="muted small">@{u!.username}</span>
          </span>
          {u!.id !== s.me && team && (
            <button
              type="button"
              class="btn small-btn"
              onClick={() =>
                void openDirect([u!.id]).then((ch) => {
                  mergeUsers([u!]);
                  navigate(channelPath(team.name, ch.name));
                })
              }
            >
              Message
            </button>
          )}
        </li>
      ))}
    </ul>
  );
}
