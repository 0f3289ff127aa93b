// The verdict cache: an open-addressing hash table in typed arrays from (source identity,
// destination identity, service) to a flow's verdict, valid while both ends' epochs hold. Keys
// are small integers (identity serials and a packed protocol/port), so a repeated flow costs a
// hash of three integers and a probe or two, with no string building and no per-entry object.
import { currentEra, type IpIdentity } from './cluster-index.ts';
import { hash } from './triple-map.ts';
import type { EvaluateError, FlowVerdict } from './types.ts';

export type VerdictResult = { ok: true; value: FlowVerdict } | { ok: false; error: EvaluateError };

/** Words per slot in `keys`: source serial, destination serial, service, source epoch, destination epoch. */
const STRIDE = 5;
const INITIAL_SLOTS = 1 << 12;

export class VerdictCache {
  private keys = new Int32Array(INITIAL_SLOTS * STRIDE);
  private values: (VerdictResult | undefined)[] = new Array(INITIAL_SLOTS).fill(undefined);
  private mask = INITIAL_SLOTS - 1;
  private used = 0;
  /** The identity era the entries belong to (identity serials are unique within one era). */
  private era = currentEra();

  /** At most this many entries; when full, the cache is emptied (changes leave stale entries behind). */
  constructor(private readonly limit: number) {}

  get size(): number {
    return this.used;
  }

  /** The cached verdict, if any, of a flow whose ends have these epochs now. */
  get(
    src: IpIdentity,
    dst: IpIdentity,
    service: number,
    srcEpoch: number,
    dstEpoch: number,
  ): VerdictResult | undefined {
    if (src.era !== this.era || dst.era !== this.era) return undefined;
    const { keys, mask } = this;
    const srcSerial = src.serial;
    const dstSerial = dst.serial;
    let slot = hash(srcSerial, dstSerial, service) & mask;
    for (;;) {
      const at = slot * STRIDE;
      const first = keys[at];
      if (first === 0) return undefined;
      if (first === srcSerial && keys[at + 1] === dstSerial && keys[at + 2] === service) {
        return keys[at + 3] === srcEpoch && keys[at + 4] === dstEpoch ? this.values[slot] : undefined;
      }
      slot = (slot + 1) & mask;
    }
  }

  set(
    src: IpIdentity,
    dst: IpIdentity,
    service: number,
    srcEpoch: number,
    dstEpoch: number,
    result: VerdictResult,
  ): void {
    const era = currentEra();
    if (this.era !== era) {
      this.clear();
      this.era = era;
    }
    if (src.era !== era || dst.era !== era) return;
    if (this.used >= this.limit) this.clear();
    else if ((this.used + 1) * 2 > this.mask + 1) this.grow();
    const srcSerial = src.serial;
    const dstSerial = dst.serial;
    const { keys, mask } = this;
    let slot = hash(srcSerial, dstSerial, service) & mask;
    for (;;) {
      const at = slot * STRIDE;
      const first = keys[at];
      if (first === 0) {
        this.used++;
        break;
      }
      if (first === srcSerial && keys[at + 1] === dstSerial && keys[at + 2] === service) break;
      slot = (slot + 1) & mask;
    }
    const at = slot * STRIDE;
    keys[at] = srcSerial;
    keys[at + 1] = dstSerial;
    keys[at + 2] = service;
    keys[at + 3] = srcEpoch;
    keys[at + 4] = dstEpoch;
    this.values[slot] = result;
  }

  clear(): void {
    this.keys = new Int32Array(INITIAL_SLOTS * STRIDE);
    this.values = new Array(INITIAL_SLOTS).fill(undefined);
    this.mask = INITIAL_SLOTS - 1;
    this.used = 0;
  }

  /** Doubles the slots and re-inserts every entry. */
  private grow(): void {
    const oldKeys = this.keys;
    const oldValues = this.values;
    const slots = (this.mask + 1) * 2;
    const keys = new Int32Array(slots * STRIDE);
    const values: (VerdictResult | undefined)[] = new Array(slots).fill(undefined);
    const mask = slots - 1;
    for (let old = 0; old < oldValues.length; old++) {
      const from = old * STRIDE;
      if (oldKeys[from] === 0) continue;
      let slot = hash(oldKeys[from] as number, oldKeys[from + 1] as number, oldKeys[from + 2] as number) & mask;
      while (keys[slot * STRIDE] !== 0) slot = (slot + 1) & mask;
      for (let word = 0; word < STRIDE; word++) keys[slot * STRIDE + word] = oldKeys[from + word] as number;
      values[slot] = oldValues[old];
    }
    this.keys = keys;
    this.values = values;
    this.mask = mask;
  }
}
