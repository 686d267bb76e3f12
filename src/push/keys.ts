import { createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import type { Deps } from '../deps.ts';
import { newId } from '../ids.ts';
import { serverValue } from '../store/push.ts';
import type { PushKeys } from './proxy.ts';

export type { PushKeys };

/** The installation's push identity (PushKeys), read or made once per process. */
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
