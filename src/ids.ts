import { randomBytes } from 'node:crypto';

// Mattermost's id alphabet: base32 of 16 random bytes, 26 lowercase characters.
const ALPHABET = 'ybndrfg8ejkmcpqxot1uwisza345h769';

// Random bytes are drawn 4 KiB at a time (one call to the CSPRNG per 256 ids, not one per id).
const POOL_BYTES = 4096;
let pool = Buffer.alloc(0);
let offset = POOL_BYTES;

/** A new 26-character id, the format used by both APIs and the database. */
export function newId(): string {
  if (offset + 16 > pool.length) {
    pool = randomBytes(POOL_BYTES);
    offset = 0;
  }
  const bytes = pool.subarray(offset, offset + 16);
  offset += 16;
  let out = '';
  let bits = 0;
  let value = 0;
  for (const b of bytes) {
    value = (value << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += ALPHABET[(value << (5 - bits)) & 31];
  return out;
}

const ID_RE = /^[a-z0-9]{26}$/;
export const isId = (s: unknown): s is string => typeof s === 'string' && ID_RE.test(s);
