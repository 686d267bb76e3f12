import type { Deps } from '../deps.ts';
import { isLoopbackHost, splitList, type Config } from '../config.ts';
import { unavailable } from '../errors.ts';

/**
 * The OpenID Connect relying party's set-up: whether SSO is on, the provider's metadata (found by
 * discovery through `openid-client`, cached per process), and the redirect URI. openid-client is
 * loaded at first use (in the executable it is a separate chunk).
 */
export type OidcClient = typeof import('openid-client');
export const oidcClient = (): Promise<OidcClient> => import('openid-client');

/** Where the provider sends the browser back: Mattermost's path, so one registration serves the apps too. */
export const CALLBACK_PATH = '/signup/openid/complete';

export const ssoEnabled = (config: Config) => !!config.oidc.issuer && !!config.oidc.client_id;

/** What the login page, the client config and the admin console show about SSO (no secrets). */
export function ssoStatus(config: Config) {
  const o = config.oidc;
  return {
    enabled: ssoEnabled(config),
    issuer: o.issuer,
    client_id: o.client_id,
    client_secret_set: !!o.client_secret,
    button_text: o.button_text,
    scopes: o.scopes,
    create_accounts: o.create_accounts,
    link_by_email: o.link_by_email,
    disable_password_login: o.disable_password_login,
    admin_groups: splitList(o.admin_groups),
    login_url: '/oauth/openid/login',
    redirect_uri: config.server.site_url ? `${config.server.site_url.replace(/\/+$/, '')}${CALLBACK_PATH}` : `<site_url>${CALLBACK_PATH}`,
  };
}

// Metadata and keys are re-fetched after this long (providers rotate signing keys; openid-client
// also refetches the key set when a token names a key it does not have).
const DISCOVERY_TTL_MS = 60 * 60_000;
const REQUEST_TIMEOUT_S = 10;

interface Cached {
  at: number;
  config: Promise<import('openid-client').Configuration>;
}

/** The provider's configuration (discovery), cached per process for an hour; a failure is not cached. */
export async function providerConfig(deps: Deps): Promise<import('openid-client').Configuration> {
  const o = deps.config.oidc;
  if (!ssoEnabled(deps.config)) throw unavailable('sso_disabled', 'Single sign-on is not configured on this server');
  const cache = deps.services.caches;
  const now = deps.now();
  if (!cache.oidcDiscovery || now - cache.oidcDiscovery.at > DISCOVERY_TTL_MS) {
    const entry: Cached = {
      at: now,
      config: (async () => {
        const client = await oidcClient();
        const issuer = new URL(o.issuer);
        // Plain http is accepted only for a provider on the loopback interface (config.ts refuses others).
        // The ID token's signature is checked against the provider's published keys too (OIDC
        // allows relying on TLS alone for tokens from the token endpoint; we do not).
        const execute = [client.enableNonRepudiationChecks, ...(issuer.protocol === 'http:' && isLoopbackHost(issuer.hostname) ? [client.allowInsecureRequests] : [])];
        const c = await client.discovery(issuer, o.client_id, o.client_secret || undefined, o.client_secret ? undefined : client.None(), { execute, timeout: REQUEST_TIMEOUT_S });
        c.timeout = REQUEST_TIMEOUT_S;
        return c;
      })(),
    };
    entry.config.catch((err) => {
      if (cache.oidcDiscovery === entry) cache.oidcDiscovery = undefined;
      deps.log.warn('OpenID Connect discovery failed', { issuer: o.issuer, err });
    });
    cache.oidcDiscovery = entry;
  }
  try {
    return await cache.oidcDiscovery.config;
  } catch {
    throw unavailable('sso_unavailable', 'The identity provider cannot be reached; try again shortly');
  }
}
