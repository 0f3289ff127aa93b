// FlowResult → ApiFlow.

import type { Action, ApiFlow, ApiPolicyHit } from '@verdict/api';
import type { PolicyHit } from '@verdict/engine';
import type { FlowAction, FlowResult } from '@verdict/flows';
import { DEFAULT_CLUSTER, pendingVerdict } from '@verdict/flows';

export function apiHit(h: PolicyHit): ApiPolicyHit {
  return {
    kind: h.kind,
    name: h.name,
    namespace: h.namespace,
    tier: h.tier,
    action: h.action,
    policyIndex: h.policyIndex,
    ruleIndex: h.ruleIndex,
    trigger: h.trigger
      ? { kind: h.trigger.kind, name: h.trigger.name, namespace: h.trigger.namespace, tier: h.trigger.tier }
      : null,
  };
}

/** A flow's final action is never Pass; should a source report one, it shows as Allow (Pass hands on, it does not deny). */
const verdict = (a: FlowAction): Action => (a === 'Deny' ? 'Deny' : 'Allow');

/** The stored flow as the UI shows it; `pendingAction` falls back to `action` when the pending trace decides nothing. */
export function apiFlow({ id, flow, cluster }: FlowResult): ApiFlow {
  const { policies, action, ...endpoints } = flow.key;
  return {
    id,
    cluster: cluster ?? DEFAULT_CLUSTER,
    startTime: flow.startTime,
    endTime: flow.endTime,
    ...endpoints,
    action: verdict(action),
    pendingAction: verdict(pendingVerdict(flow.key) ?? action),
    sourceLabels: [...flow.sourceLabels],
    destLabels: [...flow.destLabels],
    packetsIn: flow.packetsIn,
    packetsOut: flow.packetsOut,
    bytesIn: flow.bytesIn,
    bytesOut: flow.bytesOut,
    numConnectionsStarted: flow.numConnectionsStarted,
    numConnectionsCompleted: flow.numConnectionsCompleted,
    numConnectionsLive: flow.numConnectionsLive,
    sourceIps: [...(flow.sourceIps?.ips ?? [])],
    sourceIpsBeyond: flow.sourceIps?.beyond ?? 0,
    destIps: [...(flow.destIps?.ips ?? [])],
    destIpsBeyond: flow.destIps?.beyond ?? 0,
    policies: { enforced: policies.enforced.map(apiHit), pending: policies.pending.map(apiHit) },
  };
}
