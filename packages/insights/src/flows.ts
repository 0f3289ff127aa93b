// Flow helpers for the analyses: ids, display names, evidence records, and the address sets flows
// may carry.
import type { Flow, FlowKey } from '@verdict/flows';
import { pendingVerdict } from '@verdict/flows';
import type { FlowEvidence, InsightsFlow } from './model.ts';

export interface Indexed {
  id: number;
  flow: Flow;
}

/**
 * Store flows keep their id (and are used as they are, without a copy: a million records are a
 * million fewer objects); bare flows are numbered from 1 in input order.
 */
export function indexed(flows: readonly InsightsFlow[]): readonly Indexed[] {
  const first = flows[0];
  if (first === undefined) return [];
  if (!('key' in first) && flows.every((f) => !('key' in f))) return flows as readonly Indexed[];
  return flows.map((f, i) => ('key' in f ? { id: i + 1, flow: f } : { id: f.id, flow: f.flow }));
}

export const endName = (namespace: string, name: string) =>
  namespace === '-' || namespace === '' ? name : `${namespace}/${name}`;
export const sourceOf = (k: FlowKey) => endName(k.sourceNamespace, k.sourceName);
export const destinationOf = (k: FlowKey) => endName(k.destNamespace, k.destName);
export const connectionsOf = (f: Flow) =>
  f.numConnectionsStarted + (f.numConnectionsStarted === 0 ? f.numConnectionsLive : 0);

export function evidence({ id, flow }: Indexed): FlowEvidence {
  const k = flow.key;
  return {
    id,
    source: sourceOf(k),
    destination: destinationOf(k),
    destPort: k.destPort,
    proto: k.proto,
    reporter: k.reporter,
    action: k.action,
    pendingAction: pendingVerdict(k) ?? k.action,
    startTime: flow.startTime,
    endTime: flow.endTime,
    connections: connectionsOf(flow),
  };
}

/** The examples a finding shows: one record per distinct path, the most connections first, then the newest. */
export function examples(list: readonly Indexed[], count: number): FlowEvidence[] {
  const sorted = [...list].sort(
    (a, b) => connectionsOf(b.flow) - connectionsOf(a.flow) || b.flow.endTime - a.flow.endTime || a.id - b.id,
  );
  const seen = new Set<string>();
  const out: FlowEvidence[] = [];
  for (const item of sorted) {
    const k = item.flow.key;
    const path = `${sourceOf(k)}>${destinationOf(k)}:${k.destPort}/${k.proto}/${k.reporter}/${k.action}`;
    if (seen.has(path)) continue;
    seen.add(path);
    out.push(evidence(item));
    if (out.length === count) break;
  }
  return out;
}

/** The addresses a flow carries for one side ([] for flows without address sets, such as Goldmane's). */
export function addressesOf(flow: Flow, side: 'source' | 'dest'): readonly string[] {
  return (side === 'source' ? flow.sourceIps?.ips : flow.destIps?.ips) ?? [];
}
