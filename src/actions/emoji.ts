import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import type { Deps } from '../deps.ts';
import type { Auth } from './tokens.ts';
import type { CustomEmoji } from '../contract/objects.ts';
import { inTx } from './tx.ts';
import { audit } from './audit.ts';
import { badRequest, conflict, forbidden, notFound, tooLarge } from '../errors.ts';
import { isId, newId } from '../ids.ts';
import { sniffImage } from '../files/sniff.ts';
import { storageAppError, storageOf } from './files.ts';
import { isSystemEmojiName } from './system-emoji.ts';
import * as store from '../store/emoji.ts';
import type { EmojiRow, EmojiSort } from '../store/emoji.ts';

/** Largest custom emoji image, in bytes (Mattermost's MaxEmojiFileSize). */
export const MAX_EMOJI_BYTES = 512 * 1024;
/**
 * Largest width and height (Mattermost's MaxEmojiOriginalWidth/Height). Mattermost shrinks what is
 * larger than 128 px; RustChat keeps the image as uploaded (no image codec in the executable) and
 * the clients draw it at text size.
 */
export const MAX_EMOJI_PIXELS = 1028;
/** Most names one lookup by names may ask for (Mattermost's GetEmojisByNamesMax). */
export const MAX_EMOJI_NAMES = 200;
/** Most results of a search (Mattermost's PerPageMaximum) and of an autocomplete (its EmojiMaxAutocompleteItems). */
export const MAX_EMOJI_SEARCH = 200;
export const MAX_EMOJI_AUTOCOMPLETE = 100;

const NAME_RE = /^[a-zA-Z0-9_+-]{1,64}$/;

/** The wire shape (objects.ts CustomEmoji): the storage key and checksum stay on the server. */
export function presentEmoji(e: EmojiRow): CustomEmoji {
  return {
    id: e.id,
    name: e.name,
    creator_id: e.creator_id,
    mime_type: e.mime_type,
    width: e.width,
    height: e.height,
    size: Number(e.size),
    create_at: Number(e.create_at),
    update_at: Number(e.update_at),
    delete_at: Number(e.delete_at),
  };
}

/** Custom emoji are on unless site.custom_emoji is off. */
function checkEnabled(deps: Deps): void {
  if (!deps.config.site.custom_emoji) throw forbidden('custom_emoji_disabled', 'Custom emoji are turned off on this server');
}

/**
 * A new custom emoji's name: letters, digits, `_`, `-` and `+`, 1-64 characters (Mattermost's
 * rule), kept in lower case (as the Mattermost web app sends it, and as reactions are named), and
 * not the name of a standard emoji.
 */
export function checkCustomEmojiName(v: unknown): string {
  if (typeof v !== 'string' || !NAME_RE.test(v.trim())) {
    throw badRequest('invalid_emoji_name', 'An emoji name is 1-64 letters, digits, underscores, dashes or plus signs');
  }
  const name = v.trim().toLowerCase();
  if (isSystemEmojiName(name)) throw badRequest('system_emoji_name', `:${name}: is a standard emoji; choose another name`);
  return name;
}

/** Checks an uploaded image: PNG, GIF, JPEG or WebP by its bytes, within the size and dimension limits. */
export function checkEmojiImage(image: Buffer): { mime: string; width: number; height: number } {
  if (image.length === 0) throw badRequest('no_image', 'The emoji image is missing');
  if (image.length > MAX_EMOJI_BYTES) throw tooLarge('emoji_too_large', `An emoji image may be at most ${MAX_EMOJI_BYTES} bytes`);
  const info = sniffImage(image);
  if (!info) throw badRequest('invalid_emoji_image', 'The emoji image must be a PNG, GIF, JPEG or WebP image');
  if (info.width > MAX_EMOJI_PIXELS || info.height > MAX_EMOJI_PIXELS) {
    throw badRequest('emoji_image_too_large', `An emoji image may be at most ${MAX_EMOJI_PIXELS}x${MAX_EMOJI_PIXELS} pixels (this one is ${info.width}x${info.height})`);
  }
  return info;
}

/**
 * Adds a custom emoji: the image goes to file storage (emoji/<id>), then the row; emoji_added to
 * every active user. A name already taken by a live emoji is a conflict (checked before the image
 * is stored, and again by the unique index, which removes the stored image when it loses a race).
 */
export async function createEmoji(deps: Deps, auth: Auth, input: { name: unknown; image: Buffer }): Promise<EmojiRow> {
  checkEnabled(deps);
  const name = checkCustomEmojiName(input.name);
  const info = checkEmojiImage(input.image);
  const taken = () => conflict('emoji_name_taken', `A custom emoji named :${name}: exists already`);
  if (await store.getEmojiByName(deps.db, name)) throw taken();
  const id = newId();
  const key = `emoji/${id}`;
  const storage = await storageOf(deps).catch((e) => {
    throw storageAppError(e);
  });
  try {
    await storage.putStream(key, Readable.from([input.image]), { contentType: info.mime });
  } catch (e) {
    deps.log.error('emoji image write failed', { err: e, key });
    throw storageAppError(e);
  }
  try {
    return await inTx(deps, async (tx, emit) => {
      const row = await store.insertEmoji(tx, {
        id,
        name,
        creator_id: auth.user.id,
        mime_type: info.mime,
        size: input.image.length,
        width: info.width,
        height: info.height,
        storage_key: key,
        sha256: createHash('sha256').update(input.image).digest('hex'),
        create_at: deps.now(),
      });
      if (!row) throw taken();
      emit({ event: 'emoji_added', data: { emoji: presentEmoji(row) }, broadcast: { user_ids: await store.activeUserIds(tx) } });
      return row;
    });
  } catch (e) {
    await storage.delete(key).catch((err) => deps.log.warn('could not remove the image of an emoji not added', { key, err }));
    throw e;
  }
}

