// A map from three small integers to a value: open addressing over one typed array of keys and one
// array of values, so a lookup is a hash and a probe or two into two flat arrays instead of a walk
// through nested maps. Used for decision-table entries (decide.ts).

const STRIDE = 3;
const INITIAL_SLOTS = 1 << 10;

export class TripleMap<T> {
  private keys = new Int32Array(INITIAL_SLOTS * STRIDE);
  private values: (T | undefined)[] = new Array(INITIAL_SLOTS).fill(undefined);
  private mask = INITIAL_SLOTS - 1;
  private used = 0;

  /** At most `limit` entries: when full, the map is emptied. `a` must not be 0 (it marks a free slot). */
  constructor(private readonly limit: number) {}

  get size(): number {
    return this.used;
  }

  get(a: number, b: number, c: number): T | undefined {
    const { keys, mask } = this;
    let slot = hash(a, b, c) & mask;
    for (;;) {
      const at = slot * STRIDE;
      const first = keys[at];
      if (first === 0) return undefined;
      if (first === a && keys[at + 1] === b && keys[at + 2] === c) return this.values[slot];
      slot = (slot + 1) & mask;
    }
  }

  set(a: number, b: number, c: number, value: T): void {
    if (this.used >= this.limit) this.clear();
    else if ((this.used + 1) * 2 > this.mask + 1) this.grow();
    const { keys, mask } = this;
    let slot = hash(a, b, c) & mask;
    for (;;) {
      const at = slot * STRIDE;
      const first = keys[at];
      if (first === 0) {
        this.used++;
        keys[at] = a;
        keys[at + 1] = b;
        keys[at + 2] = c;
        break;
      }
      if (first === a && keys[at + 1] === b && keys[at + 2] === c) break;
      slot = (slot + 1) & mask;
    }
    this.values[slot] = value;
  }

  clear(): void {
    this.keys = new Int32Array(INITIAL_SLOTS * STRIDE);
    this.values = new Array(INITIAL_SLOTS).fill(undefined);
    this.mask = INITIAL_SLOTS - 1;
    this.used = 0;
  }

  private grow(): void {
    const oldKeys = this.keys;
    const oldValues = this.values;
    const slots = (this.mask + 1) * 2;
    const keys = new Int32Array(slots * STRIDE);
    const values: (T | undefined)[] = new Array(slots).fill(undefined);
    const mask = slots - 1;
    for (let old = 0; old < oldValues.length; old++) {
      const from = old * STRIDE;
      const a = oldKeys[from] as number;
      if (a === 0) continue;
      const b = oldKeys[from + 1] as number;
      const c = oldKeys[from + 2] as number;
      let slot = hash(a, b, c) & mask;
      while (keys[slot * STRIDE] !== 0) slot = (slot + 1) & mask;
      keys[slot * STRIDE] = a;
      keys[slot * STRIDE + 1] = b;
      keys[slot * STRIDE + 2] = c;
      values[slot] = oldValues[old];
    }
    this.keys = keys;
    this.values = values;
    this.mask = mask;
  }
}

export function hash(a: number, b: number, c: number): number {
  let h = Math.imul(a, 0x9e3779b1) ^ Math.imul(b, 0x85ebca77) ^ Math.imul(c, 0xc2b2ae3d);
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  return h ^ (h >>> 13);
}
