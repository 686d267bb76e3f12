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

/** Mattermost's paging: `page` (from 0) and `per_page` (default 60, at most 200). */
export function paging(c: Context<AppEnv>, defPerPage = 60, maxPerPage = 200): { page: number; perPage: number } {
  return { page: intQuery(c, 'page', 0, 100_000), perPage: Math.max(1, intQuery(c, 'per_page', defPerPage, maxPerPage)) };
}
