import type { Deps } from '../deps.ts';
import type { Auth } from '../actions/tokens.ts';

/** Hono context variables shared by every route. */
export interface AppEnv {
  Variables: {
    deps: Deps;
    requestId: string;
    /** Set by requireAuth. */
    auth: Auth;
  };
}
