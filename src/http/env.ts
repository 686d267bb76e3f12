import type { Deps } from '../deps.ts';
import type { Auth } from '../actions/tokens.ts';

/** Hono context variables shared by every route. */
export interface AppEnv {
  Variables: {
    deps: Deps;
    requestId: string;
    /** Set by requireAuth. */
    auth: Auth;
    /**
     * Set by a route whose 5xx answer reports a dependency's state rather than a fault (readiness
     * answering 503 while the database is down): logged like the 503/507 of a dependency away —
     * warn, rate-limited (http/middleware.ts).
     */
    dependencyAnswer: string;
  };
}
