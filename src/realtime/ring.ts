import type { Prepared } from './serializer.ts';

/** Events a connection keeps for resume (Mattermost keeps 128 too). A detached connection lives RING_MAX_AGE_MS. */
export const RING_SIZE = 128;
export const RING_MAX_AGE_MS = 5 * 60_000;

/**
 * A connection's replay ring: the last RING_SIZE events, in a circular buffer allocated on the
 * first event and grown by doubling. Seqs are consecutive (the hub numbers events per connection), so only the
 * newest seq is stored. Entries are shared `Prepared` objects: a ring costs a pointer per event,
 * not a copy of the frame.
 */
export class ReplayRing {
  private buf: (Prepared | undefined)[] | null = null;
  /** Seq of the newest entry, and how many entries are held. */
  private last = 0;
  private count = 0;

  push(seq: number, p: Prepared) {
    // Grows 8, 16, … RING_SIZE: most idle connections never need the full 1 KiB.
    if (!this.buf) this.buf = new Array(8);
    else if (this.count === this.buf.length && this.buf.length < RING_SIZE) {
      const old = this.buf;
      this.buf = new Array(old.length * 2);
      for (let s = this.last - this.count + 1; s <= this.last; s++) this.buf[s % this.buf.length] = old[s % old.length];
    }
    this.buf[seq % this.buf.length] = p;
    this.last = seq;
    if (this.count < this.buf.length) this.count++;
  }

  /**
   * The events from `nextSeq` to `lastSeq` in order, or null when some of them are gone (the
   * client must start over). `nextSeq === lastSeq + 1` (nothing missed) gives [].
   */
  since(nextSeq: number, lastSeq: number): Prepared[] | null {
    if (!Number.isSafeInteger(nextSeq) || nextSeq < 1 || nextSeq > lastSeq + 1) return null;
    if (nextSeq === lastSeq + 1) return [];
    if (!this.buf || lastSeq !== this.last || nextSeq <= this.last - this.count) return null;
    const out: Prepared[] = [];
    for (let s = nextSeq; s <= lastSeq; s++) out.push(this.buf[s % this.buf.length]!);
    return out;
  }

  get size() {
    return this.count;
  }
}
