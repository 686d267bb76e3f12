import { createHash, randomBytes } from 'node:crypto';

/**
 * TOTP (RFC 6238) through `otpauth`: SHA-1, 6 digits, 30 s steps — what every authenticator app
 * reads from an otpauth:// URI. A code is accepted one step either side of now (clock drift), as
 * Mattermost does. QR codes are drawn here by `qrcode` (never by a remote service). Both
 * libraries are loaded at first use (in the executable they are a separate chunk).
 */
export const TOTP_PERIOD_S = 30;
export const TOTP_WINDOW = 1;

const otpauth = () => import('otpauth');
const qrcode = () => import('qrcode');

/** A new 160-bit secret, base32 (RFC 4648, no padding). */
export async function newTotpSecret(): Promise<string> {
  const { Secret } = await otpauth();
  return new Secret({ size: 20 }).base32;
}

async function totp(secret: string, issuer = '', label = '') {
  const { TOTP, Secret } = await otpauth();
  return new TOTP({ issuer, label, algorithm: 'SHA1', digits: 6, period: TOTP_PERIOD_S, secret: Secret.fromBase32(secret) });
}

/** The otpauth:// URI an authenticator app imports (also shown as text for manual entry). */
export async function totpUri(secret: string, issuer: string, label: string): Promise<string> {
  return (await totp(secret, issuer, label)).toString();
}

/** The time step a 6-digit code belongs to (within the window around now), or undefined. */
export async function matchTotp(secret: string, code: string, nowMs: number): Promise<number | undefined> {
  if (!/^\d{6}$/.test(code)) return undefined;
  const delta = (await totp(secret)).validate({ token: code, timestamp: nowMs, window: TOTP_WINDOW });
  if (delta === null) return undefined;
  return Math.floor(nowMs / 1000 / TOTP_PERIOD_S) + delta;
}

/** The current code (tests and the CLI's own checks). */
export async function currentTotp(secret: string, nowMs: number): Promise<string> {
  return (await totp(secret)).generate({ timestamp: nowMs });
}

/** The QR code of a URI as an SVG data URL (the native web client) and a PNG in base64 (Mattermost's `qr_code`). */
export async function qrImages(uri: string): Promise<{ svgDataUrl: string; pngBase64: string }> {
  const m = (await qrcode()) as unknown as { default?: typeof import('qrcode') };
  const QR = (m.default ?? m) as typeof import('qrcode');
  const svg = await QR.toString(uri, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
  const png = await QR.toBuffer(uri, { type: 'png', errorCorrectionLevel: 'M', margin: 2, scale: 6 });
  return { svgDataUrl: `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}`, pngBase64: png.toString('base64') };
}

// ---- recovery codes ----

const RC_ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789'; // no 0/o, 1/l/i
export const RECOVERY_CODE_COUNT = 10;

/** A recovery code: three groups of four characters from a 31-letter alphabet (~59 bits). */
export function newRecoveryCode(): string {
  let out = '';
  while (out.length < 12) {
    for (const b of randomBytes(16)) {
      if (b >= 256 - (256 % RC_ALPHABET.length)) continue; // no modulo bias
      out += RC_ALPHABET[b % RC_ALPHABET.length];
      if (out.length === 12) break;
    }
  }
  return `${out.slice(0, 4)}-${out.slice(4, 8)}-${out.slice(8)}`;
}

/** Whether a submitted value looks like a recovery code (case, spaces and dashes ignored). */
export const looksLikeRecoveryCode = (v: string) => normaliseRecoveryCode(v).length === 12;
const normaliseRecoveryCode = (v: string) => v.toLowerCase().replace(/[\s-]/g, '');

/** Stored form: SHA-256 of user id and code, so equal codes of two users differ and a leaked table cannot be matched in bulk. */
export function hashRecoveryCode(userId: string, code: string): string {
  return createHash('sha256').update(`${userId}:${normaliseRecoveryCode(code)}`).digest('hex');
}
