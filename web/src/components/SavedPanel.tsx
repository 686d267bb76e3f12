import { useEffect, useState } from 'preact/hooks';
import { renderMarkdown } from '../markdown.ts';
import { navigate, permalinkPath } from '../router.ts';
import { loadMoreSaved, loadSaved, savedCursor, savedOf, setSaved } from '../saved.ts';
import { channelTitle, currentTeam, displayName, me, showToast, state } from '../state.ts';
import { fullDate } from '../util.ts';
import { Avatar } from './Avatar.tsx';

/** The right panel's saved messages: newest post first, each with Jump and Remove. */
export function SavedPanel() {
  const team = currentTeam.value;
  const s = state.value;
  const [loading, setLoading] = useState(true);
  useEffect(() => {
    loadSaved()
      .catch((e) => showToast(e.message))
      .finally(() => setLoading(false));
  }, []);
  if (!team) return null;
  const list = savedOf(team.id);
  if (loading && !list.length) return <p class="muted pad">Loading…</p>;
  if (!list.length) return <p class="muted pad">No saved messages yet. Save one from its “More actions” menu.</p>;
  const fail = (e: Error) => showToast(e.message);
  return (
    <div class="panel-scroll">
      <ul class="results saved-list">
        {list.map((p) => {
          const ch = s.channels[p.channel_id];
          const author = s.users[p.user_id];
          return (
            <li key={p.id} class="saved-item" data-post-id={p.id}>
              <div class="small muted">
                {ch ? (ch.type === 'O' || ch.type === 'P' ? '~' : '') + channelTitle(ch, s) : ''} · <time dateTime={new Date(p.create_at).toISOString()}>{fullDate(p.create_at)}</time>
              </div>
              <div class="saved-head">
                <Avatar user={author} size="sm" /> <strong>{displayName(author)}</strong>
              </div>
              <div class="result-body">{renderMarkdown(p.message, { myUsername: me.value?.username })}</div>
              <div class="saved-actions">
                <button type="button" class="btn small-btn" onClick={() => navigate(permalinkPath(team.name, p.id))}>
                  Jump
                </button>
                <button type="button" class="btn small-btn" onClick={() => void setSaved(p.id, false).catch(fail)}>
                  Remove from saved
                </button>
              </div>
            </li>
          );
        })}
      </ul>
      {savedCursor.value && (
        <button type="button" class="btn pad" onClick={() => void loadMoreSaved().catch(fail)}>
          Older saved messages
        </button>
      )}
    </div>
  );
}
