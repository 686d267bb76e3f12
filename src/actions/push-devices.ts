import type { Deps } from '../deps.ts';
import type { Auth } from './tokens.ts';
import { AppError, badRequest, unauthorized } from '../errors.ts';
import { isId } from '../ids.ts';
import { inTx } from './tx.ts';
import { forgetSessions } from './tokens.ts';
import { authSettings, sessionLifetimeMs } from './auth-settings.ts';
import { integrationSettings } from './integration-settings.ts';
import { accessPost } from './posts.ts';
import { getUser } from '../store/users.ts';
import { attachDevice, detachDeviceElsewhere, memberUsernames } from '../store/push.ts';
import { pushKeys } from '../push/keys.ts';
import { DEVICE_ID_MAX, proxyClient, ProxyUnreachable, splitDeviceId, type PushContent } from '../push/proxy.ts';

export { DEVICE_ID_MAX };
import { crtEnabled, crtPreference, pushContent } from './push.ts';

/**
 * Mobile devices and the push proxy checks the Mattermost apps make:
 * - a session's device (`PUT /users/sessions/device`, or `device_id` at login) is where that
 *   session's pushes go; registering it again from another session moves it there, and a
 *   session that ends (logout, revocation, expiry) gets none;
 * - `GET /system/ping?device_id=` asks whether that device can receive pushes (a "test" push
 *   through the proxy, as Mattermost does);
 * - `POST /notifications/ack` is the app's receipt, passed on to the proxy; for an id_loaded
 *   push it answers with the notification's text.
 */

const DEVICE_ID = /^[A-Za-z0-9_.-]{1,64}:[\x21-\x7e]{1,447}$/;

export function checkDeviceId(v: unknown): string {
  if (typeof v !== 'string' || !v) throw badRequest('invalid_device_id', 'device_id is required');
  if (v.length > DEVICE_ID_MAX || !DEVICE_ID.test(v)) throw badRequest('invalid_device_id', `device_id must be "platform:token" (at most ${DEVICE_ID_MAX} printable characters)`);
  return v;
}

export interface AttachDeviceInput {
  device_id?: unknown;
  device_notification_disabled?: unknown;
  mobile_version?: unknown;
}

/**
 * Attaches a mobile device to the caller's session (Mattermost's attachDeviceId): the session
 * becomes a mobile one (the mobile lifetime, no idle timeout) and the device leaves every other
 * session it was on. Needs a login session (not a personal access token).
 */
export async function attachSessionDevice(deps: Deps, auth: Auth, input: AttachDeviceInput): Promise<void> {
  const deviceId = checkDeviceId(input.device_id);
  if (!auth.session.id || auth.accessTokenId) throw badRequest('session_required', 'A device can only be attached to a login session, not to an access token');
  const props: Record<string, unknown> = { mobile: true };
  if (input.device_notification_disabled !== undefined) props.device_notification_disabled = String(input.device_notification_disabled) === 'true' ? 'true' : 'false';
  if (typeof input.mobile_version === 'string') props.mobile_version = input.mobile_version.slice(0, 64);
  const now = deps.now();
  const expiresAt = now + sessionLifetimeMs(await authSettings(deps), true);
  const moved = await inTx(deps, async (tx) => {
    const moved = await detachDeviceElsewhere(tx, deviceId, auth.session.id);
    if (!(await attachDevice(tx, auth.session.id, deviceId, props, expiresAt, now))) throw unauthorized('session_expired', 'The session has expired');
    return moved;
  });
  forgetSessions(deps, [auth.session.id]);
  if (moved) deps.log.info('push device moved to a new session', { user_id: auth.user.id, session_id: auth.session.id, sessions_before: moved });
}

/** The public half of the key that signs pushes (base64 DER), for the apps' client configuration. */
export async function pushSigningPublicKey(deps: Deps): Promise<string> {
  return (await pushKeys(deps)).publicKey;
}

/** At most this many device checks talk to the proxy at once per process; more answer "unknown". */
const MAX_CHECKS_IN_FLIGHT = 4;
/** A device's answer is reused this long (the apps ask on every connect). */
const CHECK_TTL_MS = 60_000;
const CHECKS_CACHED = 1000;

/**
 * Whether a device can receive pushes, for `CanReceiveNotifications`: "false" without a push
 * proxy or when the proxy says the device is gone, "true" when the proxy accepted a test push,
 * "unknown" when that could not be found out (proxy unreachable or refusing, a malformed device
 * id). Unauthenticated, as in Mattermost (the app asks before login): answers are cached per
 * device for a minute and at most a few checks run at once, so it cannot be used to flood the proxy.
 */
