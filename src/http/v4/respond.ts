import type { Context } from 'hono';
import type { AppEnv } from '../env.ts';
import { buildInfo } from '../../version.ts';

/**
 * The Mattermost server version RustChat presents itself as. The mobile app refuses servers
 * older than its minimum; 10.11 is an extended-support release every current app accepts.
 */
export const MM_COMPAT_VERSION = '10.11.0';

/**
 * `X-Version-Id`, built like Mattermost's: `<version>.<build>.<config hash>.<licensed>`. The web
 * app reloads when it changes, so it changes only with the build.
 */
export function versionId(): string {
  return `${MM_COMPAT_VERSION}.${buildInfo().version}.${buildInfo().commit}.false`;
}

/**
 * Headers every v4 response carries. `Content-Type` is exactly `application/json`: the
 * Mattermost client compares the whole string and treats anything else (even with
 * `; charset=utf-8`) as text.
 */
export function mmHeaders(c: Context<AppEnv>, extra: Record<string, string> = {}): Headers {
  const h = new Headers({ 'Content-Type': 'application/json', 'X-Request-Id': c.get('requestId') ?? '', 'X-Version-Id': versionId(), ...extra });
  return h;
}

/** A JSON response in the v4 conventions. */
export function mmJson(c: Context<AppEnv>, body: unknown, status = 200, extra: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: mmHeaders(c, extra) });
}

/** `{"status":"OK"}`, Mattermost's answer to deletes, logout and other verbs without a body. */
export function mmOk(c: Context<AppEnv>, more: Record<string, unknown> = {}): Response {
  return mmJson(c, { status: 'OK', ...more });
}
