import { deflateSync } from 'node:zlib';
import { createHash } from 'node:crypto';

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function crc32(buf: Buffer): number {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
}

const SIZE = 64;
const cache = new Map<string, Buffer>();

/**
 * A generated default profile image (Mattermost's apps always load `/users/{id}/image`): a
 * 64×64 PNG in a colour derived from the user id, with a lighter 4×4 pattern, so people are
 * told apart at a glance; shown until the user uploads a picture (actions/profile-image.ts).
 */
export function defaultAvatarPng(userId: string): Buffer {
  const hit = cache.get(userId);
  if (hit) return hit;
  const h = createHash('sha256').update(userId).digest();
  const base = [60 + (h[0] % 140), 60 + (h[1] % 140), 60 + (h[2] % 140)];
  const light = base.map((v) => Math.min(255, v + 70));
  const raw = Buffer.alloc((SIZE * 3 + 1) * SIZE);
  for (let y = 0; y < SIZE; y++) {
    const row = y * (SIZE * 3 + 1);
    raw[row] = 0; // filter: none
    for (let x = 0; x < SIZE; x++) {
      // A symmetric 4×4 pattern (identicon-style) from the hash bits.
      const cx = Math.floor(x / 16);
      const cy = Math.floor(y / 16);
      const mx = cx < 2 ? cx : 3 - cx;
      const on = (h[4 + cy] >> mx) & 1;
      const c = on ? light : base;
      raw[row + 1 + x * 3] = c[0];
      raw[row + 2 + x * 3] = c[1];
      raw[row + 3 + x * 3] = c[2];
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(SIZE, 0);
  ihdr.writeUInt32BE(SIZE, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // colour type: RGB
  const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
  if (cache.size > 10_000) cache.clear();
  cache.set(userId, png);
  return png;
}
