// whisker-backend's JSON shapes (calico-observability §4.1, §4.2), with the two fixes the Whisker UI
// needs: empty policy lists are `[]`, and `total.totalResults` is sent.
import { hitToWhiskerJson, type WhiskerPolicyHit } from '@verdict/engine';
import type { FlowResult, HintType } from '@verdict/flows';
import { displayName, displayNamespace, sortHits } from '@verdict/flows';

export type PolicyHitJson = WhiskerPolicyHit;

export interface FlowResponse {
  start_time: string;
  end_time: string;
  action: string;
  source_name: string;
  source_namespace: string;
  source_labels: string;
  dest_name: string;
  dest_namespace: string;
  dest_labels: string;
  protocol: string;
  dest_port: number;
  reporter: string;
  policies: { enforced: PolicyHitJson[]; pending: PolicyHitJson[] };
  packets_in: number;
  packets_out: number;
  bytes_in: number;
  bytes_out: number;
  /** Calico 3.33: the service the traffic was addressed to; absent when there was none. */
  service?: ServiceJson;
}

export interface ServiceJson {
  name: string;
  namespace: string;
  port: number;
  port_name: string;
}

/** The Key's dest_service_* as 3.33's `service` object; `-` (or "") as the name means none. */
function serviceOf(k: FlowResult['flow']['key']): ServiceJson | undefined {
  if (k.destServiceName === '-' || k.destServiceName === '') return undefined;
  return {
    name: k.destServiceName,
    namespace: k.destServiceNamespace,
    port: k.destServicePort,
    port_name: k.destServicePortName === '-' ? '' : k.destServicePortName,
  };
}

export interface ListResponse<T> {
  total: { totalPages: number; totalResults: number };
  items: T[];
}

/** Unix seconds as RFC 3339 in UTC, without fractional seconds, as Go's time.Time marshals it. */
export const rfc3339 = (seconds: number): string => new Date(seconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** A flow as whisker-backend sends it; hits in `policy_index` order (§3.3). */
export function flowResponse({ flow }: FlowResult): FlowResponse {
  const k = flow.key;
  const response: FlowResponse = {
    start_time: rfc3339(flow.startTime),
    end_time: rfc3339(flow.endTime),
    action: k.action,
    source_name: displayName(k.sourceName),
    source_namespace: k.sourceNamespace,
    source_labels: flow.sourceLabels.join(' | '),
    dest_name: displayName(k.destName),
    dest_namespace: k.destNamespace,
    dest_labels: flow.destLabels.join(' | '),
    protocol: k.proto,
    dest_port: k.destPort,
    reporter: k.reporter,
    policies: {
      enforced: sortHits(k.policies.enforced).map(hitToWhiskerJson),
      pending: sortHits(k.policies.pending).map(hitToWhiskerJson),
    },
    packets_in: flow.packetsIn,
    packets_out: flow.packetsOut,
    bytes_in: flow.bytesIn,
    bytes_out: flow.bytesOut,
  };
  const service = serviceOf(k);
  if (service) response.service = service;
  return response;
}

/**
 * Hint values as the UI shows them: for source and destination namespaces `""` and `-` become
 * `Global`, for names `pub`/`pvt` become `PUBLIC NETWORK`/`PRIVATE NETWORK`. Duplicates that the
 * rewrite creates within the page are dropped.
 */
export function hintValues(type: HintType, values: readonly string[]): { value: string }[] {
  const shown =
    type === 'SourceNamespace' || type === 'DestNamespace'
      ? values.map(displayNamespace)
      : type === 'SourceName' || type === 'DestName'
        ? values.map(displayName)
        : values;
  return [...new Set(shown)].map((value) => ({ value }));
}
