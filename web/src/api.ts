/** The native API over fetch: bearer token from local storage, errors as ApiError. */

const TOKEN_KEY = 'rustchat.token';

export class ApiError extends Error {
  constructor(
    public status: number,
    public code: string,
    message: string,
    public details?: unknown,
  ) {
    super(message);
  }
}

export type { Page } from '../../src/contract/api.ts';
import type { Page } from '../../src/contract/api.ts';

export const getToken = () => {
  try {
    return localStorage.getItem(TOKEN_KEY) ?? '';
  } catch {
    return '';
  }
};
export const setToken = (t: string) => {
  try {
    if (t) localStorage.setItem(TOKEN_KEY, t);
    else localStorage.removeItem(TOKEN_KEY);
  } catch {
    /* private mode: the session lasts for this tab only */
  }
};

let onUnauthorized: () => void = () => {};
/** Called when the server says the session is gone (401 on an authenticated request). */
export const setUnauthorizedHandler = (f: () => void) => (onUnauthorized = f);

export async function api<T = unknown>(method: string, path: string, body?: unknown, opts: { signal?: AbortSignal } = {}): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  const token = getToken();
  if (token) headers.Authorization = `Bearer ${token}`;
  let payload: BodyInit | undefined;
  if (body instanceof FormData) payload = body;
  else if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    payload = JSON.stringify(body);
  }
  let res: Response;
  try {
    res = await fetch(`/api/v1${path}`, { method, headers, body: payload, signal: opts.signal });
  } catch (e) {
    if ((e as Error).name === 'AbortError') throw e;
    throw new ApiError(0, 'network_error', 'Cannot reach the server');
  }
  const text = await res.text();
  let json: unknown = undefined;
  if (text) {
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
  }
  if (!res.ok) {
    const err = (json as { error?: { code?: string; message?: string; details?: unknown } } | undefined)?.error;
    if (res.status === 401 && token) onUnauthorized();
    throw new ApiError(res.status, err?.code ?? `http_${res.status}`, err?.message ?? res.statusText ?? 'Request failed', err?.details);
  }
  return json as T;
}

export const get = <T = unknown>(path: string, signal?: AbortSignal) => api<T>('GET', path, undefined, { signal });
export const post = <T = unknown>(path: string, body?: unknown) => api<T>('POST', path, body ?? {});
export const patch = <T = unknown>(path: string, body: unknown) => api<T>('PATCH', path, body);
export const put = <T = unknown>(path: string, body: unknown) => api<T>('PUT', path, body);
export const del = <T = unknown>(path: string) => api<T>('DELETE', path);

/** `?a=1&b=2` from an object, skipping empty values. */
export function qs(params: Record<string, string | number | undefined | null>): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') p.set(k, String(v));
  const s = p.toString();
  return s ? `?${s}` : '';
}

/** Unwraps a list response (tolerates a bare array). */
export const items = <T>(r: Page<T> | T[]): T[] => (Array.isArray(r) ? r : (r?.items ?? []));

/** Field → message from an `invalid_input` answer (details.issues) or a refusal naming its setting (details.key), else undefined. */
export function fieldErrors(e: unknown): Record<string, string> | undefined {
  if (!(e instanceof ApiError)) return undefined;
  // One named setting refused (`invalid_setting` and the like: details.key).
  const key = (e.details as { key?: unknown } | undefined)?.key;
  if (typeof key === 'string' && key) return { [key]: e.message.replace(new RegExp(`^${key}: `), '') };
  if (e.code !== 'invalid_input') return undefined;
  const issues = (e.details as { issues?: { path: string; message: string }[] } | undefined)?.issues ?? [];
  const out: Record<string, string> = {};
  for (const i of issues) out[(i.path || '_').split('.')[0]!] ??= i.message;
  return Object.keys(out).length ? out : undefined;
}
