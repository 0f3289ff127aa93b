// FlowCollector's dedup cache (calico-observability §3.10): Goldmane remembers each
// (FlowKey, start_time, end_time, peer ip:port) for 5 minutes and acknowledges a repeat without
// ingesting it again. At Felix scale that is 100,000 flows/s × 300 s = 30 million identities, more
// than a JavaScript Map can hold (2^24 entries) and, as strings, gigabytes of heap. So an identity
// is a 64-bit hash kept in typed arrays: open-addressed sets of (lo, hi) int32 pairs, one per time
// slice ("generation") of a quarter of the expiry window. A generation takes new identities while it
// is current and is dropped whole once its newest entry is older than the window, so an identity is
// remembered at least `ttlSeconds` and at most a quarter longer, and expiry costs nothing per
// entry. A new identity is looked up in every generation (at most five, one cache line each).
//
// A false "seen" would acknowledge a flow without storing it; with 64-bit hashes seeded per process,
// its chance at 30 million remembered identities is below 2 × 10^-12 per flow.
import { randomBytes } from 'node:crypto';

export interface Dedup {
  /** Remembers the identity (see `FlowIdentity`); false when it was already remembered. */
  add(lo: number, hi: number): boolean;
  /** Forgets an identity (its flow was not stored after all, so a resend must be ingested). */
  delete(lo: number, hi: number): void;
  clear(): void;
  /** Identities remembered (including expired ones of a generation not yet dropped). */
  readonly size: number;
  /** Bytes of the typed arrays holding them. */
  readonly bytes: number;
}

const EMPTY = 0;
const MIN_CAPACITY = 1024;
const GENERATIONS = 4;

/**
 * An open-addressed set of 64-bit values as int32 pairs, side by side in one array (one cache line
 * a probe), linear probing, at most 3/4 full; (0, 0) marks an empty slot.
 */
class PairSet {
  pairs: Int32Array;
  size = 0;
  private mask: number;

  constructor(capacity: number) {
    let c = MIN_CAPACITY;
    while (c < capacity) c *= 2;
    this.pairs = new Int32Array(2 * c);
    this.mask = c - 1;
  }

  get bytes(): number {
    return this.pairs.byteLength;
  }

  /** The slot holding (lo, hi), or the empty slot where it would go, as -1 - slot. */
  private find(lo: number, hi: number): number {
    const { mask, pairs } = this;
    let at = (hi ^ Math.imul(lo, 0x9e3779b1)) & mask;
    for (;;) {
      const l = pairs[2 * at] as number;
      const h = pairs[2 * at + 1] as number;
      if (l === lo && h === hi) return at;
      if (l === EMPTY && h === EMPTY) return -1 - at;
      at = (at + 1) & mask;
    }
  }

  has(lo: number, hi: number): boolean {
    return this.find(lo, hi) >= 0;
  }

  /** Adds (lo, hi); false when it was there. */
  add(lo: number, hi: number): boolean {
    const found = this.find(lo, hi);
    if (found >= 0) return false;
    const at = -1 - found;
    this.pairs[2 * at] = lo;
    this.pairs[2 * at + 1] = hi;
    this.size++;
    if (this.size * 4 > (this.mask + 1) * 3) this.grow();
    return true;
  }

  delete(lo: number, hi: number): void {
    let hole = this.find(lo, hi);
    if (hole < 0) return;
    const { mask, pairs } = this;
    this.size--;
    // Backward-shift deletion: move later members of the probe run into the hole when their home
    // slot is not between the hole and them, so no run is broken and no tombstone is needed.
    let at = hole;
    for (;;) {
      at = (at + 1) & mask;
      const l = pairs[2 * at] as number;
      const h = pairs[2 * at + 1] as number;
      if (l === EMPTY && h === EMPTY) break;
      const home = (h ^ Math.imul(l, 0x9e3779b1)) & mask;
      if (((at - home) & mask) >= ((at - hole) & mask)) {
        pairs[2 * hole] = l;
        pairs[2 * hole + 1] = h;
        hole = at;
      }
    }
    pairs[2 * hole] = EMPTY;
    pairs[2 * hole + 1] = EMPTY;
  }

  private grow(): void {
    const old = this.pairs;
    const capacity = 2 * (this.mask + 1);
    this.pairs = new Int32Array(2 * capacity);
    this.mask = capacity - 1;
    this.size = 0;
    for (let i = 0; i < old.length; i += 2) {
      const l = old[i] as number;
      const h = old[i + 1] as number;
      if (l !== EMPTY || h !== EMPTY) this.add(l, h);
    }
  }
}

interface Generation {
  set: PairSet;
  /** Clock second from which the next generation takes new identities. */
  until: number;
}

/**
 * The dedup cache: identities expire `ttlSeconds` (up to a quarter more) after they were added.
 *
 * @example
 * const dedup = createDedup(300, () => Date.now() / 1000);
 * const id = new FlowIdentity();
 * id.bytes(keyBytes, 0, keyBytes.length).number(start).number(end).pair(peer.lo, peer.hi).finish();
 * if (dedup.add(id.lo, id.hi)) store(flow);
 */
