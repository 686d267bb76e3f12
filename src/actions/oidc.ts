import type { Deps } from '../deps.ts';
import type { Tx } from '../db/driver.ts';
import { AppError, badRequest, forbidden } from '../errors.ts';
import { splitList } from '../config.ts';
import { inTx } from './tx.ts';
import { audit } from './audit.ts';
import { startSession, type ClientMeta } from './sessions.ts';
import { authSettings, emailDomainAllowed } from './auth-settings.ts';
import { checkDisplayName, checkEmail, createAccount, setRole, USERNAME_MAX } from './accounts.ts';
import { isSystemAdminRoles, presentUser } from './users.ts';
import { providerConfig, oidcClient, CALLBACK_PATH } from './oidc-config.ts';
import { openFlow, sealFlow, type SsoFlow } from './oidc-flow.ts';
import { findIdentity, insertIdentity, touchIdentity } from '../store/identities.ts';
import { findUserByEmail, getUser, usernameOrEmailTaken, type UserRow } from '../store/users.ts';

/**
 * Single sign-on with OpenID Connect (docs/auth.md): the authorization code flow with PKCE
 * (S256), state and nonce, through `openid-client`, which validates the ID token (signature from
 * the provider's keys, issuer, audience, expiry, nonce). The account is the one linked to the
 * provider's (issuer, subject); on a first login it is linked to an existing account by email
 * (oidc.link_by_email) or created (oidc.create_accounts).
 */

const ssoError = (status: number, code: string, message: string) => new AppError(status, code, message);

export interface BeginInput {
  action: 'web' | 'mobile';
  /** web: a path on this site; mobile: the app's callback URL (one of oidc.mobile_schemes). */
  return_to: string;
  /** This server's public origin (server.site_url, or the request's). */
  origin: string;
}

/** Starts a login: the provider's authorization URL and the sealed flow for the cookie. */
export async function beginSsoLogin(deps: Deps, input: BeginInput): Promise<{ url: string; state: string; sealed: string }> {
  const config = await providerConfig(deps);
  const client = await oidcClient();
  const flow: SsoFlow = {
    state: client.randomState(),
    nonce: client.randomNonce(),
    verifier: client.randomPKCECodeVerifier(),
    redirect_uri: `${input.origin}${CALLBACK_PATH}`,
    action: input.action,
    return_to: input.return_to,
  };
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: flow.redirect_uri,
    scope: deps.config.oidc.scopes,
    response_type: 'code',
    code_challenge: await client.calculatePKCECodeChallenge(flow.verifier),
    code_challenge_method: 'S256',
    state: flow.state,
    nonce: flow.nonce,
  });
  return { url: url.href, state: flow.state, sealed: await sealFlow(deps, flow) };
}

export interface CompleteInput {
  /** The callback's query string, as the provider sent it. */
  query: URLSearchParams;
  /** The cookie of the flow named by the query's state. */
  sealed: string | undefined;
  meta: ClientMeta;
}

/** What the provider told us about the person, after validation. */
interface Person {
  issuer: string;
  subject: string;
  email: string;
  emailVerified: boolean;
  name: string;
  username: string;
  groups: string[];
}

/**
 * Finishes a login: checks the flow, exchanges the code (PKCE verifier; openid-client checks the
 * state and validates the ID token and nonce), resolves the account and starts a session.
 */
export async function completeSsoLogin(deps: Deps, input: CompleteInput) {
  const state = input.query.get('state') ?? '';
  const flow = state ? await openFlow(deps, input.sealed, state) : undefined;
  if (!flow) throw ssoError(400, 'sso_state_mismatch', 'This sign-in link is not valid for this browser or has expired; start again');
  const denied = input.query.get('error');
  if (denied) throw Object.assign(ssoError(401, denied === 'access_denied' ? 'sso_denied' : 'sso_failed', `The identity provider refused the sign-in (${denied.slice(0, 64)})`), { flow });
  const person = await exchange(deps, flow, input.query).catch((e) => {
    throw Object.assign(e, { flow });
  });
  try {
    const { user, token } = await signIn(deps, person, input.meta, flow);
    return { user: presentUser(user, { user: { id: user.id }, isSystemAdmin: isSystemAdminRoles(user.roles) }), token, flow };
  } catch (e) {
    throw Object.assign(e as Error, { flow });
  }
}

