import { useEffect, useState } from 'preact/hooks';
import { getToken } from '../api.ts';
import { displayName, state, type User } from '../state.ts';
import { hue } from '../util.ts';

const pictures = new Map<string, Promise<string>>();
/**
 * An object URL of a user's uploaded picture at a version (last_picture_update): fetched once with
 * the session; the URL names the version, so the server lets the browser cache it for good.
 */
export function pictureUrl(userId: string, version: number): Promise<string> {
  const key = `${userId}:${version}`;
  let p = pictures.get(key);
  if (!p) {
    p = fetch(`/api/v1/users/${userId}/image?_=${version}`, { headers: { Authorization: `Bearer ${getToken()}` } }).then(async (res) => {
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      return URL.createObjectURL(await res.blob());
    });
    p.catch(() => pictures.delete(key));
    pictures.set(key, p);
  }
  return p;
}

/**
 * A user's picture when they uploaded one, else their initial on a colour of their own. With
 * `profile`, a click opens their profile card (ProfilePopover), as names do.
 */
export function Avatar({ user, size = 'md', profile }: { user: User | undefined; size?: 'sm' | 'md' | 'lg'; profile?: boolean }) {
  const name = displayName(user);
  const version = Number(user?.last_picture_update ?? 0);
  const [src, setSrc] = useState('');
  useEffect(() => {
    setSrc('');
    if (!user || version <= 0) return undefined;
    let live = true;
    pictureUrl(user.id, version).then(
      (u) => live && setSrc(u),
      () => {},
    );
    return () => {
      live = false;
    };
  }, [user?.id, version]);
  const cls = `avatar av-${size} av${hue(user?.id ?? '')}${src ? ' has-picture' : ''}`;
  const inner = src ? <img src={src} alt="" /> : name.slice(0, 1).toUpperCase();
  if (profile && user) {
    return (
      <button type="button" class={`${cls} avatar-btn`} data-profile={user.id} aria-label={`Profile of ${name}`}>
        {inner}
      </button>
    );
  }
  return (
    <span class={cls} aria-hidden="true">
      {inner}
    </span>
  );
}

export function PresenceDot({ userId, status }: { userId: string; status?: string }) {
  const st = status ?? state.value.statuses[userId]?.status ?? 'offline';
  return <span class={`presence presence-${st}`} title={st} aria-label={st} role="img" />;
}
