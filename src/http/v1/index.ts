import { Hono } from 'hono';
import type { AppEnv } from '../env.ts';
import { healthRoutes } from './health.ts';
import { filesRoutes } from './files.ts';
import { statusRoutes } from './status.ts';
import { teamsRoutes } from './teams.ts';
import { channelsRoutes } from './channels.ts';
import { postsRoutes } from './posts.ts';
import { reactionsRoutes } from './reactions.ts';
import { searchRoutes } from './search.ts';
import { authRoutes } from './auth.ts';
import { usersRoutes } from './users.ts';
import { adminRoutes } from './admin.ts';
import { siteRoutes } from './site.ts';
import { accessTokenRoutes } from './access-tokens.ts';
import { webhookRoutes } from './webhooks.ts';
import { commandRoutes } from './commands.ts';
import { botRoutes } from './bots.ts';
import { threadsRoutes } from './threads.ts';
import { sidebarRoutes } from './sidebar.ts';
import { emojiRoutes } from './emoji.ts';
import { preferencesRoutes } from './preferences.ts';

/**
 * The native API, one route file per resource (API-v1.md). Each file exports a function that
 * returns its Hono router; mount it here under its prefix.
 */
export function v1Routes() {
  const api = new Hono<AppEnv>();
  api.route('/health', healthRoutes());
  api.route('/files', filesRoutes());
  // Presence routes first: /users/me/status and /users/status/ids.
  api.route('/users', statusRoutes());
  api.route('/site', siteRoutes());
  api.route('/auth', authRoutes());
  api.route('/users', preferencesRoutes());
  api.route('/users', usersRoutes());
  // Full paths: /users/:id/tokens and /tokens/… (per-route auth).
  api.route('/', accessTokenRoutes());
  api.route('/admin', adminRoutes());
  api.route('/teams', sidebarRoutes());
  api.route('/teams', teamsRoutes());
  // Channel routes use per-route auth so that posts.ts can also mount under /channels/:id/….
  api.route('/channels', channelsRoutes());
  // Full paths (/channels/:id/posts, /channels/:id/pinned, /posts/…), per-route auth.
  api.route('/', postsRoutes());
  api.route('/', reactionsRoutes());
  api.route('/search', searchRoutes());
  api.route('/hooks', webhookRoutes());
  api.route('/commands', commandRoutes());
  api.route('/bots', botRoutes());
  api.route('/threads', threadsRoutes());
  api.route('/emoji', emojiRoutes());
  return api;
}
