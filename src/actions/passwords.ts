import * as crypto from 'node:crypto';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { badRequest } from '../errors.ts';

/**
 * Password hashing: argon2id at OWASP's minimum (m = 19 MiB, t = 2, p = 1), through node:crypto
 * where Node has it (the executable's Node 24) and hash-wasm, a WebAssembly build, elsewhere —
 * no native module either way, so both survive the single-executable build. Hashes are stored in
 * the PHC string format, so the parameters travel with each hash.
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

// ---- two engines, one format ----
//
// Node ≥ 24.7 (the one inside the executable) has argon2 in node:crypto: native speed, and it runs
// on the libuv thread pool, so a login no longer stops the event loop for the ~50 ms that the
// WebAssembly build takes on the main thread. Elsewhere (Node 20 for development) hash-wasm does
// it. Both read and write the same PHC strings, so hashes move freely between them.

type Argon2Algorithm = 'argon2id' | 'argon2i' | 'argon2d';
interface NativeArgon2Params {
  message: string | Buffer;
  nonce: Buffer;
  parallelism: number;
  tagLength: number;
  memory: number;
  passes: number;
}
type NativeArgon2 = (algorithm: Argon2Algorithm, params: NativeArgon2Params, callback: (err: Error | null, key: Buffer) => void) => void;

const nativeArgon2 = (crypto as unknown as { argon2?: NativeArgon2 }).argon2;
// hash-wasm is loaded at its first use only: the executable never needs it (in the single
// executable it is a separate chunk; docs/benchmarks.md, Startup).
const hashWasm = () => import('hash-wasm');
/** Which engine hashes in this process (tests and the admin guide name it). */
export const PASSWORD_ENGINE: 'node:crypto' | 'hash-wasm' = nativeArgon2 ? 'node:crypto' : 'hash-wasm';

const b64 = (b: Buffer) => b.toString('base64').replace(/=+$/, '');

interface Phc {
  algorithm: Argon2Algorithm;
  memory: number;
  passes: number;
  parallelism: number;
  salt: Buffer;
  hash: Buffer;
}

/** Parses `$argon2id$v=19$m=…,t=…,p=…$salt$hash` (version 0x13 only); undefined if malformed. */
export function parsePhc(encoded: string): Phc | undefined {
  const m = /^\$(argon2id|argon2i|argon2d)\$v=19\$m=(\d{1,7}),t=(\d{1,4}),p=(\d{1,3})\$([A-Za-z0-9+/]{11,})\$([A-Za-z0-9+/]{22,})$/.exec(encoded);
  if (!m) return undefined;
  const [memory, passes, parallelism] = [Number(m[2]), Number(m[3]), Number(m[4])];
  if (parallelism < 1 || passes < 1 || memory < 8 * parallelism) return undefined;
  return { algorithm: m[1] as Argon2Algorithm, memory, passes, parallelism, salt: Buffer.from(m[5], 'base64'), hash: Buffer.from(m[6], 'base64') };
}

function nativeHash(algorithm: Argon2Algorithm, password: string, salt: Buffer, memory: number, passes: number, parallelism: number, tagLength: number): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    nativeArgon2!(algorithm, { message: password, nonce: salt, memory, passes, parallelism, tagLength }, (err, key) => (err ? reject(err) : resolve(key))),
  );
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  if (PASSWORD_ENGINE === 'hash-wasm') return (await hashWasm()).argon2id({ password, salt, ...ARGON2, outputType: 'encoded' });
  const { memorySize, iterations, parallelism, hashLength } = ARGON2;
  const hash = await nativeHash('argon2id', password, salt, memorySize, iterations, parallelism, hashLength);
  return `$argon2id$v=19$m=${memorySize},t=${iterations},p=${parallelism}$${b64(salt)}$${b64(hash)}`;
}

/** True when password matches the encoded hash. An empty or malformed hash never matches. */
export async function verifyPassword(password: string, hash: string): Promise<boolean> {
  const phc = parsePhc(hash);
  if (!phc) {
    await dummyVerify(password);
    return false;
  }
  try {
    if (PASSWORD_ENGINE === 'hash-wasm') return await (await hashWasm()).argon2Verify({ password, hash });
    const computed = await nativeHash(phc.algorithm, password, phc.salt, phc.memory, phc.passes, phc.parallelism, phc.hash.length);
    return computed.length === phc.hash.length && timingSafeEqual(computed, phc.hash);
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
  await verifyPassword(password, await dummyHash); // the result is irrelevant
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
