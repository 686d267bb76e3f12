/**
 * A real OpenID Connect provider for tests: npm `oidc-provider` (the certified Node.js
 * implementation) on 127.0.0.1, with one confidential client, PKCE required, consent skipped, and
 * its development login form (any login; the password is ignored). `tamper` makes its token
 * endpoint re-sign the ID token with changed claims (the provider's own key, so only the claim
 * checks can catch it), and `browse` walks its login pages over HTTP like a browser would.
 */
import { createServer, type Server, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, decodeJwt, decodeProtectedHeader, type JWK } from 'jose';

/** An account of the test provider; its subject is the login typed into the form. */
export interface IdpAccount {
  email?: string;
  email_verified?: boolean;
  name?: string;
  preferred_username?: string;
  groups?: string[];
}

export type Tamper = undefined | 'aud' | 'expired' | 'iss' | 'nonce' | 'signature';

export interface TestIdp {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** By login (= subject). */
  accounts: Map<string, IdpAccount>;
  /** Set to change the next ID tokens; undefined serves them as issued. */
  tamper: Tamper;
  /** Follows the provider's pages from an authorization URL, logs in as `login`, returns the redirect to the client. */
  browse(authorizationUrl: string, login: string): Promise<URL>;
  close(): Promise<void>;
}

export async function startTestIdp(o: { redirectUris: string[]; clientId?: string; clientSecret?: string }): Promise<TestIdp> {
  const { default: Provider } = await import('oidc-provider');
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const jwk: JWK = { ...(await exportJWK(privateKey)), kid: 'test-key', alg: 'RS256', use: 'sig' };
  const accounts = new Map<string, IdpAccount>();
  const clientId = o.clientId ?? 'rustchat';
  const clientSecret = o.clientSecret ?? 'rustchat-test-secret-0123456789';

  const server: Server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const provider = new Provider(issuer, {
    clients: [{ client_id: clientId, client_secret: clientSecret, redirect_uris: o.redirectUris, grant_types: ['authorization_code'], response_types: ['code'], token_endpoint_auth_method: 'client_secret_post' }],
    jwks: { keys: [jwk] },
    cookies: { keys: ['test-cookie-key-0123456789'] },
    pkce: { required: () => true },
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name', 'preferred_username'], groups: ['groups'] },
    scopes: ['openid', 'email', 'profile', 'groups'],
    features: { devInteractions: { enabled: true }, userinfo: { enabled: true } },
    // The development login form makes the typed login the account id, which is the subject.
    async findAccount(_ctx: unknown, id: string) {
      const a = accounts.get(id);
      if (!a) return undefined;
      return { accountId: id, claims: async () => ({ ...accounts.get(id)!, sub: id }) };
    },
    // First-party client: no consent screen.
    async loadExistingGrant(ctx: any) {
      const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
      grant.addOIDCScope('openid email profile groups');
      await grant.save();
      return grant;
    },
  } as any);
  // The dev interactions warn on every start; tests need no reminder.
  (provider as any).on?.('server_error', (_ctx: unknown, err: Error) => console.error('test idp error', err));
  const callback = provider.callback();

  const idp: TestIdp = {
    issuer,
    clientId,
    clientSecret,
    accounts,
    tamper: undefined,
    browse: (url, login) => browse(url, login),
    close: () => new Promise((r) => server.close(() => r())),
  };

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    if (idp.tamper && req.method === 'POST' && req.url?.startsWith('/token')) interceptToken(res, idp.tamper);
    callback(req, res);
  });

  /** Rewrites the token response's id_token on its way out. */
  function interceptToken(res: ServerResponse, mode: NonNullable<Tamper>) {
    const end = res.end.bind(res) as (chunk?: unknown) => ServerResponse;
    (res as any).end = (chunk?: unknown) => {
      const text = chunk ? String(chunk) : '';
      void (async () => {
        let body = text;
        try {
          const json = JSON.parse(text);
          if (json.id_token) {
            json.id_token = await resign(json.id_token, mode);
            body = JSON.stringify(json);
          }
        } catch {
          /* not JSON: pass through */
        }
        res.setHeader('content-length', Buffer.byteLength(body));
        end(body);
      })();
      return res;
    };
  }

  async function resign(idToken: string, mode: NonNullable<Tamper>): Promise<string> {
    const claims = decodeJwt(idToken) as Record<string, unknown>;
    const header = decodeProtectedHeader(idToken);
    const now = Math.floor(Date.now() / 1000);
    if (mode === 'aud') claims.aud = 'another-client';
    if (mode === 'expired') Object.assign(claims, { iat: now - 7200, exp: now - 3600 });
    if (mode === 'iss') claims.iss = 'http://127.0.0.1:9/not-the-issuer';
    if (mode === 'nonce') claims.nonce = 'not-the-nonce';
    const key = mode === 'signature' ? (await generateKeyPair('RS256')).privateKey : privateKey;
    return new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: header.kid, typ: header.typ as string | undefined }).sign(key);
  }

  async function browse(start: string, login: string): Promise<URL> {
    const jar = new Map<string, string>();
    const cookieHeader = () => [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
    const keep = (res: Response) => {
      for (const sc of res.headers.getSetCookie()) {
        const [pair] = sc.split(';');
        const i = pair!.indexOf('=');
        jar.set(pair!.slice(0, i), pair!.slice(i + 1));
      }
    };
    let url = new URL(start);
    let body: URLSearchParams | undefined;
    for (let hop = 0; hop < 20; hop++) {
      if (url.origin !== issuer) return url; // back at the client
      const res = await fetch(url, { method: body ? 'POST' : 'GET', redirect: 'manual', headers: { cookie: cookieHeader(), ...(body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) }, body });
      keep(res);
      body = undefined;
      const loc = res.headers.get('location');
      if (loc) {
        url = new URL(loc, url);
        continue;
      }
      const html = await res.text();
      const action = /<form[^>]*action="([^"]+)"/.exec(html)?.[1];
      if (res.status !== 200 || !action || !/name="login"/.test(html)) throw new Error(`test idp: unexpected page ${res.status} at ${url}: ${html.slice(0, 300)}`);
      url = new URL(action.replace(/&amp;/g, '&'), url);
      body = new URLSearchParams({ prompt: 'login', login, password: 'any' });
    }
    throw new Error('test idp: too many redirects');
  }

  return idp;
}
