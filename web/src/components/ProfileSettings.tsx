import { useEffect, useRef, useState } from 'preact/hooks';
import { del, fieldErrors, patch, post } from '../api.ts';
import { mergeUsers, showToast, type User } from '../state.ts';
import { Avatar } from './Avatar.tsx';
import { localTime, userTimeZone } from './ProfilePopover.tsx';

const browserZone = () => Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
const ZONES: string[] = (() => {
  try {
    return (Intl as unknown as { supportedValuesOf(k: string): string[] }).supportedValuesOf('timeZone');
  } catch {
    return [browserZone(), 'UTC'];
  }
})();

/** Account settings › Profile: names, nickname, position, time zone (each checked by the server) and the picture. */
export function ProfileSettings({ user }: { user: User }) {
  const tz = (user.timezone ?? {}) as { useAutomaticTimezone?: boolean | string; manualTimezone?: string };
  const [auto, setAuto] = useState(tz.useAutomaticTimezone === undefined || tz.useAutomaticTimezone === true || tz.useAutomaticTimezone === 'true');
  const [manual, setManual] = useState(tz.manualTimezone || userTimeZone(user) || browserZone());
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);
  async function submit(e: Event) {
    e.preventDefault();
    const f = new FormData(e.currentTarget as HTMLFormElement);
    const v = (k: string) => String(f.get(k) ?? '').trim();
    setErrors({});
    setBusy(true);
    try {
      const u = await patch<User>(`/users/${user.id}`, {
        first_name: v('first_name'),
        last_name: v('last_name'),
        display_name: v('display_name'),
        nickname: v('nickname'),
        position: v('position'),
        timezone: { useAutomaticTimezone: auto, automaticTimezone: browserZone(), manualTimezone: auto ? '' : manual },
      });
      mergeUsers([u]);
      showToast('Profile saved', 'info');
    } catch (err) {
      const fe = fieldErrors(err);
      if (fe) setErrors(fe);
      else setErrors({ _: (err as Error).message });
    }
    setBusy(false);
  }
  const field = (name: string, label: string, max: number, value: string) => (
    <div class="field">
      <label for={`pf-${name}`}>{label}</label>
      <input id={`pf-${name}`} name={name} defaultValue={value} maxLength={max} aria-invalid={errors[name] ? 'true' : undefined} aria-describedby={errors[name] ? `pf-${name}-error` : undefined} />
      {errors[name] && (
        <p class="field-error" id={`pf-${name}-error`} role="alert">
          {errors[name]}
        </p>
      )}
    </div>
  );
  const shown = auto ? browserZone() : manual;
  return (
    <>
      <ProfilePicture user={user} />
      <form class="card page-section form" onSubmit={submit} aria-labelledby="profile-h" noValidate>
        <h2 id="profile-h">Profile</h2>
        <div class="name-row">
          {field('first_name', 'First name', 64, String(user.first_name ?? ''))}
          {field('last_name', 'Last name', 64, String(user.last_name ?? ''))}
        </div>
        {field('display_name', 'Display name (shown on your messages)', 64, String(user.display_name ?? ''))}
        {field('nickname', 'Nickname', 64, String(user.nickname ?? ''))}
        {field('position', 'Position', 128, String(user.position ?? ''))}
        <fieldset class="field">
          <legend>Time zone</legend>
          <label class="check">
            <input type="radio" name="tz_mode" checked={auto} onChange={() => setAuto(true)} /> Automatic (this browser: {browserZone()})
          </label>
          <label class="check">
            <input type="radio" name="tz_mode" checked={!auto} onChange={() => setAuto(false)} /> Choose:
          </label>
          <select aria-label="Time zone" value={manual} disabled={auto} onChange={(e) => setManual(e.currentTarget.value)}>
            {(ZONES.includes(manual) ? ZONES : [manual, ...ZONES]).map((z) => (
              <option key={z} value={z}>
                {z}
              </option>
            ))}
          </select>
          <p class="muted small">
            Others see your local time on your profile: now {localTime(shown) ?? '?'} in {shown}.
          </p>
          {errors.timezone && (
            <p class="field-error" role="alert">
              {errors.timezone}
            </p>
          )}
        </fieldset>
        <p class="muted small">
          Username @{user.username} · email {String(user.email ?? '')} (an admin can change these from the command line)
        </p>
        {errors._ && (
          <p class="form-error" role="alert">
            {errors._}
          </p>
        )}
        <button class="btn primary" type="submit" disabled={busy}>
          Save profile
        </button>
      </form>
    </>
  );
}

