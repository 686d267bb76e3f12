// PostgreSQL wire-protocol messages the embedded driver sends on every statement, encoded in one
// allocation. PGlite's own serializer (pg-protocol's) grows a DataView buffer value by value,
// counts UTF-8 bytes in a JavaScript loop, makes a view per string and copies the result twice:
// ~2.5 % of an embedded post's CPU for one Bind (docs/benchmarks.md, "Embedded posting: where the
// time goes, by PostgreSQL function"). The bytes are the same (src/db/pg-wire.test.ts).

/** A parameter value as the driver hands it over: text, binary, or SQL NULL. */
export type WireValue = string | ArrayBuffer | ArrayBufferView | null;

/** Execute of the unnamed portal, all rows: 'E', length 9, portal '', max rows 0. */
const EXECUTE = Uint8Array.of(0x45, 0, 0, 0, 9, 0, 0, 0, 0, 0);

const bytesOf = (v: ArrayBuffer | ArrayBufferView) => (ArrayBuffer.isView(v) ? new Uint8Array(v.buffer, v.byteOffset, v.byteLength) : new Uint8Array(v));

/**
 * Bind (unnamed portal, the named prepared statement, text parameters as text and binary ones as
 * binary, all results as text) followed by Execute, as one byte array.
 */
export function bindExecute(statement: string, values: readonly WireValue[]): Uint8Array {
  const n = values.length;
  // 'B' + length + portal '\0' + statement '\0' + format count + formats + value count + values + result format count
  let size = 1 + 4 + 1 + Buffer.byteLength(statement) + 1 + 2 + 2 * n + 2 + 2;
  const lengths = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const v = values[i];
    const len = v === null || v === undefined ? -1 : typeof v === 'string' ? Buffer.byteLength(v) : v.byteLength;
    lengths[i] = len;
    size += 4 + (len > 0 ? len : 0);
  }
  const out = Buffer.allocUnsafeSlow(size + EXECUTE.length);
  let at = 0;
  out[at++] = 0x42; // B
  out.writeInt32BE(size - 1, at);
  at += 4;
  out[at++] = 0; // unnamed portal
  at += out.write(statement, at, 'utf8');
  out[at++] = 0;
  out.writeUInt16BE(n, at);
  at += 2;
  for (let i = 0; i < n; i++) {
    const v = values[i];
    out.writeInt16BE(v !== null && v !== undefined && typeof v !== 'string' ? 1 : 0, at);
    at += 2;
  }
  out.writeUInt16BE(n, at);
  at += 2;
  for (let i = 0; i < n; i++) {
    const v = values[i]!;
    const len = lengths[i]!;
    out.writeInt32BE(len, at);
    at += 4;
    if (len <= 0) continue;
    if (typeof v === 'string') at += out.write(v, at, 'utf8');
    else {
      out.set(bytesOf(v), at);
      at += len;
    }
  }
  out.writeInt16BE(0, at); // results: text
  at += 2;
  out.set(EXECUTE, at);
  return out;
}
