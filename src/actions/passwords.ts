import { randomBytes } from 'node:crypto';
import { badRequest } from '../errors.ts';

/**
 * Password hashing: argon2id at OWASP's minimum (m = 19 MiB, t = 2, p = 1) through hash-wasm,
 * a WebAssembly build (no native module, so it survives the single-executable build). Hashes are
 * stored in the PHC string format, so the parameters travel with each hash.
 */
export const ARGON2 = { memorySize: 19456, iterations: 2, parallelism: 1, hashLength: 32 } as const;
export const PASSWORD_MIN_BYTES = 8;
/** Upper bound in UTF-8 bytes: keeps hashing cost bounded and matches bcrypt-era clients' expectations. */
export const PASSWORD_MAX_BYTES = 72;

/** Validates a new password's length in UTF-8 bytes. */
export function checkPassword(password: string): void {
  const bytes = Buffer.byteLength(password, 'utf8');
  if (bytes < PASSWORD_MIN_BYTES) {
    throw badRequest('password_too_short', `Password must be at least ${PASSWORD_MIN_BYTES} bytes (UTF-8); got ${bytes}`, { min_bytes: PASSWORD_MIN_BYTES, bytes });
  }
  if (bytes > PASSWORD_MAX_BYTES) {
    throw badRequest('password_too_long', `Password must be at most ${PASSWORD_MAX_BYTES} bytes (UTF-8); got ${bytes}`, { max_bytes: PASSWORD_MAX_BYTES, bytes });
  }
  if (password.includes('\u0000')) throw badRequest('invalid_characters', 'Password contains a NUL character');
}

// hash-wasm is loaded at the first hash or check, not at start: a server that nobody logs in to
// never needs it (in the single executable it is a separate chunk; docs/benchmarks.md, Startup).
const hashWasm = () => import('hash-wasm');

export async function hashPassword(password: string): Promise<string> {
  const { argon2id } = await hashWasm();
  return argon2id({ password, salt: randomBytes(16), ...ARGON2, outputType: 'encoded' });
}

/** True when password matches the encoded hash. An empty or malformed hash never matches. */
export async function verifyPassword(password: string, hash: string): Promise<boolean> {
  if (!hash.startsWith('$argon2')) {
    await dummyVerify(password);
    return false;
  }
  const { argon2Verify } = await hashWasm();
  try {
    return await argon2Verify({ password, hash });
  } catch {
    return false;
  }
}

let dummyHash: Promise<string> | undefined;

/**
 * Spends the time of one verification without a real account, so "unknown user" and
 * "wrong password" take as long as each other (no user enumeration by timing).
 */
export async function dummyVerify(password: string): Promise<void> {
  dummyHash ??= hashPassword(randomBytes(12).toString('base64url'));
  const { argon2Verify } = await hashWasm();
  try {
    await argon2Verify({ password, hash: await dummyHash });
  } catch {
    /* the result is irrelevant */
  }
}

const PW_ALPHABET = 'abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789';

/** A random password for resets: 20 characters from an unambiguous alphabet (~117 bits). */
export function generatePassword(): string {
  const bytes = randomBytes(40);
  let out = '';
  for (const b of bytes) {
    if (b >= 256 - (256 % PW_ALPHABET.length)) continue; // no modulo bias
    out += PW_ALPHABET[b % PW_ALPHABET.length];
    if (out.length === 20) return out;
  }
  return out.length === 20 ? out : generatePassword();
}