const OUT = 256;

/**
 * The profile picture: pick an image, choose the square (zoom and position, with the keyboard
 * too), and the browser crops it on a canvas to 256 × 256 PNG before uploading.
 */
function ProfilePicture({ user }: { user: User }) {
  const [img, setImg] = useState<HTMLImageElement | null>(null);
  const [zoom, setZoom] = useState(1);
  const [x, setX] = useState(50);
  const [y, setY] = useState(50);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const canvas = useRef<HTMLCanvasElement>(null);

  useEffect(() => {
    const c = canvas.current;
    if (!c || !img) return;
    const side = Math.min(img.naturalWidth, img.naturalHeight) / zoom;
    const sx = ((img.naturalWidth - side) * x) / 100;
    const sy = ((img.naturalHeight - side) * y) / 100;
    const g = c.getContext('2d')!;
    g.clearRect(0, 0, OUT, OUT);
    g.drawImage(img, sx, sy, side, side, 0, 0, OUT, OUT);
  }, [img, zoom, x, y]);

  function pick(e: Event) {
    const file = (e.currentTarget as HTMLInputElement).files?.[0];
    (e.currentTarget as HTMLInputElement).value = '';
    setError('');
    if (!file) return;
    if (!/^image\/(png|jpeg|gif|webp)$/.test(file.type)) return setError('Choose a PNG, JPEG, GIF or WebP image');
    const url = URL.createObjectURL(file);
    const im = new Image();
    im.onload = () => {
      setZoom(1);
      setX(50);
      setY(50);
      setImg(im);
    };
    im.onerror = () => {
      URL.revokeObjectURL(url);
      setError('That image could not be read');
    };
    im.src = url;
  }
  async function upload() {
    const c = canvas.current;
    if (!c) return;
    setBusy(true);
    setError('');
    try {
      const blob = await new Promise<Blob>((resolve, reject) => c.toBlob((b) => (b ? resolve(b) : reject(new Error('The crop could not be encoded'))), 'image/png'));
      const form = new FormData();
      form.append('image', blob, 'picture.png');
      mergeUsers([await post<User>(`/users/${user.id}/image`, form)]);
      if (img) URL.revokeObjectURL(img.src);
      setImg(null);
      showToast('Picture saved', 'info');
    } catch (e) {
      setError((e as Error).message);
    }
    setBusy(false);
  }
  async function remove() {
    try {
      mergeUsers([await del<User>(`/users/${user.id}/image`)]);
    } catch (e) {
      setError((e as Error).message);
    }
  }
  const slider = (label: string, value: number, set: (v: number) => void, min: number, max: number, step: number) => (
    <label class="stack small">
      {label}
      <input type="range" aria-label={label} min={min} max={max} step={step} value={value} onInput={(e) => set(Number(e.currentTarget.value))} />
    </label>
  );
  return (
    <section class="card page-section" aria-labelledby="picture-h">
      <h2 id="picture-h">Profile picture</h2>
      <div class="picture-row">
        <Avatar user={user} size="lg" />
        <label class="btn">
          Choose an image…
          <input type="file" accept="image/png,image/jpeg,image/gif,image/webp" class="sr-only" aria-label="Choose a profile picture" onChange={pick} />
        </label>
        {Number(user.last_picture_update ?? 0) > 0 && !img && (
          <button type="button" class="btn" onClick={() => void remove()}>
            Remove picture
          </button>
        )}
      </div>
      {img && (
        <div class="crop-box">
          <canvas ref={canvas} width={OUT} height={OUT} aria-label="Cropped picture preview" role="img" />
          {slider('Zoom', zoom, setZoom, 1, 4, 0.05)}
          {img.naturalWidth !== img.naturalHeight || zoom > 1 ? (
            <>
              {slider('Horizontal position', x, setX, 0, 100, 1)}
              {slider('Vertical position', y, setY, 0, 100, 1)}
            </>
          ) : null}
          <div class="modal-actions">
            <button type="button" class="btn" onClick={() => setImg(null)}>
              Cancel
            </button>
            <button type="button" class="btn primary" onClick={() => void upload()} disabled={busy}>
              Save picture
            </button>
          </div>
        </div>
      )}
      {error && (
        <p class="form-error" role="alert">
          {error}
        </p>
      )}
    </section>
  );
}
