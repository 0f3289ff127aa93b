// Folding: the records of one flow key (a store returns the same key once per bucket) become one
// folded entry carrying their totals, so each analysis runs over the distinct keys instead of every
// record. Folding is exact: records fold together only when every field an analysis reads besides
// the counters and times is the same (the key, both label lists and both address lists), so a pass
// over folds gives the same findings as a pass over the records (`insights.test.ts` checks it).
import type { PolicyHit, PolicyHitRef } from '@verdict/engine';
import type { FlowKey } from '@verdict/flows';
import { addressesOf, connectionsOf, type Indexed } from './flows.ts';

export interface Folded {
  /** The first record of the fold in input order: its key, labels and addresses are the fold's. */
  first: Indexed;
  /** The record a finding shows as evidence: the most connections, then the newest, then the lowest id. */
  best: Indexed;
  /** The best record's position in the input, which orders records that tie as evidence. */
  bestAt: number;
  records: number;
  connections: number;
  bytes: number;
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** True when the record may join the fold: the same key, labels and addresses. */
function foldable(into: Folded, b: Indexed): boolean {
  const a = into.first;
  return (
    sameKey(a.flow.key, b.flow.key) &&
    sameList(a.flow.sourceLabels, b.flow.sourceLabels) &&
    sameList(a.flow.destLabels, b.flow.destLabels) &&
    sameList(addressesOf(a.flow, 'source'), addressesOf(b.flow, 'source')) &&
    sameList(addressesOf(a.flow, 'dest'), addressesOf(b.flow, 'dest'))
  );
}

/** True when `a` goes before `b` as evidence (see `examples`). */
function better(a: Indexed, b: Indexed): boolean {
  const ca = connectionsOf(a.flow);
  const cb = connectionsOf(b.flow);
  if (ca !== cb) return ca > cb;
  if (a.flow.endTime !== b.flow.endTime) return a.flow.endTime > b.flow.endTime;
  return a.id < b.id;
}

const single = (item: Indexed, at: number): Folded => ({
  first: item,
  best: item,
  bestAt: at,
  records: 1,
  connections: connectionsOf(item.flow),
  bytes: item.flow.bytesOut + item.flow.bytesIn,
});

/** The key's scalar fields as text; the traces are compared by `sameKey`. */
const scalarText = (k: FlowKey) =>
  `${k.sourceNamespace}\0${k.sourceName}\0${k.sourceType}\0${k.destNamespace}\0${k.destName}\0${k.destType}\0${k.destPort}\0${k.proto}\0${k.reporter}\0${k.action}\0${k.destServiceNamespace}\0${k.destServiceName}\0${k.destServicePortName}\0${k.destServicePort}`;

const sameRef = (a: PolicyHitRef | undefined, b: PolicyHitRef | undefined) =>
  a === b ||
  (a !== undefined &&
    b !== undefined &&
    a.kind === b.kind &&
    a.namespace === b.namespace &&
    a.name === b.name &&
    a.tier === b.tier);

function sameTrace(a: readonly PolicyHit[], b: readonly PolicyHit[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const h = a[i] as PolicyHit;
    const o = b[i] as PolicyHit;
    if (h === o) continue;
    if (
      !sameRef(h, o) ||
      h.action !== o.action ||
      h.policyIndex !== o.policyIndex ||
      h.ruleIndex !== o.ruleIndex ||
      !sameRef(h.trigger, o.trigger)
    )
      return false;
  }
  return true;
}

/** Keys of equal scalar text are equal when their traces are (in their own order). */
const sameKey = (a: FlowKey, b: FlowKey) =>
  a === b || (sameTrace(a.policies.enforced, b.policies.enforced) && sameTrace(a.policies.pending, b.policies.pending));

/**
 * The records folded by key, in order of each fold's first record. A key object is read once (a
 * store hands out one object per stored key, so a million records cost ~40,000 texts); records
 * whose keys are equal but held in distinct objects fold too. `byKey: false` gives one fold per record.
 */
export function fold(records: readonly Indexed[], byKey = true): Folded[] {
  if (!byKey) return records.map((item, at) => single(item, at));
  const out: Folded[] = [];
  // Folds by key object, and by the keys' scalar text: candidates that still need `foldable`.
  const byKeyObject = new Map<FlowKey, Folded[]>();
  const byText = new Map<string, Folded[]>();
  for (let at = 0; at < records.length; at++) {
    const item = records[at] as Indexed;
    const key = item.flow.key;
    let folds = byKeyObject.get(key);
    if (folds === undefined) {
      const text = scalarText(key);
      folds = byText.get(text);
      if (folds === undefined) byText.set(text, (folds = []));
      byKeyObject.set(key, folds);
    }
    let target: Folded | undefined;
    for (const f of folds) {
      if (foldable(f, item)) {
        target = f;
        break;
      }
    }
    if (!target) {
      const created = single(item, at);
      out.push(created);
      folds.push(created);
      continue;
    }
    target.records++;
    target.connections += connectionsOf(item.flow);
    target.bytes += item.flow.bytesOut + item.flow.bytesIn;
    if (better(item, target.best)) {
      target.best = item;
      target.bestAt = at;
    }
  }
  return out;
}

/**
 * The records the folds show as evidence, for `examples`, in input order: `examples` keeps that order
 * among records that tie, as it does over unfolded records.
 */
export const bests = (folds: readonly Folded[]): Indexed[] =>
  [...folds].sort((a, b) => a.bestAt - b.bestAt).map((f) => f.best);
/** How many records the folds hold. */
export const recordsIn = (folds: readonly Folded[]): number => folds.reduce((n, f) => n + f.records, 0);
