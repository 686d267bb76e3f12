import type { Prepared } from './serializer.ts';

/** Events a connection keeps for resume: always the last MIN, older ones while younger than MAX_AGE_MS, never more than MAX. */
export const RING_MIN = 128;
export const RING_MAX_AGE_MS = 5 * 60_000;
export const RING_MAX = 1024;

/**
 * A connection's replay ring. Entries have consecutive seqs (the hub numbers events per
 * connection), so only the first seq is stored. Entries are shared `Prepared` objects, so a ring
 * costs a pointer per event, not a copy of the frame.
 */
export class ReplayRing {
  private items: Prepared[] = [];
  /** Seq of items[0]. */
  private first = 1;

  push(seq: number, p: Prepared, now: number) {
    if (this.items.length === 0) this.first = seq;
    this.items.push(p);
    this.trim(now);
  }

  trim(now: number) {
    const it = this.items;
    let drop = 0;
    while (it.length - drop > RING_MAX || (it.length - drop > RING_MIN && now - it[drop].at > RING_MAX_AGE_MS)) drop++;
    if (drop) {
      this.items = it.slice(drop);
      this.first += drop;
    }
  }

  /**
   * The events from `nextSeq` to `lastSeq` in order, or null when some of them are gone (the
   * client must start over). `nextSeq === lastSeq + 1` (nothing missed) gives [].
   */
  since(nextSeq: number, lastSeq: number): Prepared[] | null {
    if (!Number.isInteger(nextSeq) || nextSeq < 1 || nextSeq > lastSeq + 1) return null;
    if (nextSeq === lastSeq + 1) return [];
    if (this.items.length === 0 || nextSeq < this.first) return null;
    return this.items.slice(nextSeq - this.first, lastSeq - this.first + 1);
  }

  get size() {
    return this.items.length;
  }
}
