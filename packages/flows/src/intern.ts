// Interning: the strings of flows (names, namespaces, labels, policy hits) as small integer ids, so
// that stores and the ingest path key, compare and keep flows as numbers instead of serialised text.
//
// Contract, shared by every interner here:
// - `id(value)` gives the same id for equal values for the life of the interner; ids are dense,
//   counted from 0 in order of first sight, and never reused or forgotten.
// - `value(id)` gives the value back (for lists and traces, one shared canonical array: never mutate it).
// - An interner only grows. A user that must forget values (a ring that evicts old flows) builds a
//   new interner and re-interns what it still holds.
// - The last few thousand arrays, sets and hits seen are also remembered by identity, so a repeated
//   array (the engine hands out one per endpoint and rule) costs one lookup: do not mutate an array
//   or hit after interning it. `value` returns the interner's own copies.
// - Ids are local to one interner: persist the value (or a table mapping ids to values), never the
//   bare id, unless the table is persisted with it.
import type { PolicyHit } from '@verdict/engine';
import { hitOrderText } from './key.ts';
import type { IpSet } from './model.ts';
import { IntListMap } from './tuple-map.ts';

/**
 * Ids of recently seen objects by identity, in two generations of at most `limit` each: when the
 * newer one fills, the older is dropped. Objects seen once (decoded from the wire) are let go, the
 * table does not grow, and objects in steady use (the engine's) stay.
 */
class IdentityCache<K extends object, V = number> {
  private recent = new Map<K, V>();
  private older = new Map<K, V>();
  constructor(private readonly limit = 32_768) {}
  get(key: K): V | undefined {
    const id = this.recent.get(key);
    if (id !== undefined) return id;
    const old = this.older.get(key);
    if (old !== undefined) this.set(key, old);
    return old;
  }
  set(key: K, id: V): void {
    if (this.recent.size >= this.limit) {
      this.older = this.recent;
      this.recent = new Map();
    }
    this.recent.set(key, id);
  }
}

/** Strings to dense ids. */
export class StringInterner {
  private readonly ids = new Map<string, number>();
  private readonly values: string[] = [];

  /** The id of `value`, assigning the next one on first sight. */
  id(value: string): number {
    let id = this.ids.get(value);
    if (id === undefined) {
      id = this.values.length;
      this.values.push(value);
      this.ids.set(value, id);
    }
    return id;
  }

  /** The id of `value` if it was interned, without adding it. */
  known(value: string): number | undefined {
    return this.ids.get(value);
  }

  /** The string of an id; throws RangeError for an id this interner never gave. */
  value(id: number): string {
    const value = this.values[id];
    if (value === undefined) throw new RangeError(`no interned string has id ${id}`);
    return value;
  }

  get size(): number {
    return this.values.length;
  }
}

/** A growable scratch list of int32. */
class Scratch {
  values = new Int32Array(64);
  fit(length: number): Int32Array {
    if (length > this.values.length) this.values = new Int32Array(Math.max(length, this.values.length * 2));
    return this.values;
  }
}

/** A number as two int32 list values that tell every number apart: itself when an int32, else its text's id. */
function putNumber(out: Int32Array, at: number, n: number, strings: StringInterner): void {
  if ((n | 0) === n) {
    out[at] = 0;
    out[at + 1] = n;
  } else {
    out[at] = 1;
    out[at + 1] = strings.id(String(n));
  }
}

/**
 * Sorted `k=v` label lists to ids. The same array object is looked up by identity first (the engine
 * hands out one array per endpoint), so a repeated list costs one map lookup.
 */
export class LabelSetInterner {
  readonly strings: StringInterner;
  private readonly byArray = new IdentityCache<readonly string[]>();
  private readonly lists = new IntListMap();
  private readonly values: (readonly string[])[] = [];
  private readonly scratch = new Scratch();

  /** `strings`: share one with other interners to number each label once. */
  constructor(strings: StringInterner = new StringInterner()) {
    this.strings = strings;
    this.id([]);
  }

  /** The id of a label list; the empty list is always 0. Order matters: pass sorted lists. */
  id(labels: readonly string[]): number {
    const known = this.byArray.get(labels);
    if (known !== undefined) return known;
    const ids = this.scratch.fit(labels.length);
    for (let i = 0; i < labels.length; i++) ids[i] = this.strings.id(labels[i]!);
    const id = this.lists.id(ids, labels.length);
    if (id === this.values.length) this.values.push(labels.length === 0 ? EMPTY : [...labels]);
    this.byArray.set(labels, id);
    return id;
  }

  value(id: number): readonly string[] {
    const list = this.values[id];
    if (list === undefined) throw new RangeError(`no interned label set has id ${id}`);
    return list;
  }

