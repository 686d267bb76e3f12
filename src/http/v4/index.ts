import { Hono } from 'hono';
import { matchedRoutes } from 'hono/route';
import type { AppEnv } from '../env.ts';
import { renderMmError, notImplemented } from './errors.ts';
import { versionId } from './respond.ts';
import { mmRequireAuth } from './auth.ts';
import { systemRoutes, systemSessionRoutes } from './system.ts';
import { preferenceRoutes } from './preferences.ts';
import { userPublicRoutes, userRoutes } from './users.ts';
import { statusRoutes } from './status.ts';
import { teamRoutes } from './teams.ts';
import { channelRoutes } from './channels.ts';
import { postRoutes } from './posts.ts';
import { reactionRoutes } from './reactions.ts';
import { fileRoutes } from './files.ts';
import { roleRoutes } from './roles.ts';
import { categoryRoutes } from './categories.ts';
import { mfaPublicRoutes, mfaRoutes } from './mfa.ts';
import { accessTokenRoutes } from './access-tokens.ts';
import { webhookRoutes } from './webhooks.ts';
import { commandRoutes } from './commands.ts';
import { botRoutes } from './bots.ts';
import { threadRoutes } from './threads.ts';
import { emojiRoutes } from './emoji.ts';

/**
 * `/api/v4`: the Mattermost-compatible adapter. Every route is a thin translation over the same
 * actions as `/api/v1` (same validation, same authorization, same events); only the shapes differ
 * (presenters.ts) and the errors (errors.ts). Routes RustChat does not have answer 501.
 */
export function v4Routes() {
  const api = new Hono<AppEnv>();
  api.onError(renderMmError);
  api.use('*', async (c, next) => {
    await next();
    // Binary responses (files, images) are built elsewhere; every response carries the version.
    if (!c.res.headers.has('X-Version-Id')) c.res.headers.set('X-Version-Id', versionId());
  });

  // Public: what the apps call before they have a session.
  api.route('/', systemRoutes());
  api.route('/', userPublicRoutes());
  api.route('/', mfaPublicRoutes());

  // Everything below needs a session — except a route RustChat does not have, which answers 501
  // whoever asks (only middleware and the fallback are registered for every method).
  api.use('*', (c, next) => (matchedRoutes(c).some((r) => r.method !== 'ALL') ? mmRequireAuth(c, next) : next()));
  api.route('/', systemSessionRoutes());
  api.route('/', preferenceRoutes());
  // The first matching route answers, so where paths overlap the fixed segment comes first:
  // /users/username/{name} (userRoutes) before /users/{id}/status, /users/autocomplete before
  // /users/{id} (both in userRoutes).
  api.route('/', mfaRoutes());
  // /users/tokens/… before /users/{id} (userRoutes).
  api.route('/', accessTokenRoutes());
  api.route('/', userRoutes());
  api.route('/', statusRoutes());
  api.route('/', reactionRoutes());
  // /teams/{id}/commands/… and /commands/… (before the team routes' /teams/{id}/…).
  api.route('/', commandRoutes());
  api.route('/', threadRoutes());
  api.route('/', teamRoutes());
  api.route('/', categoryRoutes());
  api.route('/', channelRoutes());
  api.route('/', roleRoutes());
  api.route('/', postRoutes());
  api.route('/', fileRoutes());
  api.route('/', webhookRoutes());
  api.route('/', botRoutes());
  api.route('/', emojiRoutes());

  api.all('*', (c) => {
    throw notImplemented(c.req.method, c.req.path);
  });
  return api;
}
