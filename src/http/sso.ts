import { Hono, type Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { randomBytes } from 'node:crypto';
import type { AppEnv } from './env.ts';
import { clientIp } from './middleware.ts';
import { AppError } from '../errors.ts';
import { beginSsoLogin, completeSsoLogin, mobileReturnUrl, safeReturnPath } from '../actions/oidc.ts';
import { FLOW_TTL_S, flowCookieName, type SsoFlow } from '../actions/oidc-flow.ts';
import { authSettings, sessionLifetimeMs } from '../actions/auth-settings.ts';
import { isHttps, setSessionCookies, siteOrigin } from './session-cookies.ts';

/**
 * The browser side of single sign-on, on Mattermost's paths so its apps' SSO button works:
 * `GET /oauth/openid/login?redirect_to=/path` (web), `GET /oauth/openid/mobile_login?redirect_to=
 * mmauth://callback` (mobile apps, in the system browser), and the provider's redirect back to
 * `GET /signup/openid/complete` (also answered at /login/openid/complete and /oauth/openid/complete).
 * A web login ends with the session cookies set and a redirect into the app; a mobile login with a
 * page that sends the browser to the app's URL with MMAUTHTOKEN and MMCSRF.
 */
export function ssoRoutes() {
  const r = new Hono<AppEnv>();
  r.get('/oauth/openid/login', (c) => begin(c, 'web'));
  r.get('/oauth/openid/mobile_login', (c) => begin(c, 'mobile'));
  for (const path of ['/signup/openid/complete', '/login/openid/complete', '/oauth/openid/complete']) r.get(path, complete);
  return r;
}

async function begin(c: Context<AppEnv>, action: SsoFlow['action']) {
  const deps = c.get('deps');
  const raw = c.req.query('redirect_to');
  try {
    const returnTo = action === 'mobile' ? mobileReturnUrl(deps, raw) : safeReturnPath(raw);
    const { url, state, sealed } = await beginSsoLogin(deps, { action, return_to: returnTo, origin: siteOrigin(c) });
    setCookie(c, flowCookieName(state), sealed, { path: '/', httpOnly: true, secure: isHttps(c), sameSite: 'Lax', maxAge: FLOW_TTL_S });
    c.header('Cache-Control', 'no-store');
    return c.redirect(url, 302);
  } catch (e) {
    return failure(c, e, action === 'mobile' ? undefined : { action, return_to: '/' });
  }
}

async function complete(c: Context<AppEnv>) {
  const deps = c.get('deps');
  const query = new URL(c.req.url).searchParams;
  const state = query.get('state') ?? '';
  const cookieName = state ? flowCookieName(state) : undefined;
  const sealed = cookieName ? getCookie(c, cookieName) : undefined;
  // The flow is single-use whatever happens next.
  if (cookieName && sealed !== undefined) deleteCookie(c, cookieName, { path: '/', secure: isHttps(c) });
  try {
    const { user, token, flow } = await completeSsoLogin(deps, { query, sealed, meta: { ip: clientIp(c), user_agent: c.req.header('user-agent') ?? '' } });
    const mobile = flow.action === 'mobile';
    const csrf = setSessionCookies(c, token, user.id, sessionLifetimeMs(await authSettings(deps), mobile) / 1000);
    c.header('Cache-Control', 'no-store');
    if (!mobile) return c.redirect(flow.return_to, 302);
    const back = new URL(flow.return_to);
    back.searchParams.set('MMAUTHTOKEN', token);
    back.searchParams.set('MMCSRF', csrf);
    back.searchParams.set('srv', siteOrigin(c));
    return page(c, 200, 'Signed in', 'You are signed in. Returning to the app…', back.href, 'Open the app', true);
  } catch (e) {
    // Without a flow (a state this browser was not given) nothing says it was a mobile login.
    return failure(c, e, (e as { flow?: SsoFlow }).flow ?? { action: 'web', return_to: '/' });
  }
}

/** Web: back to the login page with a code it explains. Mobile: a page with a way back to the app. */
function failure(c: Context<AppEnv>, e: unknown, flow: Pick<SsoFlow, 'action' | 'return_to'> | undefined) {
  const err = e instanceof AppError ? e : undefined;
  if (!err) c.get('deps').log.error('SSO login failed', { err: e, request_id: c.get('requestId') });
  const code = err?.code ?? 'sso_failed';
  const message = err?.message ?? 'Single sign-on failed; try again';
  if (flow?.action === 'web') return c.redirect(`/login?sso_error=${encodeURIComponent(code)}`, 302);
  let back: string | undefined;
  if (flow?.action === 'mobile') {
    const u = new URL(flow.return_to);
    u.searchParams.set('error', code);
    back = u.href;
  }
  return page(c, err?.status && err.status < 500 ? err.status : 500, 'Sign-in failed', message, back, 'Back to the app', false);
}

const esc = (s: string) => s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

/**
 * A minimal HTML page under a strict CSP (the only script, by nonce, follows the link; without
 * scripts the link and a meta refresh do). No referrer: the link may carry a session token.
 */
function page(c: Context<AppEnv>, status: number, title: string, text: string, link: string | undefined, linkText: string, follow: boolean) {
  const nonce = randomBytes(16).toString('base64');
  const href = link ? esc(link) : '';
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer"><title>${esc(title)}</title>${follow && link ? `<meta http-equiv="refresh" content="2; url=${href}">` : ''}
<style nonce="${nonce}">body{font:16px/1.5 system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem;text-align:center;color:#222}a{display:inline-block;margin-top:1rem}</style></head>
<body><h1>${esc(title)}</h1><p id="msg">${esc(text)}</p>${link ? `<a id="back" href="${href}">${esc(linkText)}</a>` : ''}
${follow && link ? `<script nonce="${nonce}">window.location.replace(document.getElementById('back').href);</script>` : ''}</body></html>`;
  return c.body(html, status as 200, {
    'Content-Type': 'text/html; charset=utf-8',
    'Content-Security-Policy': `default-src 'none'; script-src 'nonce-${nonce}'; style-src 'nonce-${nonce}'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'`,
    'Referrer-Policy': 'no-referrer',
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
  });
}
