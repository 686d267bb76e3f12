import { displayName, state, type User } from '../state.ts';
import { hue } from '../util.ts';

export function Avatar({ user, size = 'md' }: { user: User | undefined; size?: 'sm' | 'md' }) {
  const name = displayName(user);
  return (
    <span class={`avatar av-${size} av${hue(user?.id ?? '')}`} aria-hidden="true">
      {name.slice(0, 1).toUpperCase()}
    </span>
  );
}

export function PresenceDot({ userId, status }: { userId: string; status?: string }) {
  const st = status ?? state.value.statuses[userId]?.status ?? 'offline';
  return <span class={`presence presence-${st}`} title={st} aria-label={st} role="img" />;
}
