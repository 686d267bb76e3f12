import type { SessionRow } from './store/sessions.ts';

/**
 * Who is calling: what authentication (actions/tokens.ts: sessions, actions/access-tokens.ts:
 * personal access tokens) hands every action. Its own module because both of those build it and
 * the caches in services.ts hold it.
 */
export interface AuthUser {
  id: string;
  username: string;
  email: string;
  roles: string;
  delete_at: number;
  mfa_active: boolean;
}

export interface Auth {
  user: AuthUser;
  session: SessionRow;
  isSystemAdmin: boolean;
  /**
   * auth.mfa = required and this password session's user has not enrolled yet: only the routes
   * that enrol (and me, logout) accept the session until they do.
   */
  mfaSetupRequired?: boolean;
  /** Set when the request authenticated with a personal access token (then `session` stands in for it). */
  accessTokenId?: string;
  /** The user is a bot account: its posts are marked from_bot. */
  isBot?: boolean;
}