/** A live custom emoji by id (any signed-in user: custom emoji are server-wide). */
export async function getEmoji(deps: Deps, _auth: Auth, id: string): Promise<EmojiRow> {
  checkEnabled(deps);
  if (!isId(id)) throw badRequest('invalid_id', 'emoji id is not a valid id');
  const row = await store.getEmoji(deps.db, id);
  if (!row) throw notFound('emoji_not_found', 'No such custom emoji');
  return row;
}

export async function getEmojiByName(deps: Deps, _auth: Auth, name: string): Promise<EmojiRow> {
  checkEnabled(deps);
  if (!NAME_RE.test(name)) throw badRequest('invalid_emoji_name', 'An emoji name is 1-64 letters, digits, underscores, dashes or plus signs');
  const row = await store.getEmojiByName(deps.db, name.toLowerCase());
  if (!row) throw notFound('emoji_not_found', `No custom emoji named :${name}:`);
  return row;
}

/** Live custom emoji with any of the names (at most 200; unknown and invalid names are left out). */
export async function emojiByNames(deps: Deps, _auth: Auth, names: unknown): Promise<EmojiRow[]> {
  checkEnabled(deps);
  if (!Array.isArray(names) || names.some((n) => typeof n !== 'string')) throw badRequest('invalid_input', 'Expected an array of emoji names');
  if (names.length > MAX_EMOJI_NAMES) throw badRequest('too_many_names', `At most ${MAX_EMOJI_NAMES} names at once`, { max: MAX_EMOJI_NAMES });
  const valid = [...new Set((names as string[]).filter((n) => NAME_RE.test(n)).map((n) => n.toLowerCase()))];
  return store.emojiByNames(deps.db, valid);
}

export interface EmojiListQuery {
  sort?: EmojiSort;
  /** Keyset cursor: the last item's id (sort create_at) or name (sort name). */
  after?: string;
  offset?: number;
  limit: number;
}

/** A page of live custom emoji, oldest first or by name. */
export async function listEmoji(deps: Deps, _auth: Auth, q: EmojiListQuery): Promise<EmojiRow[]> {
  checkEnabled(deps);
  const sort = q.sort ?? 'create_at';
  if (q.after !== undefined && (sort === 'name' ? !NAME_RE.test(q.after) : !isId(q.after))) throw badRequest('invalid_cursor', 'cursor is not one this list gave');
  return store.listEmoji(deps.db, { sort, after: q.after, offset: q.offset, limit: q.limit });
}

/** Custom emoji whose names contain (or, prefixOnly, start with) term: prefix matches first. */
export async function searchEmoji(deps: Deps, _auth: Auth, term: unknown, o: { prefixOnly?: boolean; limit?: number } = {}): Promise<EmojiRow[]> {
  checkEnabled(deps);
  if (typeof term !== 'string' || !term.trim()) throw badRequest('invalid_input', 'term is required');
  const t = term.trim().toLowerCase().replace(/^:|:$/g, '');
  if (t.length > 64) return [];
  return store.searchEmoji(deps.db, t, !!o.prefixOnly, Math.min(o.limit ?? MAX_EMOJI_SEARCH, MAX_EMOJI_SEARCH));
}

/**
 * Deletes a custom emoji: its creator or a system admin. The row is marked deleted and the image
 * removed from storage after commit; emoji_deleted to every active user. Messages and reactions
 * that use the name keep it (they show `:name:` as text until an emoji takes the name again).
 * A system admin deleting someone else's is audited (`emoji_delete`, details: name, creator_id).
 */
export async function deleteEmoji(deps: Deps, auth: Auth, id: string, ip: string): Promise<EmojiRow> {
  checkEnabled(deps);
  if (!isId(id)) throw badRequest('invalid_id', 'emoji id is not a valid id');
  const row = await inTx(deps, async (tx, emit) => {
    const e = await store.getEmoji(tx, id, { lock: true });
    if (!e) throw notFound('emoji_not_found', 'No such custom emoji');
    if (e.creator_id !== auth.user.id && !auth.isSystemAdmin) throw forbidden('forbidden', 'Only its creator or a system admin may delete a custom emoji');
    const deleted = (await store.markEmojiDeleted(tx, id, deps.now()))!;
    if (e.creator_id !== auth.user.id) {
      await audit(tx, deps.now(), { id: auth.user.id, ip, via: 'api' }, 'emoji_delete', { target_type: 'emoji', target_id: id, details: { name: e.name, creator_id: e.creator_id } });
    }
    emit({ event: 'emoji_deleted', data: { emoji: presentEmoji(deleted) }, broadcast: { user_ids: await store.activeUserIds(tx) } });
    return deleted;
  });
  try {
    await (await storageOf(deps)).delete(row.storage_key);
  } catch (err) {
    deps.log.warn('could not remove a deleted emoji image', { key: row.storage_key, err });
  }
  return row;
}

/** A live custom emoji's image: its row and the bytes as a stream. */
export async function openEmojiImage(deps: Deps, auth: Auth, id: string): Promise<{ emoji: EmojiRow; stream: Readable }> {
  const emoji = await getEmoji(deps, auth, id);
  try {
    const stream = await (await storageOf(deps)).getStream(emoji.storage_key);
    return { emoji, stream };
  } catch (e) {
    deps.log.error('emoji image read failed', { err: e, key: emoji.storage_key });
    throw storageAppError(e);
  }
}
