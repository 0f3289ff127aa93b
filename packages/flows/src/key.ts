// Flow identity and merging (calico-observability §3.3).
import type { HitKind, PolicyHit } from '@verdict/engine';
import { mergeIpSets } from './ips.ts';
import type { EndpointType, Flow, FlowAction, FlowKey, IpSet, Reporter } from './model.ts';

type HitTuple = [HitKind, string, string, string, PolicyHit['action'], number, number, TriggerTuple?];
type TriggerTuple = [HitKind, string, string, string];
type KeyTuple = [
  string,
  string,
  EndpointType,
  string,
  string,
  EndpointType,
  number,
  string,
  string,
  string,
  number,
  string,
  Reporter,
  FlowAction,
  HitTuple[],
  HitTuple[],
];

function hitTuple(h: PolicyHit): HitTuple {
  const t = h.trigger;
  return t
    ? [h.kind, h.namespace, h.name, h.tier, h.action, h.policyIndex, h.ruleIndex, [t.kind, t.namespace, t.name, t.tier]]
    : [h.kind, h.namespace, h.name, h.tier, h.action, h.policyIndex, h.ruleIndex];
}

function hitFromTuple(t: HitTuple): PolicyHit {
  const hit: PolicyHit = {
    kind: t[0],
    namespace: t[1],
    name: t[2],
    tier: t[3],
    action: t[4],
    policyIndex: t[5],
    ruleIndex: t[6],
  };
  const trig = t[7];
  if (trig) hit.trigger = { kind: trig[0], namespace: trig[1], name: trig[2], tier: trig[3] };
  return hit;
}

/** What orders hits of equal `policyIndex` in a canonical trace. */
export function hitOrderText(h: PolicyHit): string {
  return JSON.stringify(hitTuple(h));
}

