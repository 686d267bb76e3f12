import { useRef } from 'preact/hooks';
import { channelPath } from '../router.ts';
import { useRoving } from '../roving.ts';
import { currentTeamId, state, unreadOf, type Team } from '../state.ts';
import { cx } from '../util.ts';

/** The team switcher: one button per team, unread dot for other teams. */
export function TeamBar({ teams }: { teams: Team[] }) {
  const s = state.value;
  // One Tab stop (the open team); ArrowUp/ArrowDown move between teams.
  const ref = useRef<HTMLElement>(null);
  useRoving(ref, { items: '.team-btn', initial: '.team-btn.active' });
  return (
    <nav class="teambar" aria-label="Teams" ref={ref}>
      {teams.map((t) => {
        const active = t.id === currentTeamId.value;
        const unread = !active && Object.values(s.channels).some((c) => c.team_id === t.id && unreadOf(c, s.members[c.id]).unread);
        return (
          <a key={t.id} href={channelPath(t.name, 'town-square')} class={cx('team-btn', active && 'active', unread && 'unread')} title={t.display_name || t.name} aria-current={active ? 'page' : undefined}>
            {(t.display_name || t.name).slice(0, 2)}
          </a>
        );
      })}
      <a href="/create-team" class="team-btn add" title="Create or join a team" aria-label="Create or join a team">
        +
      </a>
    </nav>
  );
}
