import type { WebSocket } from 'ws';

/**
 * An event encoded once per dispatch and protocol (a `Prepared` of serializer.ts), written to every recipient as complete
 * WebSocket frame bytes with the recipient's seq spliced in.
 *
 * Both serializers end a sequenced frame with `,"seq":<n>}` and an unsequenced one with `}`, so
 * the text is `head` + that tail. For the wire, `head` is encoded to UTF-8 once (`prefix`); each
 * recipient's frame is one buffer: the 2/4/10-byte frame header (text, FIN, unmasked: what `ws`
 * writes for a server with permessage-deflate off), the prefix copied, the seq's digits and `}`.
 * Recipients with the same seq (the members of a channel who have seen the same events) share
 * one buffer: the last one built is kept until `release()`.
 *
 * The bytes are identical to what `ws.send(frame(seq))` writes (src/realtime/frame.test.ts): no
 * JSON work, no UTF-8 encoding and one socket write per recipient instead of two.
 */
export class SharedFrame {
  /** UTF-8 of `head`, between the first wire() and release(). */
  private prefix: Buffer | null = null;
  private lastSeq = -1;
  private lastWire: Buffer | null = null;

  constructor(
    private readonly head: string,
    readonly at: number,
    readonly ephemeral: boolean,
  ) {}

  frame(seq: number | undefined): string {
    return seq === undefined ? `${this.head}}` : `${this.head},"seq":${seq}}`;
  }

  /** The complete WebSocket frame (header and payload) of frame(seq). */
  wire(seq: number | undefined): Buffer {
    const key = seq ?? 0; // 0 never numbers an event (hello is 0 and is not a SharedFrame)
    if (key === this.lastSeq && this.lastWire) return this.lastWire;
    // Allocated per dispatch, not kept: a small Buffer is a slice of Node's 8 KiB pool, and one
    // held by an event in the replay rings would keep its whole pool chunk alive.
    const prefix = (this.prefix ??= Buffer.from(this.head, 'utf8'));
    let digits = 0;
    if (seq !== undefined) for (let x = seq; digits === 0 || x >= 1; x = Math.floor(x / 10)) digits++;
    const len = prefix.length + (seq === undefined ? 1 : SEQ_KEY.length + digits + 1);
    const hdr = len < 126 ? 2 : len < 65536 ? 4 : 10;
    const buf = Buffer.allocUnsafe(hdr + len);
    buf[0] = 0x81; // FIN, text
    if (hdr === 2) buf[1] = len;
    else if (hdr === 4) {
      buf[1] = 126;
      buf.writeUInt16BE(len, 2);
    } else {
      buf[1] = 127;
      buf.writeUInt32BE(Math.floor(len / 2 ** 32), 2);
      buf.writeUInt32BE(len >>> 0, 6);
    }
    let at = hdr + prefix.copy(buf, hdr);
    if (seq !== undefined) {
      at += SEQ_KEY.copy(buf, at);
      for (let i = at + digits - 1, x = seq; i >= at; i--, x = Math.floor(x / 10)) buf[i] = 48 + (x % 10);
      at += digits;
    }
    buf[at] = 0x7d; // }
    this.lastSeq = key;
    this.lastWire = buf;
    return buf;
  }

  /** Drops the encoded bytes (the dispatch or replay that needed them is done); wire() rebuilds them. */
  release(): void {
    this.prefix = null;
    this.lastWire = null;
    this.lastSeq = -1;
  }
}

const SEQ_KEY = Buffer.from(',"seq":', 'latin1');

/** The parts of a `ws` WebSocket a direct write needs (ws 8 internals, checked at bind time). */
interface WsInternals {
  _socket?: { write(b: Buffer): boolean; writableLength: number; destroyed: boolean } | null;
  _sender?: { _state: number; _queue: unknown[]; _bufferedBytes: number } | null;
  _extensions?: Record<string, unknown>;
}

/**
 * Whether frames can be written straight to the socket under `ws`: a `ws` WebSocket without
 * extensions (permessage-deflate is off on both endpoints; a compressed socket would need
 * `ws` to deflate). Anything else (test stand-ins) goes through `ws.send`.
 */
export function canWriteRaw(ws: WebSocket): boolean {
  const w = ws as unknown as WsInternals;
  return !!w._socket && !!w._sender && typeof w._sender._state === 'number' && Array.isArray(w._sender._queue) && !!w._extensions && Object.keys(w._extensions).length === 0;
}

/**
 * Writes complete frame bytes to the socket under `ws` (canWriteRaw was true for it). Falls back
 * to nothing and returns false when `ws` has data of its own queued (it would be reordered); the
 * caller then uses ws.send.
 */
export function writeRaw(ws: WebSocket, bytes: Buffer): boolean {
  const w = ws as unknown as Required<WsInternals>;
  const sender = w._sender!;
  if (sender._state !== 0 || sender._queue.length !== 0) return false;
  const socket = w._socket!;
  if (!socket.destroyed) socket.write(bytes);
  return true;
}
