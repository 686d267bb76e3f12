import { setFollowing } from '../threads.ts';
import { showToast, state } from '../state.ts';

/** Follow / Following toggle for the thread open in the right panel (once it has replies). */
export function FollowButton({ rootId }: { rootId: string }) {
  const s = state.value;
  const root = s.posts[rootId];
  if (!root || !(root.reply_count > 0 || (s.threads[rootId]?.length ?? 0) > 0)) return null;
  const following = !!s.userThreads[rootId]?.following;
  return (
    <button
      type="button"
      class={`btn small-btn follow-btn${following ? ' on' : ''}`}
      aria-pressed={following}
      title={following ? 'Unfollow: replies no longer show in Threads' : 'Follow: replies show in Threads'}
      onClick={() => void setFollowing(rootId, !following).catch((e) => showToast(e.message))}
    >
      {following ? 'Following' : 'Follow'}
    </button>
  );
}