  get size(): number {
    return this.values.length;
  }
}

const EMPTY: readonly string[] = [];

/** A flow side's address sets to ids; 0 stands for no set at all (a flow that reported no address). */
export class IpSetInterner {
  readonly strings: StringInterner;
  private readonly bySet = new IdentityCache<IpSet>();
  private readonly lists = new IntListMap();
  private readonly sets: (IpSet | undefined)[] = [undefined];
  private readonly scratch = new Scratch();

  constructor(strings: StringInterner = new StringInterner()) {
    this.strings = strings;
  }

  id(set: IpSet | undefined): number {
    if (set === undefined) return 0;
    const known = this.bySet.get(set);
    if (known !== undefined) return known;
    const list = this.scratch.fit(set.ips.length + 2);
    putNumber(list, 0, set.beyond, this.strings);
    for (let i = 0; i < set.ips.length; i++) list[i + 2] = this.strings.id(set.ips[i]!);
    const id = this.lists.id(list, set.ips.length + 2) + 1;
    if (id === this.sets.length) this.sets.push({ ips: [...set.ips], beyond: set.beyond });
    this.bySet.set(set, id);
    return id;
  }

  value(id: number): IpSet | undefined {
    if (id === 0) return undefined;
    const set = this.sets[id];
    if (set === undefined) throw new RangeError(`no interned address set has id ${id}`);
    return set;
  }

  get size(): number {
    return this.sets.length;
  }
}

/**
 * Policy traces (lists of hits) to ids, each hit to an id of its own. A trace's id does not depend
 * on the order of its hits: it is interned in canonical order (ascending `policyIndex`, ties by the
 * hit's fields), and `value` gives it back in that order, as stores return traces.
 */
export class TraceInterner {
  readonly strings: StringInterner;
  private readonly hitLists = new IntListMap();
  private readonly hits: PolicyHit[] = [];
  /** Per hit id, the text that orders hits of equal policyIndex (as `sortHits` does). */
  private readonly hitKeys: string[] = [];
  /** Hit ids by policy name, for `sameHit`. */
  private readonly hitsByName = new Map<string, number[]>();
  private readonly traceByArray = new WeakMap<readonly PolicyHit[], number>();
  private readonly traceLists = new IntListMap();
  private readonly traces: (readonly PolicyHit[])[] = [];
  private readonly fields = new Int32Array(13);
  private readonly scratch = new Scratch();

  constructor(strings: StringInterner = new StringInterner()) {
    this.strings = strings;
    this.id([]);
  }

  /** The id of one hit; equal fields (trigger included) give equal ids. */
  hitId(hit: PolicyHit): number {
    const known = this.sameHit(hit);
    if (known !== undefined) return known;
    const s = this.strings;
    const f = this.fields;
    f[0] = s.id(hit.kind);
    f[1] = s.id(hit.namespace);
    f[2] = s.id(hit.name);
    f[3] = s.id(hit.tier);
    f[4] = s.id(hit.action);
    putNumber(f, 5, hit.policyIndex, s);
    putNumber(f, 7, hit.ruleIndex, s);
    const t = hit.trigger;
    if (t) {
      f[9] = s.id(t.kind);
      f[10] = s.id(t.namespace);
      f[11] = s.id(t.name);
      f[12] = s.id(t.tier);
    }
    const id = this.hitLists.id(f, t ? 13 : 9);
    if (id === this.hits.length) {
      this.hits.push(copyHit(hit));
      this.hitKeys.push(hitOrderText(hit));
      const named = this.hitsByName.get(hit.name);
      if (named) named.push(id);
      else this.hitsByName.set(hit.name, [id]);
    }
    return id;
  }

  /**
   * The id of an interned hit with the same fields, found by its policy name and compared field by
   * field: a fresh object equal to a known hit (the engine makes hits per evaluation) costs one
   * lookup instead of one per field, with no table of objects to keep.
   */
  private sameHit(hit: PolicyHit): number | undefined {
    const named = this.hitsByName.get(hit.name);
    if (named === undefined) return undefined;
    for (const id of named) {
      const h = this.hits[id]!;
      if (
        h.policyIndex === hit.policyIndex &&
        h.ruleIndex === hit.ruleIndex &&
        h.action === hit.action &&
        h.namespace === hit.namespace &&
        h.tier === hit.tier &&
        h.kind === hit.kind &&
        sameTrigger(h.trigger, hit.trigger)
      )
        return id;
    }
    return undefined;
  }

  hit(id: number): PolicyHit {
    const hit = this.hits[id];
    if (hit === undefined) throw new RangeError(`no interned policy hit has id ${id}`);
    return hit;
  }

