/** Client routes on the History API. The server answers any non-file path with index.html. */
import { signal } from '@preact/signals';

export type Route =
  | { name: 'login'; next?: string }
  | { name: 'signup'; next?: string }
  | { name: 'home' }
  | { name: 'create_team' }
  | { name: 'invite'; teamId: string; inviteId: string }
  // An emailed invitation (Mattermost's sign-up path, so the link works in either web client).
  | { name: 'invite_token'; token: string }
  | { name: 'channel'; team: string; channel: string }
  | { name: 'permalink'; team: string; postId: string }
  /** The team's Threads view (threads I follow). */
  | { name: 'threads'; team: string }
  /** The team's integrations (Mattermost's path): webhooks, slash commands, bots. */
  | { name: 'integrations'; team: string; tab: string }
  | { name: 'settings' }
  | { name: 'admin'; tab: string }
  // Mattermost's paths, so a reset email opens the same page in either web client.
  | { name: 'reset_password' }
  | { name: 'reset_password_complete'; token: string };

export function parse(path: string, search = ''): Route {
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  const q = new URLSearchParams(search);
  // `next`: where to go once signed in (a deep link or invite followed while signed out). The old
  // `?team=&invite=` of sign-up links is read as the invite's path.
  const invite = q.get('team') && q.get('invite') ? `/invite/${q.get('team')}/${q.get('invite')}` : undefined;
  if (parts[0] === 'login') return { name: 'login', next: safeNext(q.get('next') ?? invite) };
  if (parts[0] === 'signup') return { name: 'signup', next: safeNext(q.get('next') ?? invite) };
  if (parts[0] === 'reset_password') return { name: 'reset_password' };
  if (parts[0] === 'reset_password_complete') return { name: 'reset_password_complete', token: q.get('token') ?? '' };
  if (parts[0] === 'create-team') return { name: 'create_team' };
  if (parts[0] === 'signup_user_complete' && q.get('t')) return { name: 'invite_token', token: q.get('t')! };
  if (parts[0] === 'invite' && parts.length >= 3) return { name: 'invite', teamId: parts[1]!, inviteId: parts[2]! };
  if (parts[0] === 'settings') return { name: 'settings' };
  if (parts[0] === 'admin') return { name: 'admin', tab: parts[1] ?? 'users' };
  if (parts.length >= 3 && parts[1] === 'channels') return { name: 'channel', team: parts[0]!, channel: parts[2]! };
  if (parts.length >= 2 && parts[1] === 'integrations') return { name: 'integrations', team: parts[0]!, tab: parts[2] ?? 'incoming_webhooks' };
  if (parts.length === 2 && parts[1] === 'threads') return { name: 'threads', team: parts[0]! };
  if (parts.length >= 3 && parts[1] === 'pl') return { name: 'permalink', team: parts[0]!, postId: parts[2]! };
  if (parts.length === 1) return { name: 'channel', team: parts[0]!, channel: 'town-square' };
  return { name: 'home' };
}

/** An in-app path to go to after signing in, or undefined (other origins, auth pages, junk). */
export function safeNext(p: string | null | undefined): string | undefined {
  if (!p || !p.startsWith('/') || p.startsWith('//') || p.includes('\\') || p.length > 512) return undefined;
  if (/^\/(login|signup)(\/|\?|$)/.test(p)) return undefined;
  return p;
}

/** `/login` or `/signup`, keeping where to go afterwards. */
export const authPath = (page: 'login' | 'signup', next?: string) => `/${page}${next && next !== '/' ? `?next=${encodeURIComponent(next)}` : ''}`;

export const route = signal<Route>(parse(location.pathname, location.search));

/** The token of an emailed invitation a path leads to (`/signup_user_complete/?t=…`), if any. */
export function inviteTokenOf(path: string | undefined): string | undefined {
  if (!path) return undefined;
  const u = new URL(path, 'http://x');
  const r = parse(u.pathname, u.search);
  return r.name === 'invite_token' ? r.token : undefined;
}

/**
 * Where to go once signed in when it is not the route's `next` (a sign-up that already spent an
 * emailed invitation goes to its team, not back to the link). Read and cleared by the app.
 */
export const afterAuth = signal<string | undefined>(undefined);

export function navigate(path: string, replace = false) {
  if (path === location.pathname + location.search) return;
  if (replace) history.replaceState(null, '', path);
  else history.pushState(null, '', path);
  route.value = parse(location.pathname, location.search);
}

addEventListener('popstate', () => (route.value = parse(location.pathname, location.search)));

export const channelPath = (team: string, channel: string) => `/${encodeURIComponent(team)}/channels/${encodeURIComponent(channel)}`;
export const integrationsPath = (team: string, tab?: string) => `/${encodeURIComponent(team)}/integrations${tab ? `/${tab}` : ''}`;
export const threadsPath = (team: string) => `/${encodeURIComponent(team)}/threads`;
export const permalinkPath = (team: string, postId: string) => `/${encodeURIComponent(team)}/pl/${postId}`;

/** Click handler for in-app links: plain left clicks navigate without a reload. */
export function linkClick(e: MouseEvent) {
  if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
  const a = (e.target as Element).closest?.('a');
  if (!a || a.target === '_blank' || a.origin !== location.origin || a.hasAttribute('download')) return;
  e.preventDefault();
  navigate(a.pathname + a.search);
}
