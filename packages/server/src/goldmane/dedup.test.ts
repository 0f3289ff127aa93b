import { describe, expect, it } from 'vitest';
import { createDedup, FlowIdentity } from './dedup.ts';

/** Deterministic pseudo-random int32s (xorshift), so a failure reproduces. */
function int32s(seed: number): () => number {
  let x = seed | 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return x | 0;
  };
}

describe('createDedup', () => {
  it('says an identity is new once, and seen again until the window has passed', () => {
    let now = 1000;
    const dedup = createDedup(300, () => now);
    expect(dedup.add(7, 9)).toBe(true);
    expect(dedup.add(7, 9)).toBe(false);
    expect(dedup.add(9, 7)).toBe(true);
    now += 299;
    expect(dedup.add(7, 9)).toBe(false);
    // Generations of 75 s: an identity is forgotten after 300 s and before 375 s.
    now += 76;
    expect(dedup.add(7, 9)).toBe(true);
  });

  it('keeps identities added later in the window after earlier ones expire', () => {
    let now = 0;
    const dedup = createDedup(300, () => now);
    for (let s = 0; s < 600; s += 5) {
      now = s;
      expect(dedup.add(s, 1)).toBe(true);
    }
    now = 600;
    // Added at 300..595: all still remembered; added before 225: all forgotten.
    for (let s = 300; s < 600; s += 5) expect(dedup.add(s, 1)).toBe(false);
    for (let s = 0; s < 225; s += 5) expect(dedup.add(s, 1)).toBe(true);
  });

  it('forgets a deleted identity, wherever it sits in the probe runs', () => {
    const dedup = createDedup(300, () => 0);
    const next = int32s(42);
    const pairs: [number, number][] = Array.from({ length: 5000 }, () => [next(), next()]);
    for (const [lo, hi] of pairs) expect(dedup.add(lo, hi)).toBe(true);
    // Delete every third; the rest must still be found, the deleted ones must be new again.
    pairs.forEach(([lo, hi], i) => {
      if (i % 3 === 0) dedup.delete(lo, hi);
    });
    expect(dedup.size).toBe(5000 - Math.ceil(5000 / 3));
    pairs.forEach(([lo, hi], i) => {
      expect(dedup.add(lo, hi)).toBe(i % 3 === 0);
    });
  });

  it('agrees with a Set over many adds and deletes with colliding home slots', () => {
    const dedup = createDedup(300, () => 0);
    const model = new Set<string>();
    const next = int32s(7);
    for (let i = 0; i < 60_000; i++) {
      // Few distinct `hi` and small `lo`: many identities share home slots and probe runs.
      const lo = 1 + (next() & 0xff); // never (0, 0), which is kept as (1, 0)
      const hi = next() & 0x3;
      const key = `${lo},${hi}`;
      if (next() % 4 === 0) {
        dedup.delete(lo, hi);
        model.delete(key);
      } else {
        expect(dedup.add(lo, hi)).toBe(!model.has(key));
        model.add(key);
      }
    }
    expect(dedup.size).toBe(model.size);
  });

  it('tells (0, 0) apart from nothing, and clear forgets everything', () => {
    const dedup = createDedup(300, () => 0);
    expect(dedup.add(0, 0)).toBe(true);
    expect(dedup.add(0, 0)).toBe(false);
    dedup.clear();
    expect(dedup.size).toBe(0);
    expect(dedup.add(0, 0)).toBe(true);
  });

  it('holds a million identities in typed arrays of about 16 bytes each, none lost', () => {
    let now = 0;
    const dedup = createDedup(300, () => now);
    const next = int32s(99);
    const pairs = new Int32Array(2_000_000);
    for (let i = 0; i < pairs.length; i++) pairs[i] = next();
    for (let i = 0; i < 1_000_000; i++) {
      now = i / 10_000; // 100 s in all
      dedup.add(pairs[2 * i] as number, pairs[2 * i + 1] as number);
    }
    expect(dedup.size).toBe(1_000_000);
    for (let i = 0; i < 1_000_000; i += 97)
      expect(dedup.add(pairs[2 * i] as number, pairs[2 * i + 1] as number)).toBe(false);
    expect(dedup.bytes / dedup.size).toBeLessThan(24);
  });
});

describe('FlowIdentity', () => {
  const key = Buffer.from('flow key bytes, as encoded on the wire: 41 b');

  it('is the same for the same fields, and differs when any field differs', () => {
    const id = new FlowIdentity();
    const of = (bytes: Buffer, start: number, end: number, peer: number) => {
      id.bytes(bytes, 0, bytes.length).number(start).number(end).pair(peer, 0).finish();
      return `${id.lo},${id.hi}`;
    };
    const base = of(key, 1_765_000_000, 1_765_000_015, 5);
    expect(of(key, 1_765_000_000, 1_765_000_015, 5)).toBe(base);
    const others = [
      of(Buffer.from('flow key bytes, as encoded on the wire: 41 c'), 1_765_000_000, 1_765_000_015, 5),
      of(key.subarray(0, 40), 1_765_000_000, 1_765_000_015, 5),
      of(key, 1_765_000_015, 1_765_000_015, 5),
      of(key, 1_765_000_000, 1_765_000_030, 5),
      of(key, 1_765_000_000, 1_765_000_015, 6),
      of(key, 1_765_000_000 + 2 ** 32, 1_765_000_015, 5),
    ];
    expect(new Set([base, ...others]).size).toBe(others.length + 1);
  });

  it('spreads near-identical keys over 64 bits without collisions', () => {
    const id = new FlowIdentity();
    const seen = new Set<string>();
    const los = new Set<number>();
    const bytes = Buffer.from(key);
    for (let i = 0; i < 100_000; i++) {
      bytes.writeUInt32LE(i, 8);
      id.bytes(bytes, 0, bytes.length).number(1_765_000_000).number(1_765_000_015).finish();
      seen.add(`${id.lo},${id.hi}`);
      los.add(id.lo);
    }
    expect(seen.size).toBe(100_000);
    // Each half alone is spread too (the sets key on both, the slot on a mix).
    expect(los.size).toBeGreaterThan(99_990);
  });
});