  /** The id of a trace; the empty trace is always 0. */
  id(trace: readonly PolicyHit[]): number {
    const known = this.traceByArray.get(trace);
    if (known !== undefined) return known;
    const ids = this.scratch.fit(trace.length).subarray(0, trace.length);
    for (let i = 0; i < trace.length; i++) ids[i] = this.hitId(trace[i]!);
    if (!this.inCanonicalOrder(ids)) ids.sort((a, b) => this.compareHits(a, b));
    const id = this.traceLists.id(ids);
    if (id === this.traces.length) this.traces.push(ids.length === 0 ? NO_HITS : Array.from(ids, (h) => this.hits[h]!));
    this.traceByArray.set(trace, id);
    return id;
  }

  /** The trace of an id, in canonical order. */
  value(id: number): readonly PolicyHit[] {
    const trace = this.traces[id];
    if (trace === undefined) throw new RangeError(`no interned trace has id ${id}`);
    return trace;
  }

  get size(): number {
    return this.traces.length;
  }

  private inCanonicalOrder(ids: ArrayLike<number>): boolean {
    for (let i = 1; i < ids.length; i++) if (this.compareHits(ids[i - 1]!, ids[i]!) > 0) return false;
    return true;
  }

  private compareHits(a: number, b: number): number {
    const d = this.hits[a]!.policyIndex - this.hits[b]!.policyIndex;
    if (d !== 0) return d;
    const x = this.hitKeys[a]!;
    const y = this.hitKeys[b]!;
    return x < y ? -1 : x > y ? 1 : 0;
  }
}

const NO_HITS: readonly PolicyHit[] = [];

function sameTrigger(a: PolicyHit['trigger'], b: PolicyHit['trigger']): boolean {
  if (a === undefined || b === undefined) return a === b;
  return a.name === b.name && a.namespace === b.namespace && a.tier === b.tier && a.kind === b.kind;
}

function copyHit(hit: PolicyHit): PolicyHit {
  const copy: PolicyHit = {
    kind: hit.kind,
    namespace: hit.namespace,
    name: hit.name,
    tier: hit.tier,
    action: hit.action,
    policyIndex: hit.policyIndex,
    ruleIndex: hit.ruleIndex,
  };
  const t = hit.trigger;
  if (t) copy.trigger = { kind: t.kind, namespace: t.namespace, name: t.name, tier: t.tier };
  return copy;
}

/** The interned ids of one side of a flow: its name, namespace and type, its labels and addresses. */
export interface SideIds {
  readonly name: number;
  readonly namespace: number;
  readonly type: number;
  readonly labels: number;
  /** `IpSetInterner` id of the side's addresses (0: none). */
  readonly ips: number;
}

interface SideEntry extends SideIds {
  readonly nameText: string;
  readonly namespaceText: string;
  readonly typeText: string;
  readonly ipsSet: IpSet | undefined;
}

/**
 * The ids of a flow side (name, namespace, type, labels, addresses) remembered by the identity of
 * its label list: the engine hands out one list per endpoint, so the records of one endpoint cost
 * one lookup and three string comparisons instead of five interning lookups. The name, namespace,
 * type and address set are compared on every hit, so a list shared by other endpoints only costs a
 * miss; as everywhere here, a list must not be mutated after it was interned.
 */
export class SideInterner {
  private readonly byLabels = new WeakMap<readonly string[], SideEntry>();

  constructor(
    private readonly strings: StringInterner,
    private readonly labelSets: LabelSetInterner,
    private readonly ipSets: IpSetInterner,
  ) {}

  /** `ips` must already be normalised as stored (undefined for an empty set). */
  ids(name: string, namespace: string, type: string, labels: readonly string[], ips: IpSet | undefined): SideIds {
    const known = this.byLabels.get(labels);
    if (
      known !== undefined &&
      known.nameText === name &&
      known.namespaceText === namespace &&
      known.typeText === type &&
      known.ipsSet === ips
    )
      return known;
    // A new entry, never an update: an entry handed out earlier (the other side of the same flow) stays as it was.
    const entry: SideEntry =
      known !== undefined && known.nameText === name && known.namespaceText === namespace && known.typeText === type
        ? { ...known, ipsSet: ips, ips: this.ipSets.id(ips) }
        : {
            nameText: name,
            namespaceText: namespace,
            typeText: type,
            name: this.strings.id(name),
            namespace: this.strings.id(namespace),
            type: this.strings.id(type),
            labels: this.labelSets.id(labels),
            ipsSet: ips,
            ips: this.ipSets.id(ips),
          };
    this.byLabels.set(labels, entry);
    return entry;
  }
}