async function exchange(deps: Deps, flow: SsoFlow, query: URLSearchParams): Promise<Person & { idToken: string }> {
  const config = await providerConfig(deps);
  const client = await oidcClient();
  const current = new URL(flow.redirect_uri);
  current.search = query.toString();
  let tokens;
  try {
    tokens = await client.authorizationCodeGrant(config, current, { pkceCodeVerifier: flow.verifier, expectedState: flow.state, expectedNonce: flow.nonce, idTokenExpected: true });
  } catch (e) {
    // Signature, issuer, audience, expiry, nonce, a used code: the details go to the log only.
    deps.log.warn('OpenID Connect sign-in refused', { err: e, code: (e as { code?: string }).code });
    throw ssoError(401, 'sso_failed', 'The identity provider’s answer could not be verified; sign-in refused');
  }
  const claims = tokens.claims()!;
  let info: Record<string, unknown> = { ...claims };
  const groupsClaim = deps.config.oidc.groups_claim;
  // Providers that keep email or groups out of the ID token (and scope-limited ones) have them at userinfo.
  if ((!claims.email || (deps.config.oidc.admin_groups && claims[groupsClaim] === undefined)) && config.serverMetadata().userinfo_endpoint) {
    try {
      info = { ...(await client.fetchUserInfo(config, tokens.access_token, claims.sub)), ...claims };
    } catch (e) {
      deps.log.warn('OpenID Connect userinfo request failed', { err: e });
    }
  }
  const str = (v: unknown) => (typeof v === 'string' ? v : '');
  const email = str(info.email) || (deps.config.oidc.link_by_email === 'always' ? str(info.upn) : '');
  const groups = info[groupsClaim];
  return {
    issuer: claims.iss,
    subject: claims.sub,
    email,
    emailVerified: info.email_verified === true || info.email_verified === 'true',
    name: str(info.name) || [str(info.given_name), str(info.family_name)].filter(Boolean).join(' '),
    username: str(info.preferred_username) || email.split('@')[0] || '',
    groups: Array.isArray(groups) ? groups.filter((g): g is string => typeof g === 'string') : typeof groups === 'string' ? [groups] : [],
    idToken: tokens.id_token ?? '',
  };
}

/** A free username from the provider's preferred one: a–z 0–9 . _ -, starting with a letter; a number appended on a clash. */
async function freeUsername(tx: Tx, wanted: string, email: string): Promise<string> {
  let base = wanted.split('@')[0]!.toLowerCase().replace(/[^a-z0-9._-]+/g, '-').replace(/^[^a-z]+/, '').slice(0, USERNAME_MAX - 4);
  if (base.length < 3) base = `user-${base}`.replace(/-$/, '');
  for (let i = 0; i < 1000; i++) {
    const name = i === 0 ? base : `${base}${i + 1}`;
    if (!(await usernameOrEmailTaken(tx, name, email)).username && !['all', 'channel', 'here', 'everyone', 'system'].includes(name)) return name;
  }
  throw ssoError(409, 'username_taken', 'No free username could be made from the identity provider’s');
}

async function signIn(deps: Deps, p: Person & { idToken: string }, meta: ClientMeta, flow: SsoFlow) {
  const o = deps.config.oidc;
  const actor = (id: string) => ({ id, ip: meta.ip, via: 'api' as const });
  const settings = await authSettings(deps);
  const result = await inTx(deps, async (tx) => {
    const now = deps.now();
    let user: UserRow | undefined;
    let how: 'linked' | 'created' | 'returning' = 'returning';
    const identity = await findIdentity(tx, p.issuer, p.subject);
    if (identity) {
      user = await getUser(tx, identity.user_id, { forUpdate: true });
      await touchIdentity(tx, p.issuer, p.subject, p.email, now);
    } else {
      if (!p.email) throw ssoError(403, 'sso_email_missing', 'The identity provider sent no email address; ask your administrator to release the email claim');
      const email = checkEmail(p.email);
      const existing = await findUserByEmail(tx, email);
      if (existing) {
        const linkable = o.link_by_email === 'always' || (o.link_by_email === 'verified' && p.emailVerified);
        if (!linkable) {
          await audit(tx, now, actor(existing.id), 'sso_link', { target_type: 'user', target_id: existing.id, success: false, details: { issuer: p.issuer, reason: o.link_by_email === 'off' ? 'linking_off' : 'email_not_verified' } });
          throw ssoError(409, 'sso_account_exists', 'An account with this email already exists; sign in with your password, or ask an administrator to allow linking');
        }
        user = existing;
        how = 'linked';
      } else {
        if (!o.create_accounts) throw ssoError(403, 'sso_signup_disabled', 'No account is linked to this identity and SSO sign-up is off; ask an administrator for an account');
        if (!emailDomainAllowed(settings, email)) throw ssoError(403, 'email_domain_not_allowed', 'Sign-up is limited to certain email domains on this server');
        const username = await freeUsername(tx, p.username, email);
        user = await createAccount(deps, tx, { username, email, passwordHash: '', displayName: safeName(p.name), admin: false, authService: 'openid' });
        how = 'created';
        await audit(tx, now, actor(user.id), 'register', { target_type: 'user', target_id: user.id, details: { username, roles: user.roles, via: 'openid', issuer: p.issuer } });
      }
      await insertIdentity(tx, { issuer: p.issuer, subject: p.subject, user_id: user.id, email, create_at: now });
      if (how === 'linked') await audit(tx, now, actor(user.id), 'sso_link', { target_type: 'user', target_id: user.id, details: { issuer: p.issuer } });
    }
    if (!user) throw ssoError(401, 'sso_failed', 'The linked account no longer exists');
    if (Number(user.delete_at) !== 0) {
      await audit(tx, now, actor(user.id), 'login', { target_type: 'user', target_id: user.id, success: false, details: { reason: 'deactivated', via: 'openid' } });
      throw forbidden('user_inactive', 'This account is deactivated');
    }
    const { token, session } = await startSession(deps, tx, user.id, { ...meta, mobile: flow.action === 'mobile' || meta.mobile }, { via: 'openid', id_token: p.idToken });
    await audit(tx, now, actor(user.id), 'login', { target_type: 'user', target_id: user.id, details: { session_id: session.id, via: 'openid', account: how } });
    return { user, token };
  });
  return { user: await mapGroups(deps, result.user, p.groups, meta.ip), token: result.token };
}

