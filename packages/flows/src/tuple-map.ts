// A hash map from fixed-width tuples of 32-bit integers (interned ids, ports, buckets) to dense
// entry numbers, kept in typed arrays: no string is built to look a tuple up, and an entry costs
// `4 × width + 12` bytes of array storage.

const EMPTY = 0;
const DELETED = -1;

/**
 * Entries are numbered from 0; a deleted entry's number is reused by a later insert. Callers keep
 * their per-entry data in their own arrays indexed by entry number (see `capacity`).
 */
export class IntTupleMap {
  readonly width: number;
  private tuples: Int32Array;
  private hashes: Int32Array;
  /** Open addressing, linear probing: entry + 1, EMPTY or DELETED. */
  private slots: Int32Array;
  private mask: number;
  private used = 0;
  private live = 0;
  private freeEntries: number[] = [];
  /** Entries ever handed out (the high-water mark of entry numbers). */
  private top = 0;

  constructor(width: number, initialCapacity = 1024) {
    if (!Number.isInteger(width) || width < 1) throw new RangeError(`tuple width must be a positive integer: ${width}`);
    this.width = width;
    const capacity = Math.max(16, initialCapacity);
    this.tuples = new Int32Array(capacity * width);
    this.hashes = new Int32Array(capacity);
    const size = tableSizeFor(capacity);
    this.slots = new Int32Array(size);
    this.mask = size - 1;
  }

  /** Live entries. */
  get size(): number {
    return this.live;
  }

  /** One more than the highest entry number handed out: size per-entry arrays to this. */
  get capacity(): number {
    return this.hashes.length;
  }

  /** Entry numbers in use may be below this; numbers at or above it were never handed out. */
  get limit(): number {
    return this.top;
  }

  /** The entry of the first `width` values of `key` (each an int32), or -1. */
  find(key: ArrayLike<number>): number {
    const h = this.hash(key);
    for (let i = h & this.mask; ; i = (i + 1) & this.mask) {
      const s = this.slots[i]!;
      if (s === EMPTY) return -1;
      if (s !== DELETED && this.hashes[s - 1] === h && this.equals(s - 1, key)) return s - 1;
    }
  }

  /** The entry of `key`, inserted if absent; `added` tells which. */
  insert(key: ArrayLike<number>): { entry: number; added: boolean } {
    const found = this.find(key);
    if (found >= 0) return { entry: found, added: false };
    return { entry: this.add(key), added: true };
  }

  /** Inserts a tuple known to be absent (after `find` returned -1); returns its entry. */
  add(key: ArrayLike<number>): number {
    if ((this.used + 1) * 2 > this.slots.length) this.rehash(this.live + 1 > this.slots.length / 4);
    const entry = this.freeEntries.pop() ?? this.top++;
    if (entry >= this.hashes.length) this.grow();
    const w = this.width;
    const base = entry * w;
    for (let k = 0; k < w; k++) this.tuples[base + k] = key[k]! | 0;
    const h = this.hash(key);
    this.hashes[entry] = h;
    let i = h & this.mask;
    while (this.slots[i]! > 0) i = (i + 1) & this.mask;
    if (this.slots[i] === EMPTY) this.used++;
    this.slots[i] = entry + 1;
    this.live++;
    return entry;
  }

  /** Removes an entry; its number may be handed out again. */
  delete(entry: number): void {
    const h = this.hashes[entry]!;
    for (let i = h & this.mask; ; i = (i + 1) & this.mask) {
      const s = this.slots[i]!;
      if (s === EMPTY) throw new RangeError(`no tuple map entry ${entry}`);
      if (s === entry + 1) {
        this.slots[i] = DELETED;
        this.live--;
        this.freeEntries.push(entry);
        return;
      }
    }
  }

  /** Field `k` of an entry's tuple. */
  field(entry: number, k: number): number {
    return this.tuples[entry * this.width + k]!;
  }

  /** Bytes of array storage held. */
  get bytes(): number {
    return this.tuples.byteLength + this.hashes.byteLength + this.slots.byteLength + this.freeEntries.length * 8;
  }

  private hash(key: ArrayLike<number>): number {
    return hashList(key, this.width);
  }

