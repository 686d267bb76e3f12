import { Hono, type Context } from 'hono';
import { deleteCookie } from 'hono/cookie';
import { z } from 'zod';
import type { AppEnv } from '../env.ts';
import { clientIp } from '../middleware.ts';
import { readJson } from '../validate.ts';
import { badRequest, notFound } from '../../errors.ts';
import { authenticate } from '../../actions/tokens.ts';
import { changePassword, login, register } from '../../actions/accounts.ts';
import { listOwnSessions, logout, revokeOwnSession } from '../../actions/sessions.ts';
import {
  activeUserCount,
  getUserProfile,
  getUsersByIds,
  getUsersByUsernames,
  groupChannelProfiles,
  GROUP_CHANNELS_MAX,
  listKnownUserIds,
  patchProfile,
  searchUsers,
  USER_PAGE_MAX,
} from '../../actions/users.ts';
import { isId } from '../../ids.ts';
import { presentMmUser } from './presenters.ts';
import { mmJson, mmOk, mmHeaders } from './respond.ts';
import { AUTH_COOKIE, CSRF_COOKIE, USER_COOKIE } from './auth.ts';
import { setSessionCookies } from '../session-cookies.ts';
import { authSettings, sessionLifetimeMs } from '../../actions/auth-settings.ts';
import { mmId, paging } from './params.ts';
import { defaultAvatarPng } from './avatar.ts';
import { deleteProfileImage, openProfileImage, setProfileImage } from '../../actions/profile-image.ts';
import { pictureResponse, readPictureUpload } from '../profile-image.ts';
import { notImplemented } from './errors.ts';
import { completePasswordReset, requestPasswordReset } from '../../actions/password-reset.ts';
import { registerWithInvite } from '../../actions/invites.ts';
import { updateUserNotifyProps } from '../../actions/notify-props.ts';
import { attachSessionDevice } from '../../actions/push-devices.ts';
import { siteOrigin } from '../session-cookies.ts';

const loginSchema = z.object({
  login_id: z.string().max(256),
  password: z.string().max(1024),
  token: z.string().max(64).optional(),
  device_id: z.string().max(512).optional(),
  deviceId: z.string().max(512).optional(),
});

const signupSchema = z.object({
  email: z.string().max(254),
  username: z.string().max(64),
  password: z.string().max(1024),
  first_name: z.string().max(64).optional(),
  last_name: z.string().max(64).optional(),
  nickname: z.string().max(64).optional(),
});

function meta(c: Context<AppEnv>, deviceId?: string) {
  return { ip: clientIp(c), user_agent: c.req.header('user-agent') ?? '', device_id: deviceId };
}

/** The web and desktop apps keep the session in cookies, as Mattermost sets them at login. */
async function loginCookies(c: Context<AppEnv>, token: string, userId: string, mobile: boolean): Promise<Record<string, string>> {
  setSessionCookies(c, token, userId, sessionLifetimeMs(await authSettings(c.get('deps')), mobile) / 1000);
  return { Token: token };
}

