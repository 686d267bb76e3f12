import { route, threadsPath } from '../router.ts';
import { mobilePane, rightPanel, type Team } from '../state.ts';
import { threadBadge } from '../threads.ts';
import { cx } from '../util.ts';
import { Icon } from './Icon.tsx';

/** The sidebar's entries above the channels: Threads (with its unread badge) and Saved. */
export function SidebarViews({ team }: { team: Team }) {
  const badge = threadBadge.value[team.id] ?? { unread: 0, mentions: 0 };
  const inThreads = route.value.name === 'threads';
  const savedOpen = rightPanel.value?.kind === 'saved';
  return (
    <ul class="sb-views" aria-label="Views">
      <li>
        <a
          href={threadsPath(team.name)}
          class={cx('ch-item', inThreads && 'active', badge.unread > 0 && 'unread')}
          aria-current={inThreads ? 'page' : undefined}
          data-view="threads"
          onClick={() => (mobilePane.value = 'channel')}
        >
          <span class="ch-icon" aria-hidden="true">
            <Icon name="threads" />
          </span>
          <span class="ch-name">Threads</span>
          {badge.mentions > 0 && (
            <span class="badge" aria-label={`${badge.mentions} ${badge.mentions === 1 ? 'mention' : 'mentions'} in threads`}>
              {badge.mentions}
            </span>
          )}
          {badge.unread > 0 && !badge.mentions && <span class="sr-only">unread</span>}
        </a>
      </li>
      <li>
        <button type="button" class={cx('ch-item', savedOpen && 'active')} aria-pressed={savedOpen} data-view="saved" onClick={() => (rightPanel.value = savedOpen ? null : { kind: 'saved' })}>
          <span class="ch-icon" aria-hidden="true">
            <Icon name="bookmark" />
          </span>
          <span class="ch-name">Saved</span>
        </button>
      </li>
    </ul>
  );
}
