import { z } from 'zod';
import type { Deps } from '../deps.ts';
import type { Auth } from './tokens.ts';
import { inTx, type Emit } from './tx.ts';
import type { Queryable } from '../db/driver.ts';
import { badRequest, forbidden } from '../errors.ts';
import { check } from '../check.ts';
import { favoritePreferenceChanged } from './sidebar.ts';
import { EMAIL_INTERVAL_VALUES } from './notify-props.ts';
import { deletePreference, getPreference, listPreferences, upsertPreference, type PreferenceRow } from '../store/preferences.ts';

/**
 * Per-user key/value settings (Mattermost's preferences: direct-channel visibility, favorites,
 * display options). Categories and names are free text; the limits are Mattermost's.
 */
export const MAX_PREFERENCES_PER_REQUEST = 100;

const preferenceSchema = z.object({
  user_id: z.string(),
  category: z.string().min(1).max(32),
  name: z.string().max(32),
  value: z.string().max(2000),
});
const listSchema = z.array(preferenceSchema).min(1).max(MAX_PREFERENCES_PER_REQUEST);

/** Reading or writing another user's preferences needs system admin. */
function checkSelfOrAdmin(auth: Auth, userId: string) {
  if (auth.user.id !== userId && !auth.isSystemAdmin) throw forbidden('forbidden', "You cannot access another user's preferences");
}

export async function getPreferences(deps: Deps, auth: Auth, userId: string, category?: string): Promise<PreferenceRow[]> {
  checkSelfOrAdmin(auth, userId);
  return listPreferences(deps.db, userId, category);
}

export async function getOnePreference(deps: Deps, auth: Auth, userId: string, category: string, name: string): Promise<PreferenceRow | undefined> {
  checkSelfOrAdmin(auth, userId);
  return getPreference(deps.db, userId, category, name);
}

function checkList(userId: string, input: unknown): PreferenceRow[] {
  const list = check(listSchema, input);
  for (const p of list) {
    if (p.user_id !== userId) throw badRequest('invalid_input', 'Every preference must belong to the user in the path');
    // The email interval drives when notification emails go out (actions/notify-props.ts).
    if (p.category === 'notifications' && p.name === 'email_interval' && !EMAIL_INTERVAL_VALUES.includes(p.value)) {
      throw badRequest('invalid_input', `notifications/email_interval: one of ${EMAIL_INTERVAL_VALUES.join(', ')} (seconds; 0 = never)`);
    }
  }
  // The last value for a repeated key wins, as a sequence of upserts would.
  const byKey = new Map<string, PreferenceRow>();
  for (const p of list) byKey.set(`${p.category}\u0000${p.name}`, p);
  return [...byKey.values()];
}

/** favorite_channel preferences move channels into or out of Favorites in the sidebar (actions/sidebar.ts). */
async function favoritesMoved(deps: Deps, tx: Queryable, emit: Emit, userId: string, list: PreferenceRow[]) {
  const ids = list.filter((p) => p.category === 'favorite_channel').map((p) => p.name);
  if (ids.length) await favoritePreferenceChanged(deps, tx, emit, userId, ids);
}

/** Saves preferences; emits `preferences_changed` to the user's own sockets. */
export async function savePreferences(deps: Deps, auth: Auth, userId: string, input: unknown): Promise<PreferenceRow[]> {
  checkSelfOrAdmin(auth, userId);
  const list = checkList(userId, input);
  return inTx(deps, async (tx, emit) => {
    for (const p of list) await upsertPreference(tx, p);
    emit({ event: 'preferences_changed', data: { preferences: list }, broadcast: { user_ids: [userId] } });
    await favoritesMoved(deps, tx, emit, userId, list);
    return list;
  });
}

/** Deletes preferences; emits `preferences_deleted` with those that existed. */
export async function deletePreferences(deps: Deps, auth: Auth, userId: string, input: unknown): Promise<PreferenceRow[]> {
  checkSelfOrAdmin(auth, userId);
  const list = checkList(userId, input);
  return inTx(deps, async (tx, emit) => {
    const deleted: PreferenceRow[] = [];
    for (const p of list) if (await deletePreference(tx, userId, p.category, p.name)) deleted.push(p);
    if (deleted.length) emit({ event: 'preferences_deleted', data: { preferences: deleted }, broadcast: { user_ids: [userId] } });
    await favoritesMoved(deps, tx, emit, userId, deleted);
    return deleted;
  });
}
