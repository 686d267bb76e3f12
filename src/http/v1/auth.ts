import { Hono } from 'hono';
import { z } from 'zod';
import type { AppEnv } from '../env.ts';
import { clientIp, requireAuth, requireAuthDuringMfaSetup } from '../middleware.ts';
import { mfaRoutes } from './mfa.ts';
import { idParam, readJson } from '../validate.ts';
import { changePassword, login, register } from '../../actions/accounts.ts';
import { listOwnSessions, logout, revokeOwnSession, type ClientMeta } from '../../actions/sessions.ts';
import { getUserProfile } from '../../actions/users.ts';
import { authenticate } from '../../actions/tokens.ts';
import { getCookie } from 'hono/cookie';
import { AUTH_COOKIE, siteOrigin } from '../session-cookies.ts';
import { providerLogoutUrl } from '../../actions/oidc.ts';
import { unauthorized } from '../../errors.ts';
import { completePasswordReset, requestPasswordReset } from '../../actions/password-reset.ts';
import { inviteInfo, registerWithInvite } from '../../actions/invites.ts';

// Bounds here only stop absurd inputs early; the actions apply the real rules with their own codes.
const RegisterBody = z.object({
  email: z.string().max(1000),
  username: z.string().max(1000),
  password: z.string().max(1000),
  display_name: z.string().max(1000).optional(),
  /** The `t` of an emailed team invitation: admits even when open sign-up is off. */
  invite_token: z.string().max(200).optional(),
});
const LoginBody = z.object({
  login_id: z.string().max(1000),
  password: z.string().max(1000),
  device_id: z.string().max(512).optional(),
  token: z.string().max(64).optional(),
});
const ResetSendBody = z.object({ email: z.string().max(1000) });
const ResetBody = z.object({ token: z.string().max(200), new_password: z.string().max(1000) });
const PasswordBody = z.object({
  current_password: z.string().max(1000),
  new_password: z.string().max(1000),
});

export function authRoutes() {
  const r = new Hono<AppEnv>();
  const meta = (c: Parameters<typeof clientIp>[0], deviceId?: string): ClientMeta => ({
    ip: clientIp(c),
    user_agent: c.req.header('user-agent') ?? '',
    device_id: deviceId,
  });

  r.post('/register', async (c) => {
    const { invite_token, ...body } = await readJson(c, RegisterBody);
    if (invite_token !== undefined) return c.json(await registerWithInvite(c.get('deps'), body, invite_token, meta(c)), 201);
    return c.json(await register(c.get('deps'), body, meta(c)), 201);
  });
  r.post('/login', async (c) => {
    const body = await readJson(c, LoginBody);
    return c.json(await login(c.get('deps'), body, meta(c, body.device_id)));
  });
  r.post('/logout', requireAuthDuringMfaSetup, async (c) => {
    const auth = c.get('auth');
    await logout(c.get('deps'), auth, clientIp(c));
    // An SSO session with provider logout on: where the browser goes to end the provider's session.
    const url = await providerLogoutUrl(c.get('deps'), auth.session, siteOrigin(c));
    return url ? c.json({ provider_logout_url: url }) : c.body(null, 204);
  });
  r.get('/me', requireAuthDuringMfaSetup, async (c) => {
    const auth = c.get('auth');
    const me = await getUserProfile(c.get('deps'), auth, auth.user.id);
    // The client sends a session that still has to enrol to the MFA set-up screen.
    return c.json(auth.mfaSetupRequired ? { ...me, mfa_setup_required: true } : me);
  });
  r.route('/mfa', mfaRoutes());
  // After an SSO login the session is in the MMAUTHTOKEN cookie (HttpOnly); the web client, which
  // sends bearer tokens, takes it over here. X-Requested-With cannot be sent cross-site without a
  // CORS preflight, and the cookie is SameSite=Lax, so another site cannot call this.
  r.post('/cookie-session', async (c) => {
    const token = getCookie(c, AUTH_COOKIE);
    if (!token || c.req.header('x-requested-with') !== 'XMLHttpRequest') throw unauthorized('unauthorized', 'No session cookie');
    const deps = c.get('deps');
    const auth = await authenticate(deps, token, { allowMfaSetup: true });
    return c.json({ token, user: await getUserProfile(deps, auth, auth.user.id) });
  });
  r.get('/sessions', requireAuth, async (c) => c.json({ items: await listOwnSessions(c.get('deps'), c.get('auth')), next_cursor: null }));
  r.delete('/sessions/:id', requireAuth, async (c) => {
    await revokeOwnSession(c.get('deps'), c.get('auth'), idParam(c, 'id'), clientIp(c));
    return c.body(null, 204);
  });
  // What an invitation link is for (the sign-up page shows the team and fills in the address).
  r.post('/invite/info', async (c) => {
    const body = await readJson(c, z.object({ token: z.string().max(200) }));
    return c.json(await inviteInfo(c.get('deps'), body.token));
  });
  // Forgot password: the same 204 whether or not the address has an account.
  r.post('/password/reset/send', async (c) => {
    const body = await readJson(c, ResetSendBody);
    await requestPasswordReset(c.get('deps'), body.email, { ip: clientIp(c), origin: siteOrigin(c) });
    return c.body(null, 204);
  });
  r.post('/password/reset', async (c) => {
    const body = await readJson(c, ResetBody);
    await completePasswordReset(c.get('deps'), body.token, body.new_password, clientIp(c));
    return c.body(null, 204);
  });
  r.post('/password', requireAuth, async (c) => {
    const body = await readJson(c, PasswordBody);
    return c.json(await changePassword(c.get('deps'), c.get('auth'), body, clientIp(c)));
  });
  return r;
}
