import { sign, type KeyObject } from 'node:crypto';
import { outboundRequest, OutboundError } from '../outbound/fetch.ts';
import type { AddressPolicy } from '../outbound/address-policy.ts';

/**
 * The Mattermost push proxy protocol (mattermost-push-proxy, and Mattermost's hosted services):
 * `POST {proxy}/api/v1/send_push` with a PushNotification, answered `{"status":"OK"}`,
 * `{"status":"FAIL","error":…}` or `{"status":"REMOVE"}` (the device is gone: forget it), and
 * `POST {proxy}/api/v1/ack` with what the app acknowledged.
 */

/**
 * What identifies this installation to the push proxy and to the apps, made once and kept in the
 * database (site_settings) so every process and every restart uses the same:
 * - `serverId`: Mattermost's server id (the proxy requires one; the apps match it to the server);
 * - `key`: a P-256 key that signs each push (ES256 over its ack id and device token); the apps
 *   read the public half from the client configuration (AsymmetricSigningPublicKey, base64 DER)
 *   and drop pushes whose signature does not verify.
 */
export interface PushKeys {
  serverId: string;
  key: KeyObject;
  /** Base64 of the public key's DER SubjectPublicKeyInfo. */
  publicKey: string;
}

/** Mattermost's PushNotification (server/public/model/push_notification.go), as sent. */
export interface PushMessage {
  ack_id: string;
  platform: string;
  server_id: string;
  device_id: string;
  post_id: string;
  category?: string;
  sound?: string;
  message?: string;
  badge?: number;
  cont_ava?: number;
  team_id?: string;
  channel_id?: string;
  root_id?: string;
  channel_name?: string;
  type?: string;
  sender_id?: string;
  sender_name?: string;
  override_username?: string;
  override_icon_url?: string;
  from_webhook?: string;
  version?: string;
  is_crt_enabled: boolean;
  is_id_loaded: boolean;
  signature: string;
}

/** A message before it is addressed to one device (no ack_id, platform, device_id, server_id, signature). */
export type PushContent = Omit<PushMessage, 'ack_id' | 'platform' | 'device_id' | 'server_id' | 'signature' | 'post_id'> & { post_id?: string };

export type ProxyAnswer = { status: 'OK' } | { status: 'FAIL'; error: string } | { status: 'REMOVE' };

/** Fields Mattermost always sends; every other field is left out when empty or 0 (Go's omitempty). */
const ALWAYS = new Set(['ack_id', 'platform', 'server_id', 'device_id', 'post_id', 'is_crt_enabled', 'is_id_loaded', 'signature']);

/** The JSON body of a push, as Mattermost's encoder writes it. */
export function wire(msg: PushMessage): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(msg)) if (ALWAYS.has(k) || (v !== undefined && v !== '' && v !== 0)) out[k] = v;
  return out;
}

/** The proxy could not be asked (no connection, timeout, an HTTP error status, an answer that is not the protocol's). */
export class ProxyUnreachable extends Error {
  constructor(
    message: string,
    /** Worth another try later (connection problems, timeouts, 429 and 5xx). */
    readonly retryable: boolean,
  ) {
    super(message);
    this.name = 'ProxyUnreachable';
  }
}

/** Longest device id a session keeps ("android_rn-v2:" and a token; FCM tokens run to ~200 characters). */
export const DEVICE_ID_MAX = 512;

/** Splits a session's device id "apple_rn-v2:TOKEN" into the platform and the token (Mattermost's SetDeviceIdAndPlatform). */
export function splitDeviceId(deviceId: string): { platform: string; token: string } | undefined {
  const i = deviceId.indexOf(':');
  if (i <= 0 || i === deviceId.length - 1) return undefined;
  return { platform: deviceId.slice(0, i), token: deviceId.slice(i + 1) };
}

const b64url = (b: Buffer | string) => Buffer.from(b).toString('base64url');

/**
 * The `signature` the apps verify (against the client configuration's AsymmetricSigningPublicKey):
 * an ES256 JWT whose claims are the ack id and the device token, as Mattermost signs it.
 */
export function signPush(key: KeyObject, ackId: string, deviceToken: string): string {
  const input = `${b64url(JSON.stringify({ alg: 'ES256', typ: 'JWT' }))}.${b64url(JSON.stringify({ ack_id: ackId, device_id: deviceToken }))}`;
  const sig = sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' });
  return `${input}.${b64url(sig)}`;
}

/** The proxy URL is the admin's (push.proxy_url): any address may be reached, internal ones included. */
const ANY_ADDRESS: AddressPolicy = { refusal: () => undefined };

/** Longest answer read from the proxy (its answers are a few dozen bytes). */
const MAX_ANSWER_BYTES = 64 * 1024;

export interface ProxyClient {
  send(msg: PushMessage, timeoutMs?: number): Promise<ProxyAnswer>;
  ack(body: Record<string, unknown>, timeoutMs?: number): Promise<void>;
}

/** A client for the proxy at `baseUrl` (trailing slashes ignored). */
export function proxyClient(baseUrl: string): ProxyClient {
  const base = baseUrl.replace(/\/+$/, '');
  async function post(path: string, body: unknown, timeoutMs: number) {
    let res;
    try {
      res = await outboundRequest({
        method: 'POST',
        url: `${base}/api/v1/${path}`,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
        timeoutMs,
        maxBytes: MAX_ANSWER_BYTES,
        maxRedirects: 0,
        policy: ANY_ADDRESS,
      });
    } catch (e) {
      const retryable = !(e instanceof OutboundError) || e.code !== 'invalid_url';
      throw new ProxyUnreachable((e as Error).message, retryable);
    }
    return res;
  }
  return {
    async send(msg, timeoutMs = 10_000) {
      const res = await post('send_push', wire(msg), timeoutMs);
      let answer: Record<string, unknown> | undefined;
      try {
        answer = JSON.parse(res.body.toString('utf8'));
      } catch {
        /* below */
      }
      // mattermost-push-proxy answers a refusal (unknown platform, missing device) with HTTP 4xx/5xx and a FAIL body.
      if (answer?.status === 'FAIL') return { status: 'FAIL', error: String(answer.error ?? '').slice(0, 500) };
      if (res.status !== 200) throw new ProxyUnreachable(`push proxy answered HTTP ${res.status}`, res.status === 429 || res.status >= 500);
      if (answer?.status === 'REMOVE') return { status: 'REMOVE' };
      if (answer?.status === 'OK') return { status: 'OK' };
      throw new ProxyUnreachable('push proxy answer is not {"status":…}', true);
    },
    async ack(body, timeoutMs = 10_000) {
      const res = await post('ack', body, timeoutMs);
      if (res.status !== 200) throw new ProxyUnreachable(`push proxy answered HTTP ${res.status}`, false);
    },
  };
}
