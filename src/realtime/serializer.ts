import type { AppEvent } from '../contract/events.ts';
import { SharedFrame } from './frame.ts';

/**
 * How one socket protocol writes frames. The hub is protocol-neutral: it routes an AppEvent to
 * connections, numbers it per connection and keeps it in the replay ring; the connection's
 * serializer turns it into text. `/api/v1/ws` uses `v1Serializer`; the Mattermost endpoint adds
 * its own over the same hub, recipients and rings.
 */
export interface Serializer {
  readonly name: string;
  /**
   * Encodes an event once per dispatch (shared by every recipient and every replay ring that
   * holds it); null when this protocol does not carry the event.
   */
  prepare(ev: AppEvent, now: number): Prepared | null;
  /** The frame that starts a stream (seq 0). */
  hello(info: HelloInfo): string;
  /** A reply to a client action (`seq_reply`). */
  reply(seqReply: number | null, ok: boolean, body?: Record<string, unknown>, error?: { code: string; message: string }): string;
  /**
   * Whether ephemeral events (typing) take a seq and go into the replay ring. The native
   * protocol says no: they carry no seq and are never replayed.
   */
  readonly sequenceEphemeral: boolean;
}

export interface HelloInfo {
  connection_id: string;
  user_id: string;
  server_version: string;
}

/** An encoded event; `frame(seq)` writes it with a connection's seq (undefined for unsequenced ephemeral events). */
export interface Prepared {
  readonly at: number;
  readonly ephemeral: boolean;
  frame(seq: number | undefined): string;
  /** The complete WebSocket frame bytes of frame(seq), for writing straight to the socket (frame.ts). */
  wire(seq: number | undefined): Buffer;
  /** Drops what wire() built; called when the dispatch or replay that used it is done. */
  release(): void;
}

/** Native protocol: `{"event": name, "data": {...}, "seq": n}`; replies `{"status","seq_reply",...}`. */
export const v1Serializer: Serializer = {
  name: 'v1',
  sequenceEphemeral: false,
  prepare(ev, now) {
    return new SharedFrame(`{"event":${JSON.stringify(ev.event)},"data":${JSON.stringify(ev.data)}`, now, !!ev.ephemeral);
  },
  hello(info) {
    return JSON.stringify({ event: 'hello', data: info, seq: 0 });
  },
  reply(seqReply, ok, body, error) {
    return JSON.stringify({ status: ok ? 'OK' : 'FAIL', seq_reply: seqReply, ...(body ? { data: body } : {}), ...(error ? { error } : {}) });
  },
};
