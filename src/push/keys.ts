import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import type { Deps } from '../deps.ts';
import { newId } from '../ids.ts';
import { serverValue } from '../store/push.ts';

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

export function pushKeys(deps: Deps): Promise<PushKeys> {
  const caches = deps.services.caches;
  caches.pushKeys ??= load(deps).catch((e) => {
    caches.pushKeys = undefined;
    throw e;
  });
  return caches.pushKeys;
}

async function load(deps: Deps): Promise<PushKeys> {
  const serverId = await serverValue(deps.db, 'server_id', newId);
  const pem = await serverValue(deps.db, 'push_signing_key', () => generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());
  const key = createPrivateKey(pem);
  const publicKey = createPublicKey(key).export({ type: 'spki', format: 'der' }).toString('base64');
  return { serverId, key, publicKey };
}