export function createDedup(ttlSeconds: number, clock: () => number): Dedup {
  const slice = Math.max(ttlSeconds / GENERATIONS, 1e-3);
  // Oldest first; the last one takes new identities.
  let generations: Generation[] = [];
  const roll = (now: number) => {
    const newest = generations[generations.length - 1];
    if (newest !== undefined && now < newest.until) return;
    // A generation is dropped once its newest possible entry (added just before `until`) is past the window.
    let keep = 0;
    while (keep < generations.length && (generations[keep] as Generation).until + ttlSeconds <= now) keep++;
    if (keep > 0) generations = generations.slice(keep);
    // Sized for as many as the last slice took, so a steady rate does not grow it step by step.
    const expected = newest === undefined ? 0 : Math.ceil((newest.set.size * 4) / 3);
    generations.push({ set: new PairSet(expected), until: now + slice });
  };
  // (0, 0) marks an empty slot: that one hash is stored as (1, 0), a collision like any other.
  const isEmpty = (lo: number, hi: number) => lo === EMPTY && hi === EMPTY;
  return {
    add(lo, hi) {
      let l = lo | 0;
      const h = hi | 0;
      if (isEmpty(l, h)) l = 1;
      roll(clock());
      const last = generations.length - 1;
      for (let g = 0; g < last; g++) if ((generations[g] as Generation).set.has(l, h)) return false;
      return (generations[last] as Generation).set.add(l, h);
    },
    delete(lo, hi) {
      let l = lo | 0;
      const h = hi | 0;
      if (isEmpty(l, h)) l = 1;
      for (const g of generations) g.set.delete(l, h);
    },
    clear() {
      generations = [];
    },
    get size() {
      return generations.reduce((sum, g) => sum + g.set.size, 0);
    },
    get bytes() {
      return generations.reduce((sum, g) => sum + g.set.bytes, 0);
    },
  };
}

const SEED = randomBytes(8);

/**
 * A seeded 64-bit hash (two 32-bit multiply-rotate lanes) built up field by field: the encoded
 * FlowKey's bytes, start and end time, the peer. Seeded per process, so no sender can aim a
 * collision at another flow; one instance is reused (`finish` resets it).
 */
export class FlowIdentity {
  lo = 0;
  hi = 0;
  private h1 = 0;
  private h2 = 0;
  private length = 0;
  private scratch = new Uint8Array(1024);
  private words = new Int32Array(this.scratch.buffer);

  constructor() {
    this.reset();
  }

  private reset(): void {
    this.h1 = SEED.readInt32LE(0);
    this.h2 = SEED.readInt32LE(4);
    this.length = 0;
  }

  /** Mixes one 32-bit word in. */
  word(word: number): this {
    let k = Math.imul(word | 0, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, 0x1b873593);
    let h1 = this.h1 ^ k;
    h1 = (h1 << 13) | (h1 >>> 19);
    this.h1 = (Math.imul(h1, 5) + 0xe6546b64) | 0;
    const h2 = Math.imul(this.h2 ^ k, 0x85ebca6b);
    this.h2 = (h2 << 17) | (h2 >>> 15);
    this.length += 4;
    return this;
  }

  /** Mixes bytes `from` to `end` of `buf` in, with their length (the same as `word` on each four, padded with zeros). */
  bytes(buf: Uint8Array, from: number, end: number): this {
    const length = end - from;
    // Copied into aligned scratch, so the words are read four bytes at a time.
    if (this.scratch.length < length + 4) {
      this.scratch = new Uint8Array(Math.max(length + 4, 2 * this.scratch.length));
      this.words = new Int32Array(this.scratch.buffer);
    }
    this.scratch.set(buf.subarray(from, end));
    this.scratch.fill(0, length, length + 4);
    const words = this.words;
    const count = (length + 3) >> 2;
    let h1 = this.h1;
    let h2 = this.h2;
    for (let i = 0; i < count; i++) {
      let k = Math.imul(words[i] as number, 0xcc9e2d51);
      k = (k << 15) | (k >>> 17);
      k = Math.imul(k, 0x1b873593);
      h1 ^= k;
      h1 = (h1 << 13) | (h1 >>> 19);
      h1 = (Math.imul(h1, 5) + 0xe6546b64) | 0;
      h2 = Math.imul(h2 ^ k, 0x85ebca6b);
      h2 = (h2 << 17) | (h2 >>> 15);
    }
    this.h1 = h1;
    this.h2 = h2;
    this.length += 4 * count;
    return this.word(length);
  }

  /** Mixes a non-negative integer up to 2^53 in (as two words). */
  number(n: number): this {
    return this.word(n % 4294967296).word(Math.floor(n / 4294967296));
  }

  /** Mixes a hash computed before (for example of the peer) in. */
  pair(lo: number, hi: number): this {
    return this.word(lo).word(hi);
  }

  /** Sets `lo` and `hi` to the hash of what was mixed in, and starts over. */
  finish(): this {
    let h1 = this.h1 ^ this.length;
    let h2 = this.h2 ^ h1;
    h1 ^= h2 >>> 16;
    h1 = Math.imul(h1, 0x85ebca6b);
    h1 ^= h1 >>> 13;
    h1 = Math.imul(h1, 0xc2b2ae35);
    h1 ^= h1 >>> 16;
    h2 ^= h1;
    h2 = Math.imul(h2, 0xcc9e2d51);
    h2 ^= h2 >>> 15;
    h2 = Math.imul(h2, 0x1b873593);
    h2 ^= h2 >>> 13;
    this.lo = h1;
    this.hi = h2;
    this.reset();
    return this;
  }
}