/** Routes the apps call before they have a session. */
export function userPublicRoutes() {
  const r = new Hono<AppEnv>();
  r.post('/users/login', async (c) => {
    const body = await readJson(c, loginSchema);
    const deviceId = body.device_id ?? body.deviceId;
    const { token, user } = await login(c.get('deps'), { login_id: body.login_id, password: body.password, device_id: deviceId, token: body.token || undefined }, meta(c, deviceId));
    const extra = await loginCookies(c, token, user.id, !!deviceId);
    const res = mmJson(c, presentMmUser(user), 200, extra);
    // Cookies set on the context are copied onto the response we built.
    for (const v of c.res.headers.getSetCookie?.() ?? []) res.headers.append('Set-Cookie', v);
    return res;
  });
  r.post('/users', async (c) => {
    const body = await readJson(c, signupSchema);
    const displayName = [body.first_name, body.last_name].filter(Boolean).join(' ') || body.nickname || undefined;
    const deps = c.get('deps');
    const input = { email: body.email, username: body.username, password: body.password, display_name: displayName };
    // ?t= is the token of an emailed team invitation (admits even when open sign-up is off).
    const inviteToken = c.req.query('t');
    const { token, user } = inviteToken ? await registerWithInvite(deps, input, inviteToken, meta(c)) : await register(deps, input, meta(c));
    // Mattermost's sign-up creates no session (the app logs in next): end the one register made
    // (with auth.mfa = required that session is held at enrolment; ending it is still allowed).
    await logout(deps, await authenticate(deps, token, { allowMfaSetup: true }), clientIp(c));
    return mmJson(c, presentMmUser(user), 201);
  });
  // Forgot password (Mattermost's routes and bodies; the link opens /reset_password_complete).
  r.post('/users/password/reset/send', async (c) => {
    const body = await readJson(c, z.object({ email: z.string().max(1000) }));
    await requestPasswordReset(c.get('deps'), body.email, { ip: clientIp(c), origin: siteOrigin(c) });
    return mmOk(c);
  });
  r.post('/users/password/reset', async (c) => {
    const body = await readJson(c, z.object({ code: z.string().max(200), new_password: z.string().max(1000) }));
    await completePasswordReset(c.get('deps'), body.code, body.new_password, clientIp(c));
    return mmOk(c);
  });
  return r;
}

/** `/users/{uid}/…` routes RustChat offers for the caller only. */
function selfOnly(c: Context<AppEnv>, method: string, path: string) {
  const uid = c.req.param('uid');
  if (uid !== 'me' && uid !== c.get('auth').user.id) throw notImplemented(method, path);
}

