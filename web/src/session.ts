/** Signing in and out, booting the app, and wiring the socket to the state. */
import { batch } from '@preact/signals';
import { get, getToken, post, setToken, setUnauthorizedHandler, ApiError } from './api.ts';
import { loadEmojiData } from './emoji/index.tsx';
import { loadMissingUsers, loadSiteInfo, markRead, refetchAll, refreshChannelsSoon } from './data.ts';
import { bootState, connection, currentChannelId, currentTeamId, dispatch, resetState, setStatuses, siteInfo, state, type User } from './state.ts';
import type { ClientEvent } from '../../src/contract/events.ts';
import { ChatSocket } from './ws.ts';
import { afterAuth, navigate } from './router.ts';
import { notifyForEvent } from './notify.ts';
import { startIdleTracking, stopIdleTracking } from './presence.ts';
import { loadThreads, readThreadIfWatching } from './threads.ts';
import { presenceHeard, presenceResubscribe, startPresenceWatch, stopPresenceWatch } from './presence-watch.ts';
import { loadSaved } from './saved.ts';

export const socket = new ChatSocket({
  token: getToken,
  onEvent(ev) {
    if (ev.event === 'status_change') presenceHeard(ev.data.user_id);
    // An admin changed the site settings (site name, sign-up, email notifications, MFA, ...).
    if (ev.event === 'config_changed') siteInfo.value = { ...ev.data.site };
    dispatch(ev);
    if (needsChannelRefresh(ev)) refreshChannelsSoon();
    readIfWatching(ev);
    readThreadIfWatching(ev);
    loadUsersOf(ev);
    notifyForEvent(ev);
  },
  onFresh(first) {
    // A new connection watches nobody's presence yet.
    presenceResubscribe();
    // Boot waits for the first hello before loading over REST, so that load already holds
    // everything the socket will not deliver; any later fresh hello means the server could not
    // replay what we missed. A first hello after boot gave up waiting needs the refetch too.
    if (first && helloWaiter) {
      helloWaiter(true);
      return;
    }
    if (!first || refetchOnFirstHello) void refetchAll().then(loadThreadsAndSaved).catch(() => {});
  },
  onStatus(s) {
    connection.value = s;
  },
  onAuthFailed() {
    void get('/auth/me').catch((e) => {
      if (e instanceof ApiError && e.status === 401) signOutLocally();
    });
  },
});

export async function boot() {
  setUnauthorizedHandler(signOutLocally);
  void loadSiteInfo();
  if (!getToken() && !(await takeCookieSession())) {
    bootState.value = 'anon';
    return;
  }
  try {
    const user = await get<User & { mfa_setup_required?: boolean }>('/auth/me');
    if (user.mfa_setup_required) {
      resetState(user);
      bootState.value = 'mfa_setup';
      return;
    }
    await startSession(user);
  } catch (e) {
    if (e instanceof ApiError && (e.status === 401 || e.status === 403)) {
      setToken('');
      bootState.value = 'anon';
    } else {
      // Server unreachable: keep the token and retry shortly.
      setTimeout(() => void boot(), 2000);
    }
  }
}

/** Resolves boot's wait for the first hello (true) or its timeout (false). */
let helloWaiter: ((arrived: boolean) => void) | undefined;
let refetchOnFirstHello = false;
const HELLO_WAIT_MS = 2000;

async function startSession(user: User) {
  resetState(user);
  // Socket first, REST second: a post made between a REST load and the socket's subscription
  // would otherwise reach neither (the channel stayed empty for the other user until a reload).
  const subscribed = await new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => done(false), HELLO_WAIT_MS);
    const done = (arrived: boolean) => {
      clearTimeout(timer);
      helloWaiter = undefined;
      resolve(arrived);
    };
    helloWaiter = done;
    socket.start();
  });
  refetchOnFirstHello = !subscribed;
  await refetchAll().catch(() => {});
  bootState.value = 'ready';
  void loadThreadsAndSaved().catch(() => {});
  // The standard emoji data (a lazy chunk) once the first screen is drawn.
  setTimeout(() => void loadEmojiData().catch(() => {}), 300);
  startIdleTracking((a, d) => socket.send(a, d));
  startPresenceWatch((a, d) => socket.send(a, d));
  void get<{ user_id: string; status: string; manual?: boolean }>('/users/me/status')
    .then((st) => setStatuses([st]))
    .catch(() => {});
}

/** Followed threads of the team on screen and saved posts (after the channels are held). */
async function loadThreadsAndSaved() {
  await Promise.all([currentTeamId.value ? loadThreads(currentTeamId.value) : undefined, loadSaved()]);
}

/** Logs in; `token` is the second factor (a TOTP or recovery code) for accounts with MFA. */
export async function login(login_id: string, password: string, token?: string) {
  const r = await post<{ token: string; user: User; mfa_setup_required?: boolean }>('/auth/login', { login_id, password, ...(token ? { token } : {}) });
  setToken(r.token);
  if (r.mfa_setup_required) {
    resetState(r.user);
    bootState.value = 'mfa_setup';
    return;
  }
  await startSession(r.user);
}

