// Enrichment: a raw observation (5-tuple and endpoint identities, no traces) becomes the flow
// records Calico would report: one per reporting side, with the enforced and pending traces of
// that side from the engine.
import { type Evaluator, type FlowVerdict, goldmaneProtocol, type SideVerdict } from '@verdict/engine';
import { ipSetOf } from './ips.ts';
import { withIps } from './key.ts';
import type { Flow, FlowAction, RawFlow, Reporter } from './model.ts';

export interface EnrichError {
  message: string;
  /** Which field of the raw flow: `source`, `destination`, `protocol`, `destPort`. */
  path: string;
}

export type Enriched = { ok: true; flows: Flow[]; verdict: FlowVerdict } | { ok: false; error: EnrichError };

/**
 * Evaluates a raw flow and returns the flow records of both reporters: `Src` when the source is a
 * policy-enforced endpoint (its egress trace), `Dst` when the destination is one and the egress
 * side let the packet through (its ingress trace).
 */
export function enrichRawFlow(evaluator: Evaluator, raw: RawFlow): Enriched {
  const query = { source: raw.source, destination: raw.destination, protocol: raw.protocol, destPort: raw.destPort };
  const result = evaluator.evaluate(raw.sourcePort === undefined ? query : { ...query, sourcePort: raw.sourcePort });
  if (!result.ok) return { ok: false, error: { message: result.error.message, path: result.error.path } };
  const verdict = result.value;
  const flows: Flow[] = [];
  const { egress, ingress } = verdict.enforced;
  if (egress) flows.push(record(raw, verdict, 'Src', egress, verdict.pending.egress));
  if (ingress && egress?.action !== 'Deny') flows.push(record(raw, verdict, 'Dst', ingress, verdict.pending.ingress));
  return { ok: true, flows, verdict };
}

function record(
  raw: RawFlow,
  verdict: FlowVerdict,
  reporter: Reporter,
  enforced: SideVerdict,
  pending: SideVerdict | undefined,
): Flow {
  const { source, destination } = verdict;
  const service = raw.destService;
  const flow: Flow = {
    key: {
      sourceName: source.aggregatedName,
      sourceNamespace: source.namespace,
      sourceType: source.type,
      destName: destination.aggregatedName,
      destNamespace: destination.namespace,
      destType: destination.type,
      destPort: raw.destPort,
      destServiceName: service?.name ?? '-',
      destServiceNamespace: service?.namespace ?? '-',
      destServicePortName: service?.portName || '-',
      destServicePort: service?.port ?? 0,
      proto: goldmaneProtocol(verdict.protocol),
      reporter,
      action: enforced.action as FlowAction,
      policies: { enforced: enforced.hits, pending: (pending ?? enforced).hits },
    },
    startTime: raw.startTime,
    endTime: raw.startTime,
    sourceLabels: source.labels,
    destLabels: destination.labels,
    packetsIn: raw.packetsIn ?? 0,
    packetsOut: raw.packetsOut ?? 0,
    bytesIn: raw.bytesIn ?? 0,
    bytesOut: raw.bytesOut ?? 0,
    numConnectionsStarted: raw.connectionsStarted ?? 0,
    numConnectionsCompleted: raw.connectionsCompleted ?? 0,
    numConnectionsLive: raw.connectionsLive ?? 0,
  };
  return withIps(flow, ipSetOf(source.ip), ipSetOf(destination.ip));
}
