import { createHash, hkdfSync } from 'node:crypto';
import { EncryptJWT, jwtDecrypt } from 'jose';
import type { Deps } from '../deps.ts';

/**
 * The state of one SSO login between "go to the provider" and "the provider sent you back": the
 * state, nonce and PKCE verifier, where to return, and whether it is a mobile login. It travels in
 * an encrypted, HttpOnly, SameSite=Lax cookie named after the state, so any process can finish a
 * login any process started (no shared store), several tabs can log in at once, and a callback
 * whose state was not issued to this browser finds no cookie (login CSRF).
 */
export interface SsoFlow {
  state: string;
  nonce: string;
  verifier: string;
  redirect_uri: string;
  /** 'web': cookies and a redirect to return_to; 'mobile': back to the app's URL scheme with the token. */
  action: 'web' | 'mobile';
  return_to: string;
}

export const FLOW_TTL_S = 600;
export const flowCookieName = (state: string) => `RCOIDC_${createHash('sha256').update(state).digest('base64url').slice(0, 16)}`;

function flowKey(deps: Deps): Uint8Array {
  return (deps.services.caches.oidcFlowKey ??= new Uint8Array(hkdfSync('sha256', deps.jwtKey, Buffer.alloc(0), 'rustchat oidc login flow v1', 32)));
}

export async function sealFlow(deps: Deps, flow: SsoFlow): Promise<string> {
  const now = Math.floor(deps.now() / 1000);
  return new EncryptJWT({ ...flow })
    .setProtectedHeader({ alg: 'dir', enc: 'A256GCM' })
    .setIssuedAt(now)
    .setExpirationTime(now + FLOW_TTL_S)
    .encrypt(flowKey(deps));
}

/** The flow in a cookie, or undefined when it is missing, forged, expired or for another state. */
export async function openFlow(deps: Deps, sealed: string | undefined, state: string): Promise<SsoFlow | undefined> {
  if (!sealed || sealed.length > 4096) return undefined;
  try {
    const { payload } = await jwtDecrypt(sealed, flowKey(deps), { currentDate: new Date(deps.now()), keyManagementAlgorithms: ['dir'], contentEncryptionAlgorithms: ['A256GCM'] });
    const f = payload as unknown as SsoFlow;
    if (typeof f.state !== 'string' || f.state !== state || typeof f.nonce !== 'string' || typeof f.verifier !== 'string') return undefined;
    if (f.action !== 'web' && f.action !== 'mobile') return undefined;
    return f;
  } catch {
    return undefined;
  }
}
