import { Hono } from 'hono';
import type { AppEnv } from '../env.ts';
import { healthRoutes } from './health.ts';

/**
 * The native API, one route file per resource (API-v1.md). Each file exports a function that
 * returns its Hono router; mount it here under its prefix.
 */
export function v1Routes() {
  const api = new Hono<AppEnv>();
  api.route('/health', healthRoutes());
  return api;
}
