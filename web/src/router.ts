/** Client routes on the History API. The server answers any non-file path with index.html. */
import { signal } from '@preact/signals';

export type Route =
  | { name: 'login' }
  | { name: 'signup'; invite?: string; team?: string }
  | { name: 'home' }
  | { name: 'create_team' }
  | { name: 'invite'; teamId: string; inviteId: string }
  | { name: 'channel'; team: string; channel: string }
  | { name: 'permalink'; team: string; postId: string }
  | { name: 'settings' }
  | { name: 'admin'; tab: string };

export function parse(path: string, search = ''): Route {
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  const q = new URLSearchParams(search);
  if (parts[0] === 'login') return { name: 'login' };
  if (parts[0] === 'signup') return { name: 'signup', invite: q.get('invite') ?? undefined, team: q.get('team') ?? undefined };
  if (parts[0] === 'create-team') return { name: 'create_team' };
  if (parts[0] === 'invite' && parts.length >= 3) return { name: 'invite', teamId: parts[1]!, inviteId: parts[2]! };
  if (parts[0] === 'settings') return { name: 'settings' };
  if (parts[0] === 'admin') return { name: 'admin', tab: parts[1] ?? 'users' };
  if (parts.length >= 3 && parts[1] === 'channels') return { name: 'channel', team: parts[0]!, channel: parts[2]! };
  if (parts.length >= 3 && parts[1] === 'pl') return { name: 'permalink', team: parts[0]!, postId: parts[2]! };
  if (parts.length === 1) return { name: 'channel', team: parts[0]!, channel: 'town-square' };
  return { name: 'home' };
}

export const route = signal<Route>(parse(location.pathname, location.search));

export function navigate(path: string, replace = false) {
  if (path === location.pathname + location.search) return;
  if (replace) history.replaceState(null, '', path);
  else history.pushState(null, '', path);
  route.value = parse(location.pathname, location.search);
}

addEventListener('popstate', () => (route.value = parse(location.pathname, location.search)));

export const channelPath = (team: string, channel: string) => `/${encodeURIComponent(team)}/channels/${encodeURIComponent(channel)}`;
export const permalinkPath = (team: string, postId: string) => `/${encodeURIComponent(team)}/pl/${postId}`;

/** Click handler for in-app links: plain left clicks navigate without a reload. */
export function linkClick(e: MouseEvent) {
  if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
  const a = (e.target as Element).closest?.('a');
  if (!a || a.target === '_blank' || a.origin !== location.origin || a.hasAttribute('download')) return;
  e.preventDefault();
  navigate(a.pathname + a.search);
}
