import type { Context } from 'hono';
import { setCookie } from 'hono/cookie';
import { randomBytes } from 'node:crypto';
import type { AppEnv } from './env.ts';
import { fromTrustedProxy } from '../client-address.ts';
import { peerAddress } from './middleware.ts';

export const AUTH_COOKIE = 'MMAUTHTOKEN';
export const CSRF_COOKIE = 'MMCSRF';
export const USER_COOKIE = 'MMUSERID';

/** Whether this server is reached over https (site_url, or the request as a trusted proxy saw it). */
export function isHttps(c: Context<AppEnv>): boolean {
  const deps = c.get('deps');
  if (deps.config.server.site_url) return deps.config.server.site_url.startsWith('https://');
  if (fromTrustedProxy(deps, peerAddress(c)) && c.req.header('x-forwarded-proto')?.split(',')[0]?.trim() === 'https') return true;
  return new URL(c.req.url).protocol === 'https:';
}

/** This server's public origin: server.site_url, else what the request (and a trusted proxy) says. */
export function siteOrigin(c: Context<AppEnv>): string {
  const deps = c.get('deps');
  if (deps.config.server.site_url) return deps.config.server.site_url.replace(/\/+$/, '');
  const url = new URL(c.req.url);
  const host = (fromTrustedProxy(deps, peerAddress(c)) && c.req.header('x-forwarded-host')?.split(',')[0]?.trim()) || c.req.header('host') || url.host;
  return `${isHttps(c) ? 'https' : 'http'}://${host}`;
}

/**
 * The session cookies Mattermost sets at login (web and desktop apps keep the session in them):
 * MMAUTHTOKEN (HttpOnly), MMUSERID, and MMCSRF for the CSRF rule. Returns the CSRF value.
 */
export function setSessionCookies(c: Context<AppEnv>, token: string, userId: string, maxAgeSeconds: number): string {
  const secure = isHttps(c);
  const csrf = randomBytes(16).toString('hex');
  setCookie(c, AUTH_COOKIE, token, { path: '/', httpOnly: true, secure, sameSite: 'Lax', maxAge: maxAgeSeconds });
  setCookie(c, USER_COOKIE, userId, { path: '/', secure, sameSite: 'Lax', maxAge: maxAgeSeconds });
  setCookie(c, CSRF_COOKIE, csrf, { path: '/', secure, sameSite: 'Lax', maxAge: maxAgeSeconds });
  return csrf;
}