export function userRoutes() {
  const r = new Hono<AppEnv>();
  r.post('/users/logout', async (c) => {
    await logout(c.get('deps'), c.get('auth'), clientIp(c));
    for (const name of [AUTH_COOKIE, USER_COOKIE, CSRF_COOKIE]) deleteCookie(c, name, { path: '/' });
    const res = mmOk(c);
    for (const v of c.res.headers.getSetCookie?.() ?? []) res.headers.append('Set-Cookie', v);
    return res;
  });
  // The mobile app registers its push device on every connect (Mattermost's attachDeviceId).
  r.put('/users/sessions/device', async (c) => {
    const body = await readJson(c, z.object({ device_id: z.string().max(1000), device_notification_disabled: z.union([z.string(), z.boolean()]).optional(), mobile_version: z.string().max(1000).optional(), voip_device_id: z.string().max(1000).optional() }).passthrough());
    await attachSessionDevice(c.get('deps'), c.get('auth'), body);
    return mmOk(c);
  });
  r.get('/users/me', async (c) => {
    const auth = c.get('auth');
    return mmJson(c, presentMmUser(await getUserProfile(c.get('deps'), auth, auth.user.id)));
  });
  r.post('/users/ids', async (c) => {
    const ids = await readJson(c, z.array(z.string().max(26)).max(1000));
    const { items } = await getUsersByIds(c.get('deps'), c.get('auth'), ids.filter((id) => /^[a-z0-9]{26}$/.test(id)));
    return mmJson(c, items.map(presentMmUser));
  });
  r.get('/users/username/:name', async (c) => {
    const { items } = await getUsersByUsernames(c.get('deps'), c.get('auth'), [c.req.param('name').slice(0, 64)]);
    if (!items.length) throw notFound('user_not_found', 'User not found');
    return mmJson(c, presentMmUser(items[0]));
  });
  r.post('/users/usernames', async (c) => {
    const names = await readJson(c, z.array(z.string().max(64)).max(1000));
    const { items } = await getUsersByUsernames(c.get('deps'), c.get('auth'), names);
    return mmJson(c, items.map(presentMmUser));
  });
  r.post('/users/search', async (c) => {
    const body = await readJson(c, z.object({ term: z.string().max(64), team_id: z.string().optional(), in_channel_id: z.string().optional(), not_in_channel_id: z.string().optional(), limit: z.number().int().min(1).max(USER_PAGE_MAX).optional() }).passthrough());
    if (body.not_in_channel_id) throw notImplemented('POST', '/api/v4/users/search with not_in_channel_id');
    const { items } = await searchUsers(c.get('deps'), c.get('auth'), { q: body.term || undefined, team_id: body.team_id || undefined, channel_id: body.in_channel_id || undefined, limit: body.limit ?? 100 });
    return mmJson(c, items.map(presentMmUser));
  });
  // @-mention autocomplete: users of the channel, and users of the team who are not in it.
  r.get('/users/autocomplete', async (c) => {
    const name = (c.req.query('name') ?? '').slice(0, 64) || undefined;
    const teamId = c.req.query('in_team') || undefined;
    const channelId = c.req.query('in_channel') || undefined;
    const limit = Math.min(Number(c.req.query('limit')) || 25, 100);
    const deps = c.get('deps');
    const auth = c.get('auth');
    if (!channelId) {
      const { items } = await searchUsers(deps, auth, { q: name, team_id: teamId, limit });
      return mmJson(c, { users: items.map(presentMmUser) });
    }
    const inChannel = (await searchUsers(deps, auth, { q: name, channel_id: channelId, limit })).items;
    const ids = new Set(inChannel.map((u) => u.id));
    const outOf = teamId ? (await searchUsers(deps, auth, { q: name, team_id: teamId, limit: limit + inChannel.length })).items.filter((u) => !ids.has(u.id)).slice(0, limit) : [];
    return mmJson(c, { users: inChannel.map(presentMmUser), out_of_channel: outOf.map(presentMmUser) });
  });
  r.put('/users/:uid/patch', async (c) => {
    const body = await readJson(
      c,
      z.object({
        first_name: z.string().optional(),
        last_name: z.string().optional(),
        nickname: z.string().optional(),
        position: z.string().optional(),
        locale: z.string().optional(),
        timezone: z.object({ useAutomaticTimezone: z.union([z.string(), z.boolean()]).optional(), automaticTimezone: z.string().optional(), manualTimezone: z.string().optional() }).optional(),
        username: z.string().optional(),
        email: z.string().optional(),
        notify_props: z.unknown().optional(),
        props: z.unknown().optional(),
      }),
    );
    if (body.username !== undefined || body.email !== undefined) throw notImplemented('PUT', '/api/v4/users/{id}/patch with username or email');
    const { timezone, username: _u, email: _e, notify_props, props: _p, ...rest } = body;
    const uid = mmId(c, 'uid', true);
    // The apps save notification settings by patching the user with the whole notify_props map.
    if (notify_props !== undefined) await updateUserNotifyProps(c.get('deps'), c.get('auth'), uid, notify_props);
    const patch: Record<string, unknown> = { ...rest };
    if (timezone) {
      const auto = timezone.useAutomaticTimezone;
      patch.timezone = {
        ...(auto !== undefined ? { useAutomaticTimezone: auto === true || auto === 'true' } : {}),
        ...(timezone.automaticTimezone !== undefined ? { automaticTimezone: timezone.automaticTimezone } : {}),
        ...(timezone.manualTimezone !== undefined ? { manualTimezone: timezone.manualTimezone } : {}),
      };
    }
    const deps = c.get('deps');
    const user = Object.keys(patch).length || notify_props === undefined ? await patchProfile(deps, c.get('auth'), uid, patch) : await getUserProfile(deps, c.get('auth'), uid);
    return mmJson(c, presentMmUser(user));
  });
  // Own password and sessions (Mattermost lets admins do these for others; RustChat's admin
  // tools are the CLI and the native admin API).
  r.put('/users/:uid/password', async (c) => {
    selfOnly(c, 'PUT', '/api/v4/users/{other user}/password');
    const body = await readJson(c, z.object({ current_password: z.string().max(1024), new_password: z.string().max(1024) }));
    await changePassword(c.get('deps'), c.get('auth'), body, clientIp(c));
    return mmOk(c);
  });
  r.get('/users/:uid/sessions', async (c) => {
    selfOnly(c, 'GET', '/api/v4/users/{other user}/sessions');
    const me = c.get('auth').user.id;
    const rows = await listOwnSessions(c.get('deps'), c.get('auth'));
    // Never the token: Mattermost blanks it in session lists too.
    return mmJson(
      c,
      rows.map((s) => ({ id: s.id, token: '', create_at: s.create_at, expires_at: s.expires_at, last_activity_at: s.last_activity_at, user_id: me, device_id: s.device_id, roles: '', is_oauth: false, props: { browser: s.user_agent, ip: s.ip } })),
    );
  });
  r.post('/users/:uid/sessions/revoke', async (c) => {
    selfOnly(c, 'POST', '/api/v4/users/{other user}/sessions/revoke');
    const body = await readJson(c, z.object({ session_id: z.string() }));
    await revokeOwnSession(c.get('deps'), c.get('auth'), body.session_id, clientIp(c));
    return mmOk(c);
  });
  // Both apps at start-up: the other members of the caller's group messages, for sidebar names.
  r.post('/users/group_channels', async (c) => {
    const ids = await readJson(c, z.array(z.string().max(26)).max(GROUP_CHANNELS_MAX));
    const out: Record<string, ReturnType<typeof presentMmUser>[]> = {};
    for (const [cid, users] of await groupChannelProfiles(c.get('deps'), c.get('auth'), ids)) out[cid] = users.map(presentMmUser);
    return mmJson(c, out);
  });
  r.get('/users/known', async (c) => mmJson(c, await listKnownUserIds(c.get('deps'), c.get('auth'))));
  r.get('/users/stats', async (c) => mmJson(c, { total_users_count: await activeUserCount(c.get('deps')) }));
  r.get('/users', async (c) => {
    for (const unsupported of ['not_in_team', 'without_team', 'in_group', 'not_in_group']) {
      if (c.req.query(unsupported) !== undefined) throw notImplemented('GET', `/api/v4/users?${unsupported}`);
    }
    const { page, perPage } = paging(c, 60, USER_PAGE_MAX);
    const teamId = c.req.query('in_team') || undefined;
    const channelId = c.req.query('in_channel') || undefined;
    // "Add members": people of the team who are not in the channel.
    const notInChannel = c.req.query('not_in_channel') || undefined;
    if (notInChannel && !isId(notInChannel)) throw badRequest('invalid_param', 'Invalid not_in_channel parameter');
    // Our listing pages by username cursor; walk to the requested page.
    let cursor: string | undefined;
    let items: Awaited<ReturnType<typeof searchUsers>>['items'] = [];
    for (let i = 0; i <= page; i++) {
      const res = await searchUsers(c.get('deps'), c.get('auth'), { team_id: teamId, channel_id: channelId, not_in_channel_id: notInChannel, cursor, limit: perPage });
      items = res.items;
      if (i < page && !res.next_cursor) {
        items = [];
        break;
      }
      cursor = res.next_cursor ?? undefined;
    }
    return mmJson(c, items.map(presentMmUser));
  });
  r.get('/users/:uid', async (c) => {
    return mmJson(c, presentMmUser(await getUserProfile(c.get('deps'), c.get('auth'), mmId(c, 'uid', true))));
  });
  r.get('/users/:uid/image', async (c) => {
    const id = mmId(c, 'uid', true);
    return pictureResponse(c, id, await openProfileImage(c.get('deps'), c.get('auth'), id), mmHeaders(c, {}));
  });
  r.post('/users/:uid/image', async (c) => {
    const id = mmId(c, 'uid', true);
    await setProfileImage(c.get('deps'), c.get('auth'), id, await readPictureUpload(c), clientIp(c));
    return mmJson(c, { status: 'OK' });
  });
  r.delete('/users/:uid/image', async (c) => {
    const id = mmId(c, 'uid', true);
    await deleteProfileImage(c.get('deps'), c.get('auth'), id, clientIp(c));
    return mmJson(c, { status: 'OK' });
  });
  r.get('/users/:uid/image/default', async (c) => {
    const id = mmId(c, 'uid', true);
    const h = mmHeaders(c, { 'Content-Type': 'image/png', 'Cache-Control': 'max-age=86400, private', 'X-Content-Type-Options': 'nosniff' });
    return new Response(new Uint8Array(defaultAvatarPng(id)), { status: 200, headers: h });
  });
  return r;
}
