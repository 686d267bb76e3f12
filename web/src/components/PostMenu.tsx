import { useComputed } from '@preact/signals';
import { markUnreadFrom } from '../mark-unread.ts';
import { setSaved } from '../saved.ts';
import { setFollowing } from '../threads.ts';
import { showToast, state, type Post } from '../state.ts';
import { Icon } from './Icon.tsx';
import { Menu } from './Menu.tsx';

/** A message's "More actions" menu: save or unsave, mark as unread, follow or unfollow its thread. */
export function PostMenu({ post, inThread }: { post: Post; inThread?: boolean }) {
  // Computed slices, not the whole state: a new post elsewhere re-renders no menu.
  const saved = useComputed(() => !!state.value.saved[post.id]).value;
  const fail = (e: Error) => showToast(e.message);
  const rootId = post.root_id || post.id;
  // A thread exists once the root has a reply; following one without is pointless.
  const hasThread = !!post.root_id || (post.reply_count ?? 0) > 0;
  const following = useComputed(() => !!state.value.userThreads[rootId]?.following).value;
  return (
    <Menu label="Message actions" buttonLabel="More actions" class="icon-btn" button={<Icon name="more" />} menuClass="post-menu">
      <button type="button" role="menuitem" onClick={() => void setSaved(post.id, !saved).catch(fail)}>
        {saved ? 'Remove from saved' : 'Save message'}
      </button>
      <button type="button" role="menuitem" onClick={() => void markUnreadFrom(post, !!inThread).catch(fail)}>
        Mark as unread
      </button>
      {hasThread && (
        <button type="button" role="menuitem" onClick={() => void setFollowing(rootId, !following).catch(fail)}>
          {following ? 'Unfollow thread' : 'Follow thread'}
        </button>
      )}
    </Menu>
  );
}
