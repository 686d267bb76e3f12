import type { Context } from 'hono';
import type { AppEnv } from '../env.ts';
import { badRequest } from '../../errors.ts';
import { isId } from '../../ids.ts';

/** A path id; `me` stands for the caller where Mattermost allows it. */
export function mmId(c: Context<AppEnv>, name: string, allowMe = false): string {
  const v = c.req.param(name);
  if (allowMe && v === 'me') return c.get('auth').user.id;
  if (!isId(v)) throw badRequest('invalid_id', `Invalid or missing ${name} in request URL`);
  return v;
}

/** An optional non-negative integer query parameter, clamped to `max`. */
export function intQuery(c: Context<AppEnv>, name: string, def: number, max = Number.MAX_SAFE_INTEGER): number {
  const raw = c.req.query(name);
  if (raw === undefined || raw === '') return def;
  if (!/^\d+$/.test(raw)) throw badRequest('invalid_param', `Invalid ${name} parameter`);
  return Math.min(Number(raw), max);
}

/**
 * Deepest `page` served. A page is one query whatever its number, but the database still steps
 * over the `page * per_page` rows before it; past this, clients must use the `before`/`after`
 * cursors (as the Mattermost apps do for history).
 */
export const MAX_PAGE = 200;

/** Mattermost's paging: `page` (from 0, at most MAX_PAGE) and `per_page` (default 60, at most 200). */
export function paging(c: Context<AppEnv>, defPerPage = 60, maxPerPage = 200): { page: number; perPage: number } {
  const page = intQuery(c, 'page', 0);
  if (page > MAX_PAGE) throw badRequest('invalid_param', `page must be at most ${MAX_PAGE}; use before/after cursors to go further`);
  return { page, perPage: Math.max(1, intQuery(c, 'per_page', defPerPage, maxPerPage)) };
}
