/**
 * The shared frame (frame.ts): the bytes written straight to a socket are exactly what `ws`
 * writes for `ws.send(JSON.stringify(per-socket object))`, for every event of both protocols
 * (native v1 and Mattermost v4), seqs of every digit count, payload lengths across the 125/126
 * and 65535/65536 header boundaries and multi-byte UTF-8; and through a real socket pair, the
 * client receives the same frames in order with replies and hellos interleaved.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import WebSocket, { WebSocketServer } from 'ws';
import * as wsModule from 'ws';
import { EVENT_NAMES, type AppEvent, type EventName } from '../contract/events.ts';
import { v1Serializer, type Serializer } from './serializer.ts';
import { mmSerializer, mmBroadcast, translateEvent } from '../http/v4/ws-serializer.ts';
import { SharedFrame, canWriteRaw, writeRaw } from './frame.ts';
import { A, B, C, sampleData, sampleEvent, samplePost } from '../../test/samples.ts';

/** What `ws` (permessage-deflate off, server side) puts on the wire for a text message. */
function wsWire(text: string): Buffer {
  const { Sender } = wsModule as unknown as { Sender: { frame(data: Buffer, o: object): Buffer[] } };
  const list = Sender.frame(Buffer.from(text), { fin: true, opcode: 1, mask: false, readOnly: false, rsv1: false });
  return Buffer.concat(list);
}

/** The per-socket object each protocol stands for, stringified as a whole (the reference). */
function reference(ser: Serializer, ev: AppEvent, seq: number | undefined): string | null {
  if (ser === v1Serializer) return JSON.stringify({ event: ev.event, data: ev.data, ...(seq === undefined ? {} : { seq }) });
  const t = translateEvent(ev);
  if (!t) return null;
  return JSON.stringify({ event: t.event, data: t.data, broadcast: mmBroadcast(ev.broadcast), ...(seq === undefined ? {} : { seq }) });
}

const SEQS = [1, 7, 9, 10, 42, 99, 100, 128, 999, 1000, 65_535, 123_456_789, 2 ** 32 + 5, Number.MAX_SAFE_INTEGER];

function events(): AppEvent[] {
  const data = sampleData();
  const out: AppEvent[] = [];
  for (const name of EVENT_NAMES) {
    out.push(sampleEvent(name as EventName, data[name as EventName] as never, { user_ids: [A, B], channel_id: C, omit_user_id: A }, name === 'typing'));
  }
  // Payloads across the header boundaries and with multi-byte UTF-8.
  for (const size of [0, 20, 60, 100, 126, 200, 1000, 65_300, 65_535, 65_600, 70_000]) {
    for (const ch of ['x', 'é', '🎉']) {
      const post = samplePost({ message: ch.repeat(Math.ceil(size / Buffer.byteLength(ch))) });
      out.push(sampleEvent('posted', { ...data.posted, post }, { user_ids: [B] }));
    }
  }
  return out;
}

test('every event of both protocols: the spliced frame is byte-for-byte what ws.send(JSON.stringify(object)) writes', () => {
  let checked = 0;
  for (const ser of [v1Serializer, mmSerializer]) {
    for (const ev of events()) {
      const p = ser.prepare(ev, 1);
      const ref1 = reference(ser, ev, 1);
      if (!p) {
        assert.is(ref1, null, `${ser.name} ${ev.event}: dropped only when the protocol has no such event`);
        continue;
      }
      const seqs = ev.ephemeral && !ser.sequenceEphemeral ? [undefined] : SEQS;
      for (const seq of seqs) {
        const text = reference(ser, ev, seq)!;
        assert.is(p.frame(seq), text, `${ser.name} ${ev.event} seq ${seq}: text`);
        const wire = p.wire(seq);
        assert.ok(wire.equals(wsWire(text)), `${ser.name} ${ev.event} seq ${seq} (${Buffer.byteLength(text)} bytes): wire bytes`);
        // Asked again for the same seq (the next recipient at that seq): the same bytes.
        assert.ok(p.wire(seq).equals(wire));
        checked++;
      }
      p.release!();
      // Rebuilt after release (a resume replay of an event kept in a ring).
      if (seqs[0] !== undefined) assert.ok(p.wire(3).equals(wsWire(reference(ser, ev, 3)!)));
    }
  }
  assert.ok(checked > 1000, `${checked} frames compared`);
});

test('payloads of exactly 125, 126, 127, 65535, 65536 and 65537 bytes: the header length forms of ws', () => {
  for (const target of [30, 125, 126, 127, 65_535, 65_536, 65_537]) {
    for (const seq of [undefined, 1, 10, 12_345]) {
      const tail = seq === undefined ? 1 : `,"seq":${seq}}`.length;
      const head = `{"d":"${'a'.repeat(target - tail - 7)}"`;
      const p = new SharedFrame(head, 0, false);
      const text = p.frame(seq);
      assert.is(Buffer.byteLength(text), target);
      assert.ok(p.wire(seq).equals(wsWire(text)), `${target} bytes, seq ${seq}`);
    }
  }
});

test('recipients at the same seq share one buffer; a different seq gets its own', () => {
  const p = new SharedFrame('{"event":"x","data":{}', 0, false);
  const a = p.wire(5);
  assert.is(p.wire(5), a);
  const b = p.wire(6);
  assert.is.not(b, a);
  assert.is(b.toString('utf8', 2), '{"event":"x","data":{},"seq":6}');
  assert.is(a.toString('utf8', 2), '{"event":"x","data":{},"seq":5}', 'a buffer already handed out is never rewritten');
  p.release();
  assert.is.not(p.wire(6), b);
});

test('a stand-in socket is not written raw', () => {
  assert.is(canWriteRaw({ send() {} } as unknown as WebSocket), false);
});

test('through a real socket: raw frames, ws.send frames and pings arrive in order and intact', async () => {
  const http = createServer();
  const wss = new WebSocketServer({ server: http, perMessageDeflate: false });
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  const port = (http.address() as AddressInfo).port;
  const serverSide = new Promise<WebSocket>((r) => wss.once('connection', r));
  const client = new WebSocket(`ws://127.0.0.1:${port}/`, { perMessageDeflate: false });
  const got: string[] = [];
  client.on('message', (d) => got.push(String(d)));
  await new Promise((r) => client.once('open', r));
  const ws = await serverSide;
  assert.ok(canWriteRaw(ws), 'a ws socket without extensions is written raw');
  const expected: string[] = [];
  const big = sampleEvent('posted', { ...sampleData().posted, post: samplePost({ message: 'ü'.repeat(40_000) }) }, { user_ids: [B] });
  for (let seq = 1; seq <= 30; seq++) {
    const ev = seq % 10 === 0 ? big : sampleEvent('posted', { ...sampleData().posted, post: samplePost({ id: `p${seq}` }) }, { user_ids: [B] });
    const p = (seq % 2 ? v1Serializer : mmSerializer).prepare(ev, 0)!;
    assert.ok(writeRaw(ws, p.wire(seq)));
    expected.push(p.frame(seq));
    if (seq % 3 === 0) {
      const reply = v1Serializer.reply(seq, true);
      ws.send(reply);
      expected.push(reply);
      ws.ping();
    }
  }
  const deadline = Date.now() + 5000;
  while (got.length < expected.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  assert.equal(got, expected);
  client.close();
  await new Promise((r) => client.once('close', r));
  wss.close();
  await new Promise((r) => http.close(r));
});

test.run();
