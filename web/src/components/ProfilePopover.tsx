import { signal } from '@preact/signals';
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import { get } from '../api.ts';
import { openDirect } from '../data.ts';
import { presenceHideProfile, presenceShowProfile } from '../presence-watch.ts';
import { channelPath, navigate } from '../router.ts';
import { currentTeam, displayName, mergeUsers, showToast, state, type User } from '../state.ts';
import { Avatar, PresenceDot } from './Avatar.tsx';

/** The open profile card: whose, and the element it was opened from (focus returns there). */
export const profileCard = signal<{ userId: string; anchor: HTMLElement; seq: number } | null>(null);
let seq = 0;

/** The time zone a user's profile says they are in, if any. */
export function userTimeZone(u: User | undefined): string | undefined {
  const tz = (u?.timezone ?? {}) as { useAutomaticTimezone?: boolean | string; automaticTimezone?: string; manualTimezone?: string };
  const auto = tz.useAutomaticTimezone === undefined || tz.useAutomaticTimezone === true || tz.useAutomaticTimezone === 'true';
  const zone = auto ? tz.automaticTimezone || tz.manualTimezone : tz.manualTimezone || tz.automaticTimezone;
  return zone || undefined;
}

/** "14:05" in a time zone, or undefined when the browser does not know the zone. */
export function localTime(zone: string, at = new Date()): string | undefined {
  try {
    return new Intl.DateTimeFormat([], { hour: 'numeric', minute: '2-digit', timeZone: zone }).format(at);
  } catch {
    return undefined;
  }
}

const STATUS: Record<string, string> = { online: 'Online', away: 'Away', dnd: 'Do not disturb', offline: 'Offline' };

/**
 * Names and avatars marked `data-profile="<user id>"` (messages, member lists) open a profile card:
 * picture, name, position, status, local time and a "Message" button that opens the direct
 * message. One listener for the whole page; mounted once by the app.
 */
export function ProfilePopoverHost() {
  useEffect(() => {
    const onClick = (e: MouseEvent) => {
      const el = (e.target as Element).closest?.<HTMLElement>('[data-profile]');
      if (!el || e.defaultPrevented) return;
      e.preventDefault();
      const userId = el.dataset.profile!;
      profileCard.value = profileCard.value?.userId === userId && profileCard.value.anchor === el ? null : { userId, anchor: el, seq: ++seq };
    };
    document.addEventListener('click', onClick);
    return () => document.removeEventListener('click', onClick);
  }, []);
  const open = profileCard.value;
  return open ? <ProfileCard key={open.seq} userId={open.userId} anchor={open.anchor} /> : null;
}

function ProfileCard({ userId, anchor }: { userId: string; anchor: HTMLElement }) {
  const ref = useRef<HTMLDivElement>(null);
  const s = state.value;
  const user = s.users[userId];
  const [pos, setPos] = useState<{ top: number; left: number }>({ top: -9999, left: -9999 });
  const close = (refocus = true) => {
    profileCard.value = null;
    if (refocus && anchor.isConnected) anchor.focus();
  };
  useEffect(() => {
    // Fresh details (position, time zone) even when the user is known.
    const before = state.value.users[userId];
    get<User>(`/users/${userId}`)
      .then((u) => {
        // A user_updated heard meanwhile is newer than the answer: its fields win.
        const now = state.value.users[userId];
        mergeUsers([now && now !== before ? { ...u, ...now } : u]);
      })
      .catch(() => {});
    // Their status, current and live while the card is open (issue 15 item 9).
    presenceShowProfile(userId);
    return () => presenceHideProfile(userId);
  }, [userId]);
  useLayoutEffect(() => {
    const r = anchor.getBoundingClientRect();
    const box = ref.current!.getBoundingClientRect();
    const left = Math.max(8, Math.min(r.left, innerWidth - box.width - 8));
    const below = r.bottom + 6;
    const top = below + box.height > innerHeight - 8 ? Math.max(8, r.top - box.height - 6) : below;
    setPos({ top, left });
    ref.current!.querySelector<HTMLElement>('button, a')?.focus();
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') {
        e.stopPropagation();
        e.preventDefault();
        close();
      }
    };
    const onDown = (e: MouseEvent) => {
      if (!ref.current?.contains(e.target as Node) && !anchor.contains(e.target as Node)) close(false);
    };
    addEventListener('keydown', onKey, true);
    addEventListener('mousedown', onDown, true);
    return () => {
      removeEventListener('keydown', onKey, true);
      removeEventListener('mousedown', onDown, true);
    };
  }, []);
  const zone = userTimeZone(user);
  const time = zone ? localTime(zone) : undefined;
  const status = s.statuses[userId]?.status ?? 'offline';
  const full = [user?.first_name, user?.last_name].filter(Boolean).join(' ');
  const team = currentTeam.value;
  async function message() {
    try {
      const dm = await openDirect([userId]);
      close(false);
      if (team) navigate(channelPath(team.name, dm.name));
    } catch (e) {
      showToast((e as Error).message);
    }
  }
  return (
    <div class="profile-card card" role="dialog" aria-label={`Profile of ${displayName(user)}`} ref={ref} style={{ top: `${pos.top}px`, left: `${pos.left}px` }}>
      <div class="profile-top">
        <Avatar user={user} size="lg" />
        <div>
          <strong class="profile-name">{displayName(user)}</strong>
          {full && full !== displayName(user) && <div class="small">{full}</div>}
          <div class="muted small">@{user?.username ?? '…'}</div>
          {user?.nickname && <div class="small">“{user.nickname}”</div>}
        </div>
      </div>
      {user?.position && <p class="profile-position">{user.position}</p>}
      <p class="profile-line small">
        <PresenceDot userId={userId} /> <span class="profile-status">{STATUS[status] ?? status}</span>
      </p>
      {time && (
        <p class="profile-line small profile-time">
          Local time {time} <span class="muted">({zone})</span>
        </p>
      )}
      <div class="profile-actions">
        {userId === s.me ? (
          <a class="btn" href="/settings" onClick={() => close(false)}>
            Edit profile
          </a>
        ) : (
          <button type="button" class="btn primary" onClick={() => void message()}>
            Message
          </button>
        )}
      </div>
    </div>
  );
}
