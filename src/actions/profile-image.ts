import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import type { Deps } from '../deps.ts';
import type { Auth } from './tokens.ts';
import { badRequest, forbidden, notFound, tooLarge } from '../errors.ts';
import { sniffImage } from '../files/sniff.ts';
import { getUser } from '../store/users.ts';
import { pictureOf, setPicture, type PictureMeta } from '../store/profile-image.ts';
import { storageAppError, storageOf } from './files.ts';
import { inTx } from './tx.ts';
import { audit } from './audit.ts';
import { presentUser, userUpdatedEvent } from './users.ts';

/** Largest profile picture accepted, in bytes (the web client uploads a 256 × 256 crop, far less). */
export const MAX_PICTURE_BYTES = 5 * 1024 * 1024;
/** Largest width or height, in pixels. */
export const MAX_PICTURE_PIXELS = 4096;

/**
 * Profile pictures: the image's bytes in file storage (`avatars/<user id>/<time>`), where it is
 * in users.props.picture, and `last_picture_update` (clients put it in the image URL, so a new
 * picture is a new URL and old ones can be cached for good). Yourself or a system admin; PNG,
 * GIF, JPEG or WebP by their bytes. Emits user_updated. A system admin changing someone else's is
 * audited (`profile_image_update`).
 */
export async function setProfileImage(deps: Deps, auth: Auth, userId: string, image: Buffer | undefined, ip: string) {
  if (userId !== auth.user.id && !auth.isSystemAdmin) throw forbidden('forbidden', 'You can only change your own picture');
  if (!image || image.length === 0) throw badRequest('no_image', 'The picture is missing (multipart field "image")');
  if (image.length > MAX_PICTURE_BYTES) throw tooLarge('picture_too_large', `A profile picture may be at most ${MAX_PICTURE_BYTES} bytes`);
  const info = sniffImage(image);
  if (!info) throw badRequest('invalid_picture', 'The picture must be a PNG, GIF, JPEG or WebP image');
  if (info.width > MAX_PICTURE_PIXELS || info.height > MAX_PICTURE_PIXELS) {
    throw badRequest('picture_too_large', `A profile picture may be at most ${MAX_PICTURE_PIXELS}x${MAX_PICTURE_PIXELS} pixels`);
  }
  if (!(await getUser(deps.db, userId))) throw notFound('user_not_found', 'User not found');
  const now = deps.now();
  const meta: PictureMeta = { key: `avatars/${userId}/${now}`, mime: info.mime, size: image.length, sha256: createHash('sha256').update(image).digest('hex') };
  const storage = await storageOf(deps).catch((e) => {
    throw storageAppError(e);
  });
  try {
    await storage.putStream(meta.key, Readable.from([image]), { contentType: info.mime });
  } catch (e) {
    deps.log.error('profile picture write failed', { err: e, key: meta.key });
    throw storageAppError(e);
  }
  let old: PictureMeta | undefined;
  try {
    const row = await inTx(deps, async (tx, emit) => {
      const before = await getUser(tx, userId, { forUpdate: true });
      if (!before) throw notFound('user_not_found', 'User not found');
      old = pictureOf(before);
      const row = (await setPicture(tx, userId, meta, now))!;
      if (userId !== auth.user.id) await audit(tx, now, { id: auth.user.id, ip, via: 'api' }, 'profile_image_update', { target_type: 'user', target_id: userId });
      emit(await userUpdatedEvent(tx, row));
      return row;
    });
    if (old && old.key !== meta.key) await storage.delete(old.key).catch((err) => deps.log.warn('could not remove a replaced profile picture', { key: old!.key, err }));
    return presentUser(row, auth);
  } catch (e) {
    await storage.delete(meta.key).catch(() => {});
    throw e;
  }
}

/** Back to the generated picture. Yourself or a system admin (audited: `profile_image_remove`). */
export async function deleteProfileImage(deps: Deps, auth: Auth, userId: string, ip: string) {
  if (userId !== auth.user.id && !auth.isSystemAdmin) throw forbidden('forbidden', 'You can only change your own picture');
  let old: PictureMeta | undefined;
  const row = await inTx(deps, async (tx, emit) => {
    const before = await getUser(tx, userId, { forUpdate: true });
    if (!before) throw notFound('user_not_found', 'User not found');
    old = pictureOf(before);
    if (!old) return before;
    const row = (await setPicture(tx, userId, null, deps.now()))!;
    if (userId !== auth.user.id) await audit(tx, deps.now(), { id: auth.user.id, ip, via: 'api' }, 'profile_image_remove', { target_type: 'user', target_id: userId });
    emit(await userUpdatedEvent(tx, row));
    return row;
  });
  if (old) await (await storageOf(deps)).delete(old.key).catch((err) => deps.log.warn('could not remove a profile picture', { key: old!.key, err }));
  return presentUser(row, auth);
}

/**
 * A user's picture for any signed-in user: the uploaded one (stream and what it is), or null for
 * the generated default. `version` is last_picture_update.
 */
export async function openProfileImage(deps: Deps, _auth: Auth, userId: string): Promise<{ version: number; picture: (PictureMeta & { stream: Readable }) | null }> {
  const row = await getUser(deps.db, userId);
  if (!row) throw notFound('user_not_found', 'User not found');
  const meta = pictureOf(row);
  const version = Number(row.last_picture_update);
  if (!meta) return { version, picture: null };
  try {
    return { version, picture: { ...meta, stream: await (await storageOf(deps)).getStream(meta.key) } };
  } catch (e) {
    deps.log.error('profile picture read failed', { err: e, key: meta.key });
    throw storageAppError(e);
  }
}
