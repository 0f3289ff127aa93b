// Interning: the strings of flows (names, namespaces, labels, policy hits) as small integer ids, so
// that stores and the ingest path key, compare and keep flows as numbers instead of serialised text.
//
// Contract, shared by every interner here:
// - `id(value)` gives the same id for equal values for the life of the interner; ids are dense,
//   counted from 0 in order of first sight, and never reused or forgotten.
// - `value(id)` gives the value back (for lists and traces, one shared canonical array: never mutate it).
// - An interner only grows. A user that must forget values (a ring that evicts old flows) builds a
//   new interner and re-interns what it still holds.
// - Arrays and hits are also remembered by identity (a WeakMap), so a repeated array costs one
//   lookup: do not mutate an array or hit after interning it. `value` returns the interner's own copies.
// - Ids are local to one interner: persist the value (or a table mapping ids to values), never the
//   bare id, unless the table is persisted with it.
import type { PolicyHit } from '@verdict/engine';
import { hitOrderText } from './key.ts';

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

/**
 * Sorted `k=v` label lists to ids. The same array object is looked up by identity first (the engine
 * hands out one array per endpoint), so a repeated list costs one WeakMap lookup.
 */
export class LabelSetInterner {
  readonly strings: StringInterner;
  private readonly byArray = new WeakMap<readonly string[], number>();
  private readonly ids = new Map<string, number>();
  private readonly lists: (readonly string[])[] = [];

  /** `strings`: share one with other interners to number each label once. */
  constructor(strings: StringInterner = new StringInterner()) {
    this.strings = strings;
    this.id([]);
  }

  /** The id of a label list; the empty list is always 0. Order matters: pass sorted lists. */
  id(labels: readonly string[]): number {
    const known = this.byArray.get(labels);
    if (known !== undefined) return known;
    let text = '';
    for (let i = 0; i < labels.length; i++) text += `${i === 0 ? '' : ','}${this.strings.id(labels[i]!)}`;
    let id = this.ids.get(text);
    if (id === undefined) {
      id = this.lists.length;
      this.lists.push(labels.length === 0 ? EMPTY : [...labels]);
      this.ids.set(text, id);
    }
    this.byArray.set(labels, id);
    return id;
  }

  value(id: number): readonly string[] {
    const list = this.lists[id];
    if (list === undefined) throw new RangeError(`no interned label set has id ${id}`);
    return list;
  }

  get size(): number {
    return this.lists.length;
  }
}

const EMPTY: readonly string[] = [];

/**
 * Policy traces (lists of hits) to ids, each hit to an id of its own. A trace's id does not depend
 * on the order of its hits: it is interned in canonical order (ascending `policyIndex`, ties by the
 * hit's fields), and `value` gives it back in that order, as stores return traces.
 */
export class TraceInterner {
  readonly strings: StringInterner;
  private readonly hitByObject = new WeakMap<PolicyHit, number>();
  private readonly hitIds = new Map<string, number>();
  private readonly hits: PolicyHit[] = [];
  /** Per hit id, the text that orders hits of equal policyIndex (as `sortHits` does). */
  private readonly hitKeys: string[] = [];
  private readonly traceByArray = new WeakMap<readonly PolicyHit[], number>();
  private readonly traceIds = new Map<string, number>();
  private readonly traces: (readonly PolicyHit[])[] = [];

  constructor(strings: StringInterner = new StringInterner()) {
    this.strings = strings;
    this.id([]);
  }

  /** The id of one hit; equal fields (trigger included) give equal ids. */
  hitId(hit: PolicyHit): number {
    const known = this.hitByObject.get(hit);
    if (known !== undefined) return known;
    const s = this.strings;
    const t = hit.trigger;
    const text =
      `${s.id(hit.kind)},${s.id(hit.namespace)},${s.id(hit.name)},${s.id(hit.tier)},${s.id(hit.action)},` +
      `${hit.policyIndex},${hit.ruleIndex}` +
      (t ? `,${s.id(t.kind)},${s.id(t.namespace)},${s.id(t.name)},${s.id(t.tier)}` : '');
    let id = this.hitIds.get(text);
    if (id === undefined) {
      id = this.hits.length;
      this.hits.push(copyHit(hit));
      this.hitKeys.push(hitOrderText(hit));
      this.hitIds.set(text, id);
    }
    this.hitByObject.set(hit, id);
    return id;
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
    const ids = trace.map((hit) => this.hitId(hit));
    if (!this.inCanonicalOrder(ids)) ids.sort((a, b) => this.compareHits(a, b));
    const text = ids.join(',');
    let id = this.traceIds.get(text);
    if (id === undefined) {
      id = this.traces.length;
      this.traces.push(ids.length === 0 ? NO_HITS : ids.map((h) => this.hits[h]!));
      this.traceIds.set(text, id);
    }
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

  private inCanonicalOrder(ids: readonly number[]): boolean {
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