/** After a required MFA enrolment: the session now reaches everything. */
export async function finishMfaSetup() {
  await startSession(await get<User>('/auth/me'));
}

/**
 * A single sign-on login ends with the session in the MMAUTHTOKEN cookie (HttpOnly, as the
 * Mattermost apps expect); the readable MMUSERID cookie says one is there. Take it over as this
 * client's bearer token. True when a session was found.
 */
async function takeCookieSession(): Promise<boolean> {
  if (!/(^|;\s*)MMUSERID=/.test(document.cookie)) return false;
  try {
    const res = await fetch('/api/v1/auth/cookie-session', { method: 'POST', headers: { 'X-Requested-With': 'XMLHttpRequest', Accept: 'application/json' } });
    if (!res.ok) return false;
    setToken(((await res.json()) as { token: string }).token);
    return true;
  } catch {
    return false;
  }
}

/**
 * Creates an account and signs in. With `invite_token` (an emailed invitation) the account is made
 * even when open sign-up is off, and is already a member of the invitation's team: `then` says
 * where to go afterwards.
 */
export async function register(input: { email: string; username: string; password: string; display_name?: string; invite_token?: string }, then?: string) {
  const r = await post<{ token: string; user: User; mfa_setup_required?: boolean }>('/auth/register', input);
  setToken(r.token);
  afterAuth.value = then;
  // auth.mfa = required: a new account enrols before anything else (as after login).
  if (r.mfa_setup_required) {
    resetState(r.user);
    bootState.value = 'mfa_setup';
    return;
  }
  await startSession(r.user);
}

export async function logout() {
  let providerLogout: string | undefined;
  try {
    providerLogout = (await post<{ provider_logout_url?: string } | undefined>('/auth/logout'))?.provider_logout_url;
  } catch {
    /* signing out locally anyway */
  }
  signOutLocally();
  // An SSO session, with provider logout on: end the identity provider's session too.
  if (providerLogout) location.assign(providerLogout);
}

export function signOutLocally() {
  socket.stop();
  stopIdleTracking();
  stopPresenceWatch();
  setToken('');
  // The readable half of an SSO cookie session (the session itself is revoked by logout).
  document.cookie = 'MMUSERID=; Max-Age=0; path=/';
  batch(() => {
    resetState(null);
    connection.value = 'idle';
    bootState.value = 'anon';
  });
  navigate('/login', true);
}

/** True when an event concerns a channel or team of mine the state does not hold. */
function needsChannelRefresh(ev: ClientEvent): boolean {
  const s = state.value;
  switch (ev.event) {
    case 'posted':
      return !s.channels[ev.data.post.channel_id];
    case 'channel_created':
    case 'channel_restored':
      return !s.channels[ev.data.channel.id] && !s.members[ev.data.channel.id];
    case 'user_added':
      return ev.data.user_id === s.me && (!s.channels[ev.data.channel_id] || !s.members[ev.data.channel_id]);
    case 'added_to_team':
      return ev.data.user_id === s.me;
    default:
      return false;
  }
}

let readTimer: ReturnType<typeof setTimeout> | undefined;
/** A post arriving in the channel on screen (tab visible) is read: mark it so, shortly. */
function readIfWatching(ev: ClientEvent) {
  if (ev.event !== 'posted' || document.visibilityState !== 'visible') return;
  const p = ev.data.post;
  if (p.user_id === state.value.me || p.channel_id !== currentChannelId.value) return;
  clearTimeout(readTimer);
  readTimer = setTimeout(() => {
    // Still on screen (left meanwhile: leaving already read it, or it was marked unread by hand).
    if (currentChannelId.value === p.channel_id) void markRead(p.channel_id);
  }, 500);
}

// Coming back to the tab reads the channel on screen.
document.addEventListener('visibilitychange', () => {
  if (document.visibilityState === 'visible' && currentChannelId.value && bootState.value === 'ready') void markRead(currentChannelId.value);
});

/** The users an event names (authors, reactors, members added or removed). */
function usersNamed(ev: ClientEvent): string[] {
  switch (ev.event) {
    case 'posted':
    case 'post_edited':
    case 'post_pinned':
    case 'post_unpinned':
    case 'post_deleted':
      return [ev.data.post.user_id];
    case 'reaction_added':
    case 'reaction_removed':
      return [ev.data.reaction.user_id];
    case 'typing':
    case 'status_change':
    case 'user_added':
    case 'user_removed':
    case 'added_to_team':
    case 'leave_team':
      return [ev.data.user_id];
    default:
      return [];
  }
}

let wantedUsers = new Set<string>();
let usersTimer: ReturnType<typeof setTimeout> | undefined;
/** Fetches, in one batch, users an event names that the state does not hold. */
function loadUsersOf(ev: ClientEvent) {
  for (const id of usersNamed(ev)) if (id && !state.value.users[id]) wantedUsers.add(id);
  if (!wantedUsers.size) return;
  clearTimeout(usersTimer);
  usersTimer = setTimeout(() => {
    const ids = [...wantedUsers];
    wantedUsers = new Set();
    void loadMissingUsers(ids);
  }, 50);
}
