// The flow-logs timeline: loaded flows counted per time bin (allowed vs denied) and the policy changes
// placed on the same axis, so a deny spike right after a change lines up with its marker.
import type { ApiFlow, ApiPolicyChange } from '../api/types.ts';

/** Flows are aggregated in 15 s buckets; a bin is a whole number of them. */
export const BUCKET_SECONDS = 15;
/** At most this many bars, so a long range stays readable. */
export const MAX_BINS = 90;

export interface TimelineBin {
  /** Unix seconds, inclusive. */
  start: number;
  allowed: number;
  denied: number;
}

export interface Timeline {
  from: number;
  to: number;
  binSeconds: number;
  bins: TimelineBin[];
  /** The largest allowed + denied of any bin (0 when there are no flows). */
  peak: number;
}

/** Bins of whole 15 s buckets covering [from, to) (Unix seconds), at most MAX_BINS of them. */
export function timelineBins(
  flows: readonly Pick<ApiFlow, 'startTime' | 'action'>[],
  from: number,
  to: number,
): Timeline {
  const span = Math.max(BUCKET_SECONDS, to - from);
  const binSeconds = BUCKET_SECONDS * Math.max(1, Math.ceil(span / BUCKET_SECONDS / MAX_BINS));
  const first = Math.floor(from / binSeconds) * binSeconds;
  const count = Math.max(1, Math.ceil((to - first) / binSeconds));
  const bins: TimelineBin[] = Array.from({ length: count }, (_, i) => ({
    start: first + i * binSeconds,
    allowed: 0,
    denied: 0,
  }));
  for (const f of flows) {
    const i = Math.floor((f.startTime - first) / binSeconds);
    const bin = bins[i];
    if (!bin) continue;
    if (f.action === 'Deny') bin.denied++;
    else bin.allowed++;
  }
  const peak = bins.reduce((m, b) => Math.max(m, b.allowed + b.denied), 0);
  return { from: first, to: first + count * binSeconds, binSeconds, bins, peak };
}

/** Where `unixSec` falls on the timeline, 0..1. */
export function timelineOffset(t: Timeline, unixSec: number): number {
  return Math.min(1, Math.max(0, (unixSec - t.from) / (t.to - t.from)));
}

/** The changes whose time (Unix ms) is within [from, to] (Unix seconds), oldest first. */
export function changesWithin(changes: readonly ApiPolicyChange[], from: number, to: number): ApiPolicyChange[] {
  return changes
    .filter((c) => c.time >= from * 1000 && c.time <= to * 1000)
    .sort((a, b) => a.time - b.time || a.id - b.id);
}

/** "modified GlobalNetworkPolicy security.block-known-bad" (namespace/name for namespaced kinds). */
export function describeChange(c: Pick<ApiPolicyChange, 'op' | 'kind' | 'namespace' | 'name'>): string {
  return `${c.op} ${c.kind} ${c.namespace ? `${c.namespace}/` : ''}${c.name}`;
}

/** The Policies page showing this resource's history, with the change `id` marked. */
export function changeHref(c: Pick<ApiPolicyChange, 'id' | 'kind' | 'namespace' | 'name'>): string {
  const p = new URLSearchParams({ history: historyRef(c), change: String(c.id) });
  return `/policies?${p.toString()}`;
}

/** A resource in the change log. */
export interface HistoryRef {
  kind: string;
  /** "" when cluster-scoped. */
  namespace: string;
  name: string;
}

/** One resource as a URL value: `kind|namespace|name` (namespace empty when cluster-scoped). */
export function historyRef(c: HistoryRef): string {
  return `${c.kind}|${c.namespace}|${c.name}`;
}

export function parseHistoryRef(s: string | null): HistoryRef | null {
  if (!s) return null;
  const parts = s.split('|');
  if (parts.length !== 3 || !parts[0] || !parts[2]) return null;
  return { kind: parts[0], namespace: parts[1] ?? '', name: parts[2] };
}
