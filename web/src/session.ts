/** Signing in and out, booting the app, and wiring the socket to the state. */
import { batch } from '@preact/signals';
import { get, getToken, post, setToken, setUnauthorizedHandler, ApiError } from './api.ts';
import { loadSiteInfo, refetchAll } from './data.ts';
import { bootState, connection, dispatch, resetState, type User } from './state.ts';
import { ChatSocket } from './ws.ts';
import { navigate } from './router.ts';
import { notifyForEvent } from './notify.ts';

export const socket = new ChatSocket({
  token: getToken,
  onEvent(ev) {
    dispatch(ev);
    notifyForEvent(ev);
  },
  onFresh(first) {
    // The first hello needs no refetch (boot just loaded everything); any later fresh hello means
    // the server could not replay what we missed.
    if (!first) void refetchAll().catch(() => {});
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
  if (!getToken()) {
    bootState.value = 'anon';
    return;
  }
  try {
    const user = await get<User>('/auth/me');
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

async function startSession(user: User) {
  resetState(user);
  await refetchAll().catch(() => {});
  bootState.value = 'ready';
  socket.start();
}

export async function login(login_id: string, password: string) {
  const r = await post<{ token: string; user: User }>('/auth/login', { login_id, password });
  setToken(r.token);
  await startSession(r.user);
}

export async function register(input: { email: string; username: string; password: string; display_name?: string }) {
  const r = await post<{ token: string; user: User }>('/auth/register', input);
  setToken(r.token);
  await startSession(r.user);
}

export async function logout() {
  try {
    await post('/auth/logout');
  } catch {
    /* signing out locally anyway */
  }
  signOutLocally();
}

export function signOutLocally() {
  socket.stop();
  setToken('');
  batch(() => {
    resetState(null);
    connection.value = 'idle';
    bootState.value = 'anon';
  });
  navigate('/login', true);
}