/** Display names from a provider can carry anything; keep what our rules accept. */
function safeName(name: string): string {
  try {
    return checkDisplayName(name.slice(0, 64));
  } catch {
    return '';
  }
}

/**
 * oidc.admin_groups: members of a listed group are system admins, others system users, at every
 * SSO login. The last active admin is never demoted this way (logged instead).
 */
async function mapGroups(deps: Deps, user: UserRow, groups: string[], ip: string): Promise<UserRow> {
  const adminGroups = splitList(deps.config.oidc.admin_groups);
  if (!adminGroups.length) return user;
  const isAdmin = groups.some((g) => adminGroups.includes(g.toLowerCase()));
  if (isAdmin === isSystemAdminRoles(user.roles)) return user;
  try {
    return await setRole(deps, { id: user.id, ip, via: 'api' }, user.id, isAdmin ? 'system_admin' : 'system_user');
  } catch (e) {
    if (e instanceof AppError && e.code === 'last_admin') {
      deps.log.warn('SSO group mapping would demote the last system admin; role kept', { user_id: user.id });
      return user;
    }
    throw e;
  }
}

/** Validates where a web login may return to: a path on this site (never another origin). */
export function safeReturnPath(raw: string | undefined): string {
  if (!raw || !raw.startsWith('/') || raw.startsWith('//') || raw.startsWith('/\\') || /[\u0000-\u001f]/.test(raw) || raw.length > 1024) return '/';
  return raw;
}

/** Validates a mobile app's callback URL against oidc.mobile_schemes (Mattermost's rule: the URL starts with an allowed scheme). */
export function mobileReturnUrl(deps: Deps, raw: string | undefined): string {
  const url = (raw ?? '').trim();
  const schemes = splitList(deps.config.oidc.mobile_schemes);
  if (!url || url.length > 512 || !schemes.some((s) => url.toLowerCase().startsWith(s))) {
    throw badRequest('invalid_redirect', `redirect_to must start with one of: ${schemes.join(', ')}`);
  }
  return url;
}

/**
 * RP-initiated logout (oidc.logout_from_provider): where to send the browser after an SSO
 * session's logout so the provider ends its session too — its end_session_endpoint with the ID
 * token as hint and <origin>/login to come back to. Undefined for password sessions, when off, or
 * when the provider has no such endpoint (Google).
 */
export async function providerLogoutUrl(deps: Deps, session: { props?: Record<string, unknown> }, origin: string): Promise<string | undefined> {
  if (!deps.config.oidc.logout_from_provider || session.props?.via !== 'openid') return undefined;
  try {
    const config = await providerConfig(deps);
    if (!config.serverMetadata().end_session_endpoint) return undefined;
    const client = await oidcClient();
    const idToken = typeof session.props.id_token === 'string' ? session.props.id_token : '';
    return client.buildEndSessionUrl(config, { post_logout_redirect_uri: `${origin}/login`, ...(idToken ? { id_token_hint: idToken } : {}) }).href;
  } catch (e) {
    deps.log.warn('provider logout URL unavailable', { err: e });
    return undefined;
  }
}