export function canReceiveNotifications(deps: Deps, deviceId: string): Promise<'true' | 'false' | 'unknown'> {
  if (!deps.config.push.proxy_url) return Promise.resolve('false');
  const dev = deviceId.length <= DEVICE_ID_MAX && DEVICE_ID.test(deviceId) ? splitDeviceId(deviceId) : undefined;
  if (!dev) return Promise.resolve('unknown');
  const checks = (deps.services.caches.pushChecks ??= { inFlight: 0, answers: new Map() });
  const cache = checks.answers;
  const now = deps.now();
  const hit = cache.get(deviceId);
  if (hit && now - hit.at < CHECK_TTL_MS) return hit.answer as Promise<'true' | 'false' | 'unknown'>;
  if (checks.inFlight >= MAX_CHECKS_IN_FLIGHT) return Promise.resolve('unknown');
  checks.inFlight++;
  const answer = (async () => {
    try {
      const { serverId } = await pushKeys(deps);
      const res = await proxyClient(deps.config.push.proxy_url).send(
        { ack_id: '', platform: dev.platform, server_id: serverId, device_id: dev.token, post_id: '', badge: -1, type: 'test', version: '2', is_crt_enabled: false, is_id_loaded: false, signature: '' },
        5000,
      );
      if (res.status === 'OK') return 'true' as const;
      if (res.status === 'REMOVE') return 'false' as const;
      deps.log.warn('push proxy refused the test notification', { platform: dev.platform, error: res.error });
      return 'unknown' as const;
    } catch (e) {
      deps.log.warn('push proxy check failed', { platform: dev.platform, error: e instanceof ProxyUnreachable ? e.message : String(e) });
      return 'unknown' as const;
    } finally {
      checks.inFlight--;
    }
  })();
  cache.delete(deviceId);
  cache.set(deviceId, { at: now, answer });
  if (cache.size > CHECKS_CACHED) cache.delete(cache.keys().next().value!);
  // Only a definite answer is kept: "unknown" is asked again next time.
  void answer.then((a) => {
    if (a === 'unknown' && cache.get(deviceId)?.answer === answer) cache.delete(deviceId);
  });
  return answer;
}

export interface AckInput {
  id?: unknown;
  received_at?: unknown;
  platform?: unknown;
  type?: unknown;
  post_id?: unknown;
  is_id_loaded?: unknown;
}

const shortString = (v: unknown, name: string, max: number): string => {
  if (v === undefined || v === null) return '';
  if (typeof v !== 'string' || v.length > max) throw badRequest('invalid_input', `${name}: expected a string of at most ${max} characters`);
  return v;
};

/**
 * The app's receipt of a push (Mattermost's pushNotificationAck): passed on to the proxy's
 * /api/v1/ack in the background (delivery statistics). For an id_loaded push the answer is the
 * notification as a full push would have carried it — checked against what the caller may read
 * now. Otherwise `undefined` (the route answers {"status":"OK"}). 501 when push is off.
 */
export async function ackPush(deps: Deps, auth: Auth, input: AckInput): Promise<PushContent | undefined> {
  if (!input || typeof input !== 'object') throw badRequest('invalid_input', 'Expected a JSON object');
  const ack = {
    id: shortString(input.id, 'id', 64),
    received_at: typeof input.received_at === 'number' && Number.isFinite(input.received_at) ? Math.trunc(input.received_at) : 0,
    platform: shortString(input.platform, 'platform', 32),
    type: shortString(input.type, 'type', 32),
    post_id: shortString(input.post_id, 'post_id', 26),
    is_id_loaded: input.is_id_loaded === true,
  };
  if (ack.post_id && !isId(ack.post_id)) throw badRequest('invalid_id', 'post_id is not a valid id');
  if (!deps.config.push.proxy_url) throw new AppError(501, 'push_disabled', 'Push notifications are not enabled on this server');
  const forward = { ...ack, post_id: ack.post_id || undefined };
  proxyClient(deps.config.push.proxy_url)
    .ack(forward)
    .catch((e) => deps.log.debug('push ack not passed on to the push proxy', { ack_id: ack.id, error: (e as Error).message }));
  deps.log.debug('push received by the device', { ack_id: ack.id, push_type: ack.type, platform: ack.platform, user_id: auth.user.id });
  if (!ack.is_id_loaded || !ack.post_id || ack.type !== 'message') return undefined;
  const { post, channel } = await accessPost(deps.db, auth, ack.post_id);
  const [author, pref, groupMembers, overrides] = await Promise.all([
    getUser(deps.db, post.user_id),
    crtPreference(deps, auth.user.id),
    channel.type === 'G' ? memberUsernames(deps.db, channel.id) : undefined,
    integrationSettings(deps),
  ]);
  const crt = crtEnabled(deps.config, pref);
  const explicit = post.mentions.includes(auth.user.id);
  return pushContent(deps.config, { post, channel, senderUsername: author?.username ?? '', groupMembers, overrides }, auth.user.id, crt, { explicit, channelWide: !explicit && post.mention_channel, thread: crt && post.root_id !== '' }, 'full');
}