/** The hits in canonical order: ascending `policyIndex`, ties by their serialized form. */
export function sortHits(hits: readonly PolicyHit[]): readonly PolicyHit[] {
  for (let i = 1; i < hits.length; i++) {
    if (hits[i - 1]!.policyIndex >= hits[i]!.policyIndex) {
      return [...hits].sort((a, b) => a.policyIndex - b.policyIndex || cmp(hitOrderText(a), hitOrderText(b)));
    }
  }
  return hits;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The canonical identity of a key: every FlowKey field plus both traces sorted by `policyIndex`.
 * It is a JSON array, so `parseFlowKey` reads it back.
 */
export function flowKeyString(k: FlowKey): string {
  const head = JSON.stringify([
    k.sourceName,
    k.sourceNamespace,
    k.sourceType,
    k.destName,
    k.destNamespace,
    k.destType,
    k.destPort,
    k.destServiceName,
    k.destServiceNamespace,
    k.destServicePortName,
    k.destServicePort,
    k.proto,
    k.reporter,
    k.action,
  ]);
  return `${head.slice(0, -1)},${traceJson(k.policies.enforced)},${traceJson(k.policies.pending)}]`;
}

/** A trace's JSON, once per trace array: engines hand many keys the same (never changed) arrays. */
const traceTexts = new WeakMap<readonly PolicyHit[], string>();
function traceJson(hits: readonly PolicyHit[]): string {
  let text = traceTexts.get(hits);
  if (text === undefined) traceTexts.set(hits, (text = JSON.stringify(sortHits(hits).map(hitTuple))));
  return text;
}

/** Reads back a `flowKeyString`; the traces come out sorted. */
export function parseFlowKey(s: string): FlowKey {
  const t = JSON.parse(s) as KeyTuple;
  return {
    sourceName: t[0],
    sourceNamespace: t[1],
    sourceType: t[2],
    destName: t[3],
    destNamespace: t[4],
    destType: t[5],
    destPort: t[6],
    destServiceName: t[7],
    destServiceNamespace: t[8],
    destServicePortName: t[9],
    destServicePort: t[10],
    proto: t[11],
    reporter: t[12],
    action: t[13],
    policies: { enforced: t[14].map(hitFromTuple), pending: t[15].map(hitFromTuple) },
  };
}

/** Labels present in both sorted `k=v` lists (Goldmane's within-window merge). */
export function intersectLabels(a: readonly string[], b: readonly string[]): readonly string[] {
  if (a === b) return a;
  const out: string[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const x = a[i]!;
    const y = b[j]!;
    if (x === y) {
      out.push(x);
      i++;
      j++;
    } else if (x < y) i++;
    else j++;
  }
  return out.length === a.length ? a : out;
}

/** The across-window merge: an empty list on one side means "not yet set". */
export function mergeLabels(a: readonly string[], b: readonly string[]): readonly string[] {
  if (a.length === 0) return b;
  if (b.length === 0) return a;
  return intersectLabels(a, b);
}

/**
 * Merges two flows of the same key across windows: counters summed, labels intersected (empty =
 * not yet set), `startTime` the minimum and `endTime` the maximum. The key is taken from `a`.
 */
export function mergeFlow(a: Flow, b: Flow): Flow {
  const merged: Flow = {
    key: a.key,
    startTime: Math.min(a.startTime, b.startTime),
    endTime: Math.max(a.endTime, b.endTime),
    sourceLabels: mergeLabels(a.sourceLabels, b.sourceLabels),
    destLabels: mergeLabels(a.destLabels, b.destLabels),
    packetsIn: a.packetsIn + b.packetsIn,
    packetsOut: a.packetsOut + b.packetsOut,
    bytesIn: a.bytesIn + b.bytesIn,
    bytesOut: a.bytesOut + b.bytesOut,
    numConnectionsStarted: a.numConnectionsStarted + b.numConnectionsStarted,
    numConnectionsCompleted: a.numConnectionsCompleted + b.numConnectionsCompleted,
    numConnectionsLive: a.numConnectionsLive + b.numConnectionsLive,
  };
  return withIps(merged, mergeIpSets(a.sourceIps, b.sourceIps), mergeIpSets(a.destIps, b.destIps));
}

/** A stored window's counters, as the memory, SQLite and ClickHouse stores name them. */
export interface WindowCounters {
  packetsIn: number;
  packetsOut: number;
  bytesIn: number;
  bytesOut: number;
  started: number;
  completed: number;
  live: number;
}

/** A new window's counters: the flow's own. */
export function countersOf(f: Flow): WindowCounters {
  return {
    packetsIn: f.packetsIn,
    packetsOut: f.packetsOut,
    bytesIn: f.bytesIn,
    bytesOut: f.bytesOut,
    started: f.numConnectionsStarted,
    completed: f.numConnectionsCompleted,
    live: f.numConnectionsLive,
  };
}

/** Adds a flow's counters to a window of its key and bucket. */
export function addCounters(w: WindowCounters, f: Flow): void {
  w.packetsIn += f.packetsIn;
  w.packetsOut += f.packetsOut;
  w.bytesIn += f.bytesIn;
  w.bytesOut += f.bytesOut;
  w.started += f.numConnectionsStarted;
  w.completed += f.numConnectionsCompleted;
  w.live += f.numConnectionsLive;
}

/**
 * Counters per row of a Float64Array column, for stores that keep windows in typed arrays:
 * packetsIn, packetsOut, bytesIn, bytesOut, started, completed, live (the `flow_windows` order).
 */
export const COUNTERS = 7;

/** Writes a flow's counters into row `row` of a counter column. */
export function putCounterRow(c: Float64Array, row: number, f: Flow): void {
  const at = row * COUNTERS;
  c[at] = f.packetsIn;
  c[at + 1] = f.packetsOut;
  c[at + 2] = f.bytesIn;
  c[at + 3] = f.bytesOut;
  c[at + 4] = f.numConnectionsStarted;
  c[at + 5] = f.numConnectionsCompleted;
  c[at + 6] = f.numConnectionsLive;
}

/** Adds a flow's counters to row `row` of a counter column. */
export function addToCounterRow(c: Float64Array, row: number, f: Flow): void {
  const at = row * COUNTERS;
  c[at] += f.packetsIn;
  c[at + 1] += f.packetsOut;
  c[at + 2] += f.bytesIn;
  c[at + 3] += f.bytesOut;
  c[at + 4] += f.numConnectionsStarted;
  c[at + 5] += f.numConnectionsCompleted;
  c[at + 6] += f.numConnectionsLive;
}

/** Adds row `row` of a counter column to a flow's counters. */
export function addCounterRowTo(f: Flow, c: Float64Array, row: number): void {
  const at = row * COUNTERS;
  f.packetsIn += c[at]!;
  f.packetsOut += c[at + 1]!;
  f.bytesIn += c[at + 2]!;
  f.bytesOut += c[at + 3]!;
  f.numConnectionsStarted += c[at + 4]!;
  f.numConnectionsCompleted += c[at + 5]!;
  f.numConnectionsLive += c[at + 6]!;
}

/** Sets the address sets that are present (absent ones stay absent, for flows without IPs). */
export function withIps(flow: Flow, sourceIps: IpSet | undefined, destIps: IpSet | undefined): Flow {
  if (sourceIps) flow.sourceIps = sourceIps;
  if (destIps) flow.destIps = destIps;
  return flow;
}

/** A flow's key with both traces in canonical order, as stores return it. */
export function canonicalKey(k: FlowKey): FlowKey {
  const enforced = sortHits(k.policies.enforced);
  const pending = sortHits(k.policies.pending);
  if (enforced === k.policies.enforced && pending === k.policies.pending) return k;
  return { ...k, policies: { enforced, pending } };
}

/** Pending verdict: the action of the last pending hit that is Allow or Deny; undefined without one. */
export function pendingVerdict(k: FlowKey): FlowAction | undefined {
  const p = k.policies.pending;
  for (let i = p.length - 1; i >= 0; i--) {
    const a = p[i]!.action;
    if (a === 'Allow' || a === 'Deny') return a;
  }
  return undefined;
}

/** 53-bit string hash (cyrb53), used as a compact index for key strings. */
export function hashString(s: string): number {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}