  private equals(entry: number, key: ArrayLike<number>): boolean {
    const base = entry * this.width;
    for (let k = 0; k < this.width; k++) if (this.tuples[base + k] !== (key[k]! | 0)) return false;
    return true;
  }

  private grow(): void {
    const capacity = this.hashes.length * 2;
    const tuples = new Int32Array(capacity * this.width);
    tuples.set(this.tuples);
    this.tuples = tuples;
    const hashes = new Int32Array(capacity);
    hashes.set(this.hashes);
    this.hashes = hashes;
  }

  /** Rebuilds the slot table without tombstones, doubling it when live entries need the room. */
  private rehash(larger: boolean): void {
    const size = larger ? this.slots.length * 2 : this.slots.length;
    const old = this.slots;
    this.slots = new Int32Array(size);
    this.mask = size - 1;
    for (let j = 0; j < old.length; j++) {
      const s = old[j]!;
      if (s <= 0) continue;
      let i = this.hashes[s - 1]! & this.mask;
      while (this.slots[i] !== EMPTY) i = (i + 1) & this.mask;
      this.slots[i] = s;
    }
    this.used = this.live;
  }
}

function tableSizeFor(capacity: number): number {
  let size = 16;
  while (size < capacity * 2) size *= 2;
  return size;
}

/**
 * Variable-length lists of int32 (label ids, hit ids) to dense ids from 0, in order of first sight;
 * append-only. Lists live back to back in one Int32Array, so interning one builds no string.
 */
export class IntListMap {
  private pool = new Int32Array(1024);
  private poolUsed = 0;
  private offsets = new Int32Array(256);
  private lengths = new Int32Array(256);
  private hashes = new Int32Array(256);
  /** list id + 1, or 0 when empty */
  private slots = new Int32Array(512);
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** The id of the first `length` values of `list`, added when absent. */
  id(list: ArrayLike<number>, length = list.length): number {
    const h = hashList(list, length);
    const mask = this.slots.length - 1;
    let i = h & mask;
    for (let s = this.slots[i]!; s !== 0; i = (i + 1) & mask, s = this.slots[i]!) {
      if (this.hashes[s - 1] === h && this.equals(s - 1, list, length)) return s - 1;
    }
    const id = this.count++;
    if (id === this.offsets.length) this.growLists();
    while (this.poolUsed + length > this.pool.length) this.pool = grown(this.pool, this.pool.length * 2);
    for (let k = 0; k < length; k++) this.pool[this.poolUsed + k] = list[k]! | 0;
    this.offsets[id] = this.poolUsed;
    this.lengths[id] = length;
    this.hashes[id] = h;
    this.poolUsed += length;
    this.slots[i] = id + 1;
    if (this.count * 2 > this.slots.length) this.rehash();
    return id;
  }

  length(id: number): number {
    return this.lengths[id]!;
  }

  /** Value `k` of list `id`. */
  at(id: number, k: number): number {
    return this.pool[this.offsets[id]! + k]!;
  }

  private equals(id: number, list: ArrayLike<number>, length: number): boolean {
    if (this.lengths[id] !== length) return false;
    const base = this.offsets[id]!;
    for (let k = 0; k < length; k++) if (this.pool[base + k] !== (list[k]! | 0)) return false;
    return true;
  }

  private growLists(): void {
    const size = this.offsets.length * 2;
    this.offsets = grown(this.offsets, size);
    this.lengths = grown(this.lengths, size);
    this.hashes = grown(this.hashes, size);
  }

  private rehash(): void {
    this.slots = new Int32Array(this.slots.length * 2);
    const mask = this.slots.length - 1;
    for (let id = 0; id < this.count; id++) {
      let i = this.hashes[id]! & mask;
      while (this.slots[i] !== 0) i = (i + 1) & mask;
      this.slots[i] = id + 1;
    }
  }
}

function grown(a: Int32Array, size: number): Int32Array<ArrayBuffer> {
  const b = new Int32Array(size);
  b.set(a);
  return b;
}

function hashList(list: ArrayLike<number>, length: number): number {
  let h = 0x9747b28c ^ length;
  for (let k = 0; k < length; k++) {
    let v = Math.imul(list[k]! | 0, 0xcc9e2d51);
    v = (v << 15) | (v >>> 17);
    h ^= Math.imul(v, 0x1b873593);
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) & 0x7fffffff;
}
